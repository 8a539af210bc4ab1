import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { DatabaseSizing } from '../config/types';
import type { DatabaseBinding } from '../services/bindings';
import { memberClusterIdentifier, type EngineSpec } from './engines';

export interface AuroraMemberProps {
  readonly appName: string;
  readonly spec: EngineSpec;
  readonly globalClusterIdentifier: string;
  /** The primary member carries the master credentials; secondaries must not. */
  readonly role: 'primary' | 'secondary';
  /** The master secret's ARN in this Region (the primary secret or its local replica). */
  readonly secretArn: string;
  /** The global writer endpoint's host name: services connect there, whichever Region writes. */
  readonly writerEndpointAddress: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly key: kms.IKey;
  readonly sizing: DatabaseSizing;
  /** Application subnets of the other Regions, which reach the writer over VPC peering. */
  readonly remoteApplicationCidrs: readonly string[];
}

/**
 * This Region's member of one Aurora global database: a cluster (L1, because a secondary must
 * not carry master credentials or a database name, which the L2 always renders) with its
 * instances, parameter group, subnet group and security group, encrypted with the Region's
 * key, retained on stack deletion. It publishes the global writer endpoint for the services.
 */
export class AuroraMember extends Construct implements DatabaseBinding {
  readonly cluster: rds.CfnDBCluster;
  readonly instances: rds.CfnDBInstance[] = [];
  readonly securityGroup: ec2.SecurityGroup;
  readonly credentials: secretsmanager.ISecret;
  readonly endpointParameter: ssm.StringParameter;
  readonly databaseName: string;
  readonly clusterIdentifier: string;
  readonly clusterArn: string;

  constructor(scope: Construct, id: string, props: AuroraMemberProps) {
    super(scope, id);
    const { spec, sizing } = props;
    const stack = Stack.of(this);
    this.databaseName = spec.databaseName;
    this.clusterIdentifier = memberClusterIdentifier(props.appName, spec.name, stack.region);
    this.clusterArn = stack.formatArn({ service: 'rds', resource: 'cluster', resourceName: this.clusterIdentifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    // The Region's copy is encrypted with this Region's data key: readers need to decrypt with it.
    this.credentials = secretsmanager.Secret.fromSecretAttributes(this, 'MasterSecret', { secretCompleteArn: props.secretArn, encryptionKey: props.key });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${spec.name} database: its own service and the application subnets of peered Regions`,
      allowAllOutbound: false,
    });
    for (const cidr of props.remoteApplicationCidrs) {
      this.securityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(spec.port), `${spec.name} writer from a peered Region's application subnet`);
    }

    const subnetGroup = new rds.CfnDBSubnetGroup(this, 'SubnetGroup', {
      dbSubnetGroupDescription: `Data subnets of the ${spec.name} database`,
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
    });
    subnetGroup.applyRemovalPolicy(RemovalPolicy.RETAIN);

    const parameterGroup = new rds.CfnDBClusterParameterGroup(this, 'ClusterParameters', {
      description: `${spec.name} cluster parameters`,
      family: spec.parameterGroupFamily,
      parameters: { ...spec.clusterParameters },
    });
    parameterGroup.applyRemovalPolicy(RemovalPolicy.RETAIN);

    const serverless = sizing.instanceClass === 'serverless';
    const primary = props.role === 'primary';
    this.cluster = new rds.CfnDBCluster(this, 'Cluster', {
      dbClusterIdentifier: this.clusterIdentifier,
      engine: spec.engine,
      engineVersion: spec.engineVersion,
      globalClusterIdentifier: props.globalClusterIdentifier,
      ...(primary
        ? {
            masterUsername: this.credentials.secretValueFromJson('username').unsafeUnwrap(),
            masterUserPassword: this.credentials.secretValueFromJson('password').unsafeUnwrap(),
            databaseName: spec.databaseName,
          }
        : {}),
      port: spec.port,
      dbSubnetGroupName: subnetGroup.ref,
      vpcSecurityGroupIds: [this.securityGroup.securityGroupId],
      dbClusterParameterGroupName: parameterGroup.ref,
      storageEncrypted: true,
      kmsKeyId: props.key.keyArn,
      backupRetentionPeriod: sizing.backupRetentionDays,
      preferredBackupWindow: '02:00-03:00',
      preferredMaintenanceWindow: 'sun:04:00-sun:05:00',
      copyTagsToSnapshot: true,
      deletionProtection: true,
      enableIamDatabaseAuthentication: true,
      enableCloudwatchLogsExports: [...spec.logExports],
      ...(serverless
        ? { serverlessV2ScalingConfiguration: { minCapacity: sizing.serverlessMinCapacity, maxCapacity: sizing.serverlessMaxCapacity } }
        : {}),
    });
    this.cluster.applyRemovalPolicy(RemovalPolicy.RETAIN);
    if (spec.engine === 'aurora-mysql') {
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-RDS14',
        reason: 'Backtrack is not supported for clusters in an Aurora global database; recovery uses backups, point-in-time restore and the restore-and-reconcile runbook.',
      });
    }

    // A secondary needs at least one instance: it is the failover target.
    const instanceCount = 1 + sizing.readers;
    for (let index = 0; index < instanceCount; index += 1) {
      const instance = new rds.CfnDBInstance(this, `Instance${index + 1}`, {
        dbClusterIdentifier: this.cluster.ref,
        dbInstanceClass: serverless ? 'db.serverless' : sizing.instanceClass,
        engine: spec.engine,
        publiclyAccessible: false,
        autoMinorVersionUpgrade: false,
        enablePerformanceInsights: true,
        performanceInsightsKmsKeyId: props.key.keyArn,
        performanceInsightsRetentionPeriod: 7,
        caCertificateIdentifier: 'rds-ca-rsa2048-g1',
        promotionTier: index,
      });
      instance.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.instances.push(instance);
    }

    this.endpointParameter = new ssm.StringParameter(this, 'WriterEndpoint', {
      description: `host:port of the ${spec.name} global writer endpoint`,
      stringValue: `${props.writerEndpointAddress}:${spec.port}`,
    });
  }

  allowFrom(peer: ec2.IConnectable, description: string): void {
    this.securityGroup.connections.allowFrom(peer, ec2.Port.tcp(this.port), `${this.databaseName} from the ${description}`);
  }

  get port(): number {
    return Number(this.cluster.port);
  }
}
