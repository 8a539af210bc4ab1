/**
 * The runbook's Lambda functions (runtime/handlers): discovery, the cross-Region copy, the
 * cleanup and the report. Each has its own role, scoped to what it calls, and its own
 * encrypted log group.
 */
import * as path from 'path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { platformFunction } from '../../common/node-function';
import { wildcardResourceFinding } from '../../observability/nag';
import { CLEANUP_FUNCTION_TIMEOUT_SECONDS, CLONE_FUNCTION_TIMEOUT_SECONDS } from '../restore-document';
import { ENV_CONFIG, type CloneSettings, type RuntimeConfig } from '../runtime/config';
import { ENV_TASK_LOG_GROUP } from '../runtime/handlers/environment';
import { FAILOVER_SNAPSHOT_PREFIX, subnetGroupName, temporaryName } from '../runtime/names';
import type { RestoreAndReconcileProps } from './props';
import { grantTopicKey, managedSecretStatements, publishStatement, REPORTS, type TemporaryArns } from './shared';

const RUNTIME_DIR = path.join(__dirname, '..', 'runtime', 'handlers');

export interface RestoreAndReconcileFunctions {
  readonly find: lambda.Function;
  readonly copy: lambda.Function;
  readonly cleanup: lambda.Function;
  readonly report: lambda.Function;
  readonly clone: lambda.Function;
}

export interface RunbookFunctionsOptions {
  readonly props: RestoreAndReconcileProps;
  readonly retention: logs.RetentionDays;
  readonly arns: TemporaryArns;
  readonly bucket: s3.Bucket;
  readonly taskLogGroup: logs.LogGroup;
  readonly cleanupMinutes: number;
  /** The clone and base are created like the restored old primary: same subnets, security group, capacity. */
  readonly clone: CloneSettings;
}

