/**
 * Undo a bad write: restore a global database's current writer to a point in time just before
 * the incident, into a TEMPORARY cluster, run the missing-transaction report engine
 * (lib/reconcile/engine, the same `reconcile()` the reconcile task runs) between that restore
 * ("old") and the live writer ("new"), and delete the temporary cluster whatever happened.
 *
 * The report's "missing in new" rows are the rows the bad write deleted; "changed" rows show the
 * value before and after. Nothing is written back: an operator reviews the rows and puts them
 * back (docs/undo-bad-write.md).
 */
import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RestoreDBClusterToPointInTimeCommand,
  type DBCluster,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ConnectionSpec, ReconcileOptions, ReconcileResult } from '../../lib/reconcile/engine';
import { DEFAULT_QUERY_TIMEOUT_MS } from '../../lib/reconcile/engine';

export type UndoDatabase = 'catalog' | 'orders';

export interface UndoRequest {
  readonly appName: string;
  readonly database: UndoDatabase;
  /** The writer's Region (where the point-in-time restore runs). */
  readonly region: string;
  /** The live writer member's cluster identifier. */
  readonly sourceClusterIdentifier: string;
  /** Restore to this instant: just before the bad write. */
  readonly restoreTo: Date;
  /** The live database's master secret in `region` (its `host` is the global writer endpoint). */
  readonly liveSecretArn: string;
  readonly outDir: string;
  readonly tables?: readonly string[];
  /** Leave the temporary cluster for inspection (the operator deletes it). */
  readonly keep: boolean;
  /** Longest wait for the restored cluster and its instance to become available. */
  readonly waitMinutes: number;
}

export interface UndoDeps {
  readonly rds: RDSClient;
  readonly secrets: SecretsManagerClient;
  readonly report: (options: ReconcileOptions) => Promise<ReconcileResult>;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly progress: (line: string) => void;
}

export interface UndoOutcome {
  readonly temporaryCluster: string;
  readonly restoredTo: string;
  readonly report?: { readonly files: readonly string[]; readonly hasDifferences: boolean; readonly totals: unknown };
  readonly cleanup: 'deleted' | 'kept' | 'failed' | 'nothing-created';
  readonly cleanupError?: string;
  readonly error?: string;
}

const ENGINE_OF: Readonly<Record<UndoDatabase, 'mysql' | 'postgres'>> = { catalog: 'mysql', orders: 'postgres' };
const POLL_MS = 20_000;
export const TEMPORARY_TAG = 'retail:undo-temporary';

/** `<app>-undo-<db>-<yyyymmddhhmm of restoreTo>`: one name per point in time, so a re-run finds its leftovers. */
export function temporaryClusterName(appName: string, database: UndoDatabase, restoreTo: Date): string {
  const stamp = restoreTo.toISOString().replace(/[-:T]/g, '').slice(0, 12);
  return `${appName}-undo-${database}-${stamp}`;
}

/** Refuses a point in time the writer cannot restore to, with the window it can. */
export function checkRestorable(source: DBCluster, restoreTo: Date): void {
  const earliest = source.EarliestRestorableTime;
  const latest = source.LatestRestorableTime;
  if (earliest !== undefined && restoreTo < earliest) {
    throw new Error(`${restoreTo.toISOString()} is before the earliest restorable time ${earliest.toISOString()} of ${source.DBClusterIdentifier ?? 'the cluster'}`);
  }
  if (latest !== undefined && restoreTo > latest) {
    throw new Error(`${restoreTo.toISOString()} is after the latest restorable time ${latest.toISOString()} of ${source.DBClusterIdentifier ?? 'the cluster'} (a few minutes behind now): wait, or pick an earlier time`);
  }
}

async function waitFor(deps: UndoDeps, what: string, minutes: number, read: () => Promise<string | undefined>, done: (status: string) => boolean): Promise<void> {
  const deadline = deps.now().getTime() + minutes * 60_000;
  let last = 'not read yet';
  for (;;) {
    try {
      last = (await read()) ?? 'not found';
    } catch (error) {
      last = `unreadable (${error instanceof Error ? error.message : String(error)})`;
    }
    if (done(last)) return;
    if (deps.now().getTime() >= deadline) throw new Error(`${what} not available after ${minutes} minutes; last seen: ${last}`);
    deps.progress(`waiting for ${what}: ${last}`);
    await deps.sleep(POLL_MS);
  }
}

async function secretJson(deps: UndoDeps, secretId: string): Promise<{ host?: string; port?: number; username?: string; password?: string }> {
  const value = await deps.secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  return JSON.parse(value.SecretString ?? '{}') as { host?: string; port?: number; username?: string; password?: string };
}

function spec(engine: 'mysql' | 'postgres', host: string, port: number, user: string, password: string, database: string): ConnectionSpec {
  return { engine, host, port, user, password, database, tls: { mode: 'require' }, connectTimeoutMs: 15_000, queryTimeoutMs: DEFAULT_QUERY_TIMEOUT_MS };
}

