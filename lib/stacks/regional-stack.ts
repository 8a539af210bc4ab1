import { ArnFormat, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { SERVICE_NAMES, type PlatformConfig, type RegionPlan, type ServiceName } from '../config/types';
import { RegionalChaos } from '../chaos/regional-chaos';
import { RegionalObservability } from '../observability/regional-observability';
import { CheckoutCache } from '../cache/checkout-cache';
import { AuroraMember } from '../data/aurora-member';
import { MasterSecretRotation } from '../data/rotation/master-secret-rotation';
import { LocalCartsReplica } from '../data/carts-table';
import { CATALOG_ENGINE, ORDERS_ENGINE, cartsTableName, memberClusterIdentifier } from '../data/engines';
import type { GlobalDatabase } from '../data/global-database';
import { LoadBalancer } from '../ingress/load-balancer';
import { OrderEventsBroker } from '../messaging/order-events-broker';
import type { Network } from '../network/network';
import { PeeringReturnRoutes, peeredRouteTableIds } from '../network/peering';
import { ComputeCluster } from '../services/compute-cluster';
import { RetailServices } from '../services/retail-services';
import { runbookNames, storeUrlParameterName, topologyParameterName, type GlobalDatabaseTopology, type PlatformTopology } from '../topology/topology';
import type { RecoveryControls } from '../traffic/recovery-controls';
import type { NetworkStack } from './network-stack';
import { RegionalEntry } from '../traffic/regional-entry';
import { RegionalRunbooks } from '../runbooks/runbooks';
import { RestoreAndReconcile } from '../reconcile/restore-and-reconcile';
import { RegionalBackup } from '../backup/regional-backup';
import { RestoreTests } from '../backup/restore-tests';

export interface RegionalStackProps extends StackProps {
  readonly config: PlatformConfig;
  readonly plan: RegionPlan;
  readonly globalDatabases: { readonly catalog: GlobalDatabase; readonly orders: GlobalDatabase };
  readonly recoveryControls: RecoveryControls;
  /** This Region's network stack. */
  readonly networkStack: NetworkStack;
  /** Peering connections later Regions requested to this Region's VPC: this stack adds the routes back. */
  readonly returnPeerings: readonly { readonly region: string; readonly vpcCidr: string; readonly connectionId: string }[];
}

/**
 * Everything one Region runs: network, entry, the five services, the checkout cache, the order
 * events broker, the Region's member of each global database, its routing-control health check
 * and records, and the published topology the runbooks read in this Region.
 */
export class RegionalStack extends Stack {
  readonly network: Network;
  readonly plan: RegionPlan;
  readonly loadBalancer: LoadBalancer;
  readonly services: RetailServices;
  readonly catalogDatabase: AuroraMember;
  readonly runbooks: RegionalRunbooks;
  readonly observability: RegionalObservability;
  readonly chaos: RegionalChaos;
  readonly reconcile: RestoreAndReconcile;
  readonly ordersDatabase: AuroraMember;
  /** AWS Backup of this Region's stores, when `backup.enabled`. */
  readonly backup?: RegionalBackup;
  /** Weekly restore tests of every store, when `backup.restoreTests`. */
  readonly restoreTests?: RestoreTests;

  private readonly configuredAzs: readonly string[];

  constructor(scope: Construct, id: string, props: RegionalStackProps) {
    super(scope, id, props);
    this.configuredAzs = props.plan.availabilityZones;
    const { config, plan } = props;
    const region = plan.region;
    const prod = config.profile === 'prod';

    this.plan = plan;
    const logsKey = props.networkStack.logsKey;
    // By ARN: grants made here (services reading secrets) stay in this stack's IAM policies; the
    // key's policy lets the account's IAM policies decide.
    const dataKey = kms.Key.fromKeyArn(this, 'DataKey', props.networkStack.dataKey.keyArn);

    this.network = props.networkStack.network;
    const vpc = this.network.vpc;
    const routeTableIds = peeredRouteTableIds(vpc);
    for (const peering of props.returnPeerings) {
      new PeeringReturnRoutes(this, `PeeringRoutes-${peering.region}`, {
        routeTableIds,
        peerVpcCidr: peering.vpcCidr,
        connectionId: peering.connectionId,
      });
    }

    this.loadBalancer = new LoadBalancer(this, 'Entry', {
      vpc,
      subnets: this.network.ingressSubnets,
      region,
      deletionProtection: config.loadBalancerDeletionProtection,
      accessLogRetentionDays: config.logRetentionDays,
      ...(config.domainName !== undefined && config.hostedZoneId !== undefined
        ? { domain: { domainName: config.domainName, hostedZoneId: config.hostedZoneId } }
        : {}),
    });

    const compute = new ComputeCluster(this, 'Compute', { appName: config.appName, vpc });

    const cache = new CheckoutCache(this, 'CheckoutCache', {
      vpc,
      subnets: this.network.dataSubnets,
      nodeType: config.cache.nodeType,
      replicasPerShard: config.cache.replicasPerShard,
      engineVersion: config.cache.engineVersion,
      snapshotRetentionDays: config.cache.snapshotRetentionDays,
      key: dataKey,
    });

    const broker = new OrderEventsBroker(this, 'OrderEvents', {
      appName: config.appName,
      vpc,
      subnets: this.network.dataSubnets,
      instanceType: config.broker.instanceType,
      deploymentMode: config.broker.deploymentMode,
      engineVersion: config.broker.engineVersion,
      key: dataKey,
    });

    const remoteApplicationCidrs = config.regions.filter((other) => other.region !== region).flatMap((other) => other.applicationSubnetCidrs);
    const member = (id: string, database: GlobalDatabase, spec: typeof CATALOG_ENGINE): AuroraMember =>
      new AuroraMember(this, id, {
        appName: config.appName,
        spec,
        globalClusterIdentifier: database.identifier,
        role: plan.isPrimary ? 'primary' : 'secondary',
        secretArn: database.secretArnIn(region),
        writerEndpointAddress: database.writerEndpointAddress,
        vpc,
        subnets: this.network.dataSubnets,
        key: dataKey,
        sizing: config.database,
        remoteApplicationCidrs,
      });
    this.catalogDatabase = member('CatalogDatabase', props.globalDatabases.catalog, CATALOG_ENGINE);
    this.ordersDatabase = member('OrdersDatabase', props.globalDatabases.orders, ORDERS_ENGINE);

    // Master secrets rotate in the primary Region, where the secrets are writable; the function
    // sits in the application subnets, which every Region's database admits over the peering.
    if (plan.isPrimary) {
      for (const [id, member, spec] of [
        ['CatalogSecretRotation', this.catalogDatabase, CATALOG_ENGINE],
        ['OrdersSecretRotation', this.ordersDatabase, ORDERS_ENGINE],
      ] as const) {
        const rotation = new MasterSecretRotation(this, id, {
          secret: member.credentials,
          engine: spec.engine,
          vpc,
          subnets: this.network.applicationSubnets,
          logKey: logsKey,
          logRetentionDays: config.logRetentionDays,
        });
        member.allowFrom(rotation, `${spec.name} master secret rotation`);
        rotation.schedule.node.addDependency(member);
      }
    }

    this.services = new RetailServices(this, 'Services', {
      compute,
      subnets: this.network.applicationSubnets,
      images: config.images,
      sizing: config.services,
      bindings: {
        catalogDatabase: this.catalogDatabase,
        ordersDatabase: this.ordersDatabase,
        cartsTable: new LocalCartsReplica(this, 'CartsTable', cartsTableName(config.appName)),
        checkoutCache: cache,
        orderEvents: broker,
      },
      listener: this.loadBalancer.listener,
      logKey: logsKey,
      logRetentionDays: config.logRetentionDays,
      minHealthyPercent: prod ? 100 : 50,
    });

    const routingControl = props.recoveryControls.routingControls.get(region);
    if (routingControl === undefined) {
      throw new Error(`No routing control for ${region}`);
    }
    new RegionalEntry(this, 'Routing', {
      appName: config.appName,
      region,
      routingControlArn: routingControl.attrRoutingControlArn,
      loadBalancer: this.loadBalancer.loadBalancer,
      routingMode: config.routingMode,
      isPrimaryRegion: plan.isPrimary,
      regionCount: config.regions.length,
      ...(config.domainName !== undefined && config.hostedZoneId !== undefined
        ? { domain: { domainName: config.domainName, hostedZoneId: config.hostedZoneId } }
        : {}),
    });

    const storeUrl = `${this.loadBalancer.protocol}://${this.loadBalancer.regionalHostName}`;
    const fargateServices = Object.fromEntries(
      SERVICE_NAMES.map((name) => [name, this.services.services[name].service]),
    ) as Record<ServiceName, ecs.FargateService>;
    this.observability = new RegionalObservability(this, 'Observability', {
      appName: config.appName,
      region,
      regions: config.regions.map((other) => other.region),
      profile: config.profile,
      ...(config.domainName !== undefined ? { domainName: config.domainName } : {}),
      ...(config.alarmEmail !== undefined ? { alarmEmail: config.alarmEmail } : {}),
      canaryIntervalMinutes: config.observability.canaryIntervalMinutes,
      orderCanaryIntervalMinutes: config.observability.orderCanaryIntervalMinutes,
      logRetentionDays: config.logRetentionDays,
      loadBalancer: this.loadBalancer.loadBalancer,
      uiTargetGroup: this.services.uiTargetGroup,
      storeUrl,
      cluster: compute.cluster,
      services: fargateServices,
      databases: [
        { name: 'catalog', clusterIdentifier: this.catalogDatabase.clusterIdentifier, isPrimaryMember: plan.isPrimary },
        { name: 'orders', clusterIdentifier: this.ordersDatabase.clusterIdentifier, isPrimaryMember: plan.isPrimary },
      ],
      cartsTableName: cartsTableName(config.appName),
      cacheReplicationGroupId: cache.replicationGroup.ref,
      cacheNodeCount: 1 + config.cache.replicasPerShard,
      brokerName: broker.broker.brokerName,
      brokerDeploymentMode: config.broker.deploymentMode,
      routingControlArns: Object.fromEntries([...props.recoveryControls.routingControls].map(([name, control]) => [name, control.attrRoutingControlArn])),
    });
    this.chaos = new RegionalChaos(this, 'Chaos', {
      appName: config.appName,
      region,
      vpc,
      applicationSubnets: this.network.applicationSubnets,
      dataSubnets: this.network.dataSubnets,
      cluster: compute.cluster,
      services: fargateServices,
      cartsTableName: cartsTableName(config.appName),
      databaseInstanceIds: [this.catalogDatabase, this.ordersDatabase].flatMap((member) => member.instances.map((instance) => instance.ref)),
      regionImpairedAlarm: this.observability.regionImpairedAlarm,
      peersImpairedAlarm: this.observability.peersImpairedAlarm,
      detectionMinutes: this.observability.regionImpairedDetectionMinutes,
      logKey: logsKey,
      logRetentionDays: config.logRetentionDays,
    });

    if (config.backup.enabled) {
      this.backup = new RegionalBackup(this, 'Backup', {
        appName: config.appName,
        regions: config.regions.map((other) => other.region),
        settings: config.backup,
        key: dataKey,
        alarmTopic: this.observability.topic,
        stores: [
          { name: CATALOG_ENGINE.name, kind: 'aurora', arn: this.catalogDatabase.clusterArn },
          { name: ORDERS_ENGINE.name, kind: 'aurora', arn: this.ordersDatabase.clusterArn },
          { name: 'carts', kind: 'dynamodb', arn: this.formatArn({ service: 'dynamodb', resource: 'table', resourceName: cartsTableName(config.appName) }) },
        ],
      });
      if (config.backup.restoreTests) {
        this.restoreTests = new RestoreTests(this, 'RestoreTests', {
          appName: config.appName,
          vault: this.backup.vault,
          role: this.backup.role,
          databases: ([[this.catalogDatabase, CATALOG_ENGINE], [this.ordersDatabase, ORDERS_ENGINE]] as const).map(([member, spec]) => ({
            name: spec.name,
            kind: 'aurora' as const,
            arn: member.clusterArn,
            engine: spec.engine,
            databaseName: member.databaseName,
            secret: member.credentials,
            allowFrom: (peer: ec2.IConnectable, description: string) => member.allowFrom(peer, description),
          })),
          table: { name: 'carts', kind: 'dynamodb', arn: this.formatArn({ service: 'dynamodb', resource: 'table', resourceName: cartsTableName(config.appName) }) },
          tolerancePercent: config.backup.rowCountTolerancePercent,
          vpc,
          subnets: this.network.applicationSubnets,
          logKey: logsKey,
          logRetentionDays: config.logRetentionDays,
          alarmTopic: this.observability.topic,
        });
      }
    }

    const memberTopology = new Map(this.globalDatabaseTopology(props).map((database) => [database.name, database]));
    this.reconcile = new RestoreAndReconcile(this, 'RestoreAndReconcile', {
      appName: config.appName,
      regions: config.regions.map((other) => other.region),
      vpc,
      applicationSubnets: this.network.applicationSubnets,
      dataSubnets: this.network.dataSubnets,
      dataKey,
      logKey: logsKey,
      logRetentionDays: config.logRetentionDays,
      notificationTopic: this.observability.topic,
      databases: [
        { member: this.catalogDatabase, spec: CATALOG_ENGINE },
        { member: this.ordersDatabase, spec: ORDERS_ENGINE },
      ].map(({ member, spec }) => {
        const topology = memberTopology.get(spec.name)!;
        return {
          name: spec.name,
          engine: spec.engine,
          globalClusterIdentifier: topology.globalClusterIdentifier,
          memberClusterArnByRegion: Object.fromEntries(Object.entries(topology.members).map(([name, m]) => [name, m.clusterArn])),
          secret: member.credentials,
          securityGroup: member.securityGroup,
          port: member.port,
          databaseName: member.databaseName,
          parameterGroupFamily: spec.parameterGroupFamily,
          clusterEndpointAddress: member.cluster.attrEndpointAddress,
        };
      }),
    });
    for (const member of [this.catalogDatabase, this.ordersDatabase]) {
      member.allowFrom(this.reconcile, 'restore-and-reconcile comparison task');
    }

    this.runbooks = new RegionalRunbooks(this, 'Runbooks', {
      notificationTopic: this.observability.topic,
      appName: config.appName,
      regions: config.regions.map((other) => other.region),
      routingMode: config.routingMode,
      topologyParameterName: topologyParameterName(config.appName),
      requireApproval: config.runbooks.requireApproval,
      ...(config.runbooks.approvers.length > 0 ? { approvers: config.runbooks.approvers } : {}),
      globalDatabases: this.globalDatabaseTopology(props).map((database) => ({
        name: database.name,
        engine: database.engine,
        globalClusterIdentifier: database.globalClusterIdentifier,
        memberClusterArns: Object.fromEntries(Object.entries(database.members).map(([region, member]) => [region, member.clusterArn])),
      })),
      routingControlArns: [...props.recoveryControls.routingControls.values()].map((control) => control.attrRoutingControlArn),
      clusterArn: props.recoveryControls.clusterArn,
      logKey: logsKey,
      logRetention: config.logRetentionDays as RetentionDays,
    });

    this.publishTopology(props);

    // Canaries in other Regions read this at run time: no deploy-time coupling between Regions.
    new ssm.StringParameter(this, 'StoreUrlParameter', {
      parameterName: storeUrlParameterName(config.appName),
      description: 'URL of this Region\'s store, reached directly (for canaries and operators)',
      stringValue: storeUrl,
    });
    new CfnOutput(this, 'LoadBalancerDnsName', { value: this.loadBalancer.loadBalancer.loadBalancerDnsName });
    new CfnOutput(this, 'StoreUrl', {
      value: storeUrl,
      description: 'This Region\'s store, reached directly',
    });
  }

  /** Both global databases with their members in every Region (deterministic names, so ARNs are known here). */
  private globalDatabaseTopology(props: RegionalStackProps): GlobalDatabaseTopology[] {
    const { config } = props;
    return [
      { database: props.globalDatabases.catalog, spec: CATALOG_ENGINE },
      { database: props.globalDatabases.orders, spec: ORDERS_ENGINE },
    ].map(({ database, spec }) => ({
      name: spec.name,
      engine: spec.engine,
      globalClusterIdentifier: database.identifier,
      members: Object.fromEntries(config.regions.map(({ region }) => {
        const clusterIdentifier = memberClusterIdentifier(config.appName, spec.name, region);
        const clusterArn = this.formatArn({ service: 'rds', region, resource: 'cluster', resourceName: clusterIdentifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
        return [region, { clusterIdentifier, clusterArn }];
      })),
    }));
  }

  /** The configured AZs: no context lookup, so synth needs no credentials. */
  override get availabilityZones(): string[] {
    return [...this.configuredAzs];
  }

  /** Everything the runbooks need at failover time, readable in this Region without any other. */
  private publishTopology(props: RegionalStackProps): void {
    const { config } = props;
    const controls = props.recoveryControls;
    const regions = config.regions.map((plan) => plan.region);
    const topology: PlatformTopology = {
      appName: config.appName,
      account: config.account,
      regions,
      primaryRegion: config.primaryRegion,
      routingMode: config.routingMode,
      arc: {
        clusterArn: controls.clusterArn,
        clusterEndpoints: controls.clusterEndpoints,
        controlPanelArn: controls.controlPanel.attrControlPanelArn,
        routingControls: Object.fromEntries([...controls.routingControls].map(([region, control]) => [region, control.attrRoutingControlArn])),
        safetyRuleArns: [controls.safetyRule.attrSafetyRuleArn],
      },
      databases: this.globalDatabaseTopology(props),
      runbooks: Object.fromEntries(regions.map((region) => [region, { ...runbookNames(config.appName), ...this.runbooks.documentNames }])),
    };
    new ssm.StringParameter(this, 'Topology', {
      parameterName: topologyParameterName(config.appName),
      description: 'Platform topology for the failover runbooks and the operator CLI (JSON)',
      stringValue: this.toJsonString(topology),
      tier: ssm.ParameterTier.INTELLIGENT_TIERING,
    });
    new CfnOutput(this, 'TopologyParameter', { value: topologyParameterName(config.appName) });
  }
}