export function runbookFunctions(scope: Construct, options: RunbookFunctionsOptions): RestoreAndReconcileFunctions {
  const { props, arns } = options;
  const stack = Stack.of(scope);
  const region = stack.region;
  const otherRegions = props.regions.filter((r) => r !== region);
  const databases = props.databases;
  const config: RuntimeConfig = {
    appName: props.appName,
    regions: props.regions,
    dataKeyArn: props.dataKey.keyArn,
    bucketName: options.bucket.bucketName,
    ...(props.notificationTopic !== undefined ? { topicArn: props.notificationTopic.topicArn } : {}),
    cleanupTimeoutMinutes: options.cleanupMinutes,
    clone: options.clone,
    databases: Object.fromEntries(
      databases.map((db) => [db.name, { engine: db.engine, globalClusterIdentifier: db.globalClusterIdentifier, memberClusterArns: db.memberClusterArnByRegion, port: db.port }]),
    ),
  };
  const environment = { [ENV_CONFIG]: stack.toJsonString(config) };
  const dataAlias = props.dataKeyAlias ?? `alias/${props.appName}/data`;
  const globalClusterArns = databases.map((db) =>
    stack.formatArn({ service: 'rds', region: '', resource: 'global-cluster', resourceName: db.globalClusterIdentifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
  );
  const oldMemberArns = databases.flatMap((db) => otherRegions.map((r) => db.memberClusterArnByRegion[r]));
  const oldSnapshotPatterns = otherRegions.map((r) => arns.rds('cluster-snapshot', '*', r));
  const failoverSnapshotPatterns = otherRegions.map((r) => arns.rds('cluster-snapshot', `${FAILOVER_SNAPSHOT_PREFIX}*`, r));
  const oldRegionKeys = otherRegions.map((r) => stack.formatArn({ service: 'kms', region: r, resource: 'key', resourceName: '*' }));
  const viaRds = { 'kms:ViaService': `rds.${region}.amazonaws.com` };
  const localMemberArns = databases.map((db) => db.memberClusterArnByRegion[region]).filter((arn): arn is string => arn !== undefined);
  const make = (id: string, entry: string, fn: FunctionOptions): lambda.Function => runtimeFunction(scope, id, entry, { ...fn, logKey: props.logKey, retention: options.retention });

  const find = make('FindSnapshot', 'find-snapshot.ts', {
    description: 'Restore-and-reconcile: preflight and discovery of the failover snapshot (read-only)',
    timeout: Duration.seconds(200),
    environment,
    statements: [
      new iam.PolicyStatement({ sid: 'ReadGlobalDatabases', actions: ['rds:DescribeGlobalClusters'], resources: globalClusterArns }),
      describeTemporary(arns),
      // FailoverTime must lie in the new primary's restore window (read-only).
      new iam.PolicyStatement({ sid: 'ReadNewPrimaryRestoreWindow', actions: ['rds:DescribeDBClusters'], resources: localMemberArns }),
      new iam.PolicyStatement({ sid: 'ListOldPrimarySnapshots', actions: ['rds:DescribeDBClusterSnapshots'], resources: [...oldMemberArns, ...oldSnapshotPatterns] }),
    ],
    wildcards: oldSnapshotPatterns.map((resource) => ({
      resource,
      reason: 'Read-only: lists the snapshots of the old primary member (DescribeDBClusterSnapshots filtered by that cluster); Aurora names the failover snapshot, so its name is not known in advance.',
    })),
  });

  const copy = make('CopySnapshot', 'copy-snapshot.ts', {
    description: 'Restore-and-reconcile: cross-Region copy of the failover snapshot with this Region\'s key',
    timeout: Duration.seconds(60),
    environment,
    statements: [
      new iam.PolicyStatement({ sid: 'CopyFailoverSnapshot', actions: ['rds:CopyDBClusterSnapshot'], resources: [...failoverSnapshotPatterns, ...arns.snapshots] }),
      new iam.PolicyStatement({ sid: 'TagTheCopy', actions: ['rds:AddTagsToResource'], resources: arns.snapshots }),
      describeTemporary(arns),
      new iam.PolicyStatement({
        sid: 'EncryptTheCopy',
        actions: ['kms:CreateGrant'],
        resources: [props.dataKey.keyArn],
        conditions: { StringEquals: viaRds, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
      // Not in the statement above: kms:GrantIsForAWSResource exists only on grant calls.
      new iam.PolicyStatement({ sid: 'DescribeTheCopyKey', actions: ['kms:DescribeKey'], resources: [props.dataKey.keyArn], conditions: { StringEquals: viaRds } }),
      new iam.PolicyStatement({
        sid: 'DecryptTheSourceInItsRegion',
        actions: ['kms:DescribeKey', 'kms:Decrypt'],
        resources: oldRegionKeys,
        conditions: {
          StringEquals: { 'kms:ViaService': otherRegions.map((r) => `rds.${r}.amazonaws.com`) },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [dataAlias] },
        },
      }),
      // Grants only through RDS, for the copy (kms:GrantIsForAWSResource exists only on grant calls).
      new iam.PolicyStatement({
        sid: 'GrantTheSourceKeyToRds',
        actions: ['kms:CreateGrant'],
        resources: oldRegionKeys,
        conditions: {
          StringEquals: { 'kms:ViaService': otherRegions.map((r) => `rds.${r}.amazonaws.com`) },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [dataAlias] },
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        },
      }),
    ],
    wildcards: [
      ...failoverSnapshotPatterns.map((resource) => ({
        resource,
        reason: 'Only snapshots Aurora names rds:unplanned-global-failover-* after an unplanned failover can be copied; the timestamp suffix is not known in advance.',
      })),
      ...oldRegionKeys.map((resource) => ({
        resource,
        reason: 'The old primary\'s snapshot is encrypted with that Region\'s data key, whose id this stack cannot know; the grant is pinned to that alias (kms:ResourceAliases) and to RDS in that Region (kms:ViaService).',
      })),
    ],
  });

  const automationExecutions = stack.formatArn({ service: 'ssm', resource: 'automation-execution', resourceName: '*' });
  const cleanup = make('Cleanup', 'cleanup.ts', {
    description: 'Restore-and-reconcile: deletes the temporary instances, clusters (old primary, clone, base) and copied snapshot of one execution',
    timeout: Duration.seconds(CLEANUP_FUNCTION_TIMEOUT_SECONDS),
    environment,
    statements: [
      describeTemporary(arns),
      new iam.PolicyStatement({ sid: 'DeleteTemporaryInstance', actions: ['rds:DeleteDBInstance'], resources: arns.allInstances }),
      new iam.PolicyStatement({ sid: 'DeleteTemporaryCluster', actions: ['rds:DeleteDBCluster'], resources: arns.allClusters }),
      new iam.PolicyStatement({ sid: 'DeleteCopiedSnapshot', actions: ['rds:DeleteDBClusterSnapshot'], resources: arns.snapshots }),
      // RDS deletes the cluster's managed secret with the cluster, on the caller's behalf.
      new iam.PolicyStatement({
        sid: 'DeleteTemporaryManagedSecret',
        actions: ['secretsmanager:DeleteSecret'],
        resources: [arns.managedSecret],
        conditions: { StringEquals: { 'secretsmanager:ResourceTag/aws:rds:primaryDBClusterArn': arns.allClusters } },
      }),
      // Leftovers of an earlier run are deleted only once its execution finished.
      new iam.PolicyStatement({ sid: 'ReadEarlierExecutionStatus', actions: ['ssm:GetAutomationExecution'], resources: [automationExecutions] }),
    ],
    wildcards: [
      { resource: arns.managedSecret, reason: 'RDS names managed secrets rds!cluster-<random>; only those tagged with a temporary cluster\'s ARN are allowed (resource tag condition).' },
      { resource: automationExecutions, reason: 'Reads the status of the execution that tagged a leftover resource; its id is known only from the tag at run time (read-only).' },
    ],
  });

  const reportPrefixArn = options.bucket.arnForObjects(`${REPORTS}/*`);
  const report = make('Report', 'report.ts', {
    description: 'Restore-and-reconcile: report summary, comparison failure and the run\'s outcome',
    timeout: Duration.seconds(60),
    environment: { ...environment, [ENV_TASK_LOG_GROUP]: options.taskLogGroup.logGroupName },
    statements: [
      new iam.PolicyStatement({ sid: 'ReadReports', actions: ['s3:GetObject'], resources: [reportPrefixArn] }),
      new iam.PolicyStatement({
        sid: 'DecryptReports',
        actions: ['kms:Decrypt'],
        resources: [props.dataKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
      }),
      new iam.PolicyStatement({ sid: 'ReadOwnExecution', actions: ['ssm:DescribeAutomationStepExecutions'], resources: [automationExecutions] }),
    ],
    wildcards: [
      { resource: reportPrefixArn, reason: 'Reads report.json of any run: keys are reports/<database>/<execution id>/, the execution id is known only at run time.' },
      { resource: automationExecutions, reason: 'Reads the step results of the execution that invokes it; execution ids are known only at run time (read-only).' },
    ],
    // The failure notice (the success notice is a document step).
    topic: props.notificationTopic,
  });
  const clone = make('CloneNewPrimary', 'clone.ts', {
    description: 'Restore-and-reconcile: copy-on-write clone (and point-in-time base) of the new primary, read instead of the live member',
    timeout: Duration.seconds(CLONE_FUNCTION_TIMEOUT_SECONDS),
    environment,
    statements: cloneStatements(props, region, arns, localMemberArns),
    wildcards: [
      {
        resource: arns.managedSecret,
        reason: 'RDS creates the clone\'s and the base\'s managed secret (ManageMasterUserPassword) under a generated name rds!cluster-<random>; nothing else is allowed on other secrets.',
      },
    ],
  });
  return { find, copy, cleanup, report, clone };
}

/** RestoreDBClusterToPointInTime from this Region's member to the clone/base names only, then their secret and instance. */
function cloneStatements(props: RestoreAndReconcileProps, region: string, arns: TemporaryArns, localMemberArns: readonly string[]): iam.PolicyStatement[] {
  const app = props.appName;
  return [
    new iam.PolicyStatement({ sid: 'DescribeNewPrimaryAndClones', actions: ['rds:DescribeDBClusters'], resources: [...localMemberArns, ...arns.cloneClusters] }),
    new iam.PolicyStatement({ sid: 'DescribeCloneInstances', actions: ['rds:DescribeDBInstances'], resources: arns.cloneInstances }),
    new iam.PolicyStatement({
      sid: 'CloneNewPrimary',
      actions: ['rds:RestoreDBClusterToPointInTime'],
      resources: [
        ...localMemberArns,
        ...arns.cloneClusters,
        arns.rds('subgrp', subnetGroupName(app)),
        ...props.databases.map((db) => arns.rds('cluster-pg', temporaryName(app, db.name))),
      ],
    }),
    new iam.PolicyStatement({
      sid: 'CreateCloneInstance',
      actions: ['rds:CreateDBInstance'],
      resources: [...arns.cloneInstances, ...arns.cloneClusters, ...props.databases.map((db) => arns.rds('pg', temporaryName(app, db.name)))],
    }),
    new iam.PolicyStatement({ sid: 'TagClones', actions: ['rds:AddTagsToResource'], resources: [...arns.cloneClusters, ...arns.cloneInstances] }),
    new iam.PolicyStatement({ sid: 'ManageClonePassword', actions: ['rds:ModifyDBCluster'], resources: arns.cloneClusters }),
    // The member (hence its clone) and the managed secrets use the Region's data key.
    ...managedSecretStatements(arns, props.dataKey.keyArn, region),
  ];
}

/** Read-only describes of the temporary resources (every function and the Automation role). */
export function describeTemporary(arns: TemporaryArns): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DescribeTemporaryResources',
    actions: ['rds:DescribeDBClusters', 'rds:DescribeDBInstances', 'rds:DescribeDBClusterSnapshots'],
    // The clone and the base too: the preflight refuses while they exist, the cleanup finds them by name.
    resources: [...arns.allClusters, ...arns.allInstances, ...arns.snapshots],
  });
}

interface FunctionOptions {
  readonly description: string;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly statements: readonly iam.PolicyStatement[];
  readonly wildcards: readonly { readonly resource: string; readonly reason: string }[];
  readonly topic?: sns.ITopic;
}

function runtimeFunction(
  scope: Construct,
  id: string,
  entry: string,
  options: FunctionOptions & { readonly logKey: RestoreAndReconcileProps['logKey']; readonly retention: logs.RetentionDays },
): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { encryptionKey: options.logKey, retention: options.retention, removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE });
  const role = new iam.Role(scope, `${id}Role`, { description: options.description, assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const policy = new iam.Policy(scope, `${id}Policy`, { roles: [role], statements: [...options.statements] });
  // Written by hand instead of AWSLambdaBasicExecutionRole: only this function's log group.
  logGroup.grantWrite(role);
  if (options.topic !== undefined) {
    policy.addStatements(publishStatement(options.topic));
    grantTopicKey(role, options.topic, Stack.of(scope).region);
  }
  if (options.wildcards.length > 0) {
    Validations.of(policy).acknowledge(...options.wildcards.map((w) => ({ id: wildcardResourceFinding(policy, w.resource), reason: w.reason })));
  }
  const fn = platformFunction(scope, id, {
    description: options.description,
    entry: path.join(RUNTIME_DIR, entry),
    timeout: options.timeout,
    role,
    logGroup,
    environment: options.environment,
  });
  fn.node.addDependency(policy);
  return fn;
}
