/**
 * Helpers shared by the parts of the RestoreAndReconcile construct (restore-and-reconcile.ts):
 * ARNs of the temporary resources, and the notification grants every role that publishes uses.
 */
import { ArnFormat, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { DatabaseName } from '../../topology/topology';
import { baseName, cloneName, temporaryName } from '../runtime/names';

/** S3 keys of the reports: `reports/<database>/<execution id>/`. */
export const REPORTS = 'reports';

/** ARNs of what the runbook creates in this Region, per database (IAM is scoped to them). */
export interface TemporaryArns {
  /** `arn:…:rds:<region>:<account>:<resource>:<name>`, in this Region unless `inRegion` is given. */
  readonly rds: (resource: string, name: string, inRegion?: string) => string;
  readonly clusters: string[];
  readonly instances: string[];
  readonly snapshots: string[];
  /** The clone of the new primary and the base, per database: clusters and instances. */
  readonly cloneClusters: string[];
  readonly cloneInstances: string[];
  /** Every temporary cluster / instance: restored old primary, clone, base. */
  readonly allClusters: string[];
  readonly allInstances: string[];
  /** `rds!cluster-*`: the name RDS gives a cluster's managed master secret. */
  readonly managedSecret: string;
}

export function temporaryArns(stack: Stack, appName: string, databases: readonly DatabaseName[]): TemporaryArns {
  const rds = (resource: string, name: string, inRegion: string = stack.region): string =>
    stack.formatArn({ service: 'rds', region: inRegion, resource, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const copies = databases.flatMap((db) => [cloneName(appName, db), baseName(appName, db)]);
  const clusters = databases.map((db) => rds('cluster', temporaryName(appName, db)));
  const instances = databases.map((db) => rds('db', temporaryName(appName, db)));
  const cloneClusters = copies.map((name) => rds('cluster', name));
  const cloneInstances = copies.map((name) => rds('db', name));
  return {
    rds,
    clusters,
    instances,
    cloneClusters,
    cloneInstances,
    allClusters: [...clusters, ...cloneClusters],
    allInstances: [...instances, ...cloneInstances],
    snapshots: databases.map((db) => rds('cluster-snapshot', temporaryName(appName, db))),
    managedSecret: stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: 'rds!cluster-*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
  };
}

/** sns:Publish on the topic only (Topic.grantPublish would add kms:GenerateDataKey* for an encrypted topic). */
export function publishStatement(topic: sns.ITopic): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid: 'NotifyOperators', actions: ['sns:Publish'], resources: [topic.topicArn] });
}

/** The exact KMS actions SNS needs from a publisher to an encrypted topic. */
export function grantTopicKey(role: iam.IRole, topic: sns.ITopic, region: string): void {
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

export function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * What a caller needs to switch a temporary cluster to an RDS-managed master secret: RDS creates the
 * secret (`rds!cluster-*`) on the caller's behalf and encrypts it, and the cluster, with the Region's data key.
 */
export function managedSecretStatements(arns: TemporaryArns, dataKeyArn: string, region: string): iam.PolicyStatement[] {
  const via = [`rds.${region}.amazonaws.com`, `secretsmanager.${region}.amazonaws.com`];
  return [
    new iam.PolicyStatement({
      sid: 'CreateManagedSecret',
      actions: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource', 'secretsmanager:RotateSecret', 'secretsmanager:DescribeSecret'],
      resources: [arns.managedSecret],
    }),
    new iam.PolicyStatement({
      sid: 'UseTheDataKeyThroughRdsAndSecretsManager',
      actions: ['kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [dataKeyArn],
      conditions: { StringEquals: { 'kms:ViaService': via } },
    }),
    new iam.PolicyStatement({
      sid: 'GrantTheDataKeyToRdsAndSecretsManager',
      actions: ['kms:CreateGrant'],
      resources: [dataKeyArn],
      conditions: { StringEquals: { 'kms:ViaService': via }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
  ];
}
