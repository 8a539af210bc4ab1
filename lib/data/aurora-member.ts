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
import { DELETION_PROTECTION_TYPE } from './protection/deletion-protection';
import { memberClusterIdentifier, tlsParameters, type EngineSpec } from './engines';

export interface AuroraMemberProps {
  readonly appName: string;
  readonly spec: EngineSpec;
  readonly globalClusterIdentifier: string;
  /** The primary member carries the master credentials; secondaries must not. */
  readonly role: 'primary' | 'secondary';
  /** The master secret's ARN in this Region (the primary secret or its local replica). */
  readonly secretArn: string;
  /** The global writer endpoint's host name (the services' endpoint when `serviceEndpoint` is `global-writer`). */
  readonly writerEndpointAddress: string;
  /**
   * What the service gets as `host:port`. `local-reader`: this member's reader endpoint, which
   * answers in both roles (a secondary's cluster endpoint is inactive) and needs no change after a
   * failover or switchover. `global-writer`: the global writer endpoint, which may be in another Region.
   */
  readonly serviceEndpoint: 'local-reader' | 'global-writer';
  /**
   * Global write forwarding (a secondary forwards to the writer in another Region; on the writer it
   * applies once the member is demoted) and local write forwarding (the writer's own readers forward
   * to it), with the engine's forwarding parameters. Off: writes through a reader fail.
   */
  readonly writeForwarding: boolean;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly key: kms.IKey;
  readonly sizing: DatabaseSizing;
  /** Subnets of other Regions admitted over VPC peering, and who connects from there. */
  readonly remoteClients: { readonly cidrs: readonly string[]; readonly description: string };
}

/** Enhanced monitoring granularity (seconds). */
export const ENHANCED_MONITORING_SECONDS = 60;

/**
 * This Region's member of one Aurora global database: a cluster (L1, because a secondary must
 * not carry master credentials or a database name, which the L2 always renders) with its
 * instances, parameter group, subnet group and security group, encrypted with the Region's
 * key, retained on stack deletion. It publishes the endpoint its service connects to: its own
 * reader endpoint (Region-confined) or the global writer endpoint.
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
      description: props.remoteClients.cidrs.length > 0
        ? `${spec.name} database: its own service and, over peering, ${props.remoteClients.description}`
        : `${spec.name} database: its own service only`,
      allowAllOutbound: false,
    });
    for (const cidr of props.remoteClients.cidrs) {
      this.securityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(spec.port), `${spec.name} from ${props.remoteClients.description}`);
    }

    const subnetGroup = new rds.CfnDBSubnetGroup(this, 'SubnetGroup', {
      dbSubnetGroupDescription: `Data subnets of the ${spec.name} database`,
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
    });
    subnetGroup.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);

    const parameterGroup = new rds.CfnDBClusterParameterGroup(this, 'ClusterParameters', {
      description: `${spec.name} cluster parameters`,
      family: spec.parameterGroupFamily,
      parameters: { ...spec.clusterParameters, ...tlsParameters(spec, sizing.catalogRequireTls), ...(props.writeForwarding ? spec.writeForwardingParameters : {}) },
    });
    parameterGroup.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);

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
      // DeletionProtection is left out on purpose, never `false`: the stack's DeletionProtection
      // custom resource turns it on once the stack exists (a rolled-back first create can then
      // delete the cluster). On an update the RDS handler sends DeletionProtection only when the
      // template sets it, so leaving it out keeps protection on.
      enableIamDatabaseAuthentication: true,
      ...(props.writeForwarding ? { enableGlobalWriteForwarding: true, enableLocalWriteForwarding: true } : {}),
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
    this.cluster.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-RDS10',
      reason: `Deletion protection is turned on by the stack's ${DELETION_PROTECTION_TYPE} resource at the end of stack creation (created unprotected so that a rolled-back first create deletes it and a retry finds no orphan).`,
    });
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
      instance.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
      this.instances.push(instance);
    }

    const local = props.serviceEndpoint === 'local-reader';
    this.endpointParameter = new ssm.StringParameter(this, local ? 'ServiceEndpoint' : 'WriterEndpoint', {
      description: local
        ? `host:port of this Region's ${spec.name} member (reader endpoint) for the ${spec.name} service`
        : `host:port of the ${spec.name} global writer endpoint`,
      stringValue: `${local ? this.cluster.attrReadEndpointAddress : props.writerEndpointAddress}:${spec.port}`,
    });
  }

  /** The first instance: the writer in the Region that creates the global database. */
  get writerInstance(): rds.CfnDBInstance {
    const first = this.instances[0];
    if (first === undefined) throw new Error(`${this.node.path}: no instances`);
    return first;
  }

  /**
   * The instances after the first. In the Region that creates the global database they are made
   * to wait for the services (see `createReadersAfter`), so that at the first start the reader
   * endpoint resolves to the writer and the images' schema migrations and seed data reach it.
   */
  get readers(): readonly rds.CfnDBInstance[] {
    return this.instances.slice(1);
  }

  /** Create the reader instances only once `dependencies` exist (first-start ordering, see `readers`). */
  createReadersAfter(...dependencies: Construct[]): void {
    for (const reader of this.readers) {
      reader.node.addDependency(...dependencies);
    }
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
