import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { DatabaseSizing } from '../config/types';
import { acknowledgeWildcardResources } from '../observability/nag';
import type { DatabaseBinding } from '../services/bindings';
import { memberClusterIdentifier, tlsParameters, type EngineSpec } from './engines';

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

/** Enhanced monitoring granularity (seconds). */
export const ENHANCED_MONITORING_SECONDS = 60;

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
      parameters: { ...spec.clusterParameters, ...tlsParameters(spec, sizing.catalogRequireTls) },
    });
    parameterGroup.applyRemovalPolicy(RemovalPolicy.RETAIN);

    const serverless = sizing.instanceClass === 'serverless';
    // Database Insights advanced mode needs Performance Insights kept 15 months (465 days).
    const insightsRetentionDays = sizing.advancedInsights ? 465 : 7;
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
      ...(sizing.advancedInsights
        ? {
            databaseInsightsMode: 'advanced',
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: props.key.keyArn,
            performanceInsightsRetentionPeriod: insightsRetentionDays,
          }
        : {}),
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

    const monitoringRole = this.enhancedMonitoringRole();
    // A secondary needs at least one instance: it is the failover target.
    const instanceCount = 1 + sizing.readers;
    for (let index = 0; index < instanceCount; index += 1) {
      const instance = new rds.CfnDBInstance(this, `Instance${index + 1}`, {
        dbClusterIdentifier: this.cluster.ref,
        dbInstanceClass: serverless ? 'db.serverless' : sizing.instanceClass,
        engine: spec.engine,
        publiclyAccessible: false,
        // Off on purpose: Aurora does not apply automatic minor upgrades to global database
        // members, and members must share one minor version; upgrades go through the global cluster.
        autoMinorVersionUpgrade: false,
        enablePerformanceInsights: true,
        performanceInsightsKmsKeyId: props.key.keyArn,
        performanceInsightsRetentionPeriod: insightsRetentionDays,
        monitoringInterval: ENHANCED_MONITORING_SECONDS,
        monitoringRoleArn: monitoringRole.roleArn,
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

  /**
   * The role RDS uses to publish enhanced monitoring (OS metrics every minute): what the AWS
   * managed policy AmazonRDSEnhancedMonitoringRole allows, written out for the RDSOSMetrics log
   * group only.
   */
  private enhancedMonitoringRole(): iam.Role {
    const stack = Stack.of(this);
    const metricsGroup = (streams: boolean) =>
      stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: streams ? 'RDSOSMetrics:log-stream:*' : 'RDSOSMetrics', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const role = new iam.Role(this, 'MonitoringRole', {
      assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `Enhanced monitoring of the ${this.databaseName} database members`,
    });
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'EnhancedMonitoringLogGroup',
      actions: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'],
      resources: [metricsGroup(false)],
    }));
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'EnhancedMonitoringStreams',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:GetLogEvents'],
      resources: [metricsGroup(true)],
    }));
    acknowledgeWildcardResources(role, [{
      resource: metricsGroup(true),
      reason: 'RDS names the enhanced monitoring streams after each instance\'s resource id, known only after creation; the pattern admits only streams of the RDSOSMetrics group.',
    }]);
    return role;
  }

  allowFrom(peer: ec2.IConnectable, description: string): void {
    this.securityGroup.connections.allowFrom(peer, ec2.Port.tcp(this.port), `${this.databaseName} from the ${description}`);
  }

  get port(): number {
    return Number(this.cluster.port);
  }
}
