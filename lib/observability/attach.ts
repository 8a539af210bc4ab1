import type { IConstruct } from 'constructs';
import { CheckoutCache } from '../cache/checkout-cache';
import { RegionalChaos } from '../chaos/regional-chaos';
import { SERVICE_NAMES, type PlatformConfig, type ServiceName } from '../config/types';
import { cartsTableName } from '../data/engines';
import { OrderEventsBroker } from '../messaging/order-events-broker';
import type { Platform } from '../platform';
import type { RegionalStack } from '../stacks/regional-stack';
import { RegionalObservability } from './regional-observability';

export interface AttachedObservability {
  readonly observability: ReadonlyMap<string, RegionalObservability>;
  readonly chaos: ReadonlyMap<string, RegionalChaos>;
}

function childOfType<T>(scope: IConstruct, type: abstract new (...args: never[]) => T): T | undefined {
  return scope.node.children.find((child): child is T & IConstruct => child instanceof type);
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) {
    throw new Error(`attachObservability: ${what} not found`);
  }
  return value;
}

/**
 * Adds `RegionalObservability` and `RegionalChaos` to every regional stack that does not have them
 * yet, wired from the stack's public handles exactly as docs/observability.md shows. Used by the
 * tests and by `npm run cost` until the regional stack creates them itself; a stack that already
 * has them is left alone, so nothing is ever created twice.
 */
export function attachObservability(platform: Platform, config: PlatformConfig): AttachedObservability {
  const observability = new Map<string, RegionalObservability>();
  const chaos = new Map<string, RegionalChaos>();
  const regions = config.regions.map((plan) => plan.region);
  const routingControlArns = Object.fromEntries(
    [...platform.trafficControl.controls.routingControls].map(([region, control]) => [region, control.attrRoutingControlArn]),
  );

  for (const stack of platform.regional) {
    const region = stack.region;
    const existing = childOfType(stack, RegionalObservability);
    if (existing !== undefined) {
      observability.set(region, existing);
      const existingChaos = childOfType(stack, RegionalChaos);
      if (existingChaos !== undefined) {
        chaos.set(region, existingChaos);
      }
      continue;
    }
    const services = Object.fromEntries(SERVICE_NAMES.map((name) => [name, stack.services.services[name].service])) as Record<ServiceName, RegionalStack['services']['services']['ui']['service']>;
    const cache = required(childOfType(stack, CheckoutCache), `the checkout cache of ${region}`);
    const broker = required(childOfType(stack, OrderEventsBroker), `the order events broker of ${region}`);
    const logsKey = required(platform.networks.find((network) => network.region === region), `the network stack of ${region}`).logsKey;
    const isPrimary = config.regions.find((plan) => plan.region === region)?.isPrimary === true;

    const observed = new RegionalObservability(stack, 'Observability', {
      appName: config.appName,
      region,
      regions,
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
        { name: 'catalog', clusterIdentifier: stack.catalogDatabase.clusterIdentifier, isPrimaryMember: isPrimary },
        { name: 'orders', clusterIdentifier: stack.ordersDatabase.clusterIdentifier, isPrimaryMember: isPrimary },
      ],
      cartsTableName: cartsTableName(config.appName),
      cacheReplicationGroupId: cache.replicationGroup.ref,
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
      logKey: logsKey,
      logRetentionDays: config.logRetentionDays,
    }));
  }
  return { observability, chaos };
}
