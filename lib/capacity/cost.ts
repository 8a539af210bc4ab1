/**
 * What a peak event adds to the month's bill, per Region and in total, from the capacity plan and
 * the reviewed price list (scripts/prices.json, the same one `npm run cost` uses). Pure: the
 * capacity command prints it, the tests check it against a hand-computed example.
 */
import { SERVICE_NAMES, type PlatformConfig, type ServiceName } from '../config/types';
import { monthlyUnitPrice, type PriceList } from '../cost/count';
import { PLANNED_DATABASES, type EventPlan } from './plan';

export interface CostItem {
  readonly label: string;
  /** Per Region, USD. */
  readonly perRegion: number;
  /** Every Region together (traffic-based charges are counted once: the traffic is served once). */
  readonly total: number;
  /** Shown instead of the per-Region figure when there is none (`perRegion` is then NaN). */
  readonly perRegionNote?: string;
}

export interface EventCost {
  readonly plan: EventPlan;
  readonly items: readonly CostItem[];
  readonly total: number;
}

function hourly(prices: PriceList, key: string): number {
  const price = prices.prices[key];
  if (price?.hourly === undefined) throw new Error(`No hourly price for ${key} in scripts/prices.json`);
  return price.hourly;
}

function each(prices: PriceList, key: string): number {
  const price = prices.prices[key];
  if (price === undefined) throw new Error(`No price for ${key} in scripts/prices.json`);
  return monthlyUnitPrice(price, prices.hoursPerMonth);
}

/** Extra tasks (above minCount) of one Region for the window, by service. */
export function extraTasks(plan: EventPlan, config: PlatformConfig): Record<ServiceName, number> {
  return Object.fromEntries(SERVICE_NAMES.map((name) => [name, plan.tasks[name] - config.services[name].minCount])) as Record<ServiceName, number>;
}

export function eventCost(plan: EventPlan, config: PlatformConfig, prices: PriceList): EventCost {
  const regions = config.regions.length;
  const hours = plan.windowHours;
  const extra = extraTasks(plan, config);
  const taskHourly = (name: ServiceName) => {
    const sizing = config.services[name];
    return (sizing.cpu / 1024) * hourly(prices, 'fargate-vcpu') + (sizing.memoryMiB / 1024) * hourly(prices, 'fargate-gb');
  };
  const fargate = SERVICE_NAMES.reduce((sum, name) => sum + extra[name] * taskHourly(name) * hours, 0);
  // Every instance of a Serverless v2 cluster holds the cluster's minimum.
  const instancesPerCluster = 1 + config.database.readers;
  const acus = plan.acus === undefined
    ? 0
    : PLANNED_DATABASES.reduce((sum, name) => sum + (plan.acus![name] - config.database.serverlessMinCapacity) * instancesPerCluster, 0) * hourly(prices, 'aurora-acu') * hours;
  // Provisioned readers are added in the primary Region only (Aurora Auto Scaling is not supported on a secondary cluster).
  const readers = plan.readers === undefined
    ? 0
    : PLANNED_DATABASES.reduce((sum, name) => sum + plan.readers![name] - config.database.readers, 0) * hourly(prices, `aurora-${config.database.instanceClass}`) * hours;
  // The reservation is billed for the whole window whether used or not: an upper bound of the LCU delta.
  const lcus = plan.loadBalancerCapacityUnits * hourly(prices, 'alb-lcu') * hours;
  const items: CostItem[] = [
    { label: 'Fargate tasks above minCount', perRegion: fargate, total: fargate * regions },
    ...(plan.acus !== undefined ? [{ label: 'Aurora Serverless v2 ACUs above the minimum', perRegion: acus, total: acus * regions }] : []),
    ...(plan.readers !== undefined
      ? [{ label: `Aurora readers above database.readers (${config.database.instanceClass}, ${config.primaryRegion} only)`, perRegion: Number.NaN, total: readers, perRegionNote: '(primary Region only)' }]
      : []),
    { label: `Load balancer LCU reservation (${plan.loadBalancerCapacityUnits} LCUs)`, perRegion: lcus, total: lcus * regions },
  ];
  if (config.waf !== undefined) {
    const eventSeconds = (Date.parse(plan.event.end) - Date.parse(plan.event.start)) / 1000;
    const millions = (plan.event.peakRequestsPerSecond * eventSeconds) / 1_000_000;
    const waf = millions * (each(prices, 'waf-request-million') + each(prices, 'waf-bot-control-request-million'));
    items.push({ label: `WAF and Bot Control inspection (${Math.round(millions)} million requests at the peak rate)`, perRegion: Number.NaN, total: waf, perRegionNote: '(traffic, counted once)' });
  }
  return { plan, items, total: items.reduce((sum, item) => sum + item.total, 0) };
}
