import * as path from 'path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Stage, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { logServerAccess } from '../common/access-logs';
import { platformFunction } from '../common/node-function';
import { wildcardResourceFinding } from '../observability/nag';
import { runbookNames, type AuroraEngine, type DatabaseName } from '../topology/topology';
import { CLEANUP_FUNCTION_TIMEOUT_SECONDS, restoreAndReconcileDocument, type ReconcileDocument } from './restore-document';
import { IMAGE_DATA_DIR, stageTaskImage } from './restore-task-image';
import { ENV_CONFIG, type RuntimeConfig } from './runtime/config';
import { ENV_TASK_LOG_GROUP } from './runtime/handlers/environment';
import { CONTAINER_NAME, FAILOVER_SNAPSHOT_PREFIX, MAX_TEMPORARY_NAME_LENGTH, subnetGroupName, temporaryName } from './runtime/names';

/** One global database the runbook can reconcile, described by plain handles. */
export interface RestoreAndReconcileDatabase {
  readonly name: DatabaseName;
  readonly engine: AuroraEngine;
  readonly globalClusterIdentifier: string;
  /** Member DB cluster ARN per Region (every Region of `regions`). */
  readonly memberClusterArnByRegion: Readonly<Record<string, string>>;
  /** This Region's copy of the master secret: the new primary's credentials, read by the task at run time. */
  readonly secret: secretsmanager.ISecret;
  /** This Region's member security group: the task gets egress to it (the member admits the task with `allowFrom`). */
  readonly securityGroup: ec2.ISecurityGroup;
  readonly port: number;
  readonly databaseName: string;
  /** Family of the temporary cluster's and instance's parameter groups, e.g. `aurora-postgresql16`. */
  readonly parameterGroupFamily: string;
  /**
   * This Region's member cluster endpoint (e.g. `member.cluster.attrEndpointAddress`). The task reads the new primary
   * there: preflight checks this member is the writer, and the endpoint's certificate is a regular cluster certificate,
   * verified with the RDS bundle (the secret's `host`, the global writer endpoint, is not used).
   */
  readonly clusterEndpointAddress: string;
  /** PostgreSQL schema to compare. @default 'public' (ignored for MySQL: the database is the schema) */
  readonly schema?: string;
}

export interface RestoreAndReconcileProps {
  /** Lower-case app name; prefixes every temporary resource (`${appName}-reconcile-<database>`). */
  readonly appName: string;
  /** Every Region of the platform (allowed OldPrimaryRegion values). */
  readonly regions: readonly string[];
  readonly vpc: ec2.IVpc;
  /** Where the comparison task runs (reaches the databases, the VPC endpoints and S3). */
  readonly applicationSubnets: ec2.SubnetSelection;
  /** Where the temporary cluster is restored. */
  readonly dataSubnets: ec2.SubnetSelection;
  /** This Region's CMK: copied snapshot, temporary cluster, its managed secret, the report bucket. */
  readonly dataKey: kms.IKey;
  /** The Region's access-log bucket: the report bucket's S3 server access logs go there. */
  readonly serverAccessLogs: s3.IBucket;
  /**
   * Alias of the data key in every Region (the old primary's snapshot is encrypted with that Region's key,
   * whose ARN this stack does not know). @default `alias/${appName}/data` (RegionalKey's alias)
   */
  readonly dataKeyAlias?: string;
  /** Key of the log groups (the Region's logs key; must admit CloudWatch Logs). */
  readonly logKey: kms.IKey;
  /** A retention CloudWatch Logs accepts. */
  readonly logRetentionDays: number;
  readonly databases: readonly RestoreAndReconcileDatabase[];
  /** Receives the report location and totals, or the failure notice. */
  readonly notificationTopic?: sns.ITopic;
  /** @default runbookNames(appName).reconcile (`${appName}-RestoreAndReconcile`) */
  readonly documentName?: string;
  /** Instance class of the temporary cluster's instance. @default 'db.serverless' */
  readonly temporaryInstanceClass?: string;
  /** Serverless v2 capacity of the temporary cluster (ACUs). @default { min: 2, max: 32 } */
  readonly serverlessCapacity?: { readonly min: number; readonly max: number };
  /** Comparison task size. @default 2 vCPU, 4 GiB, 50 GiB of ephemeral storage */
  readonly task?: { readonly cpu?: number; readonly memoryMiB?: number; readonly ephemeralStorageGiB?: number };
  /** @default copy 240, restore 120, comparison 360, cleanup 60 (minutes) */
  readonly timeouts?: {
    readonly copyMinutes?: number;
    readonly restoreMinutes?: number;
    readonly comparisonMinutes?: number;
    readonly cleanupMinutes?: number;
  };
  /** Days noncurrent report versions are kept. @default 90 */
  readonly reportNoncurrentVersionDays?: number;
}

