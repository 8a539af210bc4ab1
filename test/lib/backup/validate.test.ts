import { BackupClient, DescribeRestoreJobCommand, PutRestoreValidationResultCommand } from '@aws-sdk/client-backup';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { compareCounts, type CountTarget, type TableCounts } from '../../../lib/backup/runtime/row-counts';
import { validateRestoreJob, type ValidationSettings } from '../../../lib/backup/runtime/validate';

const PLAN_ARN = 'arn:aws:backup:us-west-2:123456789012:restore-testing-plan:retail_restore_tests-1a2b3c';
const CATALOG_ARN = 'arn:aws:rds:us-west-2:123456789012:cluster:retail-catalog-us-west-2';
const CARTS_ARN = 'arn:aws:dynamodb:us-west-2:123456789012:table/retail-carts';
const SECRET_ARN = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:catalog-AbCdEf';

const settings: ValidationSettings = {
  restoreTestingPlanName: 'retail_restore_tests',
  tolerancePercent: 5,
  stores: [
    { name: 'catalog', kind: 'aurora', sourceArn: CATALOG_ARN, engine: 'aurora-mysql', databaseName: 'catalog', secretArn: SECRET_ARN },
    { name: 'carts', kind: 'dynamodb', sourceArn: CARTS_ARN },
  ],
  metricNamespace: 'Retail/Platform',
  region: 'us-east-1',
  sqlTimeoutMs: 1_000,
  budgetMs: 60_000,
};

const backup = mockClient(BackupClient);
const rds = mockClient(RDSClient);
const dynamodb = mockClient(DynamoDBClient);
const secrets = mockClient(SecretsManagerClient);
const cloudwatch = mockClient(CloudWatchClient);

function deps(countRows: (target: CountTarget) => Promise<TableCounts> = async () => ({})) {
  return {
    backup: new BackupClient({ region: 'us-west-2' }),
    rds: new RDSClient({ region: 'us-west-2' }),
    dynamodb: new DynamoDBClient({ region: 'us-west-2' }),
    secrets: new SecretsManagerClient({ region: 'us-west-2' }),
    cloudwatch: new CloudWatchClient({ region: 'us-west-2' }),
    countRows,
    now: () => 1_000,
  };
}

function restoreJob(source: string, created: string, status: 'COMPLETED' | 'FAILED' = 'COMPLETED', plan: string | null = PLAN_ARN) {
  backup.on(DescribeRestoreJobCommand).resolves({
    RestoreJobId: 'job-1', Status: status, SourceResourceArn: source, CreatedResourceArn: created,
    ...(plan !== null ? { CreatedBy: { RestoreTestingPlanArn: plan } } : {}),
  });
}

function reported() {
  const calls = backup.commandCalls(PutRestoreValidationResultCommand);
  expect(calls).toHaveLength(1);
  return calls[0]!.args[0].input;
}

function metricValue(): number | undefined {
  const datum = cloudwatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input.MetricData?.[0];
  // Published with the Region, the dimension the alarm reads.
  expect(datum?.Dimensions).toEqual([{ Name: 'Region', Value: 'us-east-1' }]);
  return datum?.Value;
}

beforeEach(() => {
  for (const mock of [backup, rds, dynamodb, secrets, cloudwatch]) mock.reset();
  backup.on(PutRestoreValidationResultCommand).resolves({});
  cloudwatch.on(PutMetricDataCommand).resolves({});
});

