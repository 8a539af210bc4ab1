/**
 * CloneNewPrimary / WaitForNewPrimaryClone: the comparison never reads the live new primary.
 *
 * - `start` (right after the preflight, before anything else is created): a copy-on-write
 *   clone of this Region's member (`RestoreDBClusterToPointInTime`, `RestoreType:
 *   copy-on-write`, `UseLatestRestorableTime`) and, when FailoverTime is set, the *base*: the
 *   new primary restored to that time (a full copy: RDS refuses `RestoreToTime` with
 *   copy-on-write). A FailoverTime outside the member's restore window fails before either
 *   call. Both carry the run's tags, so the cleanup and the next run's leftover sweep find them.
 * - `wait` (after the old primary's restore, while the document loops): advances each cluster
 *   (available -> an RDS-managed master secret, so rotation of the member's secret does not
 *   matter -> one instance -> available) and, when all are ready, returns their endpoints and
 *   secrets: the `TARGETS` the comparison task reads (task/settings.ts).
 */
import {
  CreateDBInstanceCommand,
  DBClusterAlreadyExistsFault,
  ModifyDBClusterCommand,
  RestoreDBClusterToPointInTimeCommand,
  type DBCluster,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { DatabaseName } from '../../topology/topology';
import { databaseOf, memberArnIn, type CloneSettings, type RuntimeConfig } from './config';
import { asRecord, errorName, readEnum, readOptionalString, readPayload, readString, ReconcileStepError } from './input';
import { baseName, clusterIdentifierFromArn, cloneName, DATABASE_NAMES, TAG_EXECUTION, temporaryName } from './names';
import { findCluster, findInstance, tagValue, temporaryTags } from './rds';
import { CLONE_PENDING, CLONE_READY } from './steps';

/** The CA the task's bundle holds (as for the restored old primary). */
const CA_CERTIFICATE = 'rds-ca-rsa2048-g1';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export type CloneRole = 'clone' | 'base';

export interface CloneTargetReport {
  readonly role: CloneRole;
  readonly name: string;
  /** What this call saw or did; `ready` once the cluster, its secret and its instance are available. */
  readonly phase: 'restoring' | 'enabling-managed-secret' | 'waiting-for-secret' | 'creating-instance' | 'waiting-for-instance' | 'ready';
  readonly status?: string;
  readonly endpoint?: string;
  readonly secretArn?: string;
}

export interface CloneResult {
  readonly state: 'pending' | 'ready';
  /** CLONE_PENDING or CLONE_READY: what the document's branch looks for. */
  readonly marker: string;
  readonly database: string;
  readonly executionId: string;
  readonly startedAt: string;
  readonly checkedAt: string;
  /** The base's restore time (three-way); absent: two-way. */
  readonly failoverTime?: string;
  readonly targets: readonly CloneTargetReport[];
  /** Once ready: what the comparison task reads instead of the live member (task/settings.ts TARGETS). */
  readonly newHost?: string;
  readonly newSecretArn?: string;
  readonly base?: { readonly host: string; readonly secretArn: string };
}

export interface CloneDependencies {
  readonly config: RuntimeConfig;
  /** The Region the function runs in: the new primary's. */
  readonly region: string;
  readonly rds: RDSClient;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly pollIntervalMs: number;
  /** How long one wait invocation polls before returning `pending` (below the 300 s step limit). */
  readonly maxWaitBudgetMs: number;
}

/** FailoverTime as a Date: ISO-8601 in UTC, or a clear error. Exported for the preflight. */
export function parseFailoverTime(text: string): Date {
  const time = new Date(text);
  if (!ISO_UTC.test(text) || Number.isNaN(time.getTime())) {
    throw new ReconcileStepError(`FailoverTime "${text}" is not an ISO-8601 UTC time such as 2026-01-02T03:04:05Z`);
  }
  return time;
}

/**
 * The member can be restored to `time`: within [EarliestRestorableTime, LatestRestorableTime].
 * Exported for the preflight (FindFailoverSnapshot), which checks it before anything is created.
 */
export function requireRestorable(member: DBCluster, time: Date, what: string): void {
  const earliest = member.EarliestRestorableTime;
  const latest = member.LatestRestorableTime;
  const id = member.DBClusterIdentifier ?? 'the new primary';
  if (earliest === undefined || latest === undefined) {
    throw new ReconcileStepError(`${what}: ${id} reports no restore window (automated backups off?); it cannot be restored to ${time.toISOString()}`);
  }
  if (time.getTime() < earliest.getTime()) {
    throw new ReconcileStepError(
      `${what} ${time.toISOString()} is before the earliest restorable time of ${id} (${earliest.toISOString()}): the backups no longer reach back that far. ` +
        'Run without FailoverTime (two-way report) or choose a later time.',
    );
  }
  if (time.getTime() > latest.getTime()) {
    throw new ReconcileStepError(`${what} ${time.toISOString()} is after the latest restorable time of ${id} (${latest.toISOString()})`);
  }
}

function settingsOf(config: RuntimeConfig): CloneSettings {
  if (config.clone === undefined) throw new ReconcileStepError('the clone settings are missing from the function configuration (redeploy the runbook)');
  return config.clone;
}

export async function describeMember(rds: RDSClient, config: RuntimeConfig, database: DatabaseName, region: string): Promise<DBCluster> {
  const identifier = clusterIdentifierFromArn(memberArnIn(config, database, region));
  const member = await findCluster(rds, identifier);
  if (member === undefined) throw new ReconcileStepError(`this Region's ${database} member ${identifier} does not exist`);
  return member;
}

async function restore(deps: CloneDependencies, database: DatabaseName, executionId: string, role: CloneRole, source: string, time: Date | undefined): Promise<void> {
  const settings = settingsOf(deps.config);
  const name = role === 'clone' ? cloneName(deps.config.appName, database) : baseName(deps.config.appName, database);
  const port = databaseOf(deps.config, database).port;
  try {
    await deps.rds.send(
      new RestoreDBClusterToPointInTimeCommand({
        DBClusterIdentifier: name,
        SourceDBClusterIdentifier: source,
        // A clone shares the member's pages until either side writes; RDS accepts no restore time with it.
        ...(time === undefined ? { RestoreType: 'copy-on-write', UseLatestRestorableTime: true } : { RestoreType: 'full-copy', RestoreToTime: time }),
        ...(port !== undefined ? { Port: port } : {}),
        DBSubnetGroupName: settings.subnetGroupName,
        VpcSecurityGroupIds: [settings.securityGroupId],
        DBClusterParameterGroupName: temporaryName(deps.config.appName, database),
        DeletionProtection: false,
        CopyTagsToSnapshot: false,
        EnableIAMDatabaseAuthentication: false,
        BackupRetentionPeriod: 1,
        ServerlessV2ScalingConfiguration: { MinCapacity: settings.minCapacity, MaxCapacity: settings.maxCapacity },
        Tags: temporaryTags(database, executionId),
      }),
    );
  } catch (error) {
    if (!(error instanceof DBClusterAlreadyExistsFault || errorName(error) === 'DBClusterAlreadyExistsFault')) throw error;
    // A retried step: this execution's cluster is fine, anything else is not.
    const existing = await findCluster(deps.rds, name);
    const owner = tagValue(existing?.TagList, TAG_EXECUTION);
    if (owner !== executionId) throw new ReconcileStepError(`cluster ${name} already exists (execution ${owner ?? 'unknown'}); the leftover sweep should have removed it`);
  }
}

/** One pass over one cluster: starts whatever step can start now. Exported for tests. */
export async function advanceTarget(deps: CloneDependencies, database: DatabaseName, executionId: string, role: CloneRole): Promise<CloneTargetReport> {
  const settings = settingsOf(deps.config);
  const name = role === 'clone' ? cloneName(deps.config.appName, database) : baseName(deps.config.appName, database);
  const cluster = await findCluster(deps.rds, name);
  if (cluster === undefined) throw new ReconcileStepError(`the ${role} cluster ${name} does not exist: CloneNewPrimary did not create it, or it was deleted`);
  const owner = tagValue(cluster.TagList, TAG_EXECUTION);
  if (owner !== executionId) throw new ReconcileStepError(`the ${role} cluster ${name} belongs to execution ${owner ?? 'unknown'}, not this one`);
  const status = cluster.Status ?? 'unknown';
  if (status !== 'available') return { role, name, phase: cluster.MasterUserSecret === undefined ? 'restoring' : 'waiting-for-secret', status };
  if (cluster.MasterUserSecret?.SecretArn === undefined) {
    await deps.rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: name, ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: deps.config.dataKeyArn, ApplyImmediately: true }),
    );
    return { role, name, phase: 'enabling-managed-secret', status };
  }
  const secretStatus = cluster.MasterUserSecret.SecretStatus ?? 'unknown';
  if (secretStatus !== 'active') return { role, name, phase: 'waiting-for-secret', status: `secret ${secretStatus}` };
  const instance = await findInstance(deps.rds, name);
  if (instance === undefined) {
    await deps.rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: name,
        DBClusterIdentifier: name,
        Engine: cluster.Engine,
        DBInstanceClass: settings.instanceClass,
        DBParameterGroupName: temporaryName(deps.config.appName, database),
        PubliclyAccessible: false,
        AutoMinorVersionUpgrade: false,
        CACertificateIdentifier: CA_CERTIFICATE,
        Tags: temporaryTags(database, executionId),
      }),
    );
    return { role, name, phase: 'creating-instance', status };
  }
  const instanceStatus = instance.DBInstanceStatus ?? 'unknown';
  if (instanceStatus !== 'available') return { role, name, phase: 'waiting-for-instance', status: `instance ${instanceStatus}` };
  const endpoint = cluster.Endpoint;
  if (endpoint === undefined || endpoint === '') throw new ReconcileStepError(`the ${role} cluster ${name} is available without an endpoint`);
  return { role, name, phase: 'ready', status, endpoint, secretArn: cluster.MasterUserSecret.SecretArn };
}

