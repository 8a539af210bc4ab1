import {
  GetRoutingControlStateCommand,
  Route53RecoveryClusterClient,
  UpdateRoutingControlStatesCommand,
  UpdateRoutingControlStateEntry,
} from '@aws-sdk/client-route53-recovery-cluster';
import type { ArcClusterEndpoint } from '../../topology/topology';
import { summarizeError } from './errors';

/**
 * Route 53 ARC routing-control data plane with endpoint rotation.
 *
 * A cluster has five Regional endpoints; any of them can serve reads and writes. We
 * try them in random order (spreading load and avoiding a fixed dependency on one
 * Region), move on after ANY error, and throw with every endpoint's error when all
 * failed — a failed traffic shift must never look like success.
 */

export type ControlState = 'On' | 'Off';

/** Returns a number in [0, 1), like `Math.random`; injected so tests control the order. */
export type RandomSource = () => number;

export type ArcClientFactory = (endpoint: ArcClusterEndpoint) => Route53RecoveryClusterClient;

export interface ArcContext {
  readonly endpoints: readonly ArcClusterEndpoint[];
  readonly clientFor: ArcClientFactory;
  readonly random: RandomSource;
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

  constructor(operation: string, failures: readonly EndpointFailure[]) {
    const detail = failures.map((f) => `${f.endpoint} (${f.region}): ${f.errorName}: ${f.message}`).join(' | ');
    super(`${operation} failed on all ${failures.length} ARC cluster endpoints: ${detail}`);
    this.name = 'ArcAllEndpointsFailed';
    this.failures = failures;
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
): Promise<RotationResult<T>> {
  if (ctx.endpoints.length === 0) {
    throw new AllEndpointsFailedError(operation, []);
  }
  const order = shuffle(ctx.endpoints, ctx.random);
  const failures: EndpointFailure[] = [];
  for (const endpoint of order) {
    try {
      const value = await call(ctx.clientFor(endpoint), endpoint);
      return { value, endpoint, failures, attemptOrder: order.map((e) => e.endpoint) };
    } catch (error) {
      // Any error (throttling, 5xx, timeout, DNS, access denied) -> next endpoint.
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
 * endpoint.
 */
export async function readRoutingControlStates(
  ctx: ArcContext,
  controls: Readonly<Record<string, string>>,
): Promise<RotationResult<Record<string, ControlState>>> {
  return withEndpointRotation(ctx, 'GetRoutingControlState', async (client) => {
    const states: Record<string, ControlState> = {};
    for (const [key, arn] of Object.entries(controls)) {
      const response = await client.send(new GetRoutingControlStateCommand({ RoutingControlArn: arn }));
      states[key] = toControlState(response.RoutingControlState, arn);
    }
    return states;
  });
}

/**
 * Sets all given controls in ONE UpdateRoutingControlStates call (atomic, evaluated
 * against the safety rules as a whole). Never overrides safety rules: break-glass
 * overrides are an operator decision made outside these runbooks.
 */
export async function updateRoutingControlStates(
  ctx: ArcContext,
  desired: readonly { readonly routingControlArn: string; readonly state: ControlState }[],
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
  return withEndpointRotation(ctx, 'UpdateRoutingControlStates', async (client) => {
    await client.send(new UpdateRoutingControlStatesCommand({ UpdateRoutingControlStateEntries: entries }));
    return entries.length;
  });
}

export interface ArcClientOptions {
  /** Per-request socket timeout; short so a dead endpoint costs seconds, not minutes. */
  readonly requestTimeoutMs?: number;
  readonly connectionTimeoutMs?: number;
}

/**
 * One SDK client per cluster endpoint (the endpoint URL and its signing Region are
 * client configuration), cached for the life of the process. SDK retries are off:
 * retrying belongs to the rotation, on a different endpoint.
 */
export function createArcClientFactory(options: ArcClientOptions = {}): ArcClientFactory {
  const clients = new Map<string, Route53RecoveryClusterClient>();
  return (endpoint) => {
    const key = `${endpoint.region} ${endpoint.endpoint}`;
    let client = clients.get(key);
    if (client === undefined) {
      client = new Route53RecoveryClusterClient({
        region: endpoint.region,
        endpoint: endpoint.endpoint,
        maxAttempts: 1,
        requestHandler: {
          connectionTimeout: options.connectionTimeoutMs ?? 2000,
          requestTimeout: options.requestTimeoutMs ?? 5000,
        },
      });
      clients.set(key, client);
    }
    return client;
  };
}
