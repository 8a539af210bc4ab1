import { cidrsOverlap, formatCidr, isPrivate, parseCidr, subdivide, type Cidr } from './cidr';
import {
  BROKER_ENGINE_VERSION,
  CACHE_ENGINE_VERSION,
  DEFAULT_APP_NAME,
  DEFAULT_BASE_CIDR,
  DEFAULT_IMAGE_REPOSITORY_PREFIX,
  DEFAULT_IMAGE_TAG,
  DEFAULT_PRIMARY_REGION,
  DEFAULT_REGIONS,
  DEFAULT_VPC_PREFIX,
  IMAGE_NAMES,
  PLACEHOLDER_ACCOUNT,
  PROFILE_DEFAULTS,
} from './defaults';
import { resolvePipeline, resolveRegionSwitch } from './delivery';
import { KNOWN_REGIONS, MRSC_REGION_SETS } from './regions';
import {
  ORDERS_ROUTINGS,
  SERVICE_NAMES,
  type BackupSettings,
  type CartsConsistency,
  type ImageRef,
  type PlatformConfig,
  type Profile,
  type RegionPlan,
  type RegionSwitchConfig,
  type ServiceName,
  type ServiceSizing,
} from './types';
import type { RoutingMode } from '../topology/topology';
import { resolveCapacity, resolveWaf } from './peak';
import { chooseAccount } from './account';
import {
  CATALOG_ENGINE_VERSIONS,
  DEFAULT_CATALOG_ENGINE_VERSION,
  DEFAULT_ORDERS_ENGINE_VERSION,
  ORDERS_ENGINE_VERSIONS,
  type EngineVersionInfo,
} from './engine-versions';

/** One thing wrong with the configuration: where, what was given, what is allowed. */
export interface ConfigProblem {
  readonly key: string;
  readonly value: unknown;
  readonly allowed: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.key}: got ${describe(p.value)}; ${p.allowed}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

