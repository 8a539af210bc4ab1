import {
  DBCluster,
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  GlobalCluster,
  RDSClient,
  SwitchoverGlobalClusterCommand,
} from '@aws-sdk/client-rds';
import type { AuroraEngine, DatabaseMember, DatabaseName, GlobalDatabaseTopology } from '../../topology/topology';
import { isTransientError, summarizeError } from './errors';
import { retryTransient, RetryPolicy } from './retry';

/**
 * Aurora global database operations. All calls go to ONE RDS client: the Region the
 * runbook runs in (the Region being promoted), never the failed Region. A global
 * cluster and its members are visible from any Region that hosts a member.
 *
 * Completion of a move is judged on the target alone: its member (matched by ARN) is a
 * writer of the global cluster and its cluster is `available` in the target Region. The
 * old primary's state is reported, never waited on: while its Region is unreachable it
 * may stay listed (even as writer) and the global cluster may keep a failover state.
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
  /**
   * The writer's Region. When more than one member is listed as writer (an old primary
   * whose Region is unreachable stays listed), the target of the running operation wins.
   */
  readonly writerRegion?: string;
  /** Every Region whose member is listed as writer. */
  readonly writerRegions: readonly string[];
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
  const writers = members.filter((m) => m.isWriter).map((m) => m.region);
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
    writerRegion: operation?.toRegion !== undefined && writers.includes(operation.toRegion) ? operation.toRegion : writers[0],
    writerRegions: writers,
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

/** Whether the member with this ARN is listed as a writer. */
export function isWriterMember(snapshot: GlobalDatabaseSnapshot, clusterArn: string): boolean {
  return snapshot.members.some((m) => m.clusterArn === clusterArn && m.isWriter);
}

/** The member cluster as its own Region's RDS API sees it (DescribeDBClusters). */
export async function describeMemberCluster(rds: RDSClient, member: DatabaseMember): Promise<DBCluster> {
  const response = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: member.clusterIdentifier }));
  const cluster = (response.DBClusters ?? []).find((c) => c.DBClusterArn === member.clusterArn);
  if (cluster === undefined) {
    throw new Error(`DB cluster ${member.clusterArn} was not found by DescribeDBClusters (the topology may be stale)`);
  }
  return cluster;
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
    if (member.isWriter && snapshot.writerRegions.length > 1) {
      problems.push(
        `${label}: ${region} is still listed as a writer next to ${snapshot.writerRegions.filter((r) => r !== region).join(', ')} ` +
          '(the failover has not settled: Aurora demotes the old primary once its Region is back)',
      );
    } else if (member.isWriter) {
      problems.push(`${label}: ${region} is the writer; failback restores a secondary Region (use switchover to move the writer)`);
    }
    if (!member.isWriter && member.synchronizationStatus !== 'connected') {
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
  // A target already writing needs nothing, even while a failover state lingers for an unreachable old primary.
  if (isWriterMember(snapshot, member.clusterArn)) {
    return { ...base, action: 'none' };
  }
  if (snapshot.operation !== undefined) {
    if (snapshot.operation.toRegion === target) {
      return { ...base, action: 'in-progress' };
    }
    throw new Error(
      `${db.name}: a ${snapshot.operation.status} operation towards ${snapshot.operation.toRegion ?? 'another Region'} is in progress`,
    );
  }
  return { ...base, action: 'start' };
}

export interface StartedMove extends PlannedMove {
  /** Whether FailoverGlobalCluster/SwitchoverGlobalCluster was called and Aurora took it. */
  readonly called: boolean;
  /** Why the operation could not be started (the database stays where it writes). */
  readonly startError?: string;
}

async function startOne(rds: RDSClient, plan: PlannedMove, mode: DatabaseMoveMode): Promise<void> {
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
}

/**
 * Whether Aurora took an operation whose call failed: a timed-out call may have been
 * applied, and its SDK retry then fails because the operation is already running.
 */
async function startedDespiteError(rds: RDSClient, db: GlobalDatabaseTopology, plan: PlannedMove, target: string): Promise<boolean> {
  try {
    const snapshot = await describeGlobalDatabase(rds, db);
    return isWriterMember(snapshot, plan.targetClusterArn) || snapshot.operation?.toRegion === target;
  } catch {
    return false;
  }
}

