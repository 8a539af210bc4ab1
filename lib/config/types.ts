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
  /**
   * Require TLS on the catalog (MySQL) cluster (`require_secure_transport`). Off by default: the
   * catalog image's MySQL client (go-sql-driver/mysql, DSN without `tls=`) does not negotiate TLS.
   * Orders (PostgreSQL) always requires it (`rds.force_ssl`).
   */
  readonly catalogRequireTls: boolean;
  /** Database Insights advanced mode (Performance Insights kept 15 months); prod by default. */
  readonly advancedInsights: boolean;
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
  /** Aurora MySQL version of the catalog global database (lib/config/engine-versions.ts lists the accepted ones). */
  readonly catalogEngineVersion: string;
  /** Aurora PostgreSQL version of the orders global database. */
  readonly ordersEngineVersion: string;
}

/** A known traffic peak: capacity is raised `leadMinutes` before `start` and lowered `releaseMinutes` after `end`. */
export interface PeakEvent {
  readonly name: string;
  /** UTC, ISO 8601 to the second: `2027-11-26T13:00:00Z`. */
  readonly start: string;
  readonly end: string;
  /** The rate one Region must carry alone during the event (the event's own, or `capacity.peakRequestsPerSecond`). */
  readonly peakRequestsPerSecond: number;
}

export interface CapacityConfig {
  /** The rate one Region must carry alone (after a failover it carries everything); events default to it. */
  readonly peakRequestsPerSecond?: number;
  readonly leadMinutes: number;
  readonly releaseMinutes: number;
  /** Sorted by start; windows (lead to release) never overlap. */
  readonly events: readonly PeakEvent[];
}

export type WafMode = 'count' | 'block';

export interface WafConfig {
  /** `count` only labels and counts (dev default); `block` blocks what the rules match (prod default). */
  readonly mode: WafMode;
  /** Requests one client IP may send in 5 minutes before the rate rule acts. */
  readonly rateLimitPerIp: number;
}

/** AWS Backup of the databases and the carts table (lib/backup). */
export interface BackupSettings {
  readonly enabled: boolean;
  /** Days the daily snapshots (and their copies in the next Region) are kept. */
  readonly dailyRetentionDays: number;
  /** A vault in another account that also receives every daily backup (the account must allow it). */
  readonly copyToVaultArn?: string;
  /** Vault lock in compliance mode: after 3 days nobody, not even the account root, can shorten retention or delete the vault. */
  readonly vaultLock: boolean;
  /** AWS Backup restore tests of every store, validated by row counts. */
  readonly restoreTests: boolean;
  /** How far (percent) a restored store's row count may differ from the live one's and still pass. */
  readonly rowCountTolerancePercent: number;
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
  readonly backup: BackupSettings;
  readonly observability: {
    readonly canaryIntervalMinutes: number;
    /** Minutes between runs of the order canary (the only canary that places orders). */
    readonly orderCanaryIntervalMinutes: number;
  };
  /** Peak events and the rate a Region must carry (lib/capacity turns them into scheduled actions). */
  readonly capacity: CapacityConfig;
  /** A WAF web ACL on every Region's load balancer, when configured. */
  readonly waf?: WafConfig;
  /** Present only when configured: without it, no pipeline stack is synthesized. */
  readonly pipeline?: PipelineConfig;
  /** Present only when `regionSwitch.enabled` is true. */
  readonly regionSwitch?: RegionSwitchConfig;
}

/** The optional staggered delivery pipeline (`<app>-pipeline`). */
export interface PipelineConfig {
  /** CodeConnections (or CodeStar Connections) connection to the source repository. */
  readonly connectionArn: string;
  /** `owner/name` of the repository the connection reaches. */
  readonly repository: string;
  readonly branch: string;
  /** Minutes each Region is watched after its deployment before the next Region starts. */
  readonly bakeMinutes: number;
}

/** The optional ARC Region switch plans (a managed alternative to the runbooks). */
export interface RegionSwitchConfig {
  /** An execution approval step first in every workflow. */
  readonly approval: boolean;
  /** With `approval`: `runbooks.approvers`, the only principals the approver role trusts; otherwise empty. */
  readonly approvers: readonly string[];
}
