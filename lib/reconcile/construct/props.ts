/** Properties of the RestoreAndReconcile construct (restore-and-reconcile.ts). */
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { AuroraEngine, DatabaseName } from '../../topology/topology';

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
   * This Region's member cluster endpoint (e.g. `member.cluster.attrEndpointAddress`): the task definition's NEW_HOST,
   * used only by a task started by hand. The runbook passes the endpoint of its copy-on-write clone of this member
   * instead (TARGETS), so a run never reads the live new primary.
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
  /** Instance class of the temporary clusters' instances (restored old primary, clone of the new primary, base). @default 'db.serverless' */
  readonly temporaryInstanceClass?: string;
  /** Serverless v2 capacity of each temporary cluster (ACUs). @default { min: 2, max: 32 } */
  readonly serverlessCapacity?: { readonly min: number; readonly max: number };
  /** Comparison task size. @default 2 vCPU, 4 GiB, 50 GiB of ephemeral storage */
  readonly task?: { readonly cpu?: number; readonly memoryMiB?: number; readonly ephemeralStorageGiB?: number };
  /**
   * @default copy 240, restore 120, comparison 360, cleanup 60 (minutes). The clone of the new primary (and the
   * base), started before the copy, must be ready within copy + 2 × restore minutes of its start.
   */
  readonly timeouts?: {
    readonly copyMinutes?: number;
    readonly restoreMinutes?: number;
    readonly comparisonMinutes?: number;
    readonly cleanupMinutes?: number;
  };
  /** Days noncurrent report versions are kept. @default 90 */
  readonly reportNoncurrentVersionDays?: number;
}
