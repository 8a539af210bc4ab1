/**
 * A two-Region test app with the real Network, keys and database members, and the
 * RestoreAndReconcile construct wired the way RegionalStack wires it.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AuroraMember } from '../../../lib/data/aurora-member';
import { CATALOG_ENGINE, ORDERS_ENGINE, memberClusterIdentifier, type EngineSpec } from '../../../lib/data/engines';
import { RegionalKey } from '../../../lib/encryption/regional-key';
import { Network } from '../../../lib/network/network';
import { RestoreAndReconcile, type RestoreAndReconcileProps } from '../../../lib/reconcile/restore-and-reconcile';

export const ACCOUNT = '123456789012';
export const EAST = 'us-east-1';
export const WEST = 'us-west-2';
export const REGIONS = [EAST, WEST] as const;
export const APP = 'retail';
export const ACCESS_LOG_BUCKET = 'retail-access-logs';

const PLANS = {
  [EAST]: { vpcCidr: '10.1.0.0/16', applicationSubnetCidrs: ['10.1.0.0/20', '10.1.16.0/20'] },
  [WEST]: { vpcCidr: '10.2.0.0/16', applicationSubnetCidrs: ['10.2.0.0/20', '10.2.16.0/20'] },
} as const;

export function memberArn(database: 'catalog' | 'orders', region: string): string {
  return `arn:aws:rds:${region}:${ACCOUNT}:cluster:${memberClusterIdentifier(APP, database, region)}`;
}

export function secretArn(database: 'catalog' | 'orders', region: string): string {
  return `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${APP}-${database}-master-AbCdEf`;
}

/** As RegionalStack: the configured AZs, so synthesis makes no context lookup (no credentials). */
class RegionStack extends Stack {
  constructor(scope: App, id: string, private readonly zones: readonly string[], region: string) {
    super(scope, id, { env: { account: ACCOUNT, region } });
  }

  override get availabilityZones(): string[] {
    return [...this.zones];
  }
}

export interface Built {
  readonly app: App;
  readonly stacks: Stack[];
  readonly reconciles: RestoreAndReconcile[];
  readonly members: AuroraMember[];
}

export interface BuildOptions {
  readonly withTopic?: boolean;
  readonly bundle?: boolean;
  readonly outdir?: string;
  readonly props?: Partial<RestoreAndReconcileProps>;
}

export function build(options: BuildOptions = {}): Built {
  const app = new App({
    ...(options.outdir !== undefined ? { outdir: options.outdir } : {}),
    // The Lambda bundles are not needed to check templates; the task image is always staged.
    context: options.bundle === true ? {} : { 'aws:cdk:bundling-stacks': [] },
  });
  const stacks: Stack[] = [];
  const reconciles: RestoreAndReconcile[] = [];
  const members: AuroraMember[] = [];
  for (const region of REGIONS) {
    const zones = [`${region}a`, `${region}b`];
    const stack = new RegionStack(app, `Retail-${region}`, zones, region);
    const plan = { region, availabilityZones: zones, isPrimary: region === WEST, ...PLANS[region] };
    const logKey = new RegionalKey(stack, 'LogsKey', { appName: APP, purpose: 'logs', allowCloudWatchLogs: true }).key;
    const dataKey = new RegionalKey(stack, 'DataKey', { appName: APP, purpose: 'data' }).key;
    const network = new Network(stack, 'Network', { plan, natGateways: 1, flowLogRetentionDays: 30, logKey });
    const member = (id: string, spec: EngineSpec): AuroraMember =>
      new AuroraMember(stack, id, {
        appName: APP,
        spec,
        globalClusterIdentifier: `${APP}-${spec.name}`,
        role: 'secondary',
        secretArn: secretArn(spec.name, region),
        writerEndpointAddress: `${APP}-${spec.name}.global-abc123.global.rds.amazonaws.com`,
        vpc: network.vpc,
        subnets: network.dataSubnets,
        key: dataKey,
        sizing: { instanceClass: 'serverless', serverlessMinCapacity: 0.5, serverlessMaxCapacity: 4, readers: 0, backupRetentionDays: 7, catalogRequireTls: false, advancedInsights: false },
        serviceEndpoint: 'local-reader',
        writeForwarding: spec.name === 'orders',
        remoteClients: { cidrs: REGIONS.filter((r) => r !== region).flatMap((r) => PLANS[r].applicationSubnetCidrs), description: 'peered Regions' },
      });
    const catalog = member('CatalogDatabase', CATALOG_ENGINE);
    const orders = member('OrdersDatabase', ORDERS_ENGINE);
    const topic = options.withTopic === false ? undefined : new sns.Topic(stack, 'Notifications', { enforceSSL: true, masterKey: dataKey });
    const reconcile = new RestoreAndReconcile(stack, 'RestoreAndReconcile', {
      appName: APP,
      regions: [...REGIONS],
      vpc: network.vpc,
      applicationSubnets: network.applicationSubnets,
      dataSubnets: network.dataSubnets,
      dataKey,
      // The Region's access-log bucket belongs to the load balancer construct; here it is imported.
      serverAccessLogs: s3.Bucket.fromBucketName(stack, 'AccessLogs', ACCESS_LOG_BUCKET),
      logKey,
      logRetentionDays: 30,
      databases: [
        { member: catalog, spec: CATALOG_ENGINE },
        { member: orders, spec: ORDERS_ENGINE },
      ].map(({ member: m, spec }) => ({
        name: spec.name,
        engine: spec.engine,
        globalClusterIdentifier: `${APP}-${spec.name}`,
        memberClusterArnByRegion: Object.fromEntries(REGIONS.map((r) => [r, memberArn(spec.name, r)])),
        secret: m.credentials,
        securityGroup: m.securityGroup,
        port: m.port,
        databaseName: m.databaseName,
        parameterGroupFamily: spec.parameterGroupFamily,
        clusterEndpointAddress: m.cluster.attrEndpointAddress,
      })),
      ...(topic !== undefined ? { notificationTopic: topic } : {}),
      ...options.props,
    });
    catalog.allowFrom(reconcile, 'restore-and-reconcile comparison task');
    orders.allowFrom(reconcile, 'restore-and-reconcile comparison task');
    stacks.push(stack);
    reconciles.push(reconcile);
    members.push(catalog, orders);
  }
  return { app, stacks, reconciles, members };
}
