/**
 * THE REVIEWED FILE: every figure the capacity plan assumes, and how it was obtained.
 * Change a figure only with a measurement (see "How to replace these figures" in docs/peak-events.md)
 * and say in the commit where it came from.
 *
 * Status (2026-12-02): ESTIMATES, not measurements. No account was available to run the load test
 * against the real images. How each was obtained:
 *
 *  - `callsPerStoreRequest` (fan-out): read from the UI of retail-store-sample-app v1.6.2
 *    (src/ui/.../web/*Controller.java and CommonAttributesControllerAdvice.java): every page asks carts
 *    for the header's cart; /home asks catalog for products; /catalog asks catalog for tags and
 *    products; /catalog/{id} for the product and recommendations (catalog); /cart reads carts;
 *    each of the four checkout steps calls checkout once; the last one places one order (orders).
 *    Weighted with an ASSUMED peak mix per 100 load balancer requests: 60 static assets served by
 *    the ui itself (no backend call), 25 catalog pages, 10 cart views or changes, 5 checkout steps.
 *  - `requestsPerVcpuPerSecond`: ASSUMED rates one vCPU sustains at the 60% CPU target, by runtime
 *    (ui and carts: Spring Boot JVM; catalog: Go; checkout: Node.js; orders: JVM writing PostgreSQL
 *    and publishing to RabbitMQ). They are deliberately conservative.
 *  - database figures: ASSUMED statements per backend call and statements one Aurora capacity unit
 *    (ACU: ~2 GiB and the matching CPU) sustains.
 *  - load balancer figures: ASSUMED average response size and keep-alive reuse; the LCU dimensions
 *    themselves are AWS's (25 new connections/s, 3,000 active connections, 1 GB/h processed,
 *    1,000 rule evaluations/s per LCU).
 *
 * `npm run load -- --target <url> --profile peak` against a staging copy gives the real numbers:
 * requests per task = ALB RequestCountPerTarget at the CPU target; ACUs = ServerlessDatabaseCapacity
 * during the hold phase; LCUs = ConsumedLCUs.
 */
import type { ServiceName } from '../config/types';

export interface ServiceThroughput {
  /** Requests this service receives per request the load balancer receives. */
  readonly callsPerStoreRequest: number;
  /** Requests one vCPU of this service sustains per second at the CPU target. */
  readonly requestsPerVcpuPerSecond: number;
}

export const SERVICE_THROUGHPUT: Readonly<Record<ServiceName, ServiceThroughput>> = {
  // Every load balancer request goes to the ui (pages and the assets it serves itself).
  ui: { callsPerStoreRequest: 1, requestsPerVcpuPerSecond: 150 },
  // 25 catalog pages x 2 calls + 10 cart pages x 1 product lookup, per 100 requests.
  catalog: { callsPerStoreRequest: 0.6, requestsPerVcpuPerSecond: 400 },
  // 40 pages x 1 header cart + 10 cart views or changes x 1 more, per 100 requests.
  carts: { callsPerStoreRequest: 0.5, requestsPerVcpuPerSecond: 250 },
  // 5 checkout steps x 1 call, per 100 requests.
  checkout: { callsPerStoreRequest: 0.05, requestsPerVcpuPerSecond: 300 },
  // One order per four checkout steps.
  orders: { callsPerStoreRequest: 0.0125, requestsPerVcpuPerSecond: 100 },
};

export type PlannedDatabase = 'catalog' | 'orders';

export interface DatabaseThroughput {
  /** SQL statements per load balancer request (backend calls x statements per call). */
  readonly statementsPerStoreRequest: number;
  /** Statements per second one ACU sustains. */
  readonly statementsPerAcuPerSecond: number;
}

export const DATABASE_THROUGHPUT: Readonly<Record<PlannedDatabase, DatabaseThroughput>> = {
  // 0.6 catalog calls x 2 SELECTs.
  catalog: { statementsPerStoreRequest: 1.2, statementsPerAcuPerSecond: 500 },
  // 0.0125 orders x 3 INSERTs in one transaction (+ BEGIN/COMMIT): 5 statements.
  orders: { statementsPerStoreRequest: 0.0625, statementsPerAcuPerSecond: 100 },
};

/**
 * Provisioned instances (db.r*, db.x2*), expressed in ACUs per vCPU so that one figure per database
 * serves both: an ACU is about 2 GiB of memory with its share of CPU, and a memory-optimized r-class
 * vCPU comes with 8 GiB, hence 4 ACUs per vCPU (Serverless v2's 256-ACU maximum is likewise about a
 * 64-vCPU, 512-GiB instance). ESTIMATE by that equivalence, not a measurement: CPU, not memory, bounds
 * the statements per second. Measure it: the readers' CPUUtilization during the load test's hold phase.
 */
export const PROVISIONED_ACUS_PER_VCPU = 4;

/**
 * Readers the plan adds on top of those the peak needs: one, so that losing a reader (or a writer
 * failover that promotes one) during the peak still leaves the reads enough capacity. A planning
 * rule, not an AWS figure.
 */
export const SPARE_READERS = 1;

export const LOAD_BALANCER_THROUGHPUT = {
  /** Average response body + headers, KiB (HTML pages ~30 KiB, assets and redirects smaller). */
  averageResponseKiB: 20,
  /** Requests a client sends over one connection (HTTP keep-alive). */
  requestsPerConnection: 10,
  /** Seconds a connection stays open on average. */
  connectionSeconds: 30,
  /** Listener rules evaluated per request beyond the 10 free ones (the listener has one default action). */
  billableRuleEvaluationsPerRequest: 0,
} as const;

/** AWS's LCU dimensions for Application Load Balancers (per LCU). */
export const LCU_DIMENSIONS = {
  newConnectionsPerSecond: 25,
  activeConnections: 3000,
  processedGiBPerHour: 1,
  ruleEvaluationsPerSecond: 1000,
} as const;
