import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { BackupSettings } from '../config/types';
import { alarmName } from '../observability/names';
import { CONTINUOUS_BACKUP_MAX_DAYS, backupVaultArn, backupVaultName, copyTargetRegion } from './names';

/** One store of this Region that is backed up: an Aurora member or the local carts replica. */
export interface BackedUpStore {
  /** `catalog`, `orders` or `carts`. */
  readonly name: string;
  readonly kind: 'aurora' | 'dynamodb';
  /** This Region's resource: the member cluster's or the table replica's ARN. */
  readonly arn: string;
}

export interface RegionalBackupProps {
  readonly appName: string;
  /** Every Region of the platform, in configuration order (the copy ring follows it). */
  readonly regions: readonly string[];
  readonly settings: BackupSettings;
  /** The Region's data key: encrypts the vault (and so every recovery point in it). */
  readonly key: kms.IKey;
  readonly stores: readonly BackedUpStore[];
  /** The platform's alarm topic of this Region (lib/observability). */
  readonly alarmTopic: sns.ITopic;
}

/** Alarm name suffixes (decision table rows). */
export const BACKUP_ALARMS = { backupJobs: 'backup-jobs-failed', copyJobs: 'backup-copy-jobs-failed' } as const;

/**
 * AWS Backup of this Region's stores. Why a plan in every Region: every Region's Aurora member
 * holds the same data (one storage volume, replicated), so the writer's member alone is a complete
 * backup; but the writer moves with a failover or switchover, and a selection that names each
 * Region's *local* members keeps covering whichever Region writes now, without a deploy. Tags would
 * not help: a tag is static and does not follow the writer.
 *
 * - `<app>-continuous`: point-in-time recovery of the Aurora members, AWS Backup's maximum window
 *   (35 days). DynamoDB is not in it: AWS Backup has no continuous backup for DynamoDB; the table's
 *   own point-in-time recovery (35 days, on every replica) plays that part.
 * - `<app>-daily`: a snapshot of every store each day, kept `dailyRetentionDays`, and copied to the
 *   next Region's vault (and to `copyToVaultArn`): a Region, or an account, that is lost or
 *   compromised cannot take every copy with it.
 *
 * The vault is encrypted with the Region's data key, refuses recovery point deletion by anyone
 * (expiry by the plan still works) and, with `vaultLock`, is locked in compliance mode.
 */
export class RegionalBackup extends Construct {
  readonly vault: backup.BackupVault;
  readonly role: iam.Role;
  readonly continuousPlan: backup.BackupPlan;
  readonly dailyPlan: backup.BackupPlan;
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;

