import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { CheckoutCache } from '../../../lib/cache/checkout-cache';
import { RegionalChaos } from '../../../lib/chaos/regional-chaos';
import { resolveConfig } from '../../../lib/config/resolve';
import { SERVICE_NAMES, type PlatformConfig, type ServiceName } from '../../../lib/config/types';
import { cartsTableName } from '../../../lib/data/engines';
import { OrderEventsBroker } from '../../../lib/messaging/order-events-broker';
import { RegionalObservability } from '../../../lib/observability/regional-observability';
import { buildPlatform, type Platform } from '../../../lib/platform';
import type { RegionalStack } from '../../../lib/stacks/regional-stack';

/**
 * The whole platform with the observability and chaos constructs added to every regional stack,
 * wired exactly as docs/observability.md tells the lead to wire them (the test does it from the
 * outside: lib/stacks is not ours to change). Built once per configuration.
 */
export interface ObservedPlatform {
  readonly app: App;
  readonly config: PlatformConfig;
  readonly platform: Platform;
  readonly observability: ReadonlyMap<string, RegionalObservability>;
  readonly chaos: ReadonlyMap<string, RegionalChaos>;
}

export const DEV_TWO_REGIONS: Record<string, unknown> = {};
export const PROD_THREE_REGIONS: Record<string, unknown> = {
  profile: 'prod',
  regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
  domainName: 'shop.example.com',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  alarmEmail: 'oncall@example.com',
};

const cache = new Map<string, ObservedPlatform>();

function childOfType<T>(scope: IConstruct, type: abstract new (...args: never[]) => T): T {
  const found = scope.node.children.find((child): child is T & IConstruct => child instanceof type);
  if (found === undefined) {
    throw new Error(`${scope.node.path} has no ${type.name}`);
  }
  return found;
}

export function observedPlatform(input: Record<string, unknown>): ObservedPlatform {
  const key = JSON.stringify(input);
  const cached = cache.get(key);
  if (cached !== undefined) {
    return cached;
  }
  const config = resolveConfig({ account: '123456789012', ...input });
  const app = new App();
  const platform = buildPlatform(app, config);
  const observability = new Map<string, RegionalObservability>();
  const chaos = new Map<string, RegionalChaos>();
  const routingControlArns = Object.fromEntries(
    [...platform.trafficControl.controls.routingControls].map(([region, control]) => [region, control.attrRoutingControlArn]),
  );

  for (const stack of platform.regional) {
    const region = stack.region;
    const services = Object.fromEntries(SERVICE_NAMES.map((name) => [name, stack.services.services[name].service])) as Record<ServiceName, RegionalStack['services']['services']['ui']['service']>;
    const checkoutCache = childOfType(stack, CheckoutCache);
    const broker = childOfType(stack, OrderEventsBroker);
    const networkStack = platform.networks.find((network) => network.region === region);
    if (networkStack === undefined) {
      throw new Error(`no network stack in ${region}`);
    }
    const plan = config.regions.find((candidate) => candidate.region === region);

    const observed = new RegionalObservability(stack, 'Observability', {
      appName: config.appName,
      region,
      regions: config.regions.map((candidate) => candidate.region),
      profile: config.profile,
      ...(config.domainName !== undefined ? { domainName: config.domainName } : {}),
      ...(config.alarmEmail !== undefined ? { alarmEmail: config.alarmEmail } : {}),
      canaryIntervalMinutes: config.observability.canaryIntervalMinutes,
      logRetentionDays: config.logRetentionDays,
      loadBalancer: stack.loadBalancer.loadBalancer,
      uiTargetGroup: stack.services.uiTargetGroup,
      storeUrl: `${stack.loadBalancer.protocol}://${stack.loadBalancer.regionalHostName}`,
      cluster: services.ui.cluster,
      services,
      databases: [
        { name: 'catalog', clusterIdentifier: stack.catalogDatabase.clusterIdentifier, isPrimaryMember: plan?.isPrimary === true },
        { name: 'orders', clusterIdentifier: stack.ordersDatabase.clusterIdentifier, isPrimaryMember: plan?.isPrimary === true },
      ],
      cartsTableName: cartsTableName(config.appName),
      cacheReplicationGroupId: checkoutCache.replicationGroup.ref,
      cacheNodeCount: 1 + config.cache.replicasPerShard,
      brokerName: broker.broker.brokerName,
      routingControlArns,
    });
    observability.set(region, observed);

    chaos.set(region, new RegionalChaos(stack, 'Chaos', {
      appName: config.appName,
      region,
      vpc: stack.network.vpc,
      applicationSubnets: stack.network.applicationSubnets,
      cluster: services.ui.cluster,
      services,
      cartsTableName: cartsTableName(config.appName),
      regionImpairedAlarm: observed.regionImpairedAlarm,
      peersImpairedAlarm: observed.peersImpairedAlarm,
      logKey: networkStack.logsKey,
      logRetentionDays: config.logRetentionDays,
    }));
  }

  const result = { app, config, platform, observability, chaos };
  cache.set(key, result);
  return result;
}

export function regionalTemplate(observed: ObservedPlatform, region: string): Template {
  const stack = observed.platform.regional.find((candidate) => candidate.region === region);
  if (stack === undefined) {
    throw new Error(`no regional stack in ${region}`);
  }
  return Template.fromStack(stack);
}

export function regionalStacks(observed: ObservedPlatform): readonly Stack[] {
  return observed.platform.regional;
}

/** cdk-nag findings under the given construct paths, as readable lines. */
export function nagFindingsUnder(app: App, pathFragments: readonly string[]): string[] {
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations.flatMap((violation) =>
    violation.violatingResources
      .filter((resource) => pathFragments.some((fragment) => (resource.constructPath ?? '').includes(fragment)))
      .map((resource) => `${violation.ruleName} ${resource.constructPath ?? ''}`),
  );
}
