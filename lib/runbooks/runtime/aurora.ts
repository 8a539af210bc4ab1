import {
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  GlobalCluster,
  RDSClient,
  SwitchoverGlobalClusterCommand,
} from '@aws-sdk/client-rds';
import type { AuroraEngine, DatabaseName, GlobalDatabaseTopology } from '../../topology/topology';
import { DatabaseStartError, DatabaseWaitTimeoutError, summarizeError } from './errors';

/**
 * Aurora global database operations. All calls go to ONE RDS client: the Region the
 * runbook runs in (the Region being promoted), never the failed Region. A global
 * cluster and its members are visible from any Region that hosts a member.
 */

export type DatabaseMoveMode = 'failover' | 'switchover';

/** `FailoverState.Status` values that mean an operation is pending or running. */
const IN_PROGRESS_FAILOVER_STATES = new Set(['pending', 'failing-over', 'switching-over', 'cancelling']);

export interface MemberSnapshot {
  readonly region: string;
  readonly clusterArn: string;
  readonly isWriter: boolean;
  readonly synchronizationStatus?: string;
}

export interface FailoverSnapshot {
  readonly status: string;
  readonly fromRegion?: string;
  readonly toRegion?: string;
  readonly dataLossAllowed?: boolean;
}

export interface GlobalDatabaseSnapshot {
  readonly name: DatabaseName;
  readonly engine: AuroraEngine;
  readonly globalClusterIdentifier: string;
  readonly status: string;
  readonly writerRegion?: string;
  readonly members: readonly MemberSnapshot[];
  /** Present only while a switchover/failover is pending or running. */
  readonly operation?: FailoverSnapshot;
}

/** The Region field of an ARN (`arn:partition:service:region:account:...`). */
export function regionOfArn(arn: string): string {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[3] === '') {
    throw new Error(`Not a Regional ARN: ${arn}`);
  }
  return parts[3];
}

function snapshotOf(db: GlobalDatabaseTopology, cluster: GlobalCluster): GlobalDatabaseSnapshot {
  const members: MemberSnapshot[] = (cluster.GlobalClusterMembers ?? [])
    .filter((m): m is typeof m & { DBClusterArn: string } => typeof m.DBClusterArn === 'string')
    .map((m) => ({
      region: regionOfArn(m.DBClusterArn),
      clusterArn: m.DBClusterArn,
      isWriter: m.IsWriter === true,
      synchronizationStatus: m.SynchronizationStatus,
    }));
  const writer = members.find((m) => m.isWriter);
  const state = cluster.FailoverState;
  const operation: FailoverSnapshot | undefined =
    state?.Status !== undefined && IN_PROGRESS_FAILOVER_STATES.has(state.Status)
      ? {
          status: state.Status,
          fromRegion: state.FromDbClusterArn ? regionOfArn(state.FromDbClusterArn) : undefined,
          toRegion: state.ToDbClusterArn ? regionOfArn(state.ToDbClusterArn) : undefined,
          dataLossAllowed: state.IsDataLossAllowed,
        }
      : undefined;
  return {
    name: db.name,
    engine: db.engine,
    globalClusterIdentifier: db.globalClusterIdentifier,
    status: cluster.Status ?? 'unknown',
    writerRegion: writer?.region,
    members,
    operation,
  };
}

export async function describeGlobalDatabase(rds: RDSClient, db: GlobalDatabaseTopology): Promise<GlobalDatabaseSnapshot> {
  const response = await rds.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: db.globalClusterIdentifier }));
  const cluster = response.GlobalClusters?.find((c) => c.GlobalClusterIdentifier === db.globalClusterIdentifier);
  if (cluster === undefined) {
    throw new Error(`Global database ${db.globalClusterIdentifier} (${db.name}) was not found`);
  }
  return snapshotOf(db, cluster);
}

export async function describeGlobalDatabases(
  rds: RDSClient,
  databases: readonly GlobalDatabaseTopology[],
): Promise<GlobalDatabaseSnapshot[]> {
  return Promise.all(databases.map((db) => describeGlobalDatabase(rds, db)));
}

function memberIn(snapshot: GlobalDatabaseSnapshot, region: string): MemberSnapshot | undefined {
  return snapshot.members.find((m) => m.region === region);
}

