import type { Execution, StepRecord } from './engine';

/** Assertions and measured durations of one scenario. */

export interface CheckResult {
  readonly ok: boolean;
  readonly label: string;
}

export interface Measure {
  readonly label: string;
  /** On the drill clock: what a real run would take, modelled Aurora times included. */
  readonly clockMs: number;
  /** Real time spent (network deadlines, silent sockets, SDK backoff). */
  readonly realMs: number;
  readonly boundClockMs?: number;
  readonly boundRealMs?: number;
}

export class Checks {
  public readonly results: CheckResult[] = [];
  public readonly measures: Measure[] = [];

  that(ok: boolean, label: string): void {
    this.results.push({ ok, label });
  }

  equal<T>(actual: T, expected: T, label: string): void {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    this.results.push({ ok: a === e, label: a === e ? label : `${label}: expected ${e}, got ${a}` });
  }

  contains(text: string | undefined, fragment: string, label: string): void {
    const ok = text !== undefined && text.includes(fragment);
    this.results.push({ ok, label: ok ? label : `${label}: "${fragment}" not in ${JSON.stringify(text)}` });
  }

  outcome(execution: Execution, status: 'Success' | 'Failed', label = `${execution.documentName} ends ${status}`): void {
    this.equal(execution.status, status, label);
    this.equal(execution.violations, [], `${execution.documentName}: no function outlived its timeout, no step timed out before its function`);
  }

  /** Records a duration and checks it against its upper bound(s). */
  measure(label: string, span: { readonly clockMs: number; readonly realMs: number }, bounds: { readonly clockMs?: number; readonly realMs?: number }): void {
    this.measures.push({ label, clockMs: span.clockMs, realMs: span.realMs, boundClockMs: bounds.clockMs, boundRealMs: bounds.realMs });
    if (bounds.clockMs !== undefined) {
      this.that(span.clockMs <= bounds.clockMs, `${label}: ${seconds(span.clockMs)} <= ${seconds(bounds.clockMs)} (drill clock)`);
    }
    if (bounds.realMs !== undefined) {
      this.that(span.realMs <= bounds.realMs, `${label}: ${seconds(span.realMs)} <= ${seconds(bounds.realMs)} (real time)`);
    }
  }

  get passed(): boolean {
    return this.results.every((r) => r.ok);
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function runSpan(execution: Execution): { readonly clockMs: number; readonly realMs: number } {
  return { clockMs: (execution.endedMs ?? NaN) - execution.startedMs, realMs: (execution.realEndedMs ?? NaN) - execution.realStartedMs };
}

export function stepOf(execution: Execution, name: string): StepRecord | undefined {
  return [...execution.steps].reverse().find((s) => s.name === name);
}

export function stepSpan(execution: Execution, name: string): { readonly clockMs: number; readonly realMs: number } {
  const step = stepOf(execution, name);
  if (step === undefined) return { clockMs: NaN, realMs: NaN };
  return { clockMs: (step.endedMs ?? NaN) - step.startedMs, realMs: (step.realEndedMs ?? NaN) - step.realStartedMs };
}

/** A step's output (the JSON the handler returned), parsed. */
export function payloadOf<T = Record<string, unknown>>(execution: Execution, stepName: string): T | undefined {
  const text = execution.payloads.get(stepName);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}