/**
 * Starts every planned operation at once, before anyone waits (databases fail over in
 * parallel). Transient errors are retried within `retry`'s deadline; after any failed
 * call Aurora is asked whether it took the operation anyway. A failure on one database
 * does not stop the others; it is recorded in that database's `startError`.
 */
export async function startMoves(
  rds: RDSClient,
  databases: readonly GlobalDatabaseTopology[],
  plans: readonly PlannedMove[],
  mode: DatabaseMoveMode,
  target: string,
  dryRun: boolean,
  retry?: RetryPolicy,
): Promise<StartedMove[]> {
  return Promise.all(
    plans.map(async (plan): Promise<StartedMove> => {
      if (plan.action !== 'start' || dryRun) {
        return { ...plan, called: false };
      }
      const db = databases.find((d) => d.name === plan.name);
      try {
        await retryTransient(retry, async () => {
          try {
            await startOne(rds, plan, mode);
          } catch (error) {
            if (db !== undefined && (await startedDespiteError(rds, db, plan, target))) return;
            throw error;
          }
        });
        return { ...plan, called: true };
      } catch (error) {
        const summary = summarizeError(error);
        return { ...plan, called: false, startError: `${summary.name}: ${summary.message}` };
      }
    }),
  );
}

/** A database's progress towards the target, from the target Region's RDS API. */
export interface MoveProgress {
  readonly name: DatabaseName;
  readonly globalClusterIdentifier: string;
  readonly targetClusterArn: string;
  /** The target member (matched by ARN) is listed as a writer of the global cluster. */
  readonly targetIsWriter: boolean;
  /** The target cluster's status from DescribeDBClusters in the target Region. */
  readonly targetClusterStatus: string;
  readonly globalStatus: string;
  readonly operation?: string;
  /** Every Region whose member is listed as writer (an unreachable old primary may stay listed). */
  readonly writerRegions: readonly string[];
  readonly members: readonly MemberSnapshot[];
  readonly complete: boolean;
}

/**
 * Done = the target member is the writer and the target cluster is available. The global
 * cluster's status, its failover state and the old primary are deliberately NOT part of
 * it: while the old primary's Region is unreachable they may never settle.
 */
export function isMoveComplete(state: { readonly targetIsWriter: boolean; readonly targetClusterStatus: string }): boolean {
  return state.targetIsWriter && state.targetClusterStatus === 'available';
}

export async function describeMoveProgress(rds: RDSClient, db: GlobalDatabaseTopology, target: string): Promise<MoveProgress> {
  const member = db.members[target];
  if (member === undefined) {
    throw new Error(`${db.name}: the topology has no member cluster in ${target}`);
  }
  const [snapshot, cluster] = await Promise.all([describeGlobalDatabase(rds, db), describeMemberCluster(rds, member)]);
  const state = {
    targetIsWriter: isWriterMember(snapshot, member.clusterArn),
    targetClusterStatus: cluster.Status ?? 'unknown',
  };
  return {
    name: db.name,
    globalClusterIdentifier: db.globalClusterIdentifier,
    targetClusterArn: member.clusterArn,
    ...state,
    globalStatus: snapshot.status,
    operation: snapshot.operation?.status,
    writerRegions: snapshot.writerRegions,
    members: snapshot.members,
    complete: isMoveComplete(state),
  };
}

/** Where a database writes now, as far as `progress` shows (undefined: no writer listed). */
export function writingRegion(progress: MoveProgress, target: string): string | undefined {
  if (progress.targetIsWriter) return target;
  return progress.writerRegions[0];
}

export interface OldPrimaryState {
  readonly region: string;
  /** 'writer' while still listed as writer, 'secondary' once demoted, 'not listed' once removed. */
  readonly listedAs: 'writer' | 'secondary' | 'not listed';
  readonly synchronizationStatus?: string;
}

/** The old primary as the global cluster lists it; reported, never waited on. */
export function oldPrimaryState(progress: MoveProgress, oldWriterRegion: string | undefined, target: string): OldPrimaryState | undefined {
  if (oldWriterRegion === undefined || oldWriterRegion === target) return undefined;
  const member = progress.members.find((m) => m.region === oldWriterRegion);
  if (member === undefined) return { region: oldWriterRegion, listedAs: 'not listed' };
  return { region: oldWriterRegion, listedAs: member.isWriter ? 'writer' : 'secondary', synchronizationStatus: member.synchronizationStatus };
}