/** Why a planned, no-data-loss switchover to `target` must not start (empty = healthy). */
export function switchoverProblems(snapshot: GlobalDatabaseSnapshot, target: string): string[] {
  const problems: string[] = [];
  const label = `${snapshot.name} (${snapshot.globalClusterIdentifier})`;
  if (snapshot.status !== 'available') {
    problems.push(`${label}: global cluster status is ${snapshot.status}, not available`);
  }
  if (snapshot.operation !== undefined) {
    problems.push(`${label}: a ${snapshot.operation.status} operation is already in progress`);
  }
  if (snapshot.writerRegion === undefined) {
    problems.push(`${label}: no writer member`);
  }
  if (memberIn(snapshot, target) === undefined) {
    problems.push(`${label}: no member cluster in ${target}`);
  }
  for (const member of snapshot.members.filter((m) => !m.isWriter)) {
    if (member.synchronizationStatus !== 'connected') {
      problems.push(
        `${label}: secondary in ${member.region} is not in sync (synchronization status ${member.synchronizationStatus ?? 'unknown'})`,
      );
    }
  }
  return problems;
}

/** Why `region` is not yet a healthy secondary that traffic can come back to. */
export function failbackProblems(snapshot: GlobalDatabaseSnapshot, region: string): string[] {
  const problems: string[] = [];
  const label = `${snapshot.name} (${snapshot.globalClusterIdentifier})`;
  const member = memberIn(snapshot, region);
  if (snapshot.status !== 'available') {
    problems.push(`${label}: global cluster status is ${snapshot.status}, not available`);
  }
  if (snapshot.operation !== undefined) {
    problems.push(`${label}: a ${snapshot.operation.status} operation is in progress`);
  }
  if (member === undefined) {
    problems.push(`${label}: no member cluster in ${region} (rejoin it to the global database first)`);
  } else {
    if (member.isWriter) {
      problems.push(`${label}: ${region} is the writer; failback restores a secondary Region (use switchover to move the writer)`);
    }
    if (member.synchronizationStatus !== 'connected') {
      problems.push(`${label}: ${region} is not in sync (synchronization status ${member.synchronizationStatus ?? 'unknown'})`);
    }
  }
  return problems;
}

export type MoveAction = 'none' | 'start' | 'in-progress';

export interface PlannedMove {
  readonly name: DatabaseName;
  readonly globalClusterIdentifier: string;
  readonly oldWriterRegion?: string;
  readonly targetClusterArn: string;
  /** none: already writing in the target; in-progress: an operation to the target is running. */
  readonly action: MoveAction;
}

/** Decides, per database, whether an operation to `target` must be started. */
export function planMove(snapshot: GlobalDatabaseSnapshot, db: GlobalDatabaseTopology, target: string): PlannedMove {
  const member = db.members[target];
  if (member === undefined) {
    throw new Error(`${db.name}: the topology has no member cluster in ${target}`);
  }
  const base = {
    name: db.name,
    globalClusterIdentifier: db.globalClusterIdentifier,
    oldWriterRegion: snapshot.writerRegion,
    targetClusterArn: member.clusterArn,
  };
  if (snapshot.operation !== undefined) {
    if (snapshot.operation.toRegion === target) {
      return { ...base, action: 'in-progress' };
    }
    throw new Error(
      `${db.name}: a ${snapshot.operation.status} operation towards ${snapshot.operation.toRegion ?? 'another Region'} is in progress`,
    );
  }
  if (snapshot.writerRegion === target) {
    return { ...base, action: 'none' };
  }
  return { ...base, action: 'start' };
}

export interface StartedMove extends PlannedMove {
  /** Whether FailoverGlobalCluster/SwitchoverGlobalCluster was called. */
  readonly called: boolean;
}

/**
 * Starts every planned operation before anyone waits (databases fail over in
 * parallel). A failure on one database does not stop the others; afterwards the
 * failures are thrown together so the step fails with every reason.
 */
