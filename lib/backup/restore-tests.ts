import { RemovalPolicy } from 'aws-cdk-lib';
import * as path from 'node:path';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { platformFunction } from '../common/node-function';
import { alarmName, platformMetricNamespace } from '../observability/names';
import { acknowledgeWildcardResources } from '../observability/nag';
import { backupVaultName, restoreTestingPlanName } from './names';
import type { BackedUpStore } from './regional-backup';
import { RESTORE_VALIDATION_METRIC, type ValidatedStore } from './runtime/validate';

/** An Aurora store as the validation needs it: its secret and the security group that admits the function. */
export interface RestoreTestedDatabase extends BackedUpStore {
  readonly kind: 'aurora';
  readonly engine: 'aurora-mysql' | 'aurora-postgresql';
  readonly databaseName: string;
  readonly secret: secretsmanager.ISecret;
  /** Admit the validation function to the member (and, restored with the same groups, to the restored cluster). */
  readonly allowFrom: (peer: ec2.IConnectable, description: string) => void;
}

export interface RestoreTestsProps {
  readonly appName: string;
  readonly vault: backup.IBackupVault;
  /** The role AWS Backup restores with (the backup construct's service role). */
  readonly role: iam.IRole;
  readonly databases: readonly RestoreTestedDatabase[];
  readonly table: BackedUpStore;
  readonly tolerancePercent: number;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly logKey: kms.IKey;
  readonly logRetentionDays: number;
  readonly alarmTopic: sns.ITopic;
}

export const RESTORE_TEST_ALARM = 'restore-test-failed';

/**
 * AWS Backup restore tests of every store of this Region, weekly: the newest recovery point of
 * each (snapshot or point-in-time) is restored, the validation function counts the restored rows
 * against the live store's and reports SUCCESSFUL or FAILED to AWS Backup, which then deletes the
 * restored resource. A failed restore, a failed validation or a validation that did not run alarm.
 */
