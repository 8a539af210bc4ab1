import type { ServiceName } from '../config/types';

/**
 * Deterministic names of the observability resources. Other Regions' dashboards and the operator
 * documentation refer to them by name, so they must not depend on generated logical IDs.
 */

/** CloudWatch Synthetics accepts at most 21 characters: lower-case letters, digits, `-` and `_`. */
export const CANARY_NAME_MAX_LENGTH = 21;

const DIRECTIONS: Readonly<Record<string, string>> = {
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  central: 'c',
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
};

/** A short Region code for names with a length limit: `us-east-1` → `use1`, `ap-southeast-2` → `apse2`. */
export function regionCode(region: string): string {
  const parts = region.split('-');
  if (parts.length !== 3) {
    throw new Error(`Unexpected Region name ${region}`);
  }
  const [area, direction, index] = parts as [string, string, string];
  const short = DIRECTIONS[direction];
  if (short === undefined) {
    throw new Error(`Unexpected Region name ${region}`);
  }
  return `${area}${short}${index}`;
}

/**
 * What a canary probes: the read path of this Region's own store, of another Region's store or of
 * the global name, or the order path (the writer's health) through this Region's store.
 */
export type ProbeTarget =
  | { readonly kind: 'local' }
  | { readonly kind: 'peer'; readonly region: string }
  | { readonly kind: 'global' }
  | { readonly kind: 'orders' };

function targetSuffix(target: ProbeTarget): string {
  switch (target.kind) {
    case 'local':
      return 'local';
    case 'global':
      return 'global';
    case 'orders':
      return 'orders';
    case 'peer':
      return `to-${regionCode(target.region)}`;
  }
}

/**
 * `<app>-local`, `<app>-to-usw2`, `<app>-global`, `<app>-orders`: the same name in every Region for
 * the same kind of target, so dashboards in one Region can name the canaries of another. A long
 * application name is truncated, never the suffix, which is what tells the canaries apart.
 */
export function canaryName(appName: string, target: ProbeTarget): string {
  const suffix = targetSuffix(target);
  const prefix = appName.slice(0, CANARY_NAME_MAX_LENGTH - suffix.length - 1).replace(/-+$/, '');
  return `${prefix}-${suffix}`;
}

/** Namespace of the platform's own metrics (routing control states). */
export function platformMetricNamespace(appName: string): string {
  return `${appName}/Platform`;
}

/** The metric the routing-state publisher emits, one series per routing control, 1 = On, 0 = Off. */
export const ROUTING_CONTROL_METRIC = 'RoutingControlOn';
/** Dimension naming the Region a routing control admits traffic to. */
export const ROUTING_CONTROL_DIMENSION = 'ControlRegion';
/** 1 when a run read every control, 0 when every ARC cluster endpoint failed. */
export const ROUTING_READ_METRIC = 'RoutingControlReadSucceeded';
/** Dimension of the read metric: the Region the publisher read from (its own). */
export const ROUTING_READ_DIMENSION = 'Region';

export function regionalDashboardName(appName: string, region: string): string {
  return `${appName}-${region}`;
}

/** Dashboards are account-wide (their ARN has no Region), so there is exactly one overview. */
export function overviewDashboardName(appName: string): string {
  return `${appName}-overview`;
}

/** Alarm names start with the application and Region: the key policy and topic policy match on that prefix. */
export function alarmName(appName: string, region: string, what: string): string {
  return `${appName}-${region}-${what}`;
}

export function serviceAlarmSuffix(service: ServiceName): string {
  return `${service}-tasks-below-desired`;
}
