/**
 * The comparison task: an ECS cluster, the task log group, the execution role (image pull,
 * logs) and, per database, a task role (both credentials, its report prefix) and a Fargate
 * task definition of the image staged at synth (restore-task-image.ts).
 */
import * as path from 'path';
import { RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { wildcardResourceFinding } from '../../observability/nag';
import type { DatabaseName } from '../../topology/topology';
import { IMAGE_DATA_DIR, stageTaskImage } from '../restore-task-image';
import { CONTAINER_NAME, temporaryClusterNames, temporaryName } from '../runtime/names';
import type { RestoreAndReconcileDatabase, RestoreAndReconcileProps } from './props';
import { pascal, REPORTS, type TemporaryArns } from './shared';

export interface ComparisonTask {
  readonly cluster: ecs.Cluster;
  readonly logGroup: logs.LogGroup;
  readonly executionRole: iam.Role;
  readonly taskRoles: readonly iam.Role[];
  readonly taskDefinitions: Readonly<Partial<Record<DatabaseName, ecs.FargateTaskDefinition>>>;
}

export interface ComparisonTaskOptions {
  readonly props: RestoreAndReconcileProps;
  readonly retention: logs.RetentionDays;
  readonly bucket: s3.Bucket;
  readonly arns: TemporaryArns;
  readonly taskSecurityGroup: ec2.ISecurityGroup;
}

export function comparisonTask(scope: Construct, options: ComparisonTaskOptions): ComparisonTask {
  const { props, arns } = options;
  const stack = Stack.of(scope);
  const cluster = new ecs.Cluster(scope, 'Cluster', { vpc: props.vpc, containerInsightsV2: ecs.ContainerInsights.ENHANCED });
  const logGroup = new logs.LogGroup(scope, 'TaskLogs', { encryptionKey: props.logKey, retention: options.retention, removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE });
  const ecsPrincipal = new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'ecs', resource: '*' }) },
    },
  });
  const executionRole = new iam.Role(scope, 'TaskExecutionRole', {
    description: `${props.appName} restore-and-reconcile: pulls the task image and writes its logs`,
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
  });
  const cpu = props.task?.cpu ?? 2048;
  const memoryMiB = props.task?.memoryMiB ?? 4096;
  const stage = Stage.of(scope);
  if (stage === undefined) throw new Error('RestoreAndReconcile must be created inside an App or Stage');
  // Staged at synth, inside the cloud assembly; Docker builds it at deploy time only.
  const contextDirectory = stageTaskImage(path.join(stage.assetOutdir, `reconcile-task-${scope.node.addr}`), { maxOldSpaceMiB: Math.floor(memoryMiB * 0.75) });
  const image = ecs.ContainerImage.fromAsset(contextDirectory, { platform: Platform.LINUX_AMD64 });
  const taskDefinitions: Partial<Record<DatabaseName, ecs.FargateTaskDefinition>> = {};
  const taskRoles: iam.Role[] = [];
  for (const db of props.databases) {
    const taskRole = new iam.Role(scope, `${pascal(db.name)}TaskRole`, {
      description: `${props.appName} restore-and-reconcile: the ${db.name} comparison task`,
      assumedBy: ecsPrincipal,
    });
    grantTaskRole(scope, taskRole, db, props.dataKey, options.bucket, temporaryClusterNames(props.appName, db.name).map((name) => arns.rds('cluster', name)), arns.managedSecret);
    taskRoles.push(taskRole);
    const definition = new ecs.FargateTaskDefinition(scope, `${pascal(db.name)}Task`, {
      // Fixed family: the document starts `${appName}-reconcile-{{ Database }}`.
      family: temporaryName(props.appName, db.name),
      cpu,
      memoryLimitMiB: memoryMiB,
      // Only the differences are written to disk (<table>.jsonl); 50 GiB holds tens of millions of rows of them.
      ephemeralStorageGiB: props.task?.ephemeralStorageGiB ?? 50,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      taskRole,
      executionRole,
      volumes: [{ name: 'data' }],
    });
    const container = definition.addContainer(CONTAINER_NAME, {
      image,
      essential: true,
      // The image's `node` user (UID/GID 1000 in the node base image); root file system read-only.
      user: '1000:1000',
      readonlyRootFilesystem: true,
      memoryLimitMiB: memoryMiB,
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: CONTAINER_NAME }),
      // Names and addresses only; both credentials are read from Secrets Manager at run time.
      environment: {
        AWS_REGION: stack.region,
        ENGINE: db.engine === 'aurora-mysql' ? 'mysql' : 'postgres',
        DATABASE: db.databaseName,
        ...(db.engine === 'aurora-postgresql' ? { SCHEMA: db.schema ?? 'public' } : {}),
        NEW_SECRET_ARN: db.secret.secretArn,
        NEW_HOST: db.clusterEndpointAddress,
        NEW_PORT: String(db.port),
        OLD_PORT: String(db.port),
        BUCKET: options.bucket.bucketName,
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
  Validations.of(executionRole).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ecr:GetAuthorizationToken, added by the image asset, has no resource-level permissions; image pulls are limited to the asset repository.',
  });
  return { cluster, logGroup, executionRole, taskRoles, taskDefinitions };
}

function grantTaskRole(
  scope: Construct,
  role: iam.Role,
  db: RestoreAndReconcileDatabase,
  dataKey: kms.IKey,
  bucket: s3.Bucket,
  temporaryClusterArns: string[],
  managedSecretArn: string,
): void {
  const region = Stack.of(scope).region;
  const secretArn = db.secret.secretFullArn ?? `${db.secret.secretArn}-??????`;
  const objects = bucket.arnForObjects(`${REPORTS}/${db.name}/*`);
  const policy = new iam.Policy(scope, `${pascal(db.name)}TaskPolicy`, {
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
        conditions: { StringEquals: { 'secretsmanager:ResourceTag/aws:rds:primaryDBClusterArn': temporaryClusterArns } },
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
      reason: `RDS names managed secrets rds!cluster-<random>; only those RDS tagged with the ARN of a temporary ${db.name} cluster (restored old primary, clone, base) are readable (resource tag condition).`,
    },
    { id: wildcardResourceFinding(policy, objects), reason: `Writes the run's report under reports/${db.name}/<execution id>/; the execution id is known only at run time.` },
    ...(db.secret.secretFullArn === undefined
      ? [{ id: wildcardResourceFinding(policy, secretArn), reason: 'A secret imported by partial ARN can only be matched with its random suffix wildcard.' }]
      : []),
  );
}
