import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * Deadlines for every AWS call the platform's runtime code (Lambdas, the operator CLI, tasks) makes.
 *
 * Why this exists: in @smithy/node-http-handler 4.x a breached `requestTimeout` only logs a warning
 * unless `throwOnRequestTimeout` is set, and `connectionTimeout` covers the TCP connect alone. A
 * socket that accepts and never answers would otherwise hold a call until the Lambda dies. Every
 * client built here fails such a call within `requestMs` and moves on (to a retry, or to the next
 * endpoint for ARC).
 */
export interface CallDeadlines {
  /** TCP (and TLS) connect. */
  readonly connectMs: number;
  /** One HTTP attempt, from sending the request to the end of the response. */
  readonly requestMs: number;
  /** Attempts per call, including the first (1 = no SDK retry). */
  readonly maxAttempts: number;
}

/** Control-plane reads and writes during an incident: a few seconds per attempt, three attempts. */
export const INCIDENT_DEADLINES: CallDeadlines = { connectMs: 2_000, requestMs: 5_000, maxAttempts: 3 };

/**
 * ARC cluster data-plane endpoints: one attempt each, because the retry belongs on the *next*
 * endpoint (the endpoint rotation), not on the one that just failed.
 */
export const ARC_ENDPOINT_DEADLINES: CallDeadlines = { connectMs: 2_000, requestMs: 4_000, maxAttempts: 1 };

/** A request handler that aborts a silent connection at the connect deadline and a silent response at the request deadline. */
export function deadlineRequestHandler(deadlines: Pick<CallDeadlines, 'connectMs' | 'requestMs'>): NodeHttpHandler {
  return new NodeHttpHandler({
    connectionTimeout: deadlines.connectMs,
    requestTimeout: deadlines.requestMs,
    throwOnRequestTimeout: true,
  });
}

/** The configuration fields every SDK v3 client takes, with the deadlines applied. */
export interface DeadlineClientConfig {
  readonly region: string;
  readonly maxAttempts: number;
  readonly requestHandler: NodeHttpHandler;
  readonly endpoint?: string;
}

/**
 * Client configuration with deadlines; spread it into any `new XxxClient(...)`. `endpoint` is only
 * for fixed endpoints (ARC cluster endpoints, loopback servers in tests); otherwise the SDK resolves it
 * (and honours `AWS_ENDPOINT_URL*`).
 */
export function deadlineClientConfig(region: string, deadlines: CallDeadlines = INCIDENT_DEADLINES, endpoint?: string): DeadlineClientConfig {
  return {
    region,
    maxAttempts: deadlines.maxAttempts,
    requestHandler: deadlineRequestHandler(deadlines),
    ...(endpoint !== undefined ? { endpoint } : {}),
  };
}

/**
 * The longest one call can take with these deadlines, retries and the SDK's backoff included
 * (standard retry strategy: at most 20 s backoff per retry, in practice far less). Waits use it to
 * size their polling so a step never outlives its own timeout.
 */
export function worstCaseCallMs(deadlines: CallDeadlines): number {
  const perAttempt = deadlines.connectMs + deadlines.requestMs;
  const backoffBudgetMs = 2_000 * (deadlines.maxAttempts - 1);
  return perAttempt * deadlines.maxAttempts + backoffBudgetMs;
}
