import { Fn, RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { CacheBinding } from '../services/bindings';

export interface CheckoutCacheProps {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly nodeType: string;
  readonly replicasPerShard: number;
  readonly engineVersion: string;
  readonly snapshotRetentionDays: number;
  readonly key: kms.IKey;
}

/** A non-default port (AwsSolutions-AEC5); the checkout service takes it from the URL. */
export const CACHE_PORT = 6380;

/**
 * The checkout service's Valkey replication group: TLS required, encrypted at rest with the
 * Region's key, an AUTH token generated in Secrets Manager, Multi-AZ with automatic failover
 * when it has replicas. A cache per Region is enough: carts in checkout are rebuilt after a
 * Region switch (a Global Datastore would only matter if a warm cache were an RTO requirement).
 */
export class CheckoutCache extends Construct implements CacheBinding {
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  readonly securityGroup: ec2.SecurityGroup;
  readonly authToken: secretsmanager.Secret;
  readonly urlSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: CheckoutCacheProps) {
    super(scope, id);

    this.authToken = new secretsmanager.Secret(this, 'AuthToken', {
      description: 'AUTH token of the checkout cache',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'token',
        // Letters and digits only: the token also travels inside a rediss:// URL.
        excludePunctuation: true,
        includeSpace: false,
        passwordLength: 64,
      },
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.authToken).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'ElastiCache AUTH tokens rotate through ModifyReplicationGroup (ROTATE then SET) and the URL secret must follow in step; the README documents this rotation procedure.',
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Checkout cache: reachable only from the checkout service',
      allowAllOutbound: false,
    });

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: 'Data subnets of the checkout cache',
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
    });

    const multiAz = props.replicasPerShard > 0;
    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'Checkout cache',
      engine: 'valkey',
      engineVersion: props.engineVersion,
      cacheNodeType: props.nodeType,
      numCacheClusters: 1 + props.replicasPerShard,
      automaticFailoverEnabled: multiAz,
      multiAzEnabled: multiAz,
      port: CACHE_PORT,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      atRestEncryptionEnabled: true,
      kmsKeyId: props.key.keyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      authToken: this.authToken.secretValueFromJson('token').unsafeUnwrap(),
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: props.snapshotRetentionDays,
    });
    this.replicationGroup.applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
    if (!multiAz) {
      Validations.of(this.replicationGroup).acknowledge({
        id: 'AwsSolutions-AEC4',
        reason: 'The dev profile runs a single cache node to save cost; the prod profile always has a replica with Multi-AZ (enforced by configuration validation).',
      });
    }

    // The URL carries the token: it is composed by CloudFormation from dynamic references and
    // stored only in Secrets Manager; nothing secret appears in the template.
    this.urlSecret = new secretsmanager.Secret(this, 'UrlSecret', {
      description: 'rediss:// URL of the checkout cache, with its AUTH token',
      secretStringValue: SecretValue.unsafePlainText(
        Fn.join('', [
          'rediss://:',
          this.authToken.secretValueFromJson('token').unsafeUnwrap(),
          '@',
          this.replicationGroup.attrPrimaryEndPointAddress,
          ':',
          this.replicationGroup.attrPrimaryEndPointPort,
        ]),
      ),
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.urlSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Derived from the AUTH token secret by CloudFormation; it changes when the token is rotated and redeployed, it cannot rotate on its own.',
    });
  }

  allowFrom(peer: ec2.IConnectable, description: string): void {
    this.securityGroup.connections.allowFrom(peer, ec2.Port.tcp(CACHE_PORT), `Cache from the ${description}`);
  }
}
