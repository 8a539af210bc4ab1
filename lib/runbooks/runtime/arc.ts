import {
  GetRoutingControlStateCommand,
  Route53RecoveryClusterClient,
  UpdateRoutingControlStatesCommand,
  UpdateRoutingControlStateEntry,
} from '@aws-sdk/client-route53-recovery-cluster';
import { ARC_ENDPOINT_DEADLINES, CallDeadlines, deadlineClientConfig, worstCaseCallMs } from '../../common/aws-client';
import type { ArcClusterEndpoint } from '../../topology/topology';
import { summarizeError } from './errors';

/**
 * Route 53 ARC routing-control data plane with endpoint rotation.
 *
 * A cluster has five Regional endpoints; any of them can serve reads and writes. We
 * try them in random order (spreading load and avoiding a fixed dependency on one
 * Region), move on after ANY error, and throw with every endpoint's error when all
 * failed — a failed traffic shift must never look like success.
 *
 * Every call to an endpoint has a connect and a request deadline and one attempt
 * (`ARC_ENDPOINT_DEADLINES`): a silent endpoint costs at most a few seconds before the
 * next one is tried. Within one run an `EndpointMemory` puts the endpoint that last
 * answered first and the ones that failed last, so a dead endpoint is paid for once per
 * run, not once per call.
 */

export type ControlState = 'On' | 'Off';

/** Returns a number in [0, 1), like `Math.random`; injected so tests control the order. */
export type RandomSource = () => number;

export type ArcClientFactory = (endpoint: ArcClusterEndpoint) => Route53RecoveryClusterClient;

export interface ArcContext {
  readonly endpoints: readonly ArcClusterEndpoint[];
  readonly clientFor: ArcClientFactory;
  readonly random: RandomSource;
  /** Shared by the calls of one run; without it every call starts from a fresh random order. */
  readonly memory?: EndpointMemory;
}

/** Options of one rotation. */
export interface RotationOptions {
  /**
   * Epoch ms after which no further endpoint is tried (the caller's own deadline, e.g. the
   * Lambda's remaining time). An endpoint is only tried when a whole call fits before it.
   */
  readonly notAfterMs?: number;
  readonly now?: () => number;
  /** Worst case of one call on one endpoint. @default worstCaseCallMs(ARC_ENDPOINT_DEADLINES) */
  readonly perEndpointWorstCaseMs?: number;
}

/**
 * What one run learned about the endpoints: the one that answered last is tried first,
 * endpoints that failed go last (most recent failure last), the rest keep the random order.
 */
export class EndpointMemory {
  private lastGood?: string;
  private readonly failedAt = new Map<string, number>();
  private failures = 0;

  order(shuffled: readonly ArcClusterEndpoint[]): ArcClusterEndpoint[] {
    const rank = (e: ArcClusterEndpoint): number => {
      if (e.endpoint === this.lastGood) return -1;
      return this.failedAt.get(e.endpoint) ?? 0;
    };
    // Array.prototype.sort is stable: equal ranks keep the random order.
    return [...shuffled].sort((a, b) => rank(a) - rank(b));
  }

  succeeded(endpoint: ArcClusterEndpoint): void {
    this.lastGood = endpoint.endpoint;
    this.failedAt.delete(endpoint.endpoint);
  }

  failed(endpoint: ArcClusterEndpoint): void {
    this.failures += 1;
    this.failedAt.set(endpoint.endpoint, this.failures);
    if (this.lastGood === endpoint.endpoint) this.lastGood = undefined;
  }
}

export interface EndpointFailure {
  readonly endpoint: string;
  readonly region: string;
  readonly errorName: string;
  readonly message: string;
}

export interface RotationResult<T> {
  readonly value: T;
  /** The endpoint that answered. */
  readonly endpoint: ArcClusterEndpoint;
  /** Errors from the endpoints tried before it (empty when the first one answered). */
  readonly failures: readonly EndpointFailure[];
  /** The order the endpoints were tried in (URLs), for diagnostics. */
  readonly attemptOrder: readonly string[];
}

export class AllEndpointsFailedError extends Error {
  public readonly failures: readonly EndpointFailure[];
  /** Endpoints not tried because the caller's deadline left no time for them. */
  public readonly skipped: readonly string[];

  constructor(operation: string, failures: readonly EndpointFailure[], skipped: readonly string[] = []) {
    const detail = failures.map((f) => `${f.endpoint} (${f.region}): ${f.errorName}: ${f.message}`).join(' | ');
    const skippedText = skipped.length > 0 ? `; not tried for lack of time before the step's deadline: ${skipped.join(', ')}` : '';
    const summary =
      skipped.length > 0
        ? `${operation} failed on ${failures.length} ARC cluster endpoints`
        : `${operation} failed on all ${failures.length} ARC cluster endpoints`;
    super(`${summary}: ${detail}${skippedText}`);
    this.name = 'ArcAllEndpointsFailed';
    this.failures = failures;
    this.skipped = skipped;
  }
}

/** UpdateRoutingControlStates accepts at most 10 entries per call (API limit). */
export const MAX_ENTRIES_PER_UPDATE = 10;

/** Fisher–Yates shuffle; returns a new array. */
export function shuffle<T>(items: readonly T[], random: RandomSource): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = result[i];
    result[i] = result[j];
    result[j] = swap;
  }
  return result;
}