describe('restore test validation: the carts table', () => {
  test('counts the restored and the live table over every page and passes within the tolerance', async () => {
    restoreJob(CARTS_ARN, 'arn:aws:dynamodb:us-west-2:123456789012:table/retail-carts-restore-test-9f');
    dynamodb.on(ScanCommand, { TableName: 'retail-carts-restore-test-9f' })
      .resolvesOnce({ Count: 60, LastEvaluatedKey: { id: { S: 'k' } } })
      .resolvesOnce({ Count: 40 });
    dynamodb.on(ScanCommand, { TableName: 'retail-carts' }).resolves({ Count: 103 });
    const outcome = await validateRestoreJob(deps(), settings, 'job-1');
    expect(outcome).toMatchObject({ outcome: 'SUCCESSFUL', store: 'carts' });
    expect(reported()).toMatchObject({ RestoreJobId: 'job-1', ValidationStatus: 'SUCCESSFUL', ValidationStatusMessage: expect.stringContaining('restored 100 rows, live 103 rows') });
    expect(dynamodb.commandCalls(ScanCommand, { TableName: 'retail-carts-restore-test-9f' })[1]!.args[0].input.ExclusiveStartKey).toEqual({ id: { S: 'k' } });
    expect(metricValue()).toBe(0);
  });

  test('fails when the restore holds far fewer items than the live table', async () => {
    restoreJob(CARTS_ARN, 'arn:aws:dynamodb:us-west-2:123456789012:table/restored');
    dynamodb.on(ScanCommand, { TableName: 'restored' }).resolves({ Count: 10 });
    dynamodb.on(ScanCommand, { TableName: 'retail-carts' }).resolves({ Count: 100 });
    await validateRestoreJob(deps(), settings, 'job-1');
    expect(reported()).toMatchObject({ ValidationStatus: 'FAILED', ValidationStatusMessage: expect.stringContaining('items: restored 10, live 100 (90.0 % apart)') });
    expect(metricValue()).toBe(1);
  });

  test('a scan that throws is a FAILED validation that says why, not a silent one', async () => {
    restoreJob(CARTS_ARN, 'arn:aws:dynamodb:us-west-2:123456789012:table/restored');
    dynamodb.on(ScanCommand).rejects(new Error('AccessDeniedException: not allowed'));
    const outcome = await validateRestoreJob(deps(), settings, 'job-1');
    expect(outcome.outcome).toBe('FAILED');
    expect(reported().ValidationStatusMessage).toBe('validation could not run: AccessDeniedException: not allowed');
    expect(metricValue()).toBe(1);
  });
});

describe('restore test validation: an Aurora database', () => {
  beforeEach(() => {
    restoreJob(CATALOG_ARN, 'arn:aws:rds:us-west-2:123456789012:cluster:awsbackup-restore-test-abc');
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify({ host: 'retail-catalog.global-xyz.global.rds.amazonaws.com', port: 3306, username: 'admin', password: 'pw' }) });
  });

  test('counts rows on the restored cluster and on the live writer (from the secret) and compares per table', async () => {
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'awsbackup-restore-test-abc' }).resolves({ DBClusters: [{ Endpoint: 'restored.cluster-x.us-west-2.rds.amazonaws.com', Port: 3306, DBClusterMembers: [{ DBInstanceIdentifier: 'i1' }] }] });
    const targets: CountTarget[] = [];
    const outcome = await validateRestoreJob(deps(async (target) => {
      targets.push(target);
      return target.host.startsWith('restored') ? { 'catalog.products': 100, 'catalog.tags': 10 } : { 'catalog.products': 102, 'catalog.tags': 10 };
    }), settings, 'job-1');
    expect(outcome).toMatchObject({ outcome: 'SUCCESSFUL', store: 'catalog' });
    expect(targets.map((t) => [t.host, t.database, t.username, t.engine, t.tls])).toEqual([
      ['restored.cluster-x.us-west-2.rds.amazonaws.com', 'catalog', 'admin', 'aurora-mysql', true],
      ['retail-catalog.global-xyz.global.rds.amazonaws.com', 'catalog', 'admin', 'aurora-mysql', true],
    ]);
  });

  test('a restored cluster without an instance fails with that reason', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ Endpoint: 'restored', Port: 3306, DBClusterMembers: [] }] });
    await validateRestoreJob(deps(), settings, 'job-1');
    expect(reported()).toMatchObject({ ValidationStatus: 'FAILED', ValidationStatusMessage: expect.stringContaining('has no DB instance to connect to') });
  });

  test('a login refused by the restored cluster (password rotated since the backup) names the restored side', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ Endpoint: 'restored', Port: 3306, DBClusterMembers: [{ DBInstanceIdentifier: 'i1' }] }] });
    await validateRestoreJob(deps(async (target) => {
      if (target.host === 'restored') throw new Error('Access denied for user admin');
      return { 'catalog.products': 1 };
    }), settings, 'job-1');
    expect(reported().ValidationStatusMessage).toBe('validation could not run: restored cluster awsbackup-restore-test-abc: Access denied for user admin');
  });

  test('a table missing from the restore fails even when the totals are close', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ Endpoint: 'restored', Port: 3306, DBClusterMembers: [{ DBInstanceIdentifier: 'i1' }] }] });
    await validateRestoreJob(deps(async (target): Promise<TableCounts> => (target.host === 'restored' ? { 'catalog.products': 100 } : { 'catalog.products': 100, 'catalog.tags': 0 })), settings, 'job-1');
    expect(reported()).toMatchObject({ ValidationStatus: 'FAILED', ValidationStatusMessage: expect.stringContaining('catalog.tags: missing in the restore') });
  });
});