const DOCUMENT_NAME_PATTERN = /^[a-zA-Z0-9_.-]{3,128}$/;
const RETENTION_DAYS = new Set<number>(Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number'));
const RUNTIME_DIR = path.join(__dirname, 'runtime', 'handlers');
/** S3 keys of the reports: `reports/<database>/<execution id>/`. */
const REPORTS = 'reports';

export interface RestoreAndReconcileFunctions {
  readonly find: lambda.Function;
  readonly copy: lambda.Function;
  readonly cleanup: lambda.Function;
  readonly report: lambda.Function;
}

/**
 * The restore-and-reconcile runbook of ONE Region (instantiate it in every regional stack;
 * start it in the Region that is primary after an unplanned failover): the report bucket,
 * the comparison task (Fargate, image staged at synth), four small Lambda functions, the
 * Automation role and the `${appName}-RestoreAndReconcile` document.
 *
 * The construct is an `ec2.IConnectable` for the comparison task: admit it on each local
 * database member with `member.allowFrom(reconcile, 'restore-and-reconcile task')`.
 */
export class RestoreAndReconcile extends Construct implements ec2.IConnectable {
  readonly connections: ec2.Connections;
  readonly taskSecurityGroup: ec2.SecurityGroup;
  readonly temporaryClusterSecurityGroup: ec2.SecurityGroup;
  readonly reportBucket: s3.Bucket;
  readonly cluster: ecs.Cluster;
  readonly taskDefinitions: Readonly<Partial<Record<DatabaseName, ecs.FargateTaskDefinition>>>;
  readonly taskLogGroup: logs.LogGroup;
  readonly executionRole: iam.Role;
  readonly functions: RestoreAndReconcileFunctions;
  readonly document: ssm.CfnDocument;
  readonly documentName: string;
  readonly documentContent: ReconcileDocument;

  private readonly stack: Stack;
  private readonly logKey: kms.IKey;
  private readonly retention: logs.RetentionDays;

  constructor(scope: Construct, id: string, props: RestoreAndReconcileProps) {
    super(scope, id);
    this.stack = Stack.of(this);
    this.logKey = props.logKey;
    this.retention = props.logRetentionDays as logs.RetentionDays;
    this.documentName = props.documentName ?? runbookNames(props.appName).reconcile;
    validate(this, props, this.documentName);

    const stack = this.stack;
    const region = stack.region;
    const otherRegions = props.regions.filter((r) => r !== region);
    const app = props.appName;
    const databases = props.databases;
    const temporary = (db: DatabaseName): string => temporaryName(app, db);
    const rdsArn = (resource: string, name: string, inRegion: string = region): string =>
      stack.formatArn({ service: 'rds', region: inRegion, resource, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const temporaryClusterArns = databases.map((db) => rdsArn('cluster', temporary(db.name)));
    const temporaryInstanceArns = databases.map((db) => rdsArn('db', temporary(db.name)));
    const temporarySnapshotArns = databases.map((db) => rdsArn('cluster-snapshot', temporary(db.name)));
    const managedSecretArn = stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: 'rds!cluster-*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const timeouts = {
      copyMinutes: props.timeouts?.copyMinutes ?? 240,
      restoreMinutes: props.timeouts?.restoreMinutes ?? 120,
      comparisonMinutes: props.timeouts?.comparisonMinutes ?? 360,
      cleanupMinutes: props.timeouts?.cleanupMinutes ?? 60,
    };

    // ---- Network: the task, and the temporary cluster that admits only the task.
    this.taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: props.vpc,
      description: 'Restore-and-reconcile comparison task: the databases and HTTPS to AWS APIs only',
      allowAllOutbound: false,
    });
    // Secrets Manager, S3, ECR and CloudWatch Logs, through the VPC endpoints or the NAT.
    this.taskSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs');
    this.connections = this.taskSecurityGroup.connections;
    this.temporaryClusterSecurityGroup = new ec2.SecurityGroup(this, 'TemporaryClusterSecurityGroup', {
      vpc: props.vpc,
      description: 'Temporary restored clusters of restore-and-reconcile: the comparison task only',
      allowAllOutbound: false,
    });
    for (const db of databases) {
      this.temporaryClusterSecurityGroup.connections.allowFrom(this.taskSecurityGroup, ec2.Port.tcp(db.port), `${db.name} temporary cluster from the comparison task`);
      // The member admits the task itself (member.allowFrom); this is the task's side.
      this.taskSecurityGroup.addEgressRule(db.securityGroup, ec2.Port.tcp(db.port), `${db.name} new primary (this Region's member)`);
    }

    const subnetGroup = new rds.CfnDBSubnetGroup(this, 'TemporaryClusterSubnets', {
      dbSubnetGroupName: subnetGroupName(app),
      dbSubnetGroupDescription: 'Data subnets of the restore-and-reconcile temporary clusters',
      subnetIds: props.vpc.selectSubnets(props.dataSubnets).subnetIds,
    });
    for (const db of databases) {
      const tls = db.engine === 'aurora-mysql' ? { require_secure_transport: 'ON' } : { 'rds.force_ssl': '1' };
      new rds.CfnDBClusterParameterGroup(this, `${pascal(db.name)}ClusterParameters`, {
        dbClusterParameterGroupName: temporary(db.name),
        description: `Temporary ${db.name} cluster of restore-and-reconcile: TLS only`,
        family: db.parameterGroupFamily,
        // The copy holds production data: no plaintext connection, whatever the original allowed.
        parameters: tls,
      });
      new rds.CfnDBParameterGroup(this, `${pascal(db.name)}InstanceParameters`, {
        dbParameterGroupName: temporary(db.name),
        description: `Temporary ${db.name} instance of restore-and-reconcile`,
        family: db.parameterGroupFamily,
      });
    }

    // ---- Report bucket (server access logs go to the Region's access-log bucket).
    this.reportBucket = new s3.Bucket(this, 'ReportBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.dataKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      lifecycleRules: [
        { noncurrentVersionExpiration: Duration.days(props.reportNoncurrentVersionDays ?? 90) },
        // Parts of a multipart upload the task could not complete.
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
    logServerAccess(this.reportBucket, props.serverAccessLogs, 's3/report-bucket');

    new CfnOutput(this, 'ReportBucketName', {
      value: this.reportBucket.bucketName,
      description: 'Restore-and-reconcile reports: s3://<bucket>/reports/<database>/<execution id>/',
    });

    // ---- Comparison task.
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: props.vpc, containerInsightsV2: ecs.ContainerInsights.ENHANCED });
    this.taskLogGroup = new logs.LogGroup(this, 'TaskLogs', { encryptionKey: props.logKey, retention: this.retention, removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE });
    const ecsPrincipal = new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'ecs', resource: '*' }) },
      },
    });
    this.executionRole = new iam.Role(this, 'TaskExecutionRole', {
      description: `${app} restore-and-reconcile: pulls the task image and writes its logs`,
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    });
    const cpu = props.task?.cpu ?? 2048;
    const memoryMiB = props.task?.memoryMiB ?? 4096;
    const stage = Stage.of(this);
    if (stage === undefined) throw new Error('RestoreAndReconcile must be created inside an App or Stage');
    // Staged at synth, inside the cloud assembly; Docker builds it at deploy time only.
    const contextDirectory = stageTaskImage(path.join(stage.assetOutdir, `reconcile-task-${this.node.addr}`), { maxOldSpaceMiB: Math.floor(memoryMiB * 0.75) });
    const image = ecs.ContainerImage.fromAsset(contextDirectory, { platform: Platform.LINUX_AMD64 });
    const taskDefinitions: Partial<Record<DatabaseName, ecs.FargateTaskDefinition>> = {};
    const taskRoles: iam.Role[] = [];
    for (const db of databases) {
      const taskRole = new iam.Role(this, `${pascal(db.name)}TaskRole`, {
        description: `${app} restore-and-reconcile: the ${db.name} comparison task`,
        assumedBy: ecsPrincipal,
      });
      this.grantTaskRole(taskRole, db, props.dataKey, rdsArn('cluster', temporary(db.name)), managedSecretArn);
      taskRoles.push(taskRole);
      const definition = new ecs.FargateTaskDefinition(this, `${pascal(db.name)}Task`, {
        // Fixed family: the document starts `${appName}-reconcile-{{ Database }}`.
        family: temporary(db.name),
        cpu,
        memoryLimitMiB: memoryMiB,
        // Only the differences are written to disk (<table>.jsonl); 50 GiB holds tens of millions of rows of them.
        ephemeralStorageGiB: props.task?.ephemeralStorageGiB ?? 50,
        runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
        taskRole,
        executionRole: this.executionRole,
        volumes: [{ name: 'data' }],
      });
      const container = definition.addContainer(CONTAINER_NAME, {
        image,
        essential: true,
        // The image's `node` user (UID/GID 1000 in the node base image); root file system read-only.
        user: '1000:1000',
        readonlyRootFilesystem: true,
        memoryLimitMiB: memoryMiB,
        logging: ecs.LogDrivers.awsLogs({ logGroup: this.taskLogGroup, streamPrefix: CONTAINER_NAME }),
        // Names and addresses only; both credentials are read from Secrets Manager at run time.
        environment: {
          AWS_REGION: region,
          ENGINE: db.engine === 'aurora-mysql' ? 'mysql' : 'postgres',
          DATABASE: db.databaseName,
          ...(db.engine === 'aurora-postgresql' ? { SCHEMA: db.schema ?? 'public' } : {}),
          NEW_SECRET_ARN: db.secret.secretArn,
          NEW_HOST: db.clusterEndpointAddress,
          NEW_PORT: String(db.port),
          OLD_PORT: String(db.port),
          BUCKET: this.reportBucket.bucketName,
        },
      });
      container.addMountPoints({ sourceVolume: 'data', containerPath: IMAGE_DATA_DIR, readOnly: false });
      Validations.of(definition).acknowledge({
        id: 'AwsSolutions-ECS2',
        reason:
          'The environment holds no secret: engine, database and schema names, the new primary\'s endpoint and port, the bucket name and the ARN of the secret the task reads at run time.',
      });
      taskDefinitions[db.name] = definition;
    }
    this.taskDefinitions = taskDefinitions;
    Validations.of(this.executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken, added by the image asset, has no resource-level permissions; image pulls are limited to the asset repository.',
    });

    // ---- Lambda functions.
    const config: RuntimeConfig = {
      appName: app,
      regions: props.regions,
      dataKeyArn: props.dataKey.keyArn,
      bucketName: this.reportBucket.bucketName,
      ...(props.notificationTopic !== undefined ? { topicArn: props.notificationTopic.topicArn } : {}),
      cleanupTimeoutMinutes: timeouts.cleanupMinutes,
      databases: Object.fromEntries(
        databases.map((db) => [db.name, { engine: db.engine, globalClusterIdentifier: db.globalClusterIdentifier, memberClusterArns: db.memberClusterArnByRegion }]),
      ),
    };
    const environment = { [ENV_CONFIG]: stack.toJsonString(config) };
    const dataAlias = props.dataKeyAlias ?? `alias/${app}/data`;
    const globalClusterArns = databases.map((db) =>
      stack.formatArn({ service: 'rds', region: '', resource: 'global-cluster', resourceName: db.globalClusterIdentifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    );
    const oldMemberArns = databases.flatMap((db) => otherRegions.map((r) => db.memberClusterArnByRegion[r]));
    const oldSnapshotPatterns = otherRegions.map((r) => rdsArn('cluster-snapshot', '*', r));
    const failoverSnapshotPatterns = otherRegions.map((r) => rdsArn('cluster-snapshot', `${FAILOVER_SNAPSHOT_PREFIX}*`, r));
    const oldRegionKeys = otherRegions.map((r) => stack.formatArn({ service: 'kms', region: r, resource: 'key', resourceName: '*' }));
    const viaRds = { 'kms:ViaService': `rds.${region}.amazonaws.com` };

    const describeTemporary = (): iam.PolicyStatement =>
      new iam.PolicyStatement({
        sid: 'DescribeTemporaryResources',
        actions: ['rds:DescribeDBClusters', 'rds:DescribeDBInstances', 'rds:DescribeDBClusterSnapshots'],
        resources: [...temporaryClusterArns, ...temporaryInstanceArns, ...temporarySnapshotArns],
      });

    const find = this.runtimeFunction('FindSnapshot', 'find-snapshot.ts', {
      description: 'Restore-and-reconcile: preflight and discovery of the failover snapshot (read-only)',
      timeout: Duration.seconds(200),
      environment,
      statements: [
        new iam.PolicyStatement({ sid: 'ReadGlobalDatabases', actions: ['rds:DescribeGlobalClusters'], resources: globalClusterArns }),
        describeTemporary(),
        new iam.PolicyStatement({ sid: 'ListOldPrimarySnapshots', actions: ['rds:DescribeDBClusterSnapshots'], resources: [...oldMemberArns, ...oldSnapshotPatterns] }),
      ],
      wildcards: oldSnapshotPatterns.map((resource) => ({
        resource,
        reason: 'Read-only: lists the snapshots of the old primary member (DescribeDBClusterSnapshots filtered by that cluster); Aurora names the failover snapshot, so its name is not known in advance.',
      })),
    });

    const copy = this.runtimeFunction('CopySnapshot', 'copy-snapshot.ts', {
      description: 'Restore-and-reconcile: cross-Region copy of the failover snapshot with this Region\'s key',
      timeout: Duration.seconds(60),
      environment,
      statements: [
        new iam.PolicyStatement({ sid: 'CopyFailoverSnapshot', actions: ['rds:CopyDBClusterSnapshot'], resources: [...failoverSnapshotPatterns, ...temporarySnapshotArns] }),
        new iam.PolicyStatement({ sid: 'TagTheCopy', actions: ['rds:AddTagsToResource'], resources: temporarySnapshotArns }),
        describeTemporary(),
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
    const cleanup = this.runtimeFunction('Cleanup', 'cleanup.ts', {
      description: 'Restore-and-reconcile: deletes the temporary instance, cluster and copied snapshot of one execution',
      timeout: Duration.seconds(CLEANUP_FUNCTION_TIMEOUT_SECONDS),
      environment,
      statements: [
        describeTemporary(),
        new iam.PolicyStatement({ sid: 'DeleteTemporaryInstance', actions: ['rds:DeleteDBInstance'], resources: temporaryInstanceArns }),
        new iam.PolicyStatement({ sid: 'DeleteTemporaryCluster', actions: ['rds:DeleteDBCluster'], resources: temporaryClusterArns }),
        new iam.PolicyStatement({ sid: 'DeleteCopiedSnapshot', actions: ['rds:DeleteDBClusterSnapshot'], resources: temporarySnapshotArns }),
        // RDS deletes the cluster's managed secret with the cluster, on the caller's behalf.
        new iam.PolicyStatement({
          sid: 'DeleteTemporaryManagedSecret',
          actions: ['secretsmanager:DeleteSecret'],
          resources: [managedSecretArn],
          conditions: { StringEquals: { 'secretsmanager:ResourceTag/aws:rds:primaryDBClusterArn': temporaryClusterArns } },
        }),
        // Leftovers of an earlier run are deleted only once its execution finished.
        new iam.PolicyStatement({ sid: 'ReadEarlierExecutionStatus', actions: ['ssm:GetAutomationExecution'], resources: [automationExecutions] }),
      ],
      wildcards: [
        { resource: managedSecretArn, reason: 'RDS names managed secrets rds!cluster-<random>; only those tagged with a temporary cluster\'s ARN are allowed (resource tag condition).' },
        { resource: automationExecutions, reason: 'Reads the status of the execution that tagged a leftover resource; its id is known only from the tag at run time (read-only).' },
      ],
    });

    const reportPrefixArn = this.reportBucket.arnForObjects(`${REPORTS}/*`);
    const report = this.runtimeFunction('Report', 'report.ts', {
      description: 'Restore-and-reconcile: report summary, comparison failure and the run\'s outcome',
      timeout: Duration.seconds(60),
      environment: { ...environment, [ENV_TASK_LOG_GROUP]: this.taskLogGroup.logGroupName },
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
    this.functions = { find, copy, cleanup, report };

    // ---- Automation role.
    const automationRole = new iam.Role(this, 'AutomationRole', {
      description: `${app} restore-and-reconcile: SSM Automation execution role`,
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'ssm', resource: 'automation-execution', resourceName: '*' }) },
        },
      }),
    });
    const definitions = Object.values(taskDefinitions);
    const automationPolicy = new iam.Policy(this, 'AutomationPolicy', {
      roles: [automationRole],
      statements: [
        new iam.PolicyStatement({ sid: 'InvokeRunbookFunctions', actions: ['lambda:InvokeFunction'], resources: [find, copy, cleanup, report].map((fn) => fn.functionArn) }),
        describeTemporary(),
        new iam.PolicyStatement({
          sid: 'RestoreTemporaryCluster',
          actions: ['rds:RestoreDBClusterFromSnapshot'],
          resources: [
            ...temporaryClusterArns,
            ...temporarySnapshotArns,
            rdsArn('subgrp', subnetGroupName(app)),
            ...databases.map((db) => rdsArn('cluster-pg', temporary(db.name))),
          ],
        }),
        new iam.PolicyStatement({
          sid: 'CreateTemporaryInstance',
          actions: ['rds:CreateDBInstance'],
          resources: [...temporaryInstanceArns, ...temporaryClusterArns, ...databases.map((db) => rdsArn('pg', temporary(db.name)))],
        }),
        new iam.PolicyStatement({ sid: 'TagTemporaryResources', actions: ['rds:AddTagsToResource'], resources: [...temporaryClusterArns, ...temporaryInstanceArns] }),
        new iam.PolicyStatement({ sid: 'ManageTemporaryPassword', actions: ['rds:ModifyDBCluster'], resources: temporaryClusterArns }),
        // RDS creates the managed master secret on the caller's behalf.
        new iam.PolicyStatement({
          sid: 'CreateManagedSecret',
          actions: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource', 'secretsmanager:RotateSecret', 'secretsmanager:DescribeSecret'],
          resources: [managedSecretArn],
        }),
        new iam.PolicyStatement({
          sid: 'UseTheDataKeyThroughRdsAndSecretsManager',
          actions: ['kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.dataKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': [`rds.${region}.amazonaws.com`, `secretsmanager.${region}.amazonaws.com`] } },
        }),
        new iam.PolicyStatement({
          sid: 'GrantTheDataKeyToRdsAndSecretsManager',
          actions: ['kms:CreateGrant'],
          resources: [props.dataKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': [`rds.${region}.amazonaws.com`, `secretsmanager.${region}.amazonaws.com`] },
            Bool: { 'kms:GrantIsForAWSResource': 'true' },
          },
        }),
        new iam.PolicyStatement({
          sid: 'RunComparisonTask',
          actions: ['ecs:RunTask'],
          resources: definitions.map((definition) => definition.taskDefinitionArn),
          conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } },
        }),
        new iam.PolicyStatement({
          sid: 'WatchAndStopComparisonTask',
          actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
          resources: [stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${this.cluster.clusterName}/*` })],
          conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } },
        }),
        new iam.PolicyStatement({
          sid: 'PassTaskRoles',
          actions: ['iam:PassRole'],
          resources: [...taskRoles.map((role) => role.roleArn), this.executionRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        }),
      ],
    });
    if (props.notificationTopic !== undefined) {
      automationPolicy.addStatements(publishStatement(props.notificationTopic));
      grantTopicKey(automationRole, props.notificationTopic, region);
    }
    Validations.of(automationPolicy).acknowledge(
      {
        id: wildcardResourceFinding(automationPolicy, managedSecretArn),
        reason: 'RDS creates the temporary cluster\'s managed secret (ManageMasterUserPassword) under a generated name rds!cluster-<random>; nothing else is allowed on other secrets.',
      },
      {
        id: wildcardResourceFinding(automationPolicy, stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${this.cluster.clusterName}/*` })),
        reason: 'Task ids are known only once RunTask started the task; DescribeTasks and StopTask (timeout, failure, cancel) are limited to this cluster (ecs:cluster).',
      },
    );

    // ---- The document.
    this.documentContent = restoreAndReconcileDocument({
      appName: app,
      regions: props.regions,
      databases: databases.map((db) => db.name),
      executionRoleArn: automationRole.roleArn,
      functions: { find: find.functionName, copy: copy.functionName, cleanup: cleanup.functionName, report: report.functionName },
      subnetGroupName: subnetGroup.ref,
      clusterSecurityGroupId: this.temporaryClusterSecurityGroup.securityGroupId,
      kmsKeyArn: props.dataKey.keyArn,
      instanceClass: props.temporaryInstanceClass ?? 'db.serverless',
      serverlessCapacity: props.serverlessCapacity ?? { min: 2, max: 32 },
      ecsClusterArn: this.cluster.clusterArn,
      taskSubnetIds: props.vpc.selectSubnets(props.applicationSubnets).subnetIds,
      taskSecurityGroupId: this.taskSecurityGroup.securityGroupId,
      ...(props.notificationTopic !== undefined ? { notificationTopicArn: props.notificationTopic.topicArn } : {}),
      timeouts: {
        copySeconds: timeouts.copyMinutes * 60,
        restoreSeconds: timeouts.restoreMinutes * 60,
        comparisonSeconds: timeouts.comparisonMinutes * 60,
      },
    });
    this.document = new ssm.CfnDocument(this, 'Document', {
      name: this.documentName,
      documentType: 'Automation',
      documentFormat: 'JSON',
      content: this.documentContent,
      // Fixed name: updates must create a new version instead of replacing the document.
      updateMethod: 'NewVersion',
    });
    // The document names resources these create; IAM must be in place before a run.
    this.document.node.addDependency(automationPolicy, subnetGroup);
  }

  private grantTaskRole(role: iam.Role, db: RestoreAndReconcileDatabase, dataKey: kms.IKey, temporaryClusterArn: string, managedSecretArn: string): void {
    const region = this.stack.region;
    const secretArn = db.secret.secretFullArn ?? `${db.secret.secretArn}-??????`;
    const objects = this.reportBucket.arnForObjects(`${REPORTS}/${db.name}/*`);
    const policy = new iam.Policy(this, `${pascal(db.name)}TaskPolicy`, {
      roles: [role],
      statements: [
        new iam.PolicyStatement({ sid: 'ReadNewPrimaryCredentials', actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] }),
        ...(db.secret.encryptionKey !== undefined
          ? [
              new iam.PolicyStatement({
                sid: 'DecryptNewPrimaryCredentials',
                actions: ['kms:Decrypt'],
                resources: [db.secret.encryptionKey.keyArn],
                conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
              }),
            ]
          : []),
        new iam.PolicyStatement({
          sid: 'ReadTemporaryClusterCredentials',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [managedSecretArn],
          conditions: { StringEquals: { 'secretsmanager:ResourceTag/aws:rds:primaryDBClusterArn': temporaryClusterArn } },
        }),
        new iam.PolicyStatement({
          sid: 'DecryptTemporaryClusterCredentials',
          actions: ['kms:Decrypt'],
          resources: [dataKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
        }),
        new iam.PolicyStatement({ sid: 'WriteReport', actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [objects] }),
        new iam.PolicyStatement({
          sid: 'EncryptReport',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [dataKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
        }),
      ],
    });
    Validations.of(policy).acknowledge(
      {
        id: wildcardResourceFinding(policy, managedSecretArn),
        reason: `RDS names managed secrets rds!cluster-<random>; only the one RDS tagged with the temporary ${db.name} cluster's ARN is readable (resource tag condition).`,
      },
      { id: wildcardResourceFinding(policy, objects), reason: `Writes the run's report under reports/${db.name}/<execution id>/; the execution id is known only at run time.` },
      ...(db.secret.secretFullArn === undefined
        ? [{ id: wildcardResourceFinding(policy, secretArn), reason: 'A secret imported by partial ARN can only be matched with its random suffix wildcard.' }]
        : []),
    );
  }

  private runtimeFunction(
    id: string,
    entry: string,
    options: {
      readonly description: string;
      readonly timeout: Duration;
      readonly environment: Record<string, string>;
      readonly statements: readonly iam.PolicyStatement[];
      readonly wildcards: readonly { readonly resource: string; readonly reason: string }[];
      readonly topic?: sns.ITopic;
    },
  ): lambda.Function {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, { encryptionKey: this.logKey, retention: this.retention, removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE });
    const role = new iam.Role(this, `${id}Role`, { description: options.description, assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const policy = new iam.Policy(this, `${id}Policy`, { roles: [role], statements: [...options.statements] });
    // Written by hand instead of AWSLambdaBasicExecutionRole: only this function's log group.
    logGroup.grantWrite(role);
    if (options.topic !== undefined) {
      policy.addStatements(publishStatement(options.topic));
      grantTopicKey(role, options.topic, this.stack.region);
    }
    if (options.wildcards.length > 0) {
      Validations.of(policy).acknowledge(...options.wildcards.map((w) => ({ id: wildcardResourceFinding(policy, w.resource), reason: w.reason })));
    }
    const fn = platformFunction(this, id, {
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
}

/** sns:Publish on the topic only (Topic.grantPublish would add kms:GenerateDataKey* for an encrypted topic). */
function publishStatement(topic: sns.ITopic): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid: 'NotifyOperators', actions: ['sns:Publish'], resources: [topic.topicArn] });
}

/** The exact KMS actions SNS needs from a publisher to an encrypted topic. */
function grantTopicKey(role: iam.IRole, topic: sns.ITopic, region: string): void {
  if (topic.masterKey === undefined) return;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'EncryptNotifications',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [topic.masterKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sns.${region}.amazonaws.com` } },
    }),
  );
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function validate(scope: Construct, props: RestoreAndReconcileProps, documentName: string): void {
  const errors: string[] = [];
  const region = Stack.of(scope).region;
  if (!/^[a-z][a-z0-9-]*$/.test(props.appName)) errors.push(`appName "${props.appName}" must be lower-case letters, digits and hyphens (RDS stores identifiers in lower case; IAM matches them as written)`);
  if (props.regions.length === 0) errors.push('regions must not be empty');
  if (!Token.isUnresolved(region) && !props.regions.includes(region)) errors.push(`the stack Region ${region} is not one of regions (${props.regions.join(', ')})`);
  if (!DOCUMENT_NAME_PATTERN.test(documentName) || /^(aws|amazon|amzn)/i.test(documentName)) {
    errors.push(`document name "${documentName}" must be 3-128 letters, digits, _ . - and not start with aws, amazon or amzn`);
  }
  if (!RETENTION_DAYS.has(props.logRetentionDays)) errors.push(`logRetentionDays ${props.logRetentionDays} is not a retention CloudWatch Logs accepts`);
  if (props.databases.length === 0) errors.push('databases must not be empty');
  const seen = new Set<string>();
  for (const db of props.databases) {
    if (seen.has(db.name)) errors.push(`database ${db.name} is listed twice`);
    seen.add(db.name);
    const name = temporaryName(props.appName, db.name);
    if (name.length > MAX_TEMPORARY_NAME_LENGTH) errors.push(`temporary name ${name} exceeds ${MAX_TEMPORARY_NAME_LENGTH} characters`);
    if (!db.parameterGroupFamily.startsWith(db.engine)) errors.push(`database ${db.name}: parameter group family ${db.parameterGroupFamily} does not match engine ${db.engine}`);
    if (!Number.isInteger(db.port) || db.port < 1150 || db.port > 65535) errors.push(`database ${db.name}: port ${db.port} is not a valid Aurora port`);
    for (const r of props.regions) {
      if (db.memberClusterArnByRegion[r] === undefined) errors.push(`database ${db.name} has no member cluster ARN for ${r}`);
    }
  }
  const capacity = props.serverlessCapacity ?? { min: 2, max: 32 };
  if (!(capacity.min >= 0 && capacity.max >= capacity.min && capacity.max <= 256)) errors.push('serverlessCapacity must satisfy 0 <= min <= max <= 256');
  const storage = props.task?.ephemeralStorageGiB ?? 50;
  if (!Number.isInteger(storage) || storage < 21 || storage > 200) errors.push('task.ephemeralStorageGiB must be an integer from 21 to 200');
  for (const [key, value] of Object.entries(props.timeouts ?? {})) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) errors.push(`timeouts.${key} must be a positive integer`);
  }
  if (errors.length > 0) throw new Error(`RestoreAndReconcile: ${errors.join('; ')}`);
}
