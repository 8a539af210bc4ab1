import { ArnFormat, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { SERVICE_NAMES, type PlatformConfig, type RegionPlan, type ServiceName } from '../config/types';
import { RegionalChaos } from '../chaos/regional-chaos';
import { RegionalObservability } from '../observability/regional-observability';
import { CheckoutCache } from '../cache/checkout-cache';
import { AuroraMember } from '../data/aurora-member';
import { DeletionProtection } from '../data/protection/deletion-protection';
import { MasterSecretRotation } from '../data/rotation/master-secret-rotation';
import { RotationRedeploy, redeployTargetsParameterName } from '../data/rotation/redeploy/rotation-redeploy';
import type { RedeployTargets } from '../data/rotation/redeploy/runtime/redeploy';
import { LocalCartsReplica } from '../data/carts-table';
import { cartsTableName, configuredEngines, memberClusterIdentifier, type EngineSpec } from '../data/engines';
import { memberRouting, type RoutedGroup } from '../data/routing';
import type { GlobalDatabase } from '../data/global-database';
import { LoadBalancer } from '../ingress/load-balancer';
import { OrderEventsBroker } from '../messaging/order-events-broker';
import type { Network } from '../network/network';
import { PeeringReturnRoutes, peeredRouteTableIds } from '../network/peering';
import { ComputeCluster } from '../services/compute-cluster';
import { RetailServices } from '../services/retail-services';
import { runbookNames, storeUrlParameterName, topologyParameterName, type DatabaseName, type GlobalDatabaseTopology, type PlatformTopology } from '../topology/topology';
import type { RecoveryControls } from '../traffic/recovery-controls';
import type { NetworkStack } from './network-stack';
import { RegionalEntry } from '../traffic/regional-entry';
import { InitialRoutingState } from '../traffic/initial-state/initial-routing-state';
import { RegionalRunbooks } from '../runbooks/runbooks';
import { RestoreAndReconcile } from '../reconcile/restore-and-reconcile';
import { PeakCapacity } from '../capacity/peak-capacity';
import { StoreFirewall } from '../ingress/waf';
import { planEvents } from '../capacity/plan';
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
  readonly returnPeerings: readonly { readonly region: string; readonly vpcCidr: string; readonly connectionId: string; readonly routeGroups: readonly RoutedGroup[] }[];
}

/** The Region's data stores, created before anything that connects to them. */
interface DataLayer {
  readonly dataKey: kms.IKey;
  readonly cache: CheckoutCache;
  readonly broker: OrderEventsBroker;
  readonly catalog: AuroraMember;
  readonly orders: AuroraMember;
}