function describe(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export interface ResolveOptions {
  /** The account of the CLI's credentials (CDK_DEFAULT_ACCOUNT): the target when none is configured; differing from a configured one is an error. */
  readonly cliAccount?: string;
  /** The current time, from bin/ (events that have passed are rejected); without it, event times are not checked against the clock. */
  readonly now?: Date;
}

/** The configuration file's shape. Every key is optional: the defaults synthesize with no input. */
export const TOP_LEVEL_KEYS = [
  'appName',
  'account',
  'regions',
  'primaryRegion',
  'profile',
  'domainName',
  'hostedZoneId',
  'images',
  'network',
  'services',
  'alarmEmail',
  'logRetentionDays',
  'cache',
  'broker',
  'database',
  'routingMode',
  'arcClusterArn',
  'cartsConsistency',
  'cartsWitnessRegion',
  'runbooks',
  'canaryIntervalMinutes',
  'orderCanaryIntervalMinutes',
  'capacity',
  'waf',
  'pipeline',
  'regionSwitch',
  'backup',
] as const;

// CloudWatch Logs accepts only these retention periods.
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
// Fargate task sizes: CPU units and the memory each allows.
const FARGATE_MEMORY: Readonly<Record<number, (memory: number) => boolean>> = {
  256: (m) => [512, 1024, 2048].includes(m),
  512: (m) => m >= 1024 && m <= 4096 && m % 1024 === 0,
  1024: (m) => m >= 2048 && m <= 8192 && m % 1024 === 0,
  2048: (m) => m >= 4096 && m <= 16384 && m % 1024 === 0,
  4096: (m) => m >= 8192 && m <= 30720 && m % 1024 === 0,
};

const APP_NAME_PATTERN = /^[a-z][a-z0-9-]{1,18}[a-z0-9]$/;
const ACCOUNT_PATTERN = /^\d{12}$/;
const DOMAIN_PATTERN = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const HOSTED_ZONE_PATTERN = /^Z[A-Z0-9]{4,31}$/;
const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const IMAGE_REPOSITORY_PATTERN = /^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/;
const IMAGE_TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const ARC_CLUSTER_ARN_PATTERN = /^arn:aws[a-z-]*:route53-recovery-control::\d{12}:cluster\/[A-Za-z0-9-]+$/;
const AZ_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;
const BACKUP_VAULT_ARN_PATTERN = /^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:[A-Za-z0-9_.-]{2,50}$/;
/**
 * `runbooks.approvers` serves both approval steps: the runbooks' `aws:approve` and the Region switch
 * plans' approver role, whose trust policy admits exactly these principals (so it cannot be without them).
 */
function regionSwitchApprovers(check: Checker, regionSwitch: RegionSwitchConfig | undefined, runbooksInput: Json | undefined, approvers: readonly string[]): RegionSwitchConfig | undefined {
  const switchApproval = regionSwitch?.approval === true;
  if (runbooksInput?.approvers !== undefined && runbooksInput.requireApproval === false && !switchApproval) {
    check.problem('runbooks.approvers', runbooksInput.approvers, 'is only used with runbooks.requireApproval true or regionSwitch.approval true');
  }
  if (regionSwitch === undefined || !switchApproval) {
    return regionSwitch;
  }
  if (runbooksInput?.approvers === undefined) {
    check.problem('runbooks.approvers', undefined,
      'is required with regionSwitch.approval true (the default with profile "prod"): 1 to 10 IAM user names or IAM user or role ARNs, the only principals allowed to assume the Region switch approver role');
  }
  return { ...regionSwitch, approvers };
}

/** An IAM user name, or an IAM user or role ARN: what `aws:approve` accepts and an IAM trust policy can name. */
export const APPROVER_PATTERN = /^([\w+=,.@-]{1,64}|arn:aws[a-z-]*:iam::\d{12}:(user|role)\/[\w+=,.@/-]{1,512})$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects problems instead of stopping at the first one. */
export class Checker {
  readonly problems: ConfigProblem[] = [];

  problem(key: string, value: unknown, allowed: string): void {
    this.problems.push({ key, value, allowed });
  }

  object(key: string, value: unknown, knownKeys: readonly string[]): Json | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (!isObject(value)) {
      this.problem(key, value, 'must be a JSON object');
      return undefined;
    }
    for (const name of Object.keys(value)) {
      if (!knownKeys.includes(name)) {
        this.problem(`${key === '' ? '' : `${key}.`}${name}`, value[name], `unknown key; allowed keys: ${knownKeys.join(', ')}`);
      }
    }
    return value;
  }

  string(key: string, value: unknown, pattern: RegExp, allowed: string): string | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'string' || !pattern.test(value)) {
      this.problem(key, value, allowed);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(key: string, value: unknown, options: readonly T[]): T | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
      this.problem(key, value, `must be one of ${options.map((o) => `"${o}"`).join(', ')}`);
      return undefined;
    }
    return value as T;
  }

  integer(key: string, value: unknown, min: number, max: number): number | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(key, value, `must be an integer from ${min} to ${max}`);
      return undefined;
    }
    return value;
  }

  number(key: string, value: unknown, min: number, max: number, step: number): number | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'number' || value < min || value > max || Math.abs(value / step - Math.round(value / step)) > 1e-9) {
      this.problem(key, value, `must be a number from ${min} to ${max} in steps of ${step}`);
      return undefined;
    }
    return value;
  }

  boolean(key: string, value: unknown): boolean | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'boolean') {
      this.problem(key, value, 'must be true or false');
      return undefined;
    }
    return value;
  }

  region(key: string, value: unknown): string | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'string' || KNOWN_REGIONS[value] === undefined) {
      this.problem(key, value, `must be a commercial AWS Region name such as us-east-1 (known: ${Object.keys(KNOWN_REGIONS).join(', ')})`);
      return undefined;
    }
    return value;
  }
}

/**
 * Validates a configuration object (parsed from JSON, or `{}` for the defaults) and resolves
 * every default. Throws a ConfigError listing every problem at once; never returns a partial result.
 */
