import { Match } from 'aws-cdk-lib/assertions';
import { resolveConfig } from '../../../lib/config/resolve';
import { copyTargetRegion } from '../../../lib/backup/names';
import { platformTemplates } from '../../helpers/assemblies';

const PROD_THREE_REGIONS = { profile: 'prod', regions: ['us-east-1', 'us-west-2', 'eu-west-1'] };
const REGIONS = PROD_THREE_REGIONS.regions;

type Resource = { Properties: Record<string, unknown> };
const values = (resources: Record<string, unknown>) => Object.values(resources) as Resource[];
const flat = (value: unknown) => JSON.stringify(value);

describe('AWS Backup in every Region that holds data (prod)', () => {
  const platform = platformTemplates(PROD_THREE_REGIONS);

  test.each(REGIONS.map((region, index) => [region, index]))('%s: one vault, encrypted with the Region\'s data key, retained, deletion of recovery points refused', (_region, index) => {
    const t = platform.regional[index as number]!;
    const vaults = t.findResources('AWS::Backup::BackupVault');
    expect(Object.keys(vaults)).toHaveLength(1);
    const vault = Object.values(vaults)[0] as Resource & { DeletionPolicy: string };
    expect(vault.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(vault.Properties.BackupVaultName).toBe('retail-backups');
    expect(flat(vault.Properties.EncryptionKeyArn)).toMatch(/ExportsOutputFnGetAttDataKey/);
    expect(flat(vault.Properties.AccessPolicy)).toContain('backup:DeleteRecoveryPoint');
    expect(vault.Properties.LockConfiguration).toBeUndefined();
  });

  test.each(REGIONS.map((region, index) => [region, index]))('%s: continuous plan keeps 35 days of point-in-time for both Aurora members', (region, index) => {
    const t = platform.regional[index as number]!;
    t.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanName: 'retail-continuous',
        BackupPlanRule: [Match.objectLike({ EnableContinuousBackup: true, Lifecycle: { DeleteAfterDays: 35 } })],
      },
    });
    t.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({
        SelectionName: 'retail-aurora',
        Resources: [
          Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`:rds:${region}:123456789012:cluster:retail-catalog-${region}`])] }),
          Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`:rds:${region}:123456789012:cluster:retail-orders-${region}`])] }),
        ],
      }),
    });
  });

  test.each(REGIONS.map((region, index) => [region, index]))('%s: daily plan snapshots both databases and the carts table, copies to the next Region', (region, index) => {
    const t = platform.regional[index as number]!;
    const plans = values(t.findResources('AWS::Backup::BackupPlan')).filter((plan) => flat(plan.Properties).includes('retail-daily'));
    expect(plans).toHaveLength(1);
    const rule = (plans[0]!.Properties.BackupPlan as { BackupPlanRule: Record<string, unknown>[] }).BackupPlanRule[0]!;
    expect(rule.EnableContinuousBackup).toBeUndefined();
    expect(rule.Lifecycle).toEqual({ DeleteAfterDays: 35 });
    expect(rule.ScheduleExpression).toBe('cron(0 3 * * ? *)');
    const copies = rule.CopyActions as { DestinationBackupVaultArn: unknown; Lifecycle: unknown }[];
    const target = copyTargetRegion(REGIONS, region as string)!;
    expect(target).not.toBe(region);
    expect(copies.map((copy) => flat(copy.DestinationBackupVaultArn))).toEqual([expect.stringContaining(`:backup:${target}:123456789012:backup-vault:retail-backups`)]);
    expect(copies[0]!.Lifecycle).toEqual({ DeleteAfterDays: 35 });

    const selection = values(t.findResources('AWS::Backup::BackupSelection')).find((s) => flat(s).includes('retail-all-stores'))!;
    const named = flat((selection.Properties.BackupSelection as { Resources: unknown }).Resources);
    for (const resource of [`cluster:retail-catalog-${region}`, `cluster:retail-orders-${region}`, `:dynamodb:${region}:123456789012:table/retail-carts`]) {
      expect(named).toContain(resource);
    }
  });

  test('the copy ring sends every Region\'s backups to a different Region, and each Region receives one', () => {
    const targets = REGIONS.map((region) => copyTargetRegion(REGIONS, region));
    expect(targets).toEqual(['us-west-2', 'eu-west-1', 'us-east-1']);
    expect(copyTargetRegion(['us-east-1'], 'us-east-1')).toBeUndefined();
  });

  test.each(REGIONS.map((region, index) => [region, index]))('%s: backup and copy failures alarm on the platform alarm topic', (region, index) => {
    const t = platform.regional[index as number]!;
    for (const [suffix, metrics] of [
      ['backup-jobs-failed', ['NumberOfBackupJobsFailed', 'NumberOfBackupJobsAborted', 'NumberOfBackupJobsExpired']],
      ['backup-copy-jobs-failed', ['NumberOfCopyJobsFailed']],
      ['restore-test-failed', ['RestoreValidationFailed', 'NumberOfRestoreJobsFailed', 'Errors']],
    ] as const) {
      const alarm = values(t.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `retail-${region}-${suffix}` } }))[0];
      expect(alarm).toBeDefined();
      const text = flat(alarm!.Properties.Metrics);
      for (const metric of metrics) expect(text).toContain(metric);
      expect(flat(alarm!.Properties.AlarmActions)).toMatch(/ObservabilityAlarmTopic/);
      expect(alarm!.Properties.Threshold).toBe(1);
    }
  });

  test.each(REGIONS.map((region, index) => [region, index]))('%s: a weekly restore testing plan with a selection for each store', (region, index) => {
    const t = platform.regional[index as number]!;
    t.hasResourceProperties('AWS::Backup::RestoreTestingPlan', {
      RestoreTestingPlanName: 'retail_restore_tests',
      ScheduleExpression: 'cron(0 6 ? * SUN *)',
      RecoveryPointSelection: Match.objectLike({ Algorithm: 'LATEST_WITHIN_WINDOW', RecoveryPointTypes: ['CONTINUOUS', 'SNAPSHOT'] }),
    });
    const selections = values(t.findResources('AWS::Backup::RestoreTestingSelection'));
    const byName = Object.fromEntries(selections.map((s) => [s.Properties.RestoreTestingSelectionName as string, s.Properties]));
    expect(Object.keys(byName).sort()).toEqual(['carts_restore_test', 'catalog_restore_test', 'orders_restore_test']);
    expect(byName.catalog_restore_test!.ProtectedResourceType).toBe('Aurora');
    expect(flat(byName.catalog_restore_test!.ProtectedResourceArns)).toContain(`cluster:retail-catalog-${region}`);
    expect(flat(byName.orders_restore_test!.ProtectedResourceArns)).toContain(`cluster:retail-orders-${region}`);
    expect(byName.carts_restore_test!.ProtectedResourceType).toBe('DynamoDB');
    expect(flat(byName.carts_restore_test!.ProtectedResourceArns)).toContain(`:dynamodb:${region}:123456789012:table/retail-carts`);
  });

  test('completed restore jobs invoke the validation function, which may report results and read the secrets', () => {
    const t = platform.regional[1]!;
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.backup'], 'detail-type': ['Restore Job State Change'], detail: { status: ['COMPLETED'] } },
    });
    const policies = flat(t.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('backup:PutRestoreValidationResult');
    const fn = values(t.findResources('AWS::Lambda::Function')).find((f) => flat(f.Properties.Environment).includes('RESTORE_TESTING_PLAN_NAME'))!;
    const env = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
    expect(env.TOLERANCE_PERCENT).toBe('5');
    expect(flat(env.STORES)).toContain('catalog');
  });
});