  constructor(scope: Construct, id: string, props: RegionalBackupProps) {
    super(scope, id);
    this.vault = this.createVault(props);
    this.role = this.createRole(props);
    const aurora = props.stores.filter((store) => store.kind === 'aurora');

    this.continuousPlan = new backup.BackupPlan(this, 'ContinuousPlan', {
      backupPlanName: `${props.appName}-continuous`,
      backupVault: this.vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'PointInTime',
          enableContinuousBackup: true,
          deleteAfter: Duration.days(CONTINUOUS_BACKUP_MAX_DAYS),
          // The schedule only sets when AWS Backup checks the continuous backup; 01:00 UTC daily.
          scheduleExpression: events.Schedule.cron({ minute: '0', hour: '1' }),
          startWindow: Duration.hours(1),
          completionWindow: Duration.hours(8),
        }),
      ],
    });
    this.select(this.continuousPlan, 'ContinuousSelection', `${props.appName}-aurora`, aurora);

    this.dailyPlan = new backup.BackupPlan(this, 'DailyPlan', {
      backupPlanName: `${props.appName}-daily`,
      backupVault: this.vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'Daily',
          deleteAfter: Duration.days(props.settings.dailyRetentionDays),
          // After the Aurora backup window (02:00-03:00 UTC), before the Sunday maintenance window.
          scheduleExpression: events.Schedule.cron({ minute: '0', hour: '3' }),
          startWindow: Duration.hours(1),
          completionWindow: Duration.hours(8),
          copyActions: this.copyActions(props),
        }),
      ],
    });
    this.select(this.dailyPlan, 'DailySelection', `${props.appName}-all-stores`, props.stores);
    this.alarms = this.createAlarms(props);
  }

  private createVault(props: RegionalBackupProps): backup.BackupVault {
    const { settings } = props;
    const vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: backupVaultName(props.appName),
      encryptionKey: props.key,
      // Recovery points outlive the stack; a deleted stack must not take the backups with it.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      // Nobody deletes or shortens a recovery point by hand (ransomware, a wrong script); the plan's expiry still applies.
      blockRecoveryPointDeletion: true,
      ...(settings.vaultLock
        ? {
            // Compliance mode: once changeableFor has passed, nobody (root included) can remove the lock,
            // shorten retention below minRetention or delete the vault before its recovery points expire.
            lockConfiguration: {
              minRetention: Duration.days(Math.min(settings.dailyRetentionDays, CONTINUOUS_BACKUP_MAX_DAYS)),
              maxRetention: Duration.days(Math.max(settings.dailyRetentionDays, CONTINUOUS_BACKUP_MAX_DAYS)),
              changeableFor: Duration.days(3),
            },
          }
        : {}),
    });
    return vault;
  }

  /** One role for backups, copies and restore tests; the AWS-managed service policies are what AWS Backup documents. */
  private createRole(props: RegionalBackupProps): iam.Role {
    const role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: `AWS Backup: backups, copies and restore tests of ${props.appName}'s stores`,
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForBackup'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForRestores'),
      ],
    });
    // The stores and the vault use the data key; the managed policies only cover AWS managed keys.
    props.key.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:DescribeKey');
    // Grants only for the AWS resources AWS Backup restores and copies (the governance control).
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'GrantsForAwsResourcesOnly',
      actions: ['kms:CreateGrant'],
      resources: [props.key.keyArn],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }));
    const reason = 'The service role policy AWS Backup documents for its own role; AWS keeps it in step with what AWS Backup protects (Aurora continuous backup, DynamoDB, copies, restore tests), so a hand-written copy would fall behind.';
    Validations.of(role).acknowledge(
      { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]', reason },
      { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores]', reason },
    );
    return role;
  }

  private select(plan: backup.BackupPlan, id: string, name: string, stores: readonly BackedUpStore[]): void {
    new backup.BackupSelection(this, id, {
      backupPlan: plan,
      backupSelectionName: name,
      role: this.role,
      resources: stores.map((store) => backup.BackupResource.fromArn(store.arn)),
    });
  }

  private copyActions(props: RegionalBackupProps): backup.BackupPlanCopyActionProps[] {
    const region = Stack.of(this).region;
    const target = copyTargetRegion(props.regions, region);
    const deleteAfter = Duration.days(props.settings.dailyRetentionDays);
    const arns = [
      ...(target !== undefined ? [backupVaultArn(this, props.appName, target)] : []),
      ...(props.settings.copyToVaultArn !== undefined ? [props.settings.copyToVaultArn] : []),
    ];
    return arns.map((arn, index) => ({
      destinationBackupVault: backup.BackupVault.fromBackupVaultArn(this, `CopyTarget${index}`, arn),
      deleteAfter,
    }));
  }

  private createAlarms(props: RegionalBackupProps): Map<string, cloudwatch.Alarm> {
    const region = Stack.of(this).region;
    const action = new cloudwatchActions.SnsAction(props.alarmTopic);
    const metric = (metricName: string) => new cloudwatch.Metric({
      namespace: 'AWS/Backup',
      metricName,
      dimensionsMap: { BackupVaultName: backupVaultName(props.appName) },
      statistic: 'Sum',
      period: Duration.hours(1),
    });
    const alarms = new Map<string, cloudwatch.Alarm>();
    for (const [suffix, metricNames, what] of [
      [BACKUP_ALARMS.backupJobs, ['NumberOfBackupJobsFailed', 'NumberOfBackupJobsAborted', 'NumberOfBackupJobsExpired'], 'A backup job of this Region\'s vault failed, was aborted or expired before it ran'],
      [BACKUP_ALARMS.copyJobs, ['NumberOfCopyJobsFailed'], 'A copy of this Region\'s backups to another vault failed'],
    ] as const) {
      const usingMetrics = Object.fromEntries(metricNames.map((name, index) => [`m${index}`, metric(name)]));
      const alarm = new cloudwatch.Alarm(this, `Alarm-${suffix}`, {
        alarmName: alarmName(props.appName, region, suffix),
        alarmDescription: `${what}. See the job in the AWS Backup console (Jobs) of ${region}.`,
        metric: new cloudwatch.MathExpression({
          // SUM([...]) adds what is there; a plain `+` would drop an hour in which one metric has no point.
          expression: `SUM([${Object.keys(usingMetrics).join(', ')}])`,
          usingMetrics,
          period: Duration.hours(1),
          label: suffix,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      alarms.set(suffix, alarm);
    }
    return alarms;
  }
}
