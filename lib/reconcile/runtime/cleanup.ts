/**
 * DeleteTemporaryCluster / WaitForTemporaryClusterDeletion: deletes what this execution
 * created (the restored old primary, the clone of the new primary and the base: each instance,
 * then each cluster without a final snapshot; the copied snapshot) and
 * reports `pending` until all of it is gone.
 *
 * - Reached on success and through `onFailure`/`onCancel` from every step that may have
 *   created something, so any of the three may or may not exist: absent is fine.
 * - Deletes only resources tagged with this execution's id; another run's are left alone
 *   and named in the result.
 * - The cluster is deleted once its instance is deleting (RDS refuses earlier); every call
 *   advances whatever can advance, so the first call alone starts every deletion that is
 *   possible (a cancelled execution gets two minutes for its onCancel step).
 * - The copied snapshot is deleted too: it is a full copy of production data, the restored
 *   cluster does not need it, and the source snapshot in the old Region stays for reruns.
 *
 * RemoveLeftoversOfEarlierRuns / WaitForLeftoversRemoval (`leftovers-start` / `leftovers-wait`,
 * the first steps of a run): an execution cancelled while RDS was still creating its cluster
 * cannot delete it in its two-minute cancel window. The next run finds such resources by
 * their execution tag and deletes them before it starts, but only once SSM reports that
 * execution finished; one still running is never touched (the run fails, naming it).
 */
import {
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  type RDSClient,
  type Tag,
} from '@aws-sdk/client-rds';
import { AutomationExecutionNotFoundException, GetAutomationExecutionCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { RuntimeConfig } from './config';
import { asRecord, errorName, readEnum, readPayload, readString, ReconcileStepError } from './input';
import { DATABASE_NAMES, TAG_EXECUTION, temporaryClusterNames, temporaryName } from './names';
import { CLEANUP_DONE, CLEANUP_PENDING } from './steps';
import { findCluster, findInstance, findSnapshot, isClusterNotFound, isInstanceNotFound, isSnapshotNotFound, tagValue } from './rds';

/** gone: absent; deleting: RDS is deleting it; started: this call started the deletion;
 *  waiting: cannot be deleted yet (e.g. still creating); not-ours: another execution's. */
export type ResourceState = 'gone' | 'deleting' | 'started' | 'waiting' | 'not-ours';

export interface ResourceReport {
  readonly kind: 'instance' | 'cluster' | 'snapshot';
  readonly name: string;
  readonly state: ResourceState;
  readonly status?: string;
  readonly owner?: string;
}

export interface CleanupResult {
  readonly state: 'pending' | 'done';
  /** CLEANUP_PENDING or CLEANUP_DONE: what the document's branch looks for. */
  readonly marker: string;
  readonly database: string;
  readonly executionId: string;
  readonly startedAt: string;
  readonly checkedAt: string;
  readonly resources: readonly ResourceReport[];
}

export interface CleanupDependencies {
  readonly config: RuntimeConfig;
  readonly rds: RDSClient;
  /** Status of an Automation execution (SSM GetAutomationExecution), undefined when SSM no longer knows it. */
  readonly executionStatus: (executionId: string) => Promise<string | undefined>;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly pollIntervalMs: number;
  /** How long one wait invocation polls before returning `pending` (below the 300 s step limit). */
  readonly maxWaitBudgetMs: number;
}

const FINISHED: readonly ResourceState[] = ['gone', 'not-ours'];
const INSTANCE_RELEASED: readonly ResourceState[] = ['gone', 'deleting', 'started'];

function isInvalidState(error: unknown): boolean {
  return (
    error instanceof InvalidDBInstanceStateFault ||
    error instanceof InvalidDBClusterStateFault ||
    error instanceof InvalidDBClusterSnapshotStateFault ||
    ['InvalidDBInstanceStateFault', 'InvalidDBClusterStateFault', 'InvalidDBClusterSnapshotStateFault'].includes(errorName(error) ?? '')
  );
}

async function attempt(remove: () => Promise<unknown>, notFound: (error: unknown) => boolean): Promise<ResourceState> {
  try {
    await remove();
    return 'started';
  } catch (error) {
    if (notFound(error)) return 'gone';
    if (isInvalidState(error)) return 'waiting';
    throw error;
  }
}

/** Status of an Automation execution, undefined when SSM no longer knows it (executions expire). */
export function executionStatusFrom(ssm: SSMClient): (executionId: string) => Promise<string | undefined> {
  return async (id) => {
    try {
      const out = await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }));
      return out.AutomationExecution?.AutomationExecutionStatus;
    } catch (error) {
      if (error instanceof AutomationExecutionNotFoundException || errorName(error) === 'AutomationExecutionNotFoundException') return undefined;
      throw error;
    }
  };
}