export function resolveConfig(input: unknown, options: ResolveOptions = {}): PlatformConfig {
  const check = new Checker();
  const raw = check.object('', input ?? {}, TOP_LEVEL_KEYS) ?? {};

  const appName = check.string('appName', raw.appName, APP_NAME_PATTERN,
    'must be 3 to 20 characters: lower-case letters, digits and hyphens, starting with a letter') ?? DEFAULT_APP_NAME;

  const configuredAccount = check.string('account', raw.account, ACCOUNT_PATTERN, 'must be a 12-digit AWS account id as a string');
  const accountChoice = chooseAccount(configuredAccount, options.cliAccount);
  if ('mismatch' in accountChoice) {
    const { configured, credentials } = accountChoice.mismatch;
    check.problem('account', configured,
      `the credentials belong to account ${credentials}, not the configured ${configured}: use credentials of ${configured}, or change "account" if ${credentials} is really the target`);
  }
  const account = 'mismatch' in accountChoice ? accountChoice.mismatch.configured : accountChoice.account;

  const profile: Profile = check.oneOf('profile', raw.profile, ['dev', 'prod'] as const) ?? 'dev';
  const defaults = PROFILE_DEFAULTS[profile];

  // Regions
  let regions: string[] = [...DEFAULT_REGIONS];
  if (raw.regions !== undefined) {
    if (!Array.isArray(raw.regions) || raw.regions.length < 2 || raw.regions.length > 6) {
      check.problem('regions', raw.regions, 'must be a list of 2 to 6 distinct AWS Region names');
      regions = [];
    } else {
      regions = [];
      raw.regions.forEach((value: unknown, index: number) => {
        const region = check.region(`regions[${index}]`, value);
        if (region !== undefined) {
          if (regions.includes(region)) {
            check.problem(`regions[${index}]`, value, 'must not repeat a Region already listed');
          } else {
            regions.push(region);
          }
        }
      });
    }
  }
  const primaryRegion = check.region('primaryRegion', raw.primaryRegion) ?? (raw.primaryRegion === undefined ? (raw.regions === undefined ? DEFAULT_PRIMARY_REGION : regions[0]) : undefined);
  if (primaryRegion !== undefined && regions.length > 0 && !regions.includes(primaryRegion)) {
    check.problem('primaryRegion', primaryRegion, `must be one of regions (${regions.join(', ')})`);
  }

  // Domain
  const domainName = check.string('domainName', raw.domainName, DOMAIN_PATTERN, 'must be a lower-case DNS name such as shop.example.com');
  const hostedZoneId = check.string('hostedZoneId', raw.hostedZoneId, HOSTED_ZONE_PATTERN, 'must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ');
  if (raw.domainName !== undefined && raw.hostedZoneId === undefined) {
    check.problem('hostedZoneId', undefined, `is required when domainName is set (the public hosted zone that holds ${String(raw.domainName)})`);
  }
  if (raw.hostedZoneId !== undefined && raw.domainName === undefined) {
    check.problem('domainName', undefined, 'is required when hostedZoneId is set (domainName and hostedZoneId go together)');
  }

  const images = resolveImages(check, raw.images);
  const services = resolveServices(check, raw.services, defaults.services, profile);
  const regionPlans = resolveNetwork(check, raw.network, regions, primaryRegion, defaults.azCount);

  const alarmEmail = check.string('alarmEmail', raw.alarmEmail, EMAIL_PATTERN, 'must be an e-mail address');
  let logRetentionDays = defaults.logRetentionDays;
  if (raw.logRetentionDays !== undefined) {
    if (typeof raw.logRetentionDays !== 'number' || !LOG_RETENTION_DAYS.includes(raw.logRetentionDays)) {
      check.problem('logRetentionDays', raw.logRetentionDays, `must be one of the CloudWatch Logs retention periods: ${LOG_RETENTION_DAYS.join(', ')}`);
    } else {
      logRetentionDays = raw.logRetentionDays;
    }
  }

  const cacheInput = check.object('cache', raw.cache, ['nodeType', 'replicasPerShard']);
  const cacheNodeType = check.string('cache.nodeType', cacheInput?.nodeType, /^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an ElastiCache node type such as cache.m7g.large') ?? defaults.cache.nodeType;
  const replicasPerShard = check.integer('cache.replicasPerShard', cacheInput?.replicasPerShard, 0, 5) ?? defaults.cache.replicasPerShard;
  if (profile === 'prod' && replicasPerShard < 1) {
    check.problem('cache.replicasPerShard', replicasPerShard, 'must be at least 1 with profile "prod" (Multi-AZ needs a replica)');
  }

  const brokerInput = check.object('broker', raw.broker, ['instanceType']);
  const brokerInstanceType = check.string('broker.instanceType', brokerInput?.instanceType, /^mq\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an Amazon MQ instance type such as mq.m5.large') ?? defaults.broker.instanceType;
  if (defaults.broker.deploymentMode === 'CLUSTER_MULTI_AZ' && brokerInstanceType.startsWith('mq.t3.')) {
    check.problem('broker.instanceType', brokerInstanceType, 'must not be an mq.t3 type with profile "prod" (RabbitMQ clusters need mq.m5 or larger)');
  }

  const database = resolveDatabase(check, raw.database, defaults.database);

  const routingMode: RoutingMode = check.oneOf('routingMode', raw.routingMode, ['active-standby', 'active-active'] as const) ?? 'active-standby';
  const arcClusterArn = check.string('arcClusterArn', raw.arcClusterArn, ARC_CLUSTER_ARN_PATTERN,
    'must be the ARN of an existing ARC cluster: arn:aws:route53-recovery-control::<account>:cluster/<id>');

  const cartsConsistency: CartsConsistency = check.oneOf('cartsConsistency', raw.cartsConsistency, ['eventual', 'strong'] as const) ?? 'eventual';
  const cartsWitnessRegion = check.region('cartsWitnessRegion', raw.cartsWitnessRegion);
  if (raw.cartsWitnessRegion !== undefined && cartsConsistency !== 'strong') {
    check.problem('cartsWitnessRegion', raw.cartsWitnessRegion, 'is only allowed with cartsConsistency "strong"');
  }
  if (cartsConsistency === 'strong' && regions.length > 0) {
    const problem = mrscProblem(regions, cartsWitnessRegion);
    if (problem !== undefined) {
      check.problem('cartsConsistency', 'strong', problem);
    }
  }

  const runbooksInput = check.object('runbooks', raw.runbooks, ['requireApproval', 'approvers']);
  const requireApproval = check.boolean('runbooks.requireApproval', runbooksInput?.requireApproval) ?? profile === 'prod';
  const approvers: string[] = [];
  if (runbooksInput?.approvers !== undefined) {
    const given = runbooksInput.approvers;
    if (!Array.isArray(given) || given.length === 0 || given.length > 10) {
      check.problem('runbooks.approvers', given, 'must be a list of 1 to 10 IAM user names, user ARNs or role ARNs (the aws:approve limit)');
    } else {
      given.forEach((value: unknown, index: number) => {
        const approver = check.string(`runbooks.approvers[${index}]`, value, APPROVER_PATTERN,
          'must be an IAM user name or an IAM user or role ARN such as arn:aws:iam::123456789012:role/oncall');
        if (approver !== undefined) {
          approvers.push(approver);
        }
      });
    }
  }

  const canaryIntervalMinutes = check.integer('canaryIntervalMinutes', raw.canaryIntervalMinutes, 1, 60) ?? defaults.canaryIntervalMinutes;
  const orderCanaryIntervalMinutes = check.integer('orderCanaryIntervalMinutes', raw.orderCanaryIntervalMinutes, 1, 60) ?? defaults.orderCanaryIntervalMinutes;

  const capacity = resolveCapacity(check, raw.capacity, { services, database, ...(options.now !== undefined ? { now: options.now } : {}) });
  const waf = resolveWaf(check, raw.waf, profile);
  const pipeline = resolvePipeline(check, raw.pipeline, canaryIntervalMinutes);
  const regionSwitch = regionSwitchApprovers(check, resolveRegionSwitch(check, raw.regionSwitch, profile), runbooksInput, approvers);
  const backup = resolveBackup(check, raw.backup, profile, defaults.backup);

  if (check.problems.length > 0 || primaryRegion === undefined) {
    throw new ConfigError(check.problems);
  }

  return {
    appName,
    account,
    accountIsPlaceholder: account === PLACEHOLDER_ACCOUNT,
    profile,
    regions: regionPlans,
    primaryRegion,
    ...(domainName !== undefined ? { domainName } : {}),
    ...(hostedZoneId !== undefined ? { hostedZoneId } : {}),
    images,
    services,
    network: {
      natGateways: defaults.natGateways === 'one' ? 1 : defaults.azCount,
      flowLogRetentionDays: logRetentionDays,
    },
    logRetentionDays,
    ...(alarmEmail !== undefined ? { alarmEmail } : {}),
    cache: {
      nodeType: cacheNodeType,
      replicasPerShard,
      engineVersion: CACHE_ENGINE_VERSION,
      snapshotRetentionDays: defaults.cache.snapshotRetentionDays,
    },
    broker: {
      instanceType: brokerInstanceType,
      deploymentMode: defaults.broker.deploymentMode,
      engineVersion: BROKER_ENGINE_VERSION,
    },
    database,
    loadBalancerDeletionProtection: defaults.loadBalancerDeletionProtection,
    routingMode,
    ...(arcClusterArn !== undefined ? { arcClusterArn } : {}),
    cartsConsistency,
    ...(cartsWitnessRegion !== undefined ? { cartsWitnessRegion } : {}),
    runbooks: { requireApproval, approvers },
    backup,
    observability: { canaryIntervalMinutes, orderCanaryIntervalMinutes },
    capacity,
    ...(waf !== undefined ? { waf } : {}),
    ...(pipeline !== undefined ? { pipeline } : {}),
    ...(regionSwitch !== undefined ? { regionSwitch } : {}),
  };
}

function resolveBackup(check: Checker, input: unknown, profile: Profile, defaults: { enabled: boolean; dailyRetentionDays: number }): BackupSettings {
  const given = check.object('backup', input, ['enabled', 'dailyRetentionDays', 'copyToVaultArn', 'vaultLock', 'restoreTests', 'rowCountTolerancePercent']);
  const enabled = check.boolean('backup.enabled', given?.enabled) ?? defaults.enabled;
  const dailyRetentionDays = check.integer('backup.dailyRetentionDays', given?.dailyRetentionDays, 7, 3650) ?? defaults.dailyRetentionDays;
  const copyToVaultArn = check.string('backup.copyToVaultArn', given?.copyToVaultArn, BACKUP_VAULT_ARN_PATTERN,
    'must be a backup vault ARN such as arn:aws:backup:us-east-2:210987654321:backup-vault:retail-offsite');
  const vaultLock = check.boolean('backup.vaultLock', given?.vaultLock) ?? false;
  const restoreTests = check.boolean('backup.restoreTests', given?.restoreTests) ?? enabled;
  const rowCountTolerancePercent = check.number('backup.rowCountTolerancePercent', given?.rowCountTolerancePercent, 0, 50, 0.1) ?? 5;
  if (!enabled) {
    for (const key of ['copyToVaultArn', 'vaultLock', 'restoreTests', 'dailyRetentionDays'] as const) {
      if (given?.[key] !== undefined && given[key] !== false) {
        check.problem(`backup.${key}`, given[key], 'is only used with backup.enabled true');
      }
    }
  }
  if (vaultLock && profile !== 'prod') {
    check.problem('backup.vaultLock', true, 'is only allowed with profile "prod" (compliance mode cannot be undone: a dev vault could never be deleted)');
  }
  return {
    enabled,
    dailyRetentionDays,
    ...(copyToVaultArn !== undefined ? { copyToVaultArn } : {}),
    vaultLock,
    restoreTests: enabled && restoreTests,
    rowCountTolerancePercent,
  };
}

/** Why multi-Region strong consistency is impossible for these Regions, or undefined when it qualifies. */
export function mrscProblem(regions: readonly string[], witness: string | undefined): string | undefined {
  const members = witness === undefined ? [...regions] : [...regions, witness];
  const shape = witness === undefined ? 'three Regions' : 'two Regions plus a witness';
  if (members.length !== 3 || (witness !== undefined && regions.length !== 2)) {
    return `multi-Region strong consistency needs exactly three Regions, or two plus cartsWitnessRegion (got ${regions.length} Region(s)${witness === undefined ? '' : ' plus a witness'}); use "eventual"`;
  }
  if (witness !== undefined && regions.includes(witness)) {
    return `cartsWitnessRegion must differ from the replica Regions (${regions.join(', ')})`;
  }
  const set = Object.entries(MRSC_REGION_SETS).find(([, setRegions]) => members.every((r) => setRegions.includes(r)));
  if (set === undefined) {
    return `multi-Region strong consistency needs ${shape} within one Region set (${Object.entries(MRSC_REGION_SETS)
      .map(([name, setRegions]) => `${name}: ${setRegions.join(', ')}`)
      .join('; ')}); got ${members.join(', ')}`;
  }
  return undefined;
}

function resolveImages(check: Checker, input: unknown): Record<ServiceName, ImageRef> {
  const images = check.object('images', input, ['repository', 'tag', 'services']);
  const prefix = check.string('images.repository', images?.repository, IMAGE_REPOSITORY_PATTERN,
    'must be an image repository prefix such as public.ecr.aws/aws-containers/retail-store-sample (the service image name is appended after a hyphen)') ?? DEFAULT_IMAGE_REPOSITORY_PREFIX;
  const tag = check.string('images.tag', images?.tag, IMAGE_TAG_PATTERN, 'must be an image tag such as 1.6.2') ?? DEFAULT_IMAGE_TAG;
  const perService = check.object('images.services', images?.services, SERVICE_NAMES);
  const result = {} as Record<ServiceName, ImageRef>;
  for (const service of SERVICE_NAMES) {
    const override = check.object(`images.services.${service}`, perService?.[service], ['repository', 'tag']);
    result[service] = {
      repository: check.string(`images.services.${service}.repository`, override?.repository, IMAGE_REPOSITORY_PATTERN,
        'must be a full image repository such as public.ecr.aws/aws-containers/retail-store-sample-ui') ?? `${prefix}-${IMAGE_NAMES[service]}`,
      tag: check.string(`images.services.${service}.tag`, override?.tag, IMAGE_TAG_PATTERN, 'must be an image tag such as 1.6.2') ?? tag,
    };
  }
  return result;
}

function resolveServices(
  check: Checker,
  input: unknown,
  defaults: Readonly<Record<ServiceName, ServiceSizing>>,
  profile: Profile,
): Record<ServiceName, ServiceSizing> {
  const services = check.object('services', input, SERVICE_NAMES);
  const result = {} as Record<ServiceName, ServiceSizing>;
  for (const service of SERVICE_NAMES) {
    const key = `services.${service}`;
    const given = check.object(key, services?.[service], ['cpu', 'memoryMiB', 'desiredCount', 'minCount', 'maxCount', 'cpuTargetPercent']);
    const base = defaults[service];
    let cpu = base.cpu;
    if (given?.cpu !== undefined) {
      if (typeof given.cpu !== 'number' || FARGATE_MEMORY[given.cpu] === undefined) {
        check.problem(`${key}.cpu`, given.cpu, `must be a Fargate CPU size: ${Object.keys(FARGATE_MEMORY).join(', ')}`);
      } else {
        cpu = given.cpu;
      }
    }
    const memoryMiB = check.integer(`${key}.memoryMiB`, given?.memoryMiB, 512, 30720) ?? base.memoryMiB;
    if (!FARGATE_MEMORY[cpu]?.(memoryMiB)) {
      check.problem(`${key}.memoryMiB`, memoryMiB, `is not a Fargate memory size for ${cpu} CPU units`);
    }
    const desiredCount = check.integer(`${key}.desiredCount`, given?.desiredCount, 1, 100) ?? base.desiredCount;
    const minCount = check.integer(`${key}.minCount`, given?.minCount, 1, 100) ?? base.minCount;
    const maxCount = check.integer(`${key}.maxCount`, given?.maxCount, 1, 200) ?? base.maxCount;
    const cpuTargetPercent = check.integer(`${key}.cpuTargetPercent`, given?.cpuTargetPercent, 10, 90) ?? base.cpuTargetPercent;
    if (minCount > desiredCount || desiredCount > maxCount) {
      check.problem(key, { minCount, desiredCount, maxCount }, 'must satisfy minCount <= desiredCount <= maxCount');
    }
    if (profile === 'prod' && minCount < 2) {
      check.problem(`${key}.minCount`, minCount, 'must be at least 2 with profile "prod" (one task per AZ failure)');
    }
    result[service] = { cpu, memoryMiB, desiredCount, minCount, maxCount, cpuTargetPercent };
  }
  return result;
}

function resolveDatabase(
  check: Checker,
  input: unknown,
  defaults: (typeof PROFILE_DEFAULTS)[Profile]['database'],
): PlatformConfig['database'] {
  const db = check.object('database', input, [
    'instanceClass', 'serverlessMinCapacity', 'serverlessMaxCapacity', 'readers', 'backupRetentionDays', 'ordersRouting',
    'catalogRequireTls', 'advancedInsights', 'catalogEngineVersion', 'ordersEngineVersion',
  ]);
  let instanceClass = defaults.instanceClass;
  if (db?.instanceClass !== undefined) {
    // Global databases need memory-optimized classes or Serverless v2; burstable (t) classes are not supported.
    if (typeof db.instanceClass !== 'string' || !(db.instanceClass === 'serverless' || /^db\.(r[5-9][a-z]*|x2[a-z]*)\.[a-z0-9]+$/.test(db.instanceClass))) {
      check.problem('database.instanceClass', db.instanceClass, 'must be "serverless" (Aurora Serverless v2) or a memory-optimized class such as db.r6g.large (no burstable classes)');
    } else {
      instanceClass = db.instanceClass;
    }
  }
  const serverlessMinCapacity = check.number('database.serverlessMinCapacity', db?.serverlessMinCapacity, 0.5, 256, 0.5) ?? defaults.serverlessMinCapacity;
  const serverlessMaxCapacity = check.number('database.serverlessMaxCapacity', db?.serverlessMaxCapacity, 1, 256, 0.5) ?? defaults.serverlessMaxCapacity;
  if (serverlessMinCapacity > serverlessMaxCapacity) {
    check.problem('database.serverlessMinCapacity', serverlessMinCapacity, `must not exceed database.serverlessMaxCapacity (${serverlessMaxCapacity})`);
  }
  return {
    instanceClass,
    serverlessMinCapacity,
    serverlessMaxCapacity,
    readers: check.integer('database.readers', db?.readers, 0, 15) ?? defaults.readers,
    backupRetentionDays: check.integer('database.backupRetentionDays', db?.backupRetentionDays, 1, 35) ?? defaults.backupRetentionDays,
    ordersRouting: check.oneOf('database.ordersRouting', db?.ordersRouting, ORDERS_ROUTINGS) ?? 'forwarding',
    catalogRequireTls: check.boolean('database.catalogRequireTls', db?.catalogRequireTls) ?? false,
    advancedInsights: check.boolean('database.advancedInsights', db?.advancedInsights) ?? defaults.advancedInsights,
    catalogEngineVersion: engineVersion(check, 'database.catalogEngineVersion', db?.catalogEngineVersion, CATALOG_ENGINE_VERSIONS) ?? DEFAULT_CATALOG_ENGINE_VERSION,
    ordersEngineVersion: engineVersion(check, 'database.ordersEngineVersion', db?.ordersEngineVersion, ORDERS_ENGINE_VERSIONS) ?? DEFAULT_ORDERS_ENGINE_VERSION,
  };
}

/** One of the listed versions; the problem lists them with their end of standard support. */
function engineVersion(check: Checker, key: string, value: unknown, versions: readonly EngineVersionInfo[]): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || !versions.some((v) => v.version === value)) {
    check.problem(key, value, `must be one of ${versions.map((v) => `"${v.version}" (standard support until ${v.endOfStandardSupport})`).join(', ')}`);
    return undefined;
  }
  return value;
}