export function describeProgress(progress: readonly MoveProgress[], target: string): string {
  return progress
    .map(
      (p) =>
        `${p.name}: ${target} member ${p.targetIsWriter ? 'is writer' : 'is not writer'}, cluster ${p.targetClusterStatus}; ` +
        `global cluster ${p.globalStatus}${p.operation ? ` (${p.operation})` : ''}; listed writers: ${p.writerRegions.join(', ') || 'none'}` +
        `${p.complete ? ' (done)' : ''}`,
    )
    .join('; ');
}

export type WaitOutcome =
  /** Every database writes in the target. */
  | { readonly kind: 'complete'; readonly progress: readonly MoveProgress[]; readonly checks: number }
  /** Still moving when this invocation's budget ran out: the document loops. */
  | {
      readonly kind: 'pending';
      readonly progress?: readonly MoveProgress[];
      readonly lastSeenAt?: Date;
      readonly lastError?: string;
      readonly failedChecks: number;
      readonly checks: number;
    }
  /** Every database that was started has finished; the ones that could not be started stay where they were. */
  | { readonly kind: 'settled-incomplete'; readonly progress: readonly MoveProgress[]; readonly checks: number }
  | { readonly kind: 'cancelled'; readonly progress: readonly MoveProgress[]; readonly cancelled: readonly string[]; readonly checks: number }
  /** The overall deadline passed; `progress` is the last state seen in this invocation. */
  | {
      readonly kind: 'deadline';
      readonly progress?: readonly MoveProgress[];
      readonly lastSeenAt?: Date;
      readonly lastError?: string;
      readonly failedChecks: number;
      readonly checks: number;
    };

export interface WaitDeps {
  readonly rds: RDSClient;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface WaitOptions {
  /** Past this the wait fails, saying the last state seen. */
  readonly deadline: Date;
  /** Polling time of this invocation. */
  readonly budgetMs: number;
  readonly pollIntervalMs: number;
  /** The longest one poll can take (its calls' deadlines and retries); no poll starts that would outlive the budget. */
  readonly pollWorstCaseMs: number;
  /** Databases whose start failed: they are not waited for once nothing is in flight for them. */
  readonly notStarted?: ReadonlySet<string>;
}

/**
 * Polls the target Region until every database is complete. Transient errors (throttling,
 * 5xx, timeouts, resets) are polled through: the wait fails only at its deadline, with
 * the last state it saw and the last error. Any other error fails at once.
 */
export async function waitForMoves(
  deps: WaitDeps,
  databases: readonly GlobalDatabaseTopology[],
  target: string,
  options: WaitOptions,
): Promise<WaitOutcome> {
  const invocationEnd = deps.now().getTime() + options.budgetMs;
  const notStarted = options.notStarted ?? new Set<string>();
  let checks = 0;
  let failedChecks = 0;
  let lastSeen: readonly MoveProgress[] | undefined;
  let lastSeenAt: Date | undefined;
  let lastError: string | undefined;
  for (;;) {
    checks++;
    try {
      const progress = await Promise.all(databases.map((db) => describeMoveProgress(deps.rds, db, target)));
      lastSeen = progress;
      lastSeenAt = deps.now();
      if (progress.every((p) => p.complete)) {
        return { kind: 'complete', progress, checks };
      }
      const cancelled = progress.filter((p) => !p.complete && p.operation === 'cancelling').map((p) => p.name);
      if (cancelled.length > 0) {
        return { kind: 'cancelled', progress, cancelled, checks };
      }
      if (progress.every((p) => p.complete || (notStarted.has(p.name) && p.operation === undefined))) {
        return { kind: 'settled-incomplete', progress, checks };
      }
    } catch (error) {
      if (!isTransientError(error)) throw error;
      failedChecks++;
      const summary = summarizeError(error);
      lastError = `${summary.name}: ${summary.message} (at ${deps.now().toISOString()})`;
    }
    const nowMs = deps.now().getTime();
    if (nowMs >= options.deadline.getTime()) {
      return { kind: 'deadline', progress: lastSeen, lastSeenAt, lastError, failedChecks, checks };
    }
    if (nowMs + options.pollIntervalMs + options.pollWorstCaseMs > invocationEnd) {
      return { kind: 'pending', progress: lastSeen, lastSeenAt, lastError, failedChecks, checks };
    }
    await deps.sleep(options.pollIntervalMs);
  }
}
