/**
 * Deadlines for the CLI's reads. Two mechanisms on purpose:
 * - every SDK call the CLI makes gets `abortSignal: deadline.signal`, so the socket is closed when
 *   the deadline passes;
 * - every wait is also a race against the deadline, so nothing underneath (an SDK client without
 *   deadlines, a retry loop that ignores the signal) can hold the CLI past it.
 */

export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly expiresAt: number;
  /** Settles when the deadline passes or `cancel` is called. */
  public readonly expired: Promise<void>;

  constructor(public readonly ms: number, parent?: AbortSignal) {
    this.expiresAt = Date.now() + ms;
    this.expired = new Promise<void>((resolve) => this.controller.signal.addEventListener('abort', () => resolve(), { once: true }));
    this.timer = setTimeout(() => this.controller.abort(new DeadlineExceeded(ms)), ms);
    this.timer.unref();
    if (parent !== undefined) {
      if (parent.aborted) this.controller.abort(parent.reason);
      else parent.addEventListener('abort', () => this.controller.abort(parent.reason), { once: true });
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get passed(): boolean {
    return this.controller.signal.aborted;
  }

  remainingMs(): number {
    return Math.max(0, this.expiresAt - Date.now());
  }

  /** Ends the deadline early (work done): aborts what is still in flight and frees the timer. */
  cancel(): void {
    clearTimeout(this.timer);
    if (!this.controller.signal.aborted) this.controller.abort(new Error('finished'));
  }
}

export class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`no answer within ${formatSeconds(ms)}`);
    this.name = 'DeadlineExceeded';
  }
}

export type Settled<T> =
  | { readonly ok: true; readonly value: T; readonly elapsedMs: number }
  | { readonly ok: false; readonly error: unknown; readonly timedOut: boolean; readonly elapsedMs: number };

/**
 * Runs `work` with the deadline's signal and waits for it or the deadline, whichever comes first.
 * Never throws and never waits past the deadline.
 */
export async function settle<T>(deadline: Deadline, work: (signal: AbortSignal) => Promise<T>): Promise<Settled<T>> {
  const started = Date.now();
  if (deadline.passed) {
    return { ok: false, error: new DeadlineExceeded(deadline.ms), timedOut: true, elapsedMs: 0 };
  }
  const timedOut = deadline.expired.then(() => ({ ok: false as const, error: new DeadlineExceeded(deadline.ms), timedOut: true, elapsedMs: Date.now() - started }));
  let attempt: Promise<Settled<T>>;
  try {
    attempt = work(deadline.signal).then(
      (value) => ({ ok: true as const, value, elapsedMs: Date.now() - started }),
      (error: unknown) => ({ ok: false as const, error, timedOut: deadline.passed, elapsedMs: Date.now() - started }),
    );
  } catch (error) {
    return { ok: false, error, timedOut: false, elapsedMs: 0 };
  }
  const result = await Promise.race([attempt, timedOut]);
  if (!result.ok && result.timedOut) {
    return { ...result, error: new DeadlineExceeded(deadline.ms) };
  }
  return result;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}
