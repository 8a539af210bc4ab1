import type { DrillClock } from './clock';

export interface TimelineEvent {
  /** Drill-clock ms since the scenario began (real time plus modelled waits). */
  readonly atMs: number;
  /** Real ms since the scenario began. */
  readonly realMs: number;
  readonly source: string;
  readonly message: string;
}

/** What happened during one scenario, in order, on both clocks. */
export class Timeline {
  private events: TimelineEvent[] = [];
  private startMs = 0;
  private startRealMs = 0;

  constructor(private readonly clock: DrillClock) {}

  begin(): void {
    this.events = [];
    this.startMs = this.clock.nowMs();
    this.startRealMs = Date.now();
  }

  /** `atMs`: when it happened on the drill clock (a modelled transition noticed later), default now. */
  log(source: string, message: string, atMs?: number): void {
    this.events.push({ atMs: (atMs ?? this.clock.nowMs()) - this.startMs, realMs: Date.now() - this.startRealMs, source, message });
  }

  /** Drill-clock ms since `begin`. */
  elapsedMs(): number {
    return this.clock.nowMs() - this.startMs;
  }

  all(): readonly TimelineEvent[] {
    return this.events;
  }

  format(): string[] {
    return [...this.events].sort((a, b) => a.atMs - b.atMs).map((e) => `  ${clockText(e.atMs).padStart(9)}  (real ${(e.realMs / 1000).toFixed(2).padStart(6)} s)  ${e.source.padEnd(22)} ${e.message}`);
  }
}

export function clockText(ms: number): string {
  const total = Math.max(0, ms) / 1000;
  const minutes = Math.floor(total / 60);
  const seconds = total - minutes * 60;
  return `+${minutes}:${seconds.toFixed(1).padStart(4, '0')}`;
}