export async function withEndpointRotation<T>(
  ctx: ArcContext,
  operation: string,
  call: (client: Route53RecoveryClusterClient, endpoint: ArcClusterEndpoint) => Promise<T>,
  options: RotationOptions = {},
): Promise<RotationResult<T>> {
  if (ctx.endpoints.length === 0) {
    throw new AllEndpointsFailedError(operation, []);
  }
  const shuffled = shuffle(ctx.endpoints, ctx.random);
  const order = ctx.memory ? ctx.memory.order(shuffled) : shuffled;
  const now = options.now ?? Date.now;
  const perEndpointMs = options.perEndpointWorstCaseMs ?? worstCaseCallMs(ARC_ENDPOINT_DEADLINES);
  const failures: EndpointFailure[] = [];
  for (const [index, endpoint] of order.entries()) {
    if (options.notAfterMs !== undefined && now() + perEndpointMs > options.notAfterMs) {
      throw new AllEndpointsFailedError(operation, failures, order.slice(index).map((e) => e.endpoint));
    }
    try {
      const value = await call(ctx.clientFor(endpoint), endpoint);
      ctx.memory?.succeeded(endpoint);
      return { value, endpoint, failures, attemptOrder: order.map((e) => e.endpoint) };
    } catch (error) {
      // Any error (throttling, 5xx, timeout, reset, DNS, access denied) -> next endpoint.
      ctx.memory?.failed(endpoint);
      const summary = summarizeError(error);
      failures.push({ endpoint: endpoint.endpoint, region: endpoint.region, errorName: summary.name, message: summary.message });
    }
  }
  throw new AllEndpointsFailedError(operation, failures);
}

function toControlState(value: string | undefined, arn: string): ControlState {
  if (value === 'On' || value === 'Off') return value;
  throw new Error(`Routing control ${arn} returned an unexpected state: ${String(value)}`);
}

/**
 * Reads the state of every control in `controls` (key -> ARN) from ONE endpoint, so the
 * snapshot is consistent; a failure on any control moves the whole read to the next
 * endpoint. The controls are read in parallel, so one endpoint costs one call's deadline.
 */
export async function readRoutingControlStates(
  ctx: ArcContext,
  controls: Readonly<Record<string, string>>,
  options: RotationOptions = {},
): Promise<RotationResult<Record<string, ControlState>>> {
  return withEndpointRotation(
    ctx,
    'GetRoutingControlState',
    async (client) => {
      const entries = await Promise.all(
        Object.entries(controls).map(async ([key, arn]) => {
          const response = await client.send(new GetRoutingControlStateCommand({ RoutingControlArn: arn }));
          return [key, toControlState(response.RoutingControlState, arn)] as const;
        }),
      );
      return Object.fromEntries(entries);
    },
    options,
  );
}

/**
 * Sets all given controls in ONE UpdateRoutingControlStates call (atomic, evaluated
 * against the safety rules as a whole). Never overrides safety rules: break-glass
 * overrides are an operator decision made outside these runbooks.
 */
export async function updateRoutingControlStates(
  ctx: ArcContext,
  desired: readonly { readonly routingControlArn: string; readonly state: ControlState }[],
  options: RotationOptions = {},
): Promise<RotationResult<number>> {
  if (desired.length === 0) {
    throw new Error('updateRoutingControlStates needs at least one entry');
  }
  if (desired.length > MAX_ENTRIES_PER_UPDATE) {
    throw new Error(
      `Cannot update ${desired.length} routing controls atomically: UpdateRoutingControlStates accepts at most ${MAX_ENTRIES_PER_UPDATE}`,
    );
  }
  const entries: UpdateRoutingControlStateEntry[] = desired.map((d) => ({
    RoutingControlArn: d.routingControlArn,
    RoutingControlState: d.state,
  }));
  return withEndpointRotation(
    ctx,
    'UpdateRoutingControlStates',
    async (client) => {
      await client.send(new UpdateRoutingControlStatesCommand({ UpdateRoutingControlStateEntries: entries }));
      return entries.length;
    },
    options,
  );
}

export interface ArcClientOptions {
  /** Whole-request deadline per call. @default ARC_ENDPOINT_DEADLINES.requestMs */
  readonly requestTimeoutMs?: number;
  /** TCP/TLS connect deadline. @default ARC_ENDPOINT_DEADLINES.connectMs */
  readonly connectionTimeoutMs?: number;
}

/** The deadlines a factory built with `options` applies (one attempt: the rotation retries). */
export function arcDeadlines(options: ArcClientOptions = {}): CallDeadlines {
  return {
    connectMs: options.connectionTimeoutMs ?? ARC_ENDPOINT_DEADLINES.connectMs,
    requestMs: options.requestTimeoutMs ?? ARC_ENDPOINT_DEADLINES.requestMs,
    maxAttempts: ARC_ENDPOINT_DEADLINES.maxAttempts,
  };
}

/**
 * One SDK client per cluster endpoint (the endpoint URL and its signing Region are
 * client configuration), cached for the life of the process. One attempt per call with
 * connect and request deadlines that abort: retrying belongs to the rotation, on a
 * different endpoint.
 */
export function createArcClientFactory(options: ArcClientOptions = {}): ArcClientFactory {
  const deadlines = arcDeadlines(options);
  const clients = new Map<string, Route53RecoveryClusterClient>();
  return (endpoint) => {
    const key = `${endpoint.region} ${endpoint.endpoint}`;
    let client = clients.get(key);
    if (client === undefined) {
      client = new Route53RecoveryClusterClient(deadlineClientConfig(endpoint.region, deadlines, endpoint.endpoint));
      clients.set(key, client);
    }
    return client;
  };
}
