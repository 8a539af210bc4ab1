import type { Profile, ServiceName, ServiceSizing } from './types';

/**
 * Placeholder account used when neither the configuration nor the CLI (CDK_DEFAULT_ACCOUNT)
 * gives one, so that `cdk synth` works on a machine without AWS credentials. Templates
 * synthesized with it are for review only: deploy with a real account.
 */
export const PLACEHOLDER_ACCOUNT = '111111111111';

export const DEFAULT_APP_NAME = 'retail';
export const DEFAULT_REGIONS = ['us-east-1', 'us-west-2'] as const;
export const DEFAULT_PRIMARY_REGION = 'us-east-1';
export const DEFAULT_IMAGE_REPOSITORY_PREFIX = 'public.ecr.aws/aws-containers/retail-store-sample';
export const DEFAULT_IMAGE_TAG = '1.6.2';

/** The image name of each service (the carts service's image is called `cart`). */
export const IMAGE_NAMES: Readonly<Record<ServiceName, string>> = {
  ui: 'ui',
  catalog: 'catalog',
  carts: 'cart',
  checkout: 'checkout',
  orders: 'orders',
};

/** Every Region gets a /16 carved in order from this range unless `network.regionCidrs` says otherwise. */
export const DEFAULT_BASE_CIDR = '10.64.0.0/12';
export const DEFAULT_VPC_PREFIX = 16;

/** What each profile creates. `dev` is the cheapest shape that still runs every component. */
export interface ProfileDefaults {
  readonly azCount: number;
  readonly natGateways: 'one' | 'per-az';
  readonly services: Readonly<Record<ServiceName, ServiceSizing>>;
  readonly logRetentionDays: number;
  readonly cache: { nodeType: string; replicasPerShard: number; snapshotRetentionDays: number };
  readonly broker: { instanceType: string; deploymentMode: 'SINGLE_INSTANCE' | 'CLUSTER_MULTI_AZ' };
  readonly database: {
    instanceClass: string;
    serverlessMinCapacity: number;
    serverlessMaxCapacity: number;
    readers: number;
    backupRetentionDays: number;
    advancedInsights: boolean;
  };
  readonly loadBalancerDeletionProtection: boolean;
  /** AWS Backup on by default, and how long daily snapshots are kept. */
  readonly backup: { enabled: boolean; dailyRetentionDays: number };
  readonly canaryIntervalMinutes: number;
  /** The order canary (one per Region, places a real, synthetic order each run). */
  readonly orderCanaryIntervalMinutes: number;
}

function sizing(cpu: number, memoryMiB: number, desired: number, min: number, max: number): ServiceSizing {
  return { cpu, memoryMiB, desiredCount: desired, minCount: min, maxCount: max, cpuTargetPercent: 60 };
}

export const PROFILE_DEFAULTS: Readonly<Record<Profile, ProfileDefaults>> = {
  dev: {
    azCount: 2,
    natGateways: 'one',
    services: {
      // The JVM services (ui, carts, orders) need 2 GiB to start reliably.
      ui: sizing(512, 2048, 1, 1, 2),
      catalog: sizing(256, 512, 1, 1, 2),
      carts: sizing(512, 2048, 1, 1, 2),
      checkout: sizing(256, 512, 1, 1, 2),
      orders: sizing(512, 2048, 1, 1, 2),
    },
    logRetentionDays: 14,
    cache: { nodeType: 'cache.t4g.micro', replicasPerShard: 0, snapshotRetentionDays: 1 },
    broker: { instanceType: 'mq.t3.micro', deploymentMode: 'SINGLE_INSTANCE' },
    database: {
      instanceClass: 'serverless',
      serverlessMinCapacity: 0.5,
      serverlessMaxCapacity: 4,
      readers: 0,
      backupRetentionDays: 7,
      advancedInsights: false,
    },
    loadBalancerDeletionProtection: false,
    backup: { enabled: false, dailyRetentionDays: 7 },
    canaryIntervalMinutes: 30,
    orderCanaryIntervalMinutes: 60,
  },
  prod: {
    azCount: 3,
    natGateways: 'per-az',
    services: {
      ui: sizing(1024, 2048, 2, 2, 8),
      catalog: sizing(512, 1024, 2, 2, 8),
      carts: sizing(1024, 2048, 2, 2, 8),
      checkout: sizing(512, 1024, 2, 2, 8),
      orders: sizing(1024, 2048, 2, 2, 8),
    },
    logRetentionDays: 90,
    cache: { nodeType: 'cache.m7g.large', replicasPerShard: 1, snapshotRetentionDays: 7 },
    broker: { instanceType: 'mq.m5.large', deploymentMode: 'CLUSTER_MULTI_AZ' },
    database: {
      instanceClass: 'db.r6g.large',
      serverlessMinCapacity: 0.5,
      serverlessMaxCapacity: 16,
      readers: 1,
      backupRetentionDays: 14,
      advancedInsights: true,
    },
    loadBalancerDeletionProtection: true,
    backup: { enabled: true, dailyRetentionDays: 35 },
    canaryIntervalMinutes: 5,
    orderCanaryIntervalMinutes: 15,
  },
};

export const CACHE_ENGINE_VERSION = '8.0';
export const BROKER_ENGINE_VERSION = '3.13';
