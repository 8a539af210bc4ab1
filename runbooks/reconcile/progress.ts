/** Throttled progress lines on stderr (at most one every `intervalMs`). */
import type { ProgressEvent } from '../../lib/reconcile/engine';

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export class ProgressPrinter {
  private readonly started: number;
  private last: number;

  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalMs = 2000,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
    this.last = this.started;
  }

  update(event: ProgressEvent): void {
    const t = this.now();
    if (t - this.last < this.intervalMs) return;
    this.last = t;
    const seconds = Math.max((t - this.started) / 1000, 0.001);
    this.write(
      `reconcile: progress: ${formatCount(event.rowsCompared)} rows compared (${formatCount(event.rowsCompared / seconds)} rows/s), ${formatCount(event.differences)} differences, table ${event.table}`,
    );
  }

  elapsedSeconds(): number {
    return (this.now() - this.started) / 1000;
  }
}
