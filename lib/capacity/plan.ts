/**
 * The capacity plan: from a peak rate and the reviewed figures (throughput.ts) to tasks per service,
 * Aurora Serverless v2 ACUs per database and load balancer capacity units. Pure functions: the
 * configuration's validation, the scheduled actions and `npm run capacity` all use them.
 * Every Region gets the same plan: each must carry the whole peak alone after a failover.
 */
import { SERVICE_NAMES, type DatabaseSizing, type PeakEvent, type ServiceName, type ServiceSizing } from '../config/types';
import {
  DATABASE_THROUGHPUT,
  LCU_DIMENSIONS,
  LOAD_BALANCER_THROUGHPUT,
  SERVICE_THROUGHPUT,
  type PlannedDatabase,
} from './throughput';

export const PLANNED_DATABASES: readonly PlannedDatabase[] = ['catalog', 'orders'];

/** Tasks `service` needs at `requestsPerSecond`, never fewer than its configured minimum. */
export function tasksFor(service: ServiceName, requestsPerSecond: number, sizing: ServiceSizing): number {
  const figures = SERVICE_THROUGHPUT[service];
  const perTask = figures.requestsPerVcpuPerSecond * (sizing.cpu / 1024);
  return Math.max(sizing.minCount, Math.ceil((requestsPerSecond * figures.callsPerStoreRequest) / perTask - 1e-9));
}

/** Minimum ACUs `database` needs at `requestsPerSecond` (steps of 0.5), never below the configured minimum. */
export function acusFor(database: PlannedDatabase, requestsPerSecond: number, sizing: DatabaseSizing): number {
  const figures = DATABASE_THROUGHPUT[database];
  const needed = Math.ceil(((requestsPerSecond * figures.statementsPerStoreRequest) / figures.statementsPerAcuPerSecond) * 2 - 1e-9) / 2;
  return Math.max(sizing.serverlessMinCapacity, needed);
}

/** Load balancer capacity units at `requestsPerSecond`: the largest of the four LCU dimensions, rounded up. */
export function lcusFor(requestsPerSecond: number): number {
  const lb = LOAD_BALANCER_THROUGHPUT;
  const newConnections = requestsPerSecond / lb.requestsPerConnection;
  const dimensions = [
    newConnections / LCU_DIMENSIONS.newConnectionsPerSecond,
    (newConnections * lb.connectionSeconds) / LCU_DIMENSIONS.activeConnections,
    (requestsPerSecond * lb.averageResponseKiB * 3600) / (1024 * 1024) / LCU_DIMENSIONS.processedGiBPerHour,
    (requestsPerSecond * lb.billableRuleEvaluationsPerRequest) / LCU_DIMENSIONS.ruleEvaluationsPerSecond,
  ];
  return Math.ceil(Math.max(...dimensions) - 1e-9);
}

export interface EventPlan {
  readonly event: PeakEvent;
  /** When the minimums go up (start - lead) and back down (end + release). */
  readonly raiseAt: Date;
  readonly releaseAt: Date;
  /** Tasks per service for the window (the scheduled minimum). */
  readonly tasks: Readonly<Record<ServiceName, number>>;
  /** Serverless v2 minimum ACUs per database for the window; absent for provisioned instance classes. */
  readonly acus?: Readonly<Record<PlannedDatabase, number>>;
  /** The load balancer capacity reservation for the window. */
  readonly loadBalancerCapacityUnits: number;
  /** Hours the raised capacity is held (lead + event + release). */
  readonly windowHours: number;
}

export interface PlanInput {
  readonly services: Readonly<Record<ServiceName, ServiceSizing>>;
  readonly database: DatabaseSizing;
  readonly capacity: { readonly leadMinutes: number; readonly releaseMinutes: number; readonly events: readonly PeakEvent[] };
}

export function planEvent(event: PeakEvent, input: PlanInput): EventPlan {
  const rate = event.peakRequestsPerSecond;
  const raiseAt = new Date(Date.parse(event.start) - input.capacity.leadMinutes * 60_000);
  const releaseAt = new Date(Date.parse(event.end) + input.capacity.releaseMinutes * 60_000);
  const tasks = Object.fromEntries(SERVICE_NAMES.map((name) => [name, tasksFor(name, rate, input.services[name])])) as Record<ServiceName, number>;
  const serverless = input.database.instanceClass === 'serverless';
  return {
    event,
    raiseAt,
    releaseAt,
    tasks,
    ...(serverless
      ? { acus: { catalog: acusFor('catalog', rate, input.database), orders: acusFor('orders', rate, input.database) } }
      : {}),
    loadBalancerCapacityUnits: lcusFor(rate),
    windowHours: (releaseAt.getTime() - raiseAt.getTime()) / 3_600_000,
  };
}

export function planEvents(input: PlanInput): EventPlan[] {
  return input.capacity.events.map((event) => planEvent(event, input));
}