export class RestoreTests extends Construct {
  readonly plan: backup.CfnRestoreTestingPlan;
  readonly selections: backup.CfnRestoreTestingSelection[] = [];
  readonly validator: lambda.Function;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: RestoreTestsProps) {
    super(scope, id);
    const planName = restoreTestingPlanName(props.appName);
    this.plan = new backup.CfnRestoreTestingPlan(this, 'Plan', {
      restoreTestingPlanName: planName,
      // Sundays 06:00 UTC: after the daily backups (03:00) and the maintenance window (04:00-05:00).
      scheduleExpression: 'cron(0 6 ? * SUN *)',
      scheduleExpressionTimezone: 'Etc/UTC',
      startWindowHours: 4,
      recoveryPointSelection: {
        algorithm: 'LATEST_WITHIN_WINDOW',
        includeVaults: [props.vault.backupVaultArn],
        recoveryPointTypes: ['CONTINUOUS', 'SNAPSHOT'],
        selectionWindowDays: 7,
      },
    });
    for (const store of [...props.databases, props.table]) {
      const selection = new backup.CfnRestoreTestingSelection(this, `Selection-${store.name}`, {
        restoreTestingPlanName: planName,
        restoreTestingSelectionName: `${store.name}_restore_test`,
        protectedResourceType: store.kind === 'aurora' ? 'Aurora' : 'DynamoDB',
        protectedResourceArns: [store.arn],
        iamRoleArn: props.role.roleArn,
        // Time for the validation (it runs within minutes of the restore); AWS Backup deletes the restore after it.
        validationWindowHours: 4,
      });
      selection.addResourceDependency(this.plan);
      this.selections.push(selection);
    }
    this.validator = this.createValidator(props, planName);
    this.alarm = this.createAlarm(props);
  }

  private createValidator(props: RestoreTestsProps, planName: string): lambda.Function {
    const stack = Stack.of(this);
    const securityGroup = new ec2.SecurityGroup(this, 'ValidatorSecurityGroup', {
      vpc: props.vpc,
      description: 'Restore test validation: to the restored and the live databases and the AWS API endpoints',
      allowAllOutbound: true,
    });
    const role = new iam.Role(this, 'ValidatorRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Restore test validation function',
    });
    const logGroup = new logs.LogGroup(this, 'ValidatorLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    const stores: ValidatedStore[] = [
      ...props.databases.map((db) => ({ name: db.name, kind: db.kind, sourceArn: db.arn, engine: db.engine, databaseName: db.databaseName, secretArn: db.secret.secretArn })),
      { name: props.table.name, kind: props.table.kind, sourceArn: props.table.arn },
    ];
    const fn = platformFunction(this, 'Validator', {
      description: 'Validates restore tests: row counts of the restored store against the live one, reported to AWS Backup',
      entry: path.join(__dirname, 'runtime', 'handler.ts'),
      timeout: Duration.minutes(10),
      role,
      logGroup,
      environment: {
        RESTORE_TESTING_PLAN_NAME: planName,
        TOLERANCE_PERCENT: String(props.tolerancePercent),
        STORES: JSON.stringify(stores),
        VALIDATION_METRIC_NAMESPACE: platformMetricNamespace(props.appName),
      },
      vpc: { vpc: props.vpc, subnets: props.subnets, securityGroups: [securityGroup] },
    });
    // Written out instead of AWSLambdaBasicExecutionRole / VPCAccessExecutionRole (AwsSolutions-IAM4).
    logGroup.grantWrite(role);
    const anyRestoreJob = stack.formatArn({ service: 'backup', resource: 'restore-job', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const anyCluster = stack.formatArn({ service: 'rds', resource: 'cluster', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const anyTable = stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: '*' });
    const policy = new iam.Policy(this, 'ValidatorPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({ sid: 'ReadAndReportRestoreJobs', actions: ['backup:DescribeRestoreJob', 'backup:PutRestoreValidationResult'], resources: [anyRestoreJob] }),
        new iam.PolicyStatement({ sid: 'DescribeRestoredClusters', actions: ['rds:DescribeDBClusters'], resources: [anyCluster] }),
        new iam.PolicyStatement({ sid: 'CountTableItems', actions: ['dynamodb:Scan'], resources: [anyTable] }),
        new iam.PolicyStatement({
          sid: 'PublishTheValidationMetric',
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': platformMetricNamespace(props.appName) } },
        }),
        // Lambda checks these at function creation without resource context: they cannot be scoped.
        new iam.PolicyStatement({
          sid: 'VpcFunctionNetworkInterfaces',
          actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
          resources: ['*'],
        }),
      ],
    });
    fn.node.addDependency(policy);
    acknowledgeWildcardResources(policy, [
      { resource: anyRestoreJob, reason: 'Restore job ids are generated by AWS Backup at each test; the function only reads them and reports a validation result.' },
      { resource: anyCluster, reason: 'Restored cluster names are generated by AWS Backup at each test; DescribeDBClusters only reads.' },
      { resource: anyTable, reason: 'Restored table names are generated by AWS Backup at each test; only Scan (a count) is allowed.' },
      { resource: '*', reason: 'cloudwatch:PutMetricData has no resource type (the condition limits it to the platform namespace); the VPC function ENI actions are checked by Lambda without resource context.' },
    ]);
    for (const db of props.databases) {
      db.secret.grantRead(role);
      db.allowFrom(securityGroup, 'restore test validation');
    }
    new events.Rule(this, 'OnRestoreCompleted', {
      description: 'Completed restore jobs: validate the restore tests',
      eventPattern: { source: ['aws.backup'], detailType: ['Restore Job State Change'], detail: { status: ['COMPLETED'] } },
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 2 })],
    });
    return fn;
  }

  private createAlarm(props: RestoreTestsProps): cloudwatch.Alarm {
    const region = Stack.of(this).region;
    const period = Duration.hours(6);
    const alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmName: alarmName(props.appName, region, RESTORE_TEST_ALARM),
      alarmDescription: `A restore test in ${region} failed: the restore, its validation, or the validation function. The restore job's validation message says why.`,
      metric: new cloudwatch.MathExpression({
        expression: 'SUM([validation, restores, errors])',
        usingMetrics: {
          validation: new cloudwatch.Metric({ namespace: platformMetricNamespace(props.appName), metricName: RESTORE_VALIDATION_METRIC, dimensionsMap: { Region: Stack.of(this).region }, statistic: 'Sum', period }),
          restores: new cloudwatch.Metric({ namespace: 'AWS/Backup', metricName: 'NumberOfRestoreJobsFailed', dimensionsMap: { BackupVaultName: backupVaultName(props.appName) }, statistic: 'Sum', period }),
          errors: this.validator.metricErrors({ period, statistic: 'Sum' }),
        },
        period,
        label: RESTORE_TEST_ALARM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new cloudwatchActions.SnsAction(props.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }
}
