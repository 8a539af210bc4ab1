/**
 * The capacity plan: from a peak rate and the reviewed figures (throughput.ts) to tasks per service,
 * Aurora Serverless v2 ACUs or provisioned readers per database and load balancer capacity units. Pure functions: the
 * configuration's validation, the scheduled actions and `npm run capacity` all use them.
 * Every Region gets the same plan: each must carry the whole peak alone after a failover.
 */
import { SERVICE_NAMES, type DatabaseSizing, type PeakEvent, type ServiceName, type ServiceSizing } from '../config/types';
import {
  DATABASE_THROUGHPUT,
  LCU_DIMENSIONS,
  LOAD_BALANCER_THROUGHPUT,
  PROVISIONED_ACUS_PER_VCPU,
  SERVICE_THROUGHPUT,
  SPARE_READERS,
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

/** Aurora's limit of reader instances (Aurora Replicas) per cluster. */
export const MAX_READERS = 15;

/** vCPUs of a provisioned instance class from its size (`db.r6g.large` 2, `db.r7g.4xlarge` 16); undefined when unknown. */
export function vcpusOf(instanceClass: string): number | undefined {
  const size = instanceClass.split('.')[2] ?? '';
  if (size === 'large') return 2;
  const match = /^(\d*)xlarge$/.exec(size);
  if (match === null) return undefined;
  return 4 * (match[1] === '' ? 1 : Number(match[1]));
}

/**
 * Reader instances a provisioned member needs at `requestsPerSecond` (the reads go to the reader
 * endpoint: the readers, not the writer), plus the spare reader, never below `database.readers`.
 * Undefined for Serverless v2 and for instance sizes the plan does not know.
 */
export function readersFor(database: PlannedDatabase, requestsPerSecond: number, sizing: DatabaseSizing): number | undefined {
  if (sizing.instanceClass === 'serverless') return undefined;
  const vcpus = vcpusOf(sizing.instanceClass);
  if (vcpus === undefined) return undefined;
  const figures = DATABASE_THROUGHPUT[database];
  const perReader = figures.statementsPerAcuPerSecond * PROVISIONED_ACUS_PER_VCPU * vcpus;
  const needed = Math.ceil((requestsPerSecond * figures.statementsPerStoreRequest) / perReader - 1e-9);
  return Math.max(sizing.readers, needed + SPARE_READERS);
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
  /**
   * Reader instances per database for the window, for provisioned instance classes; absent for
   * Serverless v2. Added only in the Region whose member is the global database's primary
   * (Aurora Auto Scaling is not supported on a secondary cluster): see lib/capacity/peak-capacity.ts.
   */
  readonly readers?: Readonly<Record<PlannedDatabase, number>>;
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
    ...(!serverless ? readersPlan(rate, input.database) : {}),
    loadBalancerCapacityUnits: lcusFor(rate),
    windowHours: (releaseAt.getTime() - raiseAt.getTime()) / 3_600_000,
  };
}

function readersPlan(rate: number, database: DatabaseSizing): { readers?: Record<PlannedDatabase, number> } {
  const catalog = readersFor('catalog', rate, database);
  const orders = readersFor('orders', rate, database);
  return catalog === undefined || orders === undefined ? {} : { readers: { catalog, orders } };
}

export function planEvents(input: PlanInput): EventPlan[] {
  return input.capacity.events.map((event) => planEvent(event, input));
}
