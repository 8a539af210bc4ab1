import type { App, Stack } from 'aws-cdk-lib';
import type { PlatformConfig } from './config/types';
import { ARC_CONTROL_PLANE_REGION } from './config/regions';
import { GlobalDataStack } from './stacks/global-data-stack';
import { PeeringRoutesStack } from './stacks/peering-routes-stack';
import { RegionalStack } from './stacks/regional-stack';
import { TrafficControlStack } from './stacks/traffic-control-stack';

export interface Platform {
  readonly globalData: GlobalDataStack;
  readonly trafficControl: TrafficControlStack;
  /** In deployment order: the primary Region first, then the others as configured. */
  readonly regional: readonly RegionalStack[];
  readonly peeringRoutes: readonly PeeringRoutesStack[];
}

/** Stack names, exactly as `cdk deploy` and the README use them. */
export const stackNames = {
  globalData: (appName: string) => `${appName}-global-data`,
  trafficControl: (appName: string) => `${appName}-traffic-control`,
  regional: (appName: string, region: string) => `${appName}-region-${region}`,
  peeringRoutes: (appName: string, region: string) => `${appName}-peering-routes-${region}`,
};

/**
 * Composes the platform's stacks and their order:
 *   global-data (primary Region) and traffic-control (us-west-2)
 *   → region-<primary> → region-<other>... (a secondary database member joins after the primary;
 *     each later Region peers with the earlier ones)
 *   → peering-routes-<region> (routes back over connections later Regions requested).
 */
export function buildPlatform(app: App, config: PlatformConfig): Platform {
  const env = (region: string) => ({ account: config.account, region });
  const description = (what: string) => `${config.appName}: ${what} (multi-Region retail store)`;

  const globalData = new GlobalDataStack(app, stackNames.globalData(config.appName), {
    env: env(config.primaryRegion),
    config,
    description: description('Aurora global databases, replicated secrets, carts global table'),
    terminationProtection: config.profile === 'prod',
  });
  const trafficControl = new TrafficControlStack(app, stackNames.trafficControl(config.appName), {
    env: env(ARC_CONTROL_PLANE_REGION),
    config,
    description: description('ARC routing controls and safety rule'),
    terminationProtection: config.profile === 'prod',
  });

  const ordered = [
    ...config.regions.filter((plan) => plan.isPrimary),
    ...config.regions.filter((plan) => !plan.isPrimary),
  ];
  const regional: RegionalStack[] = [];
  for (const plan of ordered) {
    const stack = new RegionalStack(app, stackNames.regional(config.appName, plan.region), {
      env: env(plan.region),
      config,
      plan,
      globalDatabases: { catalog: globalData.catalog, orders: globalData.orders },
      recoveryControls: trafficControl.controls,
      earlierRegions: regional.map((earlier) => ({ plan: earlier.network.plan, vpcId: earlier.network.vpc.vpcId })),
      description: description(`Region ${plan.region}`),
      terminationProtection: config.profile === 'prod',
    });
    stack.addStackDependency(globalData, 'database members join the global clusters; secrets are replicated first');
    stack.addStackDependency(trafficControl, 'health checks follow the routing controls');
    for (const earlier of regional) {
      stack.addStackDependency(earlier, 'secondary members join after the primary; VPC peering');
    }
    regional.push(stack);
  }

  const peeringRoutes: PeeringRoutesStack[] = [];
  regional.forEach((stack, index) => {
    const later = regional.slice(index + 1);
    if (later.length === 0) {
      return;
    }
    const routes = new PeeringRoutesStack(app, stackNames.peeringRoutes(config.appName, stack.region), {
      env: env(stack.region),
      routeTableIds: stack.peeredRouteTableIds,
      connections: later.map((other) => {
        const connection = other.peerings.get(stack.region);
        if (connection === undefined) {
          throw new Error(`${other.stackName} has no peering to ${stack.region}`);
        }
        return { region: other.region, vpcCidr: other.network.plan.vpcCidr, connectionId: connection.connection.ref };
      }),
      description: description(`routes of ${stack.region} back to the Regions that peered with it`),
    });
    routes.addStackDependency(stack);
    later.forEach((other) => routes.addStackDependency(other));
    peeringRoutes.push(routes);
  });

  return { globalData, trafficControl, regional, peeringRoutes };
}

export function allStacks(platform: Platform): Stack[] {
  return [platform.globalData, platform.trafficControl, ...platform.regional, ...platform.peeringRoutes];
}
