import { BackupClient, DescribeRestoreJobCommand, PutRestoreValidationResultCommand } from '@aws-sdk/client-backup';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { compareCounts, type CountRows, type TableCounts } from './row-counts';

/** A store the restore tests cover, as the function's environment describes it. */
export interface ValidatedStore {
  readonly name: string;
  readonly kind: 'aurora' | 'dynamodb';
  /** The protected resource (this Region's member cluster or table replica). */
  readonly sourceArn: string;
  readonly engine?: 'aurora-mysql' | 'aurora-postgresql';
  readonly databaseName?: string;
  /** This Region's copy of the master secret; its `host` is the global writer endpoint (the live data). */
  readonly secretArn?: string;
}

export interface ValidationSettings {
  readonly restoreTestingPlanName: string;
  readonly tolerancePercent: number;
  readonly stores: readonly ValidatedStore[];
  readonly metricNamespace: string;
  /** The Region the function runs in: the metric's dimension, as every platform metric has one. */
  readonly region: string;
  /** Per database statement and connect deadline. */
  readonly sqlTimeoutMs: number;
  /** The whole validation must end before the function's timeout. */
  readonly budgetMs: number;
}

export interface ValidationDeps {
  readonly backup: BackupClient;
  readonly rds: RDSClient;
  readonly dynamodb: DynamoDBClient;
  readonly secrets: SecretsManagerClient;
  readonly cloudwatch: CloudWatchClient;
  readonly countRows: CountRows;
  readonly now: () => number;
}

export type ValidationOutcome =
  | { readonly outcome: 'skipped'; readonly reason: string }
  | { readonly outcome: 'SUCCESSFUL' | 'FAILED'; readonly store: string; readonly message: string };

export const RESTORE_VALIDATION_METRIC = 'RestoreValidationFailed';

function last(arn: string, separator: string): string {
  return arn.slice(arn.lastIndexOf(separator) + 1);
}