describe('restore jobs the validation leaves alone', () => {
  test('jobs of other restore testing plans, or of no plan, are skipped without a report', async () => {
    restoreJob(CARTS_ARN, 'x', 'COMPLETED', 'arn:aws:backup:us-west-2:123456789012:restore-testing-plan:someone_else-1');
    expect((await validateRestoreJob(deps(), settings, 'job-1')).outcome).toBe('skipped');
    expect(backup.commandCalls(PutRestoreValidationResultCommand)).toHaveLength(0);
    backup.reset();
    restoreJob(CARTS_ARN, 'x', 'COMPLETED', null);
    expect((await validateRestoreJob(deps(), settings, 'job-1')).outcome).toBe('skipped');
    expect(backup.commandCalls(PutRestoreValidationResultCommand)).toHaveLength(0);
  });

  test('a restore job that did not complete is skipped (the restore failure metric alarms)', async () => {
    restoreJob(CARTS_ARN, 'x', 'FAILED');
    expect(await validateRestoreJob(deps(), settings, 'job-1')).toMatchObject({ outcome: 'skipped' });
  });

  test('a restore of a resource that is not one of this Region\'s stores fails', async () => {
    restoreJob('arn:aws:dynamodb:us-west-2:123456789012:table/other', 'arn:aws:dynamodb:us-west-2:123456789012:table/r');
    await validateRestoreJob(deps(), settings, 'job-1');
    expect(reported()).toMatchObject({ ValidationStatus: 'FAILED', ValidationStatusMessage: expect.stringContaining('is not a store of this Region') });
  });

  test('when AWS Backup refuses the report, the function fails (its errors alarm)', async () => {
    restoreJob(CARTS_ARN, 'arn:aws:dynamodb:us-west-2:123456789012:table/r');
    dynamodb.on(ScanCommand).resolves({ Count: 1 });
    backup.on(PutRestoreValidationResultCommand).rejects(new Error('ThrottlingException'));
    await expect(validateRestoreJob(deps(), settings, 'job-1')).rejects.toThrow('ThrottlingException');
  });
});

describe('compareCounts', () => {
  test('tolerance is a percentage of the live count; empty on both sides is equal; nothing at all fails', () => {
    expect(compareCounts({ t: 95 }, { t: 100 }, 5).ok).toBe(true);
    expect(compareCounts({ t: 94 }, { t: 100 }, 5).ok).toBe(false);
    expect(compareCounts({ t: 0 }, { t: 0 }, 0).ok).toBe(true);
    expect(compareCounts({ t: 1 }, { t: 0 }, 50).ok).toBe(false);
    expect(compareCounts({ t: 1, extra: 3 }, { t: 1 }, 5).message).toContain('extra: only in the restore (3 rows)');
    expect(compareCounts({}, {}, 5)).toEqual({ ok: false, message: expect.stringContaining('no table on either side') });
  });
});