async function cleanup(deps: UndoDeps, name: string, instance: string): Promise<void> {
  await deps.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: instance, SkipFinalSnapshot: true })).catch((error: unknown) => {
    if (!(error instanceof Error && error.name === 'DBInstanceNotFoundFault')) throw error;
  });
  await waitFor(deps, `deletion of ${instance}`, 30, async () => {
    try {
      const described = await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance }));
      return described.DBInstances?.[0]?.DBInstanceStatus;
    } catch (error) {
      if (error instanceof Error && error.name === 'DBInstanceNotFoundFault') return 'deleted';
      throw error;
    }
  }, (status) => status === 'deleted');
  await deps.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: name, SkipFinalSnapshot: true }));
}

/**
 * Runs the whole undo. Every step after the restore call ends in the cleanup (unless `keep`), and
 * the outcome says what was created, what the report found and whether the cleanup worked.
 */
export async function undoBadWrite(deps: UndoDeps, request: UndoRequest): Promise<UndoOutcome> {
  const name = temporaryClusterName(request.appName, request.database, request.restoreTo);
  const instance = `${name}-1`;
  const restoredTo = request.restoreTo.toISOString();
  const sources = await deps.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: request.sourceClusterIdentifier }));
  const source = sources.DBClusters?.[0];
  if (source === undefined) throw new Error(`cluster ${request.sourceClusterIdentifier} not found in ${request.region}`);
  checkRestorable(source, request.restoreTo);

  // The same network, key and engine as the live member: reachable like it, encrypted like it.
  await deps.rds.send(new RestoreDBClusterToPointInTimeCommand({
    DBClusterIdentifier: name,
    SourceDBClusterIdentifier: request.sourceClusterIdentifier,
    RestoreToTime: request.restoreTo,
    RestoreType: 'copy-on-write',
    DBSubnetGroupName: source.DBSubnetGroup,
    VpcSecurityGroupIds: (source.VpcSecurityGroups ?? []).map((group) => group.VpcSecurityGroupId).filter((id): id is string => id !== undefined),
    KmsKeyId: source.KmsKeyId,
    ...(source.ServerlessV2ScalingConfiguration !== undefined
      ? { ServerlessV2ScalingConfiguration: { MinCapacity: source.ServerlessV2ScalingConfiguration.MinCapacity, MaxCapacity: source.ServerlessV2ScalingConfiguration.MaxCapacity } }
      : {}),
    DeletionProtection: false,
    CopyTagsToSnapshot: false,
    Tags: [{ Key: TEMPORARY_TAG, Value: 'true' }, { Key: 'retail:undo-restore-to', Value: restoredTo }],
  }));
  deps.progress(`restoring ${request.sourceClusterIdentifier} to ${restoredTo} as ${name}`);

  let outcome: Omit<UndoOutcome, 'cleanup'> = { temporaryCluster: name, restoredTo };
  try {
    await waitFor(deps, name, request.waitMinutes, async () => (await deps.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: name }))).DBClusters?.[0]?.Status, (s) => s === 'available');
    // A new master password managed by RDS: the restored copy keeps the one of the backup's day otherwise.
    await deps.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: name, ManageMasterUserPassword: true, ApplyImmediately: true }));
    await deps.rds.send(new CreateDBInstanceCommand({
      DBInstanceIdentifier: instance,
      DBClusterIdentifier: name,
      Engine: source.Engine,
      DBInstanceClass: source.ServerlessV2ScalingConfiguration !== undefined ? 'db.serverless' : 'db.r6g.large',
      PubliclyAccessible: false,
      Tags: [{ Key: TEMPORARY_TAG, Value: 'true' }],
    }));
    await waitFor(deps, instance, request.waitMinutes, async () => (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance }))).DBInstances?.[0]?.DBInstanceStatus, (s) => s === 'available');
    const restored = (await deps.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: name }))).DBClusters?.[0];
    const managedSecret = restored?.MasterUserSecret?.SecretArn;
    if (restored?.Endpoint === undefined || restored.Port === undefined || managedSecret === undefined) {
      throw new Error(`${name} has no endpoint or managed master secret yet (status ${restored?.Status ?? 'unknown'})`);
    }
    const old = await secretJson(deps, managedSecret);
    const live = await secretJson(deps, request.liveSecretArn);
    if (old.username === undefined || old.password === undefined || live.host === undefined || live.username === undefined || live.password === undefined) {
      throw new Error('a master secret lacks host, username or password');
    }
    const engine = ENGINE_OF[request.database];
    const database = source.DatabaseName ?? request.database;
    deps.progress(`comparing ${name} (as of ${restoredTo}) with the live writer ${live.host}`);
    const result = await deps.report({
      engine,
      old: spec(engine, restored.Endpoint, restored.Port, old.username, old.password, database),
      new: spec(engine, live.host, live.port ?? restored.Port, live.username, live.password, database),
      outDir: request.outDir,
      ...(request.tables !== undefined ? { tables: request.tables } : {}),
    });
    outcome = { ...outcome, report: { files: result.files, hasDifferences: result.hasDifferences, totals: result.report.totals } };
  } catch (error) {
    outcome = { ...outcome, error: error instanceof Error ? error.message : String(error) };
  }

  if (request.keep) return { ...outcome, cleanup: 'kept' };
  try {
    deps.progress(`deleting ${instance} and ${name}`);
    await cleanup(deps, name, instance);
    return { ...outcome, cleanup: 'deleted' };
  } catch (error) {
    return { ...outcome, cleanup: 'failed', cleanupError: error instanceof Error ? error.message : String(error) };
  }
}