/**
 * The address plan: one VPC range per Region (given, or carved in order from `baseCidr`), the
 * AZs, and the application subnets' CIDRs. The application subnet group is the VPC's first
 * subnet group, so its subnets are the first blocks of the VPC range (the network construct
 * checks this against what the VPC actually allocates).
 */
function resolveNetwork(
  check: Checker,
  input: unknown,
  regions: readonly string[],
  primaryRegion: string | undefined,
  azCount: number,
): RegionPlan[] {
  const network = check.object('network', input, ['baseCidr', 'vpcPrefixLength', 'regionCidrs', 'availabilityZones']);
  const prefix = check.integer('network.vpcPrefixLength', network?.vpcPrefixLength, 16, 20) ?? DEFAULT_VPC_PREFIX;

  let base: Cidr | undefined;
  const baseText = network?.baseCidr ?? DEFAULT_BASE_CIDR;
  const parsedBase = typeof baseText === 'string' ? parseCidr(baseText) : 'must be a string';
  if (typeof parsedBase === 'string') {
    check.problem('network.baseCidr', baseText, parsedBase);
  } else if (!isPrivate(parsedBase)) {
    check.problem('network.baseCidr', baseText, 'must be inside an RFC 1918 private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)');
  } else {
    base = parsedBase;
  }

  const given = check.object('network.regionCidrs', network?.regionCidrs, Object.keys(KNOWN_REGIONS));
  const azInput = check.object('network.availabilityZones', network?.availabilityZones, Object.keys(KNOWN_REGIONS));
  for (const key of Object.keys(given ?? {})) {
    if (KNOWN_REGIONS[key] !== undefined && !regions.includes(key)) {
      check.problem(`network.regionCidrs.${key}`, given?.[key], `names a Region that is not in regions (${regions.join(', ')})`);
    }
  }
  for (const key of Object.keys(azInput ?? {})) {
    if (KNOWN_REGIONS[key] !== undefined && !regions.includes(key)) {
      check.problem(`network.availabilityZones.${key}`, azInput?.[key], `names a Region that is not in regions (${regions.join(', ')})`);
    }
  }

  const plans: RegionPlan[] = [];
  const assigned: { region: string; cidr: Cidr }[] = [];
  let nextIndex = 0;
  regions.forEach((region) => {
    let cidr: Cidr | undefined;
    const explicit = given?.[region];
    if (explicit !== undefined) {
      const parsed = typeof explicit === 'string' ? parseCidr(explicit) : 'must be a string';
      if (typeof parsed === 'string') {
        check.problem(`network.regionCidrs.${region}`, explicit, parsed);
      } else if (parsed.prefix !== prefix) {
        check.problem(`network.regionCidrs.${region}`, explicit, `must be a /${prefix} (network.vpcPrefixLength)`);
      } else if (!isPrivate(parsed)) {
        check.problem(`network.regionCidrs.${region}`, explicit, 'must be inside an RFC 1918 private range');
      } else {
        cidr = parsed;
      }
    } else if (base !== undefined) {
      // Skip blocks an explicit Region already took.
      for (;;) {
        const candidate = subdivide(base, prefix, nextIndex);
        nextIndex += 1;
        if (candidate === undefined) {
          check.problem('network.baseCidr', formatCidr(base), `is too small for ${regions.length} Regions of /${prefix} each`);
          break;
        }
        if (!Object.values(given ?? {}).some((text) => {
          const parsed = typeof text === 'string' ? parseCidr(text) : undefined;
          return parsed !== undefined && typeof parsed !== 'string' && cidrsOverlap(parsed, candidate);
        })) {
          cidr = candidate;
          break;
        }
      }
    }
    if (cidr !== undefined) {
      const clash = assigned.find((other) => cidrsOverlap(other.cidr, cidr!));
      if (clash !== undefined) {
        check.problem(`network.regionCidrs.${region}`, formatCidr(cidr), `must not overlap the range of ${clash.region} (${formatCidr(clash.cidr)}): the Regions' VPCs are peered`);
      } else {
        assigned.push({ region, cidr });
      }
    }

    const azs = resolveAzs(check, region, azInput?.[region], azCount);
    if (cidr !== undefined && azs !== undefined) {
      // Application subnets are /(prefix + 4): sixteen fit a VPC; we use one per AZ.
      const applicationSubnetCidrs = azs.map((_, index) => formatCidr(subdivide(cidr!, prefix + 4, index)!));
      plans.push({
        region,
        vpcCidr: formatCidr(cidr),
        availabilityZones: azs,
        applicationSubnetCidrs,
        isPrimary: region === primaryRegion,
      });
    }
  });
  return plans;
}