/** Whether this pass may delete a resource tagged with `owner` (undefined: untagged). */
export type Ownership = (owner: string | undefined) => Promise<boolean>;

/** The execution's own resources. */
export const ownedBy =
  (executionId: string): Ownership =>
  (owner) =>
    Promise.resolve(owner === executionId);

/** Automation statuses after which an execution never touches its resources again. */
const FINISHED_EXECUTION = ['Success', 'Failed', 'TimedOut', 'Cancelled', 'CompletedWithSuccess', 'CompletedWithFailure', 'Rejected', 'Exited'];

/**
 * Another execution's resources, once SSM reports it finished (or no longer knows it).
 * A running one is an error: two runs would share the names.
 */
export function leftoversOf(executionId: string, executionStatus: (id: string) => Promise<string | undefined>): Ownership {
  return async (owner) => {
    if (owner === undefined || owner === executionId) return false;
    const status = await executionStatus(owner);
    if (status === undefined || FINISHED_EXECUTION.includes(status)) return true;
    throw new ReconcileStepError(`another restore-and-reconcile execution (${owner}, ${status}) is still using the temporary resources of this database; wait for it to finish and start again`);
  };
}

async function owned(tags: readonly Tag[] | undefined, mayDelete: Ownership): Promise<{ readonly ours: boolean; readonly owner?: string }> {
  const owner = tagValue(tags, TAG_EXECUTION);
  return { ours: await mayDelete(owner), ...(owner !== undefined ? { owner } : {}) };
}

/** One pass over one cluster and its instance: starts every deletion that can start now. */
async function advanceCluster(rds: RDSClient, name: string, mayDelete: Ownership): Promise<ResourceReport[]> {
  const [instance, cluster] = await Promise.all([findInstance(rds, name), findCluster(rds, name)]);

  let instanceReport: ResourceReport;
  if (instance === undefined) {
    instanceReport = { kind: 'instance', name, state: 'gone' };
  } else {
    const { ours, owner } = await owned(instance.TagList, mayDelete);
    const status = instance.DBInstanceStatus ?? 'unknown';
    const state: ResourceState = !ours
      ? 'not-ours'
      : status === 'deleting'
        ? 'deleting'
        : await attempt(() => rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: name })), isInstanceNotFound);
    instanceReport = { kind: 'instance', name, state, status, ...(owner !== undefined ? { owner } : {}) };
  }

  let clusterReport: ResourceReport;
  if (cluster === undefined) {
    clusterReport = { kind: 'cluster', name, state: 'gone' };
  } else {
    const { ours, owner } = await owned(cluster.TagList, mayDelete);
    const status = cluster.Status ?? 'unknown';
    let state: ResourceState;
    if (!ours) state = 'not-ours';
    else if (status === 'deleting') state = 'deleting';
    // RDS refuses to delete a cluster whose instances are not being deleted.
    else if (!INSTANCE_RELEASED.includes(instanceReport.state)) state = 'waiting';
    else state = await attempt(() => rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: name, SkipFinalSnapshot: true })), isClusterNotFound);
    clusterReport = { kind: 'cluster', name, state, status, ...(owner !== undefined ? { owner } : {}) };
  }
  return [instanceReport, clusterReport];
}

/**
 * One pass: starts every deletion that can start now, for the restored old primary (`name`),
 * the clone of the new primary and the base (runtime/names.ts temporaryClusterNames), and the
 * copied snapshot. Exported for tests.
 */
