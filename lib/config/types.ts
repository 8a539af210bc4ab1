import type { RoutingMode } from '../topology/topology';

export type Profile = 'dev' | 'prod';

export const SERVICE_NAMES = ['ui', 'catalog', 'carts', 'checkout', 'orders'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type CartsConsistency = 'eventual' | 'strong';

/** A container image as `repository:tag`. */
export interface ImageRef {
  readonly repository: string;
  readonly tag: string;
}

export interface ServiceSizing {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly desiredCount: number;
  readonly minCount: number;
  readonly maxCount: number;
  /** CPU utilisation the autoscaling policy tracks, in percent. */
  readonly cpuTargetPercent: number;
}

export interface RegionPlan {
  readonly region: string;
  /** The VPC range of this Region; never overlaps another Region's. */
  readonly vpcCidr: string;
  readonly availabilityZones: readonly string[];
  /** The CIDRs of the private (application) subnets, in AZ order, as the VPC allocates them. */
  readonly applicationSubnetCidrs: readonly string[];
  readonly isPrimary: boolean;
}

export interface DatabaseSizing {
  /** `serverless` for Aurora Serverless v2, otherwise a memory-optimized class such as `db.r6g.large`. */
  readonly instanceClass: string;
  readonly serverlessMinCapacity: number;
  readonly serverlessMaxCapacity: number;
  /** Reader instances in each cluster besides the writer (or, in a secondary, besides the first reader). */
  readonly readers: number;
  readonly backupRetentionDays: number;
}

/**
 * How orders reaches its database. `forwarding`: its own Region's member (reader endpoint), whose
 * writes Aurora forwards to the writer (global write forwarding on every member, local write
 * forwarding for the writer's own readers); no network path between Regions for the services.
 * `global-writer`: the Aurora global writer endpoint from every Region, over VPC peering (full mesh).
 */
export type OrdersRouting = 'forwarding' | 'global-writer';

export const ORDERS_ROUTINGS: readonly OrdersRouting[] = ['forwarding', 'global-writer'];

/** Database settings: sizing plus how orders routes its writes. */
export interface DatabaseSettings extends DatabaseSizing {
  readonly ordersRouting: OrdersRouting;
}

/** The validated, fully resolved configuration every construct is built from. */
export interface PlatformConfig {
  readonly appName: string;
  readonly account: string;
  /** True when no account was configured and the documented placeholder is used. */
  readonly accountIsPlaceholder: boolean;
  readonly profile: Profile;
  readonly regions: readonly RegionPlan[];
  readonly primaryRegion: string;
  readonly domainName?: string;
  readonly hostedZoneId?: string;
  readonly images: Readonly<Record<ServiceName, ImageRef>>;
  readonly services: Readonly<Record<ServiceName, ServiceSizing>>;
  readonly network: {
    readonly natGateways: number;
    readonly flowLogRetentionDays: number;
  };
  readonly logRetentionDays: number;
  readonly alarmEmail?: string;
  readonly cache: {
    readonly nodeType: string;
    readonly replicasPerShard: number;
    readonly engineVersion: string;
    readonly snapshotRetentionDays: number;
  };
  readonly broker: {
    readonly instanceType: string;
    readonly deploymentMode: 'SINGLE_INSTANCE' | 'CLUSTER_MULTI_AZ';
    readonly engineVersion: string;
  };
  readonly database: DatabaseSettings;
  readonly loadBalancerDeletionProtection: boolean;
  readonly routingMode: RoutingMode;
  /** An existing ARC cluster to share instead of creating one (~$1,800/month each). */
  readonly arcClusterArn?: string;
  readonly cartsConsistency: CartsConsistency;
  readonly cartsWitnessRegion?: string;
  readonly runbooks: {
    readonly requireApproval: boolean;
    /** Default approvers of the approval step; without them every execution must name its approvers. */
    readonly approvers: readonly string[];
  };
  readonly observability: {
    readonly canaryIntervalMinutes: number;
    /** Minutes between runs of the order canary (the only canary that places orders). */
    readonly orderCanaryIntervalMinutes: number;
  };
}