function resolveAzs(check: Checker, region: string, input: unknown, azCount: number): string[] | undefined {
  const key = `network.availabilityZones.${region}`;
  if (input !== undefined) {
    if (!Array.isArray(input) || input.length !== azCount) {
      check.problem(key, input, `must be a list of exactly ${azCount} Availability Zone names of ${region} (the profile's AZ count)`);
      return undefined;
    }
    const names: string[] = [];
    input.forEach((value: unknown, index: number) => {
      if (typeof value !== 'string' || !AZ_PATTERN.test(value) || !value.startsWith(region)) {
        check.problem(`${key}[${index}]`, value, `must be an Availability Zone name of ${region}, such as ${region}a`);
      } else if (names.includes(value)) {
        check.problem(`${key}[${index}]`, value, 'must not repeat an Availability Zone');
      } else {
        names.push(value);
      }
    });
    return names.length === azCount ? names : undefined;
  }
  const letters = KNOWN_REGIONS[region] ?? [];
  if (letters.length < azCount) {
    check.problem(key, undefined, `is required: ${region} offers new accounts ${letters.length} Availability Zones and the profile needs ${azCount}; list ${azCount} AZ names your account has, or choose another Region`);
    return undefined;
  }
  return letters.slice(0, azCount).map((letter) => `${region}${letter}`);
}