export async function advanceCleanup(rds: RDSClient, name: string, mayDelete: Ownership, clusterNames: readonly string[] = [name]): Promise<ResourceReport[]> {
  const [clusters, snapshot] = await Promise.all([Promise.all(clusterNames.map((cluster) => advanceCluster(rds, cluster, mayDelete))), findSnapshot(rds, name)]);

  let snapshotReport: ResourceReport;
  if (snapshot === undefined) {
    snapshotReport = { kind: 'snapshot', name, state: 'gone' };
  } else {
    const { ours, owner } = await owned(snapshot.TagList, mayDelete);
    const status = snapshot.Status ?? 'unknown';
    const state: ResourceState = !ours
      ? 'not-ours'
      : status === 'deleting'
        ? 'deleting'
        : // Deleting a snapshot that is still copying also cancels the copy.
          await attempt(() => rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: name })), isSnapshotNotFound);
    snapshotReport = { kind: 'snapshot', name, state, status, ...(owner !== undefined ? { owner } : {}) };
  }
  return [...clusters.flat(), snapshotReport];
}

function isDone(resources: readonly ResourceReport[]): boolean {
  return resources.every((r) => FINISHED.includes(r.state));
}

function remaining(resources: readonly ResourceReport[]): string {
  return resources
    .filter((r) => !FINISHED.includes(r.state))
    .map((r) => `${r.kind} ${r.name} (${r.status ?? r.state})`)
    .join(', ');
}

function result(done: boolean, database: string, executionId: string, startedAt: Date, checkedAt: Date, resources: readonly ResourceReport[]): CleanupResult {
  return {
    state: done ? 'done' : 'pending',
    marker: done ? CLEANUP_DONE : CLEANUP_PENDING,
    database,
    executionId,
    startedAt: startedAt.toISOString(),
    checkedAt: checkedAt.toISOString(),
    resources,
  };
}

export function createCleanup(deps: CleanupDependencies): (event: unknown) => Promise<CleanupResult> {
  return async (event) => {
    const input = asRecord(event, 'event');
    const operation = readEnum(input, 'operation', ['start', 'wait', 'leftovers-start', 'leftovers-wait'] as const);
    const database = readEnum(input, 'database', DATABASE_NAMES);
    const executionId = readString(input, 'executionId');
    const name = temporaryName(deps.config.appName, database);
    const invokedAt = deps.now();
    const leftovers = operation.startsWith('leftovers');
    const mayDelete = leftovers ? leftoversOf(executionId, deps.executionStatus) : ownedBy(executionId);
    const clusters = temporaryClusterNames(deps.config.appName, database);

    if (operation === 'start' || operation === 'leftovers-start') {
      const resources = await advanceCleanup(deps.rds, name, mayDelete, clusters);
      return result(isDone(resources), database, executionId, invokedAt, deps.now(), resources);
    }

    const started = readPayload(input, 'started');
    const startedAt = new Date(readString(started, 'startedAt'));
    if (Number.isNaN(startedAt.getTime())) throw new ReconcileStepError('"started.startedAt" is not a time');
    const deadline = startedAt.getTime() + deps.config.cleanupTimeoutMinutes * 60_000;
    const budgetEnd = invokedAt.getTime() + deps.maxWaitBudgetMs;
    for (;;) {
      const resources = await advanceCleanup(deps.rds, name, mayDelete, clusters);
      const checkedAt = deps.now();
      if (isDone(resources)) {
        return result(true, database, executionId, startedAt, checkedAt, resources);
      }
      if (checkedAt.getTime() >= deadline) {
        throw new ReconcileStepError(
          `${leftovers ? 'leftovers of an earlier run' : 'temporary resources'} still not deleted ${deps.config.cleanupTimeoutMinutes} minutes after cleanup started: ${remaining(resources)}. ` +
            `Delete them by hand (RDS console or CLI); they are tagged with ${leftovers ? 'that' : 'this'} execution id.`,
        );
      }
      if (checkedAt.getTime() + deps.pollIntervalMs > budgetEnd) {
        return result(false, database, executionId, startedAt, checkedAt, resources);
      }
      await deps.sleep(deps.pollIntervalMs);
    }
  };
}
