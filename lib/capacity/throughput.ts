/**
 * THE REVIEWED FILE: every figure the capacity plan assumes, and how it was obtained.
 * Change a figure only with a measurement (see "How to replace these figures" in docs/peak-events.md)
 * and say in the commit where it came from.
 *
 * Status (2026-12-02): ESTIMATES, not measurements. No account was available to run the load test
 * against the real images. How each figure was obtained, and how to measure it instead:
 *
 *  - `callsPerStoreRequest` (fan-out): COUNTED in the UI's sources at tag v1.6.2 (the images this
 *    app deploys; github.com/aws-containers/retail-store-sample-app, src/ui/src/main/java/com/amazon/
 *    sample/ui/web/*Controller.java, web/util/CommonAttributesControllerAdvice.java and
 *    services/{carts,checkout,recommendations}/Kiota*Service.java), then weighted with an ASSUMED mix.
 *    What the sources show: every page of the four page controllers (home, catalog, cart, checkout)
 *    renders the header cart, which is one carts call plus one catalog call per line in the cart
 *    (KiotaCartsService.createCart looks each product up); /home asks catalog for products; /catalog
 *    for tags and products; /catalog/{id} for the product and, with no recommendations endpoint
 *    configured (this app sets none), one product list for the recommendations; POST /cart looks the
 *    product up in catalog and posts to carts; GET /cart reads the cart (carts + a catalog call per
 *    line); a checkout step reads and updates the checkout (about two checkout calls); GET /checkout
 *    also reads the cart, and the last step deletes it (carts + catalog per line) and places one order.
 *    ASSUMED: per 100 load balancer requests, 60 static assets served by the ui itself (no backend
 *    call), 25 catalog pages (2 catalog calls each, the upper bound), 10 cart views or changes,
 *    5 checkout steps (one order per 4); ONE line in an average cart.
 *    Measure: per-service request counts (each target group's RequestCount, or the services' own
 *    http metrics) divided by the load balancer's RequestCount during the load test's hold phase.
 *  - `requestsPerVcpuPerSecond`: ASSUMED rates one vCPU sustains at the 60% CPU target, by runtime
 *    (ui and carts: Spring Boot JVM; catalog: Go; checkout: Node.js; orders: JVM writing PostgreSQL
 *    and publishing to RabbitMQ). They are deliberately conservative and not derived from anything.
 *    Measure: ALB RequestCountPerTarget per second, divided by the task's vCPUs, while the service's
 *    CPUUtilization holds at its 60% target during the hold phase.
 *  - database figures: ASSUMED statements per backend call (2: a product list is a count and a page)
 *    and statements one Aurora capacity unit (ACU: ~2 GiB and the matching CPU) sustains; provisioned
 *    classes by the ACU-per-vCPU equivalence below. Measure: ServerlessDatabaseCapacity (Serverless
 *    v2) or the readers' CPUUtilization (provisioned) at the hold phase's rate.
 *  - load balancer figures: ASSUMED average response size and keep-alive reuse; the LCU dimensions
 *    themselves are AWS's published ones (25 new connections/s, 3,000 active connections, 1 GB/h
 *    processed, 1,000 rule evaluations/s per LCU). Measure: ConsumedLCUs and ProcessedBytes.
 *
 * `npm run load -- --target <url> --profile peak` against a staging copy gives the real numbers.
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
  // Per 100 requests: 25 catalog pages x 2 calls + 40 header carts x 1 line + 10 cart views or
  // changes x 1 lookup + 2.5 checkout cart reads or deletes (1 in 4 steps each) x 1 line = 102.5.
  catalog: { callsPerStoreRequest: 1.025, requestsPerVcpuPerSecond: 400 },
  // Per 100 requests: 40 header carts + 10 cart views or changes + 2.5 checkout cart reads or deletes = 52.5.
  carts: { callsPerStoreRequest: 0.525, requestsPerVcpuPerSecond: 250 },
  // Per 100 requests: 5 checkout steps x 2 calls (read and update).
  checkout: { callsPerStoreRequest: 0.1, requestsPerVcpuPerSecond: 300 },
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
  // 1.025 catalog calls x 2 statements.
  catalog: { statementsPerStoreRequest: 2.05, statementsPerAcuPerSecond: 500 },
  // 0.0125 orders x an ASSUMED 5 statements (3 INSERTs in one transaction + BEGIN/COMMIT).
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