function outcome(
  database: string,
  executionId: string,
  startedAt: Date,
  checkedAt: Date,
  failoverTime: string | undefined,
  targets: readonly CloneTargetReport[],
): CloneResult {
  const ready = targets.every((t) => t.phase === 'ready');
  const clone = targets.find((t) => t.role === 'clone');
  const base = targets.find((t) => t.role === 'base');
  return {
    state: ready ? 'ready' : 'pending',
    marker: ready ? CLONE_READY : CLONE_PENDING,
    database,
    executionId,
    startedAt: startedAt.toISOString(),
    checkedAt: checkedAt.toISOString(),
    ...(failoverTime !== undefined ? { failoverTime } : {}),
    targets,
    ...(ready && clone?.endpoint !== undefined && clone.secretArn !== undefined ? { newHost: clone.endpoint, newSecretArn: clone.secretArn } : {}),
    ...(ready && base?.endpoint !== undefined && base.secretArn !== undefined ? { base: { host: base.endpoint, secretArn: base.secretArn } } : {}),
  };
}

export function createClone(deps: CloneDependencies): (event: unknown) => Promise<CloneResult> {
  return async (event) => {
    const input = asRecord(event, 'event');
    const operation = readEnum(input, 'operation', ['start', 'wait'] as const);
    const database = readEnum(input, 'database', DATABASE_NAMES);
    const executionId = readString(input, 'executionId');
    const invokedAt = deps.now();

    if (operation === 'start') {
      const failoverText = readOptionalString(input, 'failoverTime');
      const failoverTime = failoverText !== undefined ? parseFailoverTime(failoverText) : undefined;
      const member = await describeMember(deps.rds, deps.config, database, deps.region);
      // Checked again here (the preflight did): nothing is created when the base cannot be.
      if (failoverTime !== undefined) requireRestorable(member, failoverTime, 'FailoverTime');
      const source = member.DBClusterIdentifier ?? clusterIdentifierFromArn(memberArnIn(deps.config, database, deps.region));
      await restore(deps, database, executionId, 'clone', source, undefined);
      if (failoverTime !== undefined) await restore(deps, database, executionId, 'base', source, failoverTime);
      const targets: CloneTargetReport[] = [{ role: 'clone', name: cloneName(deps.config.appName, database), phase: 'restoring' }];
      if (failoverTime !== undefined) targets.push({ role: 'base', name: baseName(deps.config.appName, database), phase: 'restoring' });
      return outcome(database, executionId, invokedAt, deps.now(), failoverTime?.toISOString(), targets);
    }

    const started = readPayload(input, 'started');
    const startedAt = new Date(readString(started, 'startedAt'));
    if (Number.isNaN(startedAt.getTime())) throw new ReconcileStepError('"started.startedAt" is not a time');
    const failoverTime = readOptionalString(started, 'failoverTime');
    const roles: CloneRole[] = failoverTime !== undefined ? ['clone', 'base'] : ['clone'];
    const settings = settingsOf(deps.config);
    const deadline = startedAt.getTime() + settings.timeoutMinutes * 60_000;
    const budgetEnd = invokedAt.getTime() + deps.maxWaitBudgetMs;
    for (;;) {
      const targets: CloneTargetReport[] = [];
      for (const role of roles) targets.push(await advanceTarget(deps, database, executionId, role));
      const checkedAt = deps.now();
      const result = outcome(database, executionId, startedAt, checkedAt, failoverTime, targets);
      if (result.state === 'ready') return result;
      if (checkedAt.getTime() >= deadline) {
        const last = targets.filter((t) => t.phase !== 'ready').map((t) => `${t.role} ${t.name}: ${t.phase} (${t.status ?? '?'})`);
        throw new ReconcileStepError(`the new primary's clone is not ready ${settings.timeoutMinutes} minutes after it was started; last seen: ${last.join('; ')}`);
      }
      if (checkedAt.getTime() + deps.pollIntervalMs > budgetEnd) return result;
      await deps.sleep(deps.pollIntervalMs);
    }
  };
}
