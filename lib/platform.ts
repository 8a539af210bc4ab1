import type { Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { PlatformConfig } from './config/types';
import { encryptCdkFunctionLogs } from './encryption/cdk-function-logs';
import { RegionalKey } from './encryption/regional-key';
import { ARC_CONTROL_PLANE_REGION } from './config/regions';
import { peeringLinks } from './data/routing';
import { GlobalDataStack } from './stacks/global-data-stack';
import { NetworkStack } from './stacks/network-stack';
import { RegionalStack } from './stacks/regional-stack';
import { RegionSwitchStack } from './stacks/region-switch-stack';
import { PipelineStack } from './stacks/pipeline-stack';
import { TrafficControlStack } from './stacks/traffic-control-stack';

export interface Platform {
  readonly globalData: GlobalDataStack;
  readonly trafficControl: TrafficControlStack;
  /** In deployment order: the primary Region first, then the others as configured. */
  readonly networks: readonly NetworkStack[];
  /** In deployment order: the primary Region first, then the others as configured. */
  readonly regional: readonly RegionalStack[];
  /** Only with `regionSwitch.enabled`: the ARC Region switch plans. */
  readonly regionSwitch?: RegionSwitchStack;
  /** Only with `pipeline`: the staggered delivery pipeline (its stage builds these stacks again). */
  readonly pipeline?: PipelineStack;
}

export interface PlatformOptions {
  /**
   * Built inside the delivery pipeline's stage: the Regions deploy one at a time, the writer's
   * Region last, and networks after traffic control (waves). Without it: the order below.
   */
  readonly pipelineStage?: boolean;
  /** The configuration file the app was given (`-c config=...`): the pipeline synthesizes with it. */
  readonly configFile?: string;
}

/** Stack names, exactly as `cdk deploy` and the README use them. */
export const stackNames = {
  globalData: (appName: string) => `${appName}-global-data`,
  trafficControl: (appName: string) => `${appName}-traffic-control`,
  regional: (appName: string, region: string) => `${appName}-region-${region}`,
  network: (appName: string, region: string) => `${appName}-network-${region}`,
  regionSwitch: (appName: string) => `${appName}-region-switch`,
  pipeline: (appName: string) => `${appName}-pipeline`,
};

/**
 * The order the pipeline deploys the Regions in: the others in configuration order, the writer's
 * (primary) Region last, so a bad change meets the Region that holds the writer only after it
 * baked everywhere else.
 */
export function rolloutOrder(config: PlatformConfig): string[] {
  return [
    ...config.regions.filter((plan) => !plan.isPrimary).map((plan) => plan.region),
    config.primaryRegion,
  ];
}

/**
 * Composes the platform's stacks and their order:
 *   traffic-control (us-west-2)
 *   network-<primary> → network-<other>... (each later Region requests the peering lib/data/routing.ts
 *     plans: to the primary only, or to every earlier Region when orders uses the global writer;
 *     each owns its Region's keys)
 *   → global-data (primary Region; its secrets' copies use every Region's data key)
 *   → region-<primary> → region-<other>... (routes back over the peering; a secondary database
 *     member joins after the primary).
 */
export function buildPlatform(app: Construct, config: PlatformConfig, options: PlatformOptions = {}): Platform {
  const env = (region: string) => ({ account: config.account, region });
  const description = (what: string) => `${config.appName}: ${what} (multi-Region retail store)`;

  const globalData = new GlobalDataStack(app, stackNames.globalData(config.appName), {
    // Explicit: inside the pipeline's stage a stack keeps the name `cdk deploy` gave it.
    stackName: stackNames.globalData(config.appName),
    env: env(config.primaryRegion),
    config,
    description: description('Aurora global databases, replicated secrets, carts global table'),
    terminationProtection: config.profile === 'prod',
  });
  const trafficControl = new TrafficControlStack(app, stackNames.trafficControl(config.appName), {
    stackName: stackNames.trafficControl(config.appName),
    env: env(ARC_CONTROL_PLANE_REGION),
    config,
    description: description('ARC routing controls and safety rule'),
    terminationProtection: config.profile === 'prod',
  });

  const ordered = [
    ...config.regions.filter((plan) => plan.isPrimary),
    ...config.regions.filter((plan) => !plan.isPrimary),
  ];

  const links = peeringLinks(config, ordered.map((plan) => plan.region));
  const networks: NetworkStack[] = [];
  for (const plan of ordered) {
    const peers = links
      .filter((link) => link.requester === plan.region)
      .map((link) => ({ stack: networks.find((earlier) => earlier.region === link.accepter)!, routeGroups: link.requesterGroups }));
    const stack = new NetworkStack(app, stackNames.network(config.appName, plan.region), {
      stackName: stackNames.network(config.appName, plan.region),
      env: env(plan.region),
      config,
      plan,
      peers,
      description: description(`network of ${plan.region} and its peering to earlier Regions`),
      terminationProtection: config.profile === 'prod',
    });
    networks.forEach((earlier) => stack.addStackDependency(earlier, 'peering requests need the earlier VPCs'));
    if (options.pipelineStage === true) {
      stack.addStackDependency(trafficControl, 'pipeline wave order: traffic control first');
    }
    networks.push(stack);
    globalData.addStackDependency(stack, 'secrets and their replicas are encrypted with each Region\'s data key');
  }

  const regional: RegionalStack[] = [];
  networks.forEach((networkStack) => {
    const plan = networkStack.plan;
    const stack = new RegionalStack(app, stackNames.regional(config.appName, plan.region), {
      stackName: stackNames.regional(config.appName, plan.region),
      env: env(plan.region),
      config,
      plan,
      networkStack,
      returnPeerings: links.filter((link) => link.accepter === plan.region).map((link) => {
        const other = networks.find((candidate) => candidate.region === link.requester)!;
        const request = other.peerings.get(plan.region);
        if (request === undefined) {
          throw new Error(`${other.stackName} has no peering to ${plan.region}`);
        }
        return { region: other.region, vpcCidr: other.plan.vpcCidr, connectionId: request.connection.ref, routeGroups: link.accepterGroups };
      }),
      globalDatabases: { catalog: globalData.catalog, orders: globalData.orders },
      recoveryControls: trafficControl.controls,
      description: description(`Region ${plan.region}`),
      terminationProtection: config.profile === 'prod',
    });
    stack.addStackDependency(globalData, 'database members join the global clusters; secrets are replicated first');
    stack.addStackDependency(trafficControl, 'health checks follow the routing controls');
    networks.forEach((network) => stack.addStackDependency(network, 'every peering exists before services start'));
    if (options.pipelineStage !== true) {
      regional.forEach((earlier) => stack.addStackDependency(earlier, 'secondary members join after the primary'));
    }
    regional.push(stack);
  });
  if (options.pipelineStage === true) {
    // Updates go one Region at a time, the writer's last. This replaces "secondary members join after
    // the primary", which only matters when the members are created: the pipeline's guard step
    // refuses to roll out before the writer's Region exists (the first deployment is `cdk deploy --all`).
    const byRegion = new Map(regional.map((stack) => [stack.region, stack]));
    const order = rolloutOrder(config).map((region) => byRegion.get(region)!);
    order.forEach((stack, index) => {
      if (index > 0) stack.addStackDependency(order[index - 1]!, 'pipeline rollout: one Region at a time, the writer\'s last');
    });
  }

  // Optional: the plans reference every Region's services, so they deploy after all of them.
  const regionSwitch = config.regionSwitch === undefined ? undefined : new RegionSwitchStack(app, stackNames.regionSwitch(config.appName), {
    stackName: stackNames.regionSwitch(config.appName),
    env: env(ARC_CONTROL_PLANE_REGION),
    config,
    regionSwitch: config.regionSwitch,
    trafficControl,
    regional,
    description: description('ARC Region switch plans (managed alternative to the runbooks)'),
    terminationProtection: config.profile === 'prod',
  });

  // The CDK's own functions (custom-resource providers) log to encrypted groups with a retention;
  // stacks without a logs key get one only if they hold such a function.
  const cdkFunctionLogs = (stack: Stack, key: kms.IKey | (() => kms.IKey)) => encryptCdkFunctionLogs(stack, { key, retentionDays: config.logRetentionDays });
  const ownKey = (stack: Stack, purpose: string) => () => new RegionalKey(stack, 'CdkFunctionLogsKey', { appName: config.appName, purpose, allowCloudWatchLogs: true }).key;
  cdkFunctionLogs(globalData, globalData.logsKey);
  cdkFunctionLogs(trafficControl, ownKey(trafficControl, 'traffic-control-logs'));
  if (regionSwitch !== undefined) cdkFunctionLogs(regionSwitch, ownKey(regionSwitch, 'region-switch-logs'));
  networks.forEach((stack) => cdkFunctionLogs(stack, stack.logsKey));
  regional.forEach((stack) => cdkFunctionLogs(stack, stack.observability.key));

  const pipeline = config.pipeline === undefined || options.pipelineStage === true ? undefined : new PipelineStack(app, stackNames.pipeline(config.appName), {
    stackName: stackNames.pipeline(config.appName),
    env: env(config.primaryRegion),
    config,
    pipeline: config.pipeline,
    ...(options.configFile !== undefined ? { configFile: options.configFile } : {}),
    buildStage: (stage) => {
      const staged = buildPlatform(stage, config, { pipelineStage: true });
      const byRegion = new Map(staged.regional.map((stack) => [stack.region, stack]));
      return { rollout: rolloutOrder(config).map((region) => ({ region, stack: byRegion.get(region)! })) };
    },
    description: description('staggered delivery pipeline: one Region at a time, the writer\'s last'),
    terminationProtection: config.profile === 'prod',
  });

  return {
    globalData, trafficControl, networks, regional,
    ...(regionSwitch !== undefined ? { regionSwitch } : {}),
    ...(pipeline !== undefined ? { pipeline } : {}),
  };
}

export function allStacks(platform: Platform): Stack[] {
  return [
    platform.globalData, platform.trafficControl, ...platform.networks, ...platform.regional,
    ...(platform.regionSwitch !== undefined ? [platform.regionSwitch] : []),
    ...(platform.pipeline !== undefined ? [platform.pipeline] : []),
  ];
}
