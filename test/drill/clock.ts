/**
 * The drill's clock: real time plus the time skipped by sleeps. Network calls take real
 * time (deadlines, silent sockets, SDK backoff are real); modelled waits (a 15 s poll pause,
 * an Aurora failover of a minute) are jumped over, so a drill of a 20-minute deadline runs
 * in seconds while every duration it reports is what a real run would take.
 */
export class DrillClock {
  private skippedMs = 0;
  private timers: { readonly due: number; readonly fire: () => void }[] = [];
  private ticker?: NodeJS.Timeout;

  nowMs(): number {
    return Date.now() + this.skippedMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** A modelled pause: the clock jumps forward, then control returns after one turn of the event loop. */
  async sleep(ms: number): Promise<void> {
    this.skippedMs += Math.max(0, ms);
    this.fireDue();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Resolves when this clock reaches now + ms, by real passage or by jumps. */
  after(ms: number): { readonly promise: Promise<void>; readonly cancel: () => void } {
    let timer: { readonly due: number; readonly fire: () => void } | undefined;
    const promise = new Promise<void>((resolve) => {
      timer = { due: this.nowMs() + ms, fire: resolve };
      this.timers.push(timer);
    });
    this.ensureTicker();
    return {
      promise,
      cancel: () => {
        this.timers = this.timers.filter((t) => t !== timer);
      },
    };
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private ensureTicker(): void {
    if (this.ticker === undefined) {
      this.ticker = setInterval(() => this.fireDue(), 5);
      this.ticker.unref();
    }
  }

  private fireDue(): void {
    const now = this.nowMs();
    const due = this.timers.filter((t) => t.due <= now);
    if (due.length === 0) return;
    this.timers = this.timers.filter((t) => t.due > now);
    for (const t of due) t.fire();
  }
}