describe('backup configuration', () => {
  test('on by default in prod, off in dev', () => {
    expect(resolveConfig({ account: '123456789012', profile: 'prod' }).backup).toMatchObject({ enabled: true, dailyRetentionDays: 35, vaultLock: false, restoreTests: true });
    expect(resolveConfig({ account: '123456789012' }).backup).toMatchObject({ enabled: false, restoreTests: false });
  });

  test('vault lock only in prod, copy vault ARN validated, settings without backup refused — all at once', () => {
    expect(() => resolveConfig({ account: '123456789012', backup: { vaultLock: true, copyToVaultArn: 'vault-1', enabled: false } })).toThrow(
      /backup\.copyToVaultArn: got "vault-1"; must be a backup vault ARN[\s\S]*backup\.vaultLock: got true; is only used with backup\.enabled true[\s\S]*backup\.vaultLock: got true; is only allowed with profile "prod"/,
    );
  });

  test('a locked vault keeps recovery points at least as long as the daily retention, in compliance mode', () => {
    const platform = platformTemplates({ profile: 'prod', regions: ['us-east-1', 'us-west-2'], backup: { vaultLock: true, dailyRetentionDays: 14, copyToVaultArn: 'arn:aws:backup:us-east-2:210987654321:backup-vault:offsite' } });
    const t = platform.regional[0]!;
    t.hasResourceProperties('AWS::Backup::BackupVault', { LockConfiguration: { MinRetentionDays: 14, MaxRetentionDays: 35, ChangeableForDays: 3 } });
    const daily = values(t.findResources('AWS::Backup::BackupPlan')).find((plan) => flat(plan).includes('retail-daily'))!;
    expect(flat(daily.Properties)).toContain('arn:aws:backup:us-east-2:210987654321:backup-vault:offsite');
  });
});