/**
 * Everything one Region runs: network, entry, the five services, the checkout cache, the order
 * events broker, the Region's member of each global database, its routing-control health check
 * and records, and the published topology the runbooks read in this Region.
 *
 * The constructor reads as CloudFormation deploys it: network links, entry, data stores, secret
 * rotation, services, routing, then the operational layers (observability, chaos, reconcile,
 * runbooks) and the published topology. Each layer is one short method below.
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
  private readonly config: PlatformConfig;
  private readonly logsKey: kms.IKey;
  /** Both engines at the configured versions. */
  private get engines(): { catalog: EngineSpec; orders: EngineSpec } {
    return configuredEngines(this.config.database);
  }

  constructor(scope: Construct, id: string, props: RegionalStackProps) {
    super(scope, id, props);
    this.configuredAzs = props.plan.availabilityZones;
    this.config = props.config;
    this.plan = props.plan;
    this.logsKey = props.networkStack.logsKey;
    this.network = props.networkStack.network;

    // By ARN: grants made here (services reading secrets) stay in this stack's IAM policies; the
    // key's policy lets the account's IAM policies decide.
    const dataKey = kms.Key.fromKeyArn(this, 'DataKey', props.networkStack.dataKey.keyArn);
    this.addPeeringReturnRoutes(props.returnPeerings);
    this.loadBalancer = this.addEntry();
    const compute = new ComputeCluster(this, 'Compute', { appName: this.config.appName, vpc: this.network.vpc });

    const data = this.addDataStores(props.globalDatabases, dataKey);
    this.catalogDatabase = data.catalog;
    this.ordersDatabase = data.orders;
    const { rotations, redeploy } = this.addSecretRotation();
    this.services = this.addServices(compute, data);
    this.startServicesAfterWhatTheyUse(compute, data, rotations);
    this.publishRedeployTargets(compute);
    this.orderFirstStart();
    this.addPeakCapacity(data);
    const routing = this.addRouting(props.recoveryControls);
    this.turnRoutingOnOnceServing(props.recoveryControls, routing);

    const storeUrl = `${this.loadBalancer.protocol}://${this.loadBalancer.regionalHostName}`;
    this.observability = this.addObservability(props.recoveryControls, compute, data, storeUrl);
    redeploy?.failureAlarm.addAlarmAction(new cloudwatchActions.SnsAction(this.observability.pageTopic));
    redeploy?.failureAlarm.addOkAction(new cloudwatchActions.SnsAction(this.observability.pageTopic));
    this.addFirewall();
    this.chaos = this.addChaos(compute);
    const { backup, restoreTests } = this.addBackup(dataKey);
    if (backup !== undefined) this.backup = backup;
    if (restoreTests !== undefined) this.restoreTests = restoreTests;
    this.reconcile = this.addRestoreAndReconcile(props, dataKey);
    this.runbooks = this.addRunbooks(props);

    this.publishTopology(props);
    this.publishStoreUrl(storeUrl);
    this.protectDatabasesLast();
  }

  /** Deletion protection of both members (and the load balancer, when wanted), turned on once everything else of this stack exists. */
  private protectDatabasesLast(): void {
    const entry = this.loadBalancer;
    new DeletionProtection(this, 'DeletionProtection', {
      clusters: [this.catalogDatabase, this.ordersDatabase].map((member) => ({ identifier: member.clusterIdentifier, resource: member.cluster })),
      loadBalancers: entry.protectOnceCreated ? [{ identifier: entry.loadBalancer.loadBalancerArn, resource: entry.loadBalancer }] : [],
      logKey: this.logsKey,
      logRetentionDays: this.config.logRetentionDays,
    });
  }

  /** Routes back over the peering connections later Regions requested to this VPC. */
  private addPeeringReturnRoutes(returnPeerings: RegionalStackProps['returnPeerings']): void {
    for (const peering of returnPeerings) {
      new PeeringReturnRoutes(this, `PeeringRoutes-${peering.region}`, {
        routeTableIds: peeredRouteTableIds(this.network.vpc, peering.routeGroups),
        peerVpcCidr: peering.vpcCidr,
        connectionId: peering.connectionId,
      });
    }
  }

  private addEntry(): LoadBalancer {
    const { config } = this;
    return new LoadBalancer(this, 'Entry', {
      vpc: this.network.vpc,
      subnets: this.network.ingressSubnets,
      region: this.plan.region,
      deletionProtection: config.loadBalancerDeletionProtection,
      accessLogRetentionDays: config.logRetentionDays,
      ...this.domainProps(),
    });
  }

  /** The checkout cache, the order events broker and this Region's member of each global database. */
  private addDataStores(globalDatabases: RegionalStackProps['globalDatabases'], dataKey: kms.IKey): DataLayer {
    const { config, plan } = this;
    const { vpc, dataSubnets } = this.network;
    const cache = new CheckoutCache(this, 'CheckoutCache', {
      vpc,
      subnets: dataSubnets,
      nodeType: config.cache.nodeType,
      replicasPerShard: config.cache.replicasPerShard,
      engineVersion: config.cache.engineVersion,
      snapshotRetentionDays: config.cache.snapshotRetentionDays,
      key: dataKey,
    });
    const broker = new OrderEventsBroker(this, 'OrderEvents', {
      appName: config.appName,
      vpc,
      subnets: dataSubnets,
      instanceType: config.broker.instanceType,
      deploymentMode: config.broker.deploymentMode,
      engineVersion: config.broker.engineVersion,
      key: dataKey,
    });

    const member = (id: string, database: GlobalDatabase, spec: EngineSpec): AuroraMember =>
      new AuroraMember(this, id, {
        appName: config.appName,
        spec,
        globalClusterIdentifier: database.identifier,
        role: plan.isPrimary ? 'primary' : 'secondary',
        secretArn: database.secretArnIn(plan.region),
        writerEndpointAddress: database.writerEndpointAddress,
        ...memberRouting(config, plan.region, spec.name),
        vpc,
        subnets: dataSubnets,
        key: dataKey,
        sizing: config.database,
      });
    const catalog = member('CatalogDatabase', globalDatabases.catalog, this.engines.catalog);
    const orders = member('OrdersDatabase', globalDatabases.orders, this.engines.orders);
    return { dataKey, cache, broker, catalog, orders };
  }

  /**
   * Master secrets rotate in the primary Region, where the secrets are writable; the function
   * sits in the application subnets, which every other Region's member admits over the peering
   * (it reaches the writer through the global writer endpoint, wherever the writer is).
   * After every rotation the services that read the secret are redeployed in every Region; the
   * redeploy exists before the first rotation, which runs when the schedule is created.
   */
  private addSecretRotation(): { rotations: Partial<Record<DatabaseName, MasterSecretRotation>>; redeploy?: RotationRedeploy } {
    const rotations: Partial<Record<DatabaseName, MasterSecretRotation>> = {};
    if (!this.plan.isPrimary) return { rotations };
    const redeploy = new RotationRedeploy(this, 'RotationRedeploy', {
      appName: this.config.appName,
      regions: this.regionNames(),
      secrets: [
        { secret: this.catalogDatabase.credentials, services: ['catalog'] },
        { secret: this.ordersDatabase.credentials, services: ['orders'] },
      ],
      logKey: this.logsKey,
      logRetentionDays: this.config.logRetentionDays,
    });
    for (const [id, member, spec] of [
      ['CatalogSecretRotation', this.catalogDatabase, this.engines.catalog],
      ['OrdersSecretRotation', this.ordersDatabase, this.engines.orders],
    ] as const) {
      const rotation = new MasterSecretRotation(this, id, {
        secret: member.credentials,
        engine: spec.engine,
        vpc: this.network.vpc,
        subnets: this.network.applicationSubnets,
        logKey: this.logsKey,
        logRetentionDays: this.config.logRetentionDays,
      });
      member.allowFrom(rotation, `${spec.name} master secret rotation`);
      // The writer only: the readers wait for the services, which wait for the first rotation.
      rotation.schedule.node.addDependency(member.writerInstance, member.securityGroup, redeploy);
      rotations[spec.name] = rotation;
    }
    return { rotations, redeploy };
  }

  /** The cluster and services the primary Region's rotation redeploy restarts here (read at run time). */
  private publishRedeployTargets(compute: ComputeCluster): void {
    const targets: RedeployTargets = {
      cluster: compute.cluster.clusterArn,
      services: Object.fromEntries(Object.entries(this.services.services).map(([name, service]) => [name, service.service.serviceArn])),
    };
    new ssm.StringParameter(this, 'RedeployTargets', {
      parameterName: redeployTargetsParameterName(this.config.appName),
      description: 'Cluster and services of this Region, redeployed after a master secret rotation (JSON)',
      stringValue: this.toJsonString(targets),
    });
  }

  private addServices(compute: ComputeCluster, data: DataLayer): RetailServices {
    const { config } = this;
    return new RetailServices(this, 'Services', {
      compute,
      subnets: this.network.applicationSubnets,
      images: config.images,
      sizing: config.services,
      bindings: {
        catalogDatabase: data.catalog,
        ordersDatabase: data.orders,
        cartsTable: new LocalCartsReplica(this, 'CartsTable', cartsTableName(config.appName)),
        checkoutCache: data.cache,
        orderEvents: data.broker,
      },
      listener: this.loadBalancer.listener,
      logKey: this.logsKey,
      logRetentionDays: config.logRetentionDays,
      minHealthyPercent: config.profile === 'prod' ? 100 : 50,
    });
  }

  /**
   * First start in the Region that creates the global databases: the readers wait for catalog and
   * orders, so the reader endpoint (their endpoint, lib/data/routing.ts) still resolves to the
   * writer while the images create their schema and seed data.
   */
  private orderFirstStart(): void {
    if (!this.plan.isPrimary) return;
    this.catalogDatabase.createReadersAfter(this.services.services.catalog.service);
    this.ordersDatabase.createReadersAfter(this.services.services.orders.service);
  }

  /** Peak events: the same plan in every Region, the standby included (it must carry the peak alone after a failover). */
  private addPeakCapacity(data: DataLayer): void {
    const { config } = this;
    const provisioned = config.database.instanceClass !== 'serverless';
    new PeakCapacity(this, 'PeakCapacity', {
      events: planEvents(config),
      services: Object.fromEntries(SERVICE_NAMES.map((name) => [name, { scaling: this.services.services[name].scaling, sizing: config.services[name] }])) as Record<ServiceName, { scaling: ecs.ScalableTaskCount; sizing: PlatformConfig['services'][ServiceName] }>,
      loadBalancerArn: this.loadBalancer.loadBalancer.loadBalancerArn,
      serverlessDatabases: provisioned ? [] : [data.catalog, data.orders].map((member, index) => ({
        name: index === 0 ? 'catalog' as const : 'orders' as const,
        clusterIdentifier: member.clusterIdentifier,
        minCapacity: config.database.serverlessMinCapacity,
        maxCapacity: config.database.serverlessMaxCapacity,
      })),
      // Aurora Auto Scaling is not supported on a secondary cluster: readers are added in the primary Region only.
      readerScaling: !provisioned || !this.plan.isPrimary ? [] : (['catalog', 'orders'] as const).map((name) => ({
        name,
        clusterIdentifier: data[name].clusterIdentifier,
        readers: config.database.readers,
        instances: data[name].instances,
      })),
    });
  }

  /** Optional bot and flood protection on this Region's load balancer. */
  private addFirewall(): void {
    const { config } = this;
    if (config.waf === undefined) return;
    new StoreFirewall(this, 'Firewall', {
      appName: config.appName,
      region: this.plan.region,
      mode: config.waf.mode,
      rateLimitPerIp: config.waf.rateLimitPerIp,
      loadBalancerArn: this.loadBalancer.loadBalancer.loadBalancerArn,
      logKey: this.logsKey,
      logRetentionDays: config.logRetentionDays,
      alarmTopic: this.observability.topic,
      dashboard: this.observability.dashboard,
    });
  }

  /**
   * Nothing starts before what it uses: a task that finds no writer, cache or broker exits, and
   * the deployment circuit breaker then rolls the whole stack back. Every service pulls through
   * the ECR cache rule; catalog and orders wait for their member's instances (the writer in the
   * primary Region) and the first rotation of their master secret; orders for its broker;
   * checkout for its cache. Carts' table and the master secrets come from the global-data stack,
   * which deploys first.
   */
  private startServicesAfterWhatTheyUse(compute: ComputeCluster, data: DataLayer, rotations: Partial<Record<DatabaseName, MasterSecretRotation>>): void {
    const { catalog, orders, checkout } = this.services.services;
    for (const service of Object.values(this.services.services)) {
      service.service.node.addDependency(compute.pullThroughCacheRule);
    }
    // The first instance only: in the Region that creates the global database the readers wait
    // for the services (orderFirstStart), so the reader endpoint reaches the writer at first start.
    catalog.service.node.addDependency(data.catalog.writerInstance);
    orders.service.node.addDependency(data.orders.writerInstance);
    orders.service.node.addDependency(data.broker.broker, data.broker.credentials);
    checkout.service.node.addDependency(data.cache.replicationGroup, data.cache.urlSecret);
    for (const [user, rotation] of [[catalog, rotations.catalog], [orders, rotations.orders]] as const) {
      if (rotation !== undefined) user.service.node.addDependency(rotation.schedule);
    }
  }

  /** This Region's routing-control health check and its Route 53 records. */
  private addRouting(recoveryControls: RecoveryControls): RegionalEntry {
    const { config, plan } = this;
    const routingControl = recoveryControls.routingControls.get(plan.region);
    if (routingControl === undefined) {
      throw new Error(`No routing control for ${plan.region}`);
    }
    return new RegionalEntry(this, 'Routing', {
      appName: config.appName,
      region: plan.region,
      routingControlArn: routingControl.attrRoutingControlArn,
      loadBalancer: this.loadBalancer.loadBalancer,
      routingMode: config.routingMode,
      isPrimaryRegion: plan.isPrimary,
      regionCount: config.regions.length,
      ...this.domainProps(),
    });
  }

  /**
   * A serving Region's routing control goes On once, when this stack is created, after its
   * Route 53 records and its services exist (active-standby: the primary; active-active: every
   * Region). Other Regions stay Off as ARC creates them.
   */
  private turnRoutingOnOnceServing(recoveryControls: RecoveryControls, routing: RegionalEntry): void {
    if (this.config.routingMode === 'active-standby' && !this.plan.isPrimary) return;
    const initial = new InitialRoutingState(this, 'InitialRoutingState', {
      routingControlArn: routing.routingControlArn,
      desiredState: 'On',
      clusterEndpoints: recoveryControls.clusterEndpoints,
      logKey: this.logsKey,
      logRetentionDays: this.config.logRetentionDays,
    });
    initial.resource.node.addDependency(routing, this.services);
  }

  private addObservability(recoveryControls: RecoveryControls, compute: ComputeCluster, data: DataLayer, storeUrl: string): RegionalObservability {
    const { config, plan } = this;
    return new RegionalObservability(this, 'Observability', {
      appName: config.appName,
      region: plan.region,
      regions: this.regionNames(),
      profile: config.profile,
      serverAccessLogs: this.loadBalancer.accessLogBucket,
      ...(config.domainName !== undefined ? { domainName: config.domainName } : {}),
      ...(config.alarmEmail !== undefined ? { alarmEmail: config.alarmEmail } : {}),
      canaryIntervalMinutes: config.observability.canaryIntervalMinutes,
      orderCanaryIntervalMinutes: config.observability.orderCanaryIntervalMinutes,
      logRetentionDays: config.logRetentionDays,
      loadBalancer: this.loadBalancer.loadBalancer,
      uiTargetGroup: this.services.uiTargetGroup,
      storeUrl,
      cluster: compute.cluster,
      services: this.fargateServices(),
      databases: [
        { name: 'catalog', clusterIdentifier: data.catalog.clusterIdentifier, isPrimaryMember: plan.isPrimary },
        { name: 'orders', clusterIdentifier: data.orders.clusterIdentifier, isPrimaryMember: plan.isPrimary },
      ],
      cartsTableName: cartsTableName(config.appName),
      cacheReplicationGroupId: data.cache.replicationGroup.ref,
      cacheNodeCount: 1 + config.cache.replicasPerShard,
      brokerName: data.broker.broker.brokerName,
      brokerDeploymentMode: config.broker.deploymentMode,
      routingControlArns: Object.fromEntries([...recoveryControls.routingControls].map(([name, control]) => [name, control.attrRoutingControlArn])),
    });
  }

  private addChaos(compute: ComputeCluster): RegionalChaos {
    const { config } = this;
    return new RegionalChaos(this, 'Chaos', {
      appName: config.appName,
      region: this.plan.region,
      vpc: this.network.vpc,
      applicationSubnets: this.network.applicationSubnets,
      dataSubnets: this.network.dataSubnets,
      cluster: compute.cluster,
      services: this.fargateServices(),
      cartsTableName: cartsTableName(config.appName),
      databaseInstanceIds: [this.catalogDatabase, this.ordersDatabase].flatMap((member) => member.instances.map((instance) => instance.ref)),
      regionImpairedAlarm: this.observability.regionImpairedAlarm,
      peersImpairedAlarm: this.observability.peersImpairedAlarm,
      detectionMinutes: this.observability.regionImpairedDetectionMinutes,
      logKey: this.logsKey,
      logRetentionDays: config.logRetentionDays,
    });
  }

  /** AWS Backup of this Region's stores and their restore tests, when configured. */
  private addBackup(dataKey: kms.IKey): { backup?: RegionalBackup; restoreTests?: RestoreTests } {
    const { config } = this;
    if (!config.backup.enabled) return {};
    const cartsArn = this.formatArn({ service: 'dynamodb', resource: 'table', resourceName: cartsTableName(config.appName) });
    const backup = new RegionalBackup(this, 'Backup', {
      appName: config.appName,
      regions: this.regionNames(),
      settings: config.backup,
      key: dataKey,
      alarmTopic: this.observability.topic,
      stores: [
        { name: this.engines.catalog.name, kind: 'aurora', arn: this.catalogDatabase.clusterArn },
        { name: this.engines.orders.name, kind: 'aurora', arn: this.ordersDatabase.clusterArn },
        { name: 'carts', kind: 'dynamodb', arn: cartsArn },
      ],
    });
    if (!config.backup.restoreTests) return { backup };
    const restoreTests = new RestoreTests(this, 'RestoreTests', {
      appName: config.appName,
      vault: backup.vault,
      role: backup.role,
      databases: ([[this.catalogDatabase, this.engines.catalog], [this.ordersDatabase, this.engines.orders]] as const).map(([member, spec]) => ({
        name: spec.name,
        kind: 'aurora' as const,
        arn: member.clusterArn,
        engine: spec.engine,
        databaseName: member.databaseName,
        secret: member.credentials,
        allowFrom: (peer: ec2.IConnectable, description: string) => member.allowFrom(peer, description),
      })),
      table: { name: 'carts', kind: 'dynamodb', arn: cartsArn },
      tolerancePercent: config.backup.rowCountTolerancePercent,
      vpc: this.network.vpc,
      subnets: this.network.applicationSubnets,
      logKey: this.logsKey,
      logRetentionDays: config.logRetentionDays,
      alarmTopic: this.observability.topic,
    });
    return { backup, restoreTests };
  }

  private addRestoreAndReconcile(props: RegionalStackProps, dataKey: kms.IKey): RestoreAndReconcile {
    const { config } = this;
    const memberTopology = new Map(this.globalDatabaseTopology(props).map((database) => [database.name, database]));
    const reconcile = new RestoreAndReconcile(this, 'RestoreAndReconcile', {
      appName: config.appName,
      regions: this.regionNames(),
      vpc: this.network.vpc,
      applicationSubnets: this.network.applicationSubnets,
      dataSubnets: this.network.dataSubnets,
      dataKey,
      serverAccessLogs: this.loadBalancer.accessLogBucket,
      logKey: this.logsKey,
      logRetentionDays: config.logRetentionDays,
      notificationTopic: this.observability.topic,
      databases: [
        { member: this.catalogDatabase, spec: this.engines.catalog },
        { member: this.ordersDatabase, spec: this.engines.orders },
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
      member.allowFrom(reconcile, 'restore-and-reconcile comparison task');
    }
    return reconcile;
  }

  private addRunbooks(props: RegionalStackProps): RegionalRunbooks {
    const { config } = this;
    return new RegionalRunbooks(this, 'Runbooks', {
      notificationTopic: this.observability.topic,
      appName: config.appName,
      regions: this.regionNames(),
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
      logKey: this.logsKey,
      logRetention: config.logRetentionDays as RetentionDays,
    });
  }

  /** Canaries in other Regions read this at run time: no deploy-time coupling between Regions. */
  private publishStoreUrl(storeUrl: string): void {
    new ssm.StringParameter(this, 'StoreUrlParameter', {
      parameterName: storeUrlParameterName(this.config.appName),
      description: 'URL of this Region\'s store, reached directly (for canaries and operators)',
      stringValue: storeUrl,
    });
    new CfnOutput(this, 'LoadBalancerDnsName', { value: this.loadBalancer.loadBalancer.loadBalancerDnsName });
    new CfnOutput(this, 'StoreUrl', {
      value: storeUrl,
      description: 'This Region\'s store, reached directly',
    });
  }

  private domainProps(): { domain?: { domainName: string; hostedZoneId: string } } {
    const { domainName, hostedZoneId } = this.config;
    return domainName !== undefined && hostedZoneId !== undefined ? { domain: { domainName, hostedZoneId } } : {};
  }

  private regionNames(): string[] {
    return this.config.regions.map((other) => other.region);
  }

  private fargateServices(): Record<ServiceName, ecs.FargateService> {
    return Object.fromEntries(
      SERVICE_NAMES.map((name) => [name, this.services.services[name].service]),
    ) as Record<ServiceName, ecs.FargateService>;
  }

  /** Both global databases with their members in every Region (deterministic names, so ARNs are known here). */
  private globalDatabaseTopology(props: RegionalStackProps): GlobalDatabaseTopology[] {
    const { config } = props;
    return [
      { database: props.globalDatabases.catalog, spec: this.engines.catalog },
      { database: props.globalDatabases.orders, spec: this.engines.orders },
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
