import { isTransientError } from './errors';

/**
 * Retries a call through transient errors (throttling, 5xx, timeouts, resets) until a
 * deadline, for steps that must not fail half-way on a blip: a retry is only started
 * when a whole call still fits before `notAfterMs`. Other errors are thrown at once.
 */
export interface RetryPolicy {
  readonly notAfterMs: number;
  readonly pauseMs: number;
  /** The longest one call can take, retries of the SDK included. */
  readonly callWorstCaseMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export async function retryTransient<T>(policy: RetryPolicy | undefined, call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (
        policy === undefined ||
        !isTransientError(error) ||
        policy.now() + policy.pauseMs + policy.callWorstCaseMs > policy.notAfterMs
      ) {
        throw error;
      }
      await policy.sleep(policy.pauseMs);
    }
  }
}