export async function startMoves(
  rds: RDSClient,
  plans: readonly PlannedMove[],
  mode: DatabaseMoveMode,
  dryRun: boolean,
): Promise<StartedMove[]> {
  const started: StartedMove[] = [];
  const errors: string[] = [];
  for (const plan of plans) {
    if (plan.action !== 'start' || dryRun) {
      started.push({ ...plan, called: false });
      continue;
    }
    try {
      if (mode === 'failover') {
        await rds.send(
          new FailoverGlobalClusterCommand({
            GlobalClusterIdentifier: plan.globalClusterIdentifier,
            TargetDbClusterIdentifier: plan.targetClusterArn,
            AllowDataLoss: true,
          }),
        );
      } else {
        await rds.send(
          new SwitchoverGlobalClusterCommand({
            GlobalClusterIdentifier: plan.globalClusterIdentifier,
            TargetDbClusterIdentifier: plan.targetClusterArn,
          }),
        );
      }
      started.push({ ...plan, called: true });
    } catch (error) {
      const summary = summarizeError(error);
      errors.push(`${plan.name} (${plan.globalClusterIdentifier}): ${summary.name}: ${summary.message}`);
    }
  }
  if (errors.length > 0) {
    const ok = started.filter((s) => s.called).map((s) => s.name);
    throw new DatabaseStartError(
      `Could not start ${mode} for ${errors.join('; ')}${ok.length > 0 ? `. Started: ${ok.join(', ')}` : ''}`,
    );
  }
  return started;
}

/** Done = the target member is the writer, the global cluster is available, nothing in flight. */
export function isMoveComplete(snapshot: GlobalDatabaseSnapshot, target: string): boolean {
  return snapshot.writerRegion === target && snapshot.status === 'available' && snapshot.operation === undefined;
}

export interface DatabaseProgress {
  readonly name: DatabaseName;
  readonly globalClusterIdentifier: string;
  readonly writerRegion?: string;
  readonly status: string;
  readonly operation?: string;
  readonly complete: boolean;
}

export interface WaitOutcome {
  readonly complete: boolean;
  readonly databases: readonly DatabaseProgress[];
  readonly checks: number;
}

export interface WaitDeps {
  readonly rds: RDSClient;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

function progressOf(snapshot: GlobalDatabaseSnapshot, target: string): DatabaseProgress {
  return {
    name: snapshot.name,
    globalClusterIdentifier: snapshot.globalClusterIdentifier,
    writerRegion: snapshot.writerRegion,
    status: snapshot.status,
    operation: snapshot.operation?.status,
    complete: isMoveComplete(snapshot, target),
  };
}

function describeProgress(progress: readonly DatabaseProgress[]): string {
  return progress
    .map(
      (p) =>
        `${p.name}: writer=${p.writerRegion ?? 'none'} status=${p.status}${p.operation ? ` operation=${p.operation}` : ''}${
          p.complete ? ' (done)' : ''
        }`,
    )
    .join('; ');
}

/**
 * Polls until every database is complete, the poll budget of this invocation is used
 * (returns `complete: false` so the document loops), or the overall deadline passes
 * (throws with each database's state). A cancelled operation fails at once.
 */
export async function waitForMoves(
  deps: WaitDeps,
  databases: readonly GlobalDatabaseTopology[],
  target: string,
  options: { readonly deadline: Date; readonly budgetMs: number; readonly pollIntervalMs: number },
): Promise<WaitOutcome> {
  const invocationEnd = deps.now().getTime() + options.budgetMs;
  let checks = 0;
  for (;;) {
    checks++;
    const snapshots = await describeGlobalDatabases(deps.rds, databases);
    const progress = snapshots.map((s) => progressOf(s, target));
    const cancelled = snapshots.filter((s) => s.operation?.status === 'cancelling');
    if (cancelled.length > 0) {
      throw new Error(
        `Operation cancelled by Aurora for ${cancelled.map((s) => s.name).join(', ')}: ${describeProgress(progress)}`,
      );
    }
    if (progress.every((p) => p.complete)) {
      return { complete: true, databases: progress, checks };
    }
    const nowMs = deps.now().getTime();
    if (nowMs >= options.deadline.getTime()) {
      throw new DatabaseWaitTimeoutError(
        `Databases not promoted in ${target} by ${options.deadline.toISOString()}: ${describeProgress(progress)}`,
      );
    }
    if (nowMs + options.pollIntervalMs >= invocationEnd) {
      return { complete: false, databases: progress, checks };
    }
    await deps.sleep(options.pollIntervalMs);
  }
}
