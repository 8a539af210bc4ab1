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
  readonly database: DatabaseSizing;
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
}