async function countTableItems(deps: ValidationDeps, tableName: string, deadline: number): Promise<number> {
  let count = 0;
  let start: ScanCommandOutput['LastEvaluatedKey'];
  do {
    if (deps.now() > deadline) throw new Error(`counting ${tableName} ran out of time after ${count} items`);
    const page = await deps.dynamodb.send(new ScanCommand({ TableName: tableName, Select: 'COUNT', ...(start !== undefined ? { ExclusiveStartKey: start } : {}) }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return count;
}

async function countsOfTable(deps: ValidationDeps, store: ValidatedStore, restoredArn: string, deadline: number): Promise<[TableCounts, TableCounts]> {
  const restored = await countTableItems(deps, last(restoredArn, '/'), deadline);
  const live = await countTableItems(deps, last(store.sourceArn, '/'), deadline);
  return [{ items: restored }, { items: live }];
}

async function countsOfCluster(deps: ValidationDeps, settings: ValidationSettings, store: ValidatedStore, restoredArn: string): Promise<[TableCounts, TableCounts]> {
  if (store.engine === undefined || store.databaseName === undefined || store.secretArn === undefined) {
    throw new Error(`store ${store.name} has no engine, database or secret in the function's configuration`);
  }
  const identifier = last(restoredArn, ':');
  const described = await deps.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
  const cluster = described.DBClusters?.[0];
  if (cluster?.Endpoint === undefined || cluster.Port === undefined) {
    throw new Error(`restored cluster ${identifier} has no endpoint (status ${cluster?.Status ?? 'not found'})`);
  }
  if ((cluster.DBClusterMembers ?? []).length === 0) {
    throw new Error(`restored cluster ${identifier} has no DB instance to connect to`);
  }
  const secret = await deps.secrets.send(new GetSecretValueCommand({ SecretId: store.secretArn }));
  const parsed = JSON.parse(secret.SecretString ?? '{}') as { host?: string; port?: number; username?: string; password?: string };
  if (parsed.username === undefined || parsed.password === undefined || parsed.host === undefined) {
    throw new Error(`secret ${store.secretArn} lacks host, username or password`);
  }
  const common = { engine: store.engine, database: store.databaseName, username: parsed.username, password: parsed.password, timeoutMs: settings.sqlTimeoutMs, tls: true };
  // The restore keeps the master password of the backup's day: a rotation since then fails the login, which the message says.
  const restored = await deps.countRows({ ...common, host: cluster.Endpoint, port: cluster.Port }).catch((error: unknown) => {
    throw new Error(`restored cluster ${identifier}: ${error instanceof Error ? error.message : String(error)}`);
  });
  const live = await deps.countRows({ ...common, host: parsed.host, port: parsed.port ?? cluster.Port }).catch((error: unknown) => {
    throw new Error(`live writer ${parsed.host}: ${error instanceof Error ? error.message : String(error)}`);
  });
  return [restored, live];
}

/**
 * Validates one restore job of the platform's restore testing plan: counts the restored store's
 * rows and the live store's, compares them within the tolerance, reports the result to AWS Backup
 * (PutRestoreValidationResult) and publishes 0/1 on the failure metric the alarm watches. A
 * validation that cannot run (no login, no instance, a timeout) is a FAILED validation, not a
 * silent one. Jobs of other plans and jobs that did not complete are left alone.
 */
export async function validateRestoreJob(deps: ValidationDeps, settings: ValidationSettings, restoreJobId: string): Promise<ValidationOutcome> {
  const deadline = deps.now() + settings.budgetMs;
  const job = await deps.backup.send(new DescribeRestoreJobCommand({ RestoreJobId: restoreJobId }));
  const planArn = job.CreatedBy?.RestoreTestingPlanArn;
  if (planArn === undefined || !planArn.includes(`:restore-testing-plan:${settings.restoreTestingPlanName}`)) {
    return { outcome: 'skipped', reason: `restore job ${restoreJobId} is not from ${settings.restoreTestingPlanName}` };
  }
  if (job.Status !== 'COMPLETED') {
    return { outcome: 'skipped', reason: `restore job ${restoreJobId} is ${job.Status ?? 'in an unknown state'} (restore failures alarm on their own metric)` };
  }

  const store = settings.stores.find((candidate) => candidate.sourceArn === job.SourceResourceArn);
  let status: 'SUCCESSFUL' | 'FAILED';
  let message: string;
  try {
    if (store === undefined) throw new Error(`the restored resource's source ${job.SourceResourceArn ?? '(none)'} is not a store of this Region`);
    if (job.CreatedResourceArn === undefined) throw new Error('the restore job names no created resource');
    const [restored, live] = store.kind === 'dynamodb'
      ? await countsOfTable(deps, store, job.CreatedResourceArn, deadline)
      : await countsOfCluster(deps, settings, store, job.CreatedResourceArn);
    const comparison = compareCounts(restored, live, settings.tolerancePercent);
    status = comparison.ok ? 'SUCCESSFUL' : 'FAILED';
    message = comparison.message;
  } catch (error) {
    status = 'FAILED';
    message = `validation could not run: ${error instanceof Error ? error.message : String(error)}`;
  }
  // AWS Backup caps the message at 1,000 characters or so; keep the start, which names the problem.
  const reported = message.length > 900 ? `${message.slice(0, 897)}...` : message;
  await deps.backup.send(new PutRestoreValidationResultCommand({ RestoreJobId: restoreJobId, ValidationStatus: status, ValidationStatusMessage: reported }));
  await deps.cloudwatch.send(new PutMetricDataCommand({
    Namespace: settings.metricNamespace,
    // Region only: the alarm watches every store at once; the message on the restore job names the store.
    MetricData: [{ MetricName: RESTORE_VALIDATION_METRIC, Dimensions: [{ Name: 'Region', Value: settings.region }], Value: status === 'FAILED' ? 1 : 0, Unit: 'Count' }],
  }));
  return { outcome: status, store: store?.name ?? 'unknown', message: reported };
}
