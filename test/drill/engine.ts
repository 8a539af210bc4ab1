import type { AutomationDocument, AutomationStep } from '../../lib/runbooks/documents';
import type { InvocationContext } from '../../lib/runbooks/runtime/handlers/environment';
import type { DrillClock } from './clock';
import type { Reply } from './fault';
import { SSM_PROTOCOL } from './fault';
import type { Timeline } from './timeline';

/**
 * A small SSM Automation engine for the drill: it runs the runbooks' REAL document content
 * (the step graph `documents.ts` produces) step by step, invoking the real handlers in
 * process, with SSM's rules that matter here: `{{ }}` substitution (parameters, step
 * `Payload`, `automation:EXECUTION_ID`), aws:branch, aws:approve, onFailure/isCritical/
 * isEnd, maxAttempts and step timeouts. It also enforces each function's Lambda timeout
 * and records a violation when a function outlives it or a step times out before its
 * function could finish. It answers DescribeAutomationExecutions for its Region.
 */

export type Handler = (event: unknown, context: InvocationContext) => Promise<unknown>;

export interface DrillFunction {
  readonly timeoutSeconds: number;
  readonly handler: Handler;
}

export type ExecutionStatus = 'InProgress' | 'Waiting' | 'Success' | 'Failed' | 'TimedOut';

export interface StepRecord {
  readonly name: string;
  readonly action: string;
  status: 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Waiting';
  readonly startedMs: number;
  endedMs?: number;
  realStartedMs: number;
  realEndedMs?: number;
  failureMessage?: string;
}

export interface Execution {
  readonly id: string;
  readonly documentName: string;
  readonly region: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  status: ExecutionStatus;
  readonly startedMs: number;
  readonly realStartedMs: number;
  endedMs?: number;
  realEndedMs?: number;
  readonly steps: StepRecord[];
  readonly payloads: Map<string, string>;
  readonly outputs: Record<string, string[]>;
  failedStep?: string;
  failureMessage?: string;
  readonly notifications: string[];
  readonly violations: string[];
  done: Promise<Execution>;
}

type StepOutcome =
  | { readonly ok: true; readonly payload?: string; readonly next?: string }
  | { readonly ok: false; readonly status: 'Failed' | 'TimedOut'; readonly message: string };

let executionCounter = 0;

export class AutomationEngine {
  public readonly executions: Execution[] = [];
  private readonly approvals = new Map<string, () => void>();

  constructor(
    public readonly region: string,
    private readonly clock: DrillClock,
    private readonly timeline: Timeline,
    private readonly documents: Readonly<Record<string, AutomationDocument>>,
    private readonly functions: Readonly<Record<string, DrillFunction>>,
    private readonly options: { autoApprove: boolean },
  ) {}

  start(documentName: string, parameters: Readonly<Record<string, unknown>>): Execution {
    const document = this.documents[documentName];
    if (document === undefined) throw new Error(`${this.region} has no document ${documentName}`);
    executionCounter += 1;
    const execution: Execution = {
      id: `exec-${String(executionCounter).padStart(4, '0')}-${this.region}`,
      documentName,
      region: this.region,
      parameters: this.resolveParameters(document, parameters),
      status: 'InProgress',
      startedMs: this.clock.nowMs(),
      realStartedMs: Date.now(),
      steps: [],
      payloads: new Map(),
      outputs: {},
      notifications: [],
      violations: [],
      done: Promise.resolve(undefined as unknown as Execution),
    };
    this.executions.push(execution);
    this.log(execution, `started ${documentName} ${JSON.stringify(parameters)}`);
    execution.done = this.run(document, execution);
    return execution;
  }

  approve(executionId: string): void {
    this.approvals.get(executionId)?.();
  }

  /** The Automation API calls this Region's SSM answers itself (others go to moto). */
  api(operation: string, input: Record<string, unknown>): Reply | undefined {
    if (operation !== 'DescribeAutomationExecutions') return undefined;
    const filters = Array.isArray(input.Filters) ? (input.Filters as { Key?: string; Values?: string[] }[]) : [];
    const matches = this.executions.filter((e) =>
      filters.every((f) => {
        const values = f.Values ?? [];
        if (f.Key === 'DocumentNamePrefix') return values.some((v) => e.documentName.startsWith(v));
        if (f.Key === 'ExecutionStatus') return values.includes(e.status);
        return true;
      }),
    );
    return {
      status: 200,
      contentType: SSM_PROTOCOL.contentType,
      body: JSON.stringify({
        AutomationExecutionMetadataList: matches.map((e) => ({
          AutomationExecutionId: e.id,
          DocumentName: e.documentName,
          AutomationExecutionStatus: e.status,
          ExecutionStartTime: e.startedMs / 1000,
        })),
      }),
    };
  }

  private resolveParameters(document: AutomationDocument, given: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const resolved: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(document.parameters)) {
      const value = given[name] ?? spec.default;
      if (value === undefined) throw new Error(`parameter ${name} is required by ${document.description.split('\n')[0]}`);
      if (spec.allowedValues && !spec.allowedValues.includes(String(value))) throw new Error(`parameter ${name}=${String(value)} is not allowed`);
      resolved[name] = spec.type === 'Boolean' ? value === true || value === 'true' : spec.type === 'Integer' ? Number(value) : value;
    }
    return resolved;
  }

  private async run(document: AutomationDocument, execution: Execution): Promise<Execution> {
    const steps = document.mainSteps;
    let index = 0;
    let criticalFailure = false;
    while (index < steps.length) {
      const step = steps[index];
      const record: StepRecord = { name: step.name, action: step.action, status: 'InProgress', startedMs: this.clock.nowMs(), realStartedMs: Date.now() };
      execution.steps.push(record);
      const outcome = await this.runStep(step, execution, record).catch(
        (error: unknown): StepOutcome => ({ ok: false, status: 'Failed', message: `engine: ${String(error)}` }),
      );
      record.endedMs = this.clock.nowMs();
      record.realEndedMs = Date.now();
      const took = `${((record.endedMs - record.startedMs) / 1000).toFixed(1)} s`;
      if (outcome.ok) {
        record.status = 'Success';
        if (outcome.payload !== undefined) execution.payloads.set(step.name, outcome.payload);
        this.log(execution, `${step.name}: Success (${took})`);
        if (step.isEnd) break;
        const next = outcome.next ?? step.nextStep;
        index = next !== undefined ? steps.findIndex((s) => s.name === next) : index + 1;
        if (index < 0) throw new Error(`unknown next step ${next ?? ''}`);
        continue;
      }
      record.status = outcome.status;
      record.failureMessage = outcome.message;
      this.log(execution, `${step.name}: ${outcome.status} (${took}): ${outcome.message}`);
      if (step.isCritical !== false) {
        criticalFailure = true;
        execution.failedStep ??= step.name;
        execution.failureMessage ??= outcome.message;
      }
      const onFailure = step.onFailure ?? 'Abort';
      if (onFailure.startsWith('step:')) {
        index = steps.findIndex((s) => s.name === onFailure.slice('step:'.length));
        continue;
      }
      if (onFailure === 'Continue') {
        index += 1;
        continue;
      }
      break;
    }
    for (const output of document.outputs) {
      const [stepName] = output.split('.');
      const payload = execution.payloads.get(stepName);
      if (payload !== undefined) execution.outputs[output] = [payload];
    }
    execution.status = criticalFailure ? 'Failed' : 'Success';
    execution.endedMs = this.clock.nowMs();
    execution.realEndedMs = Date.now();
    this.log(execution, `ended ${execution.status} after ${((execution.endedMs - execution.startedMs) / 1000).toFixed(1)} s`);
    return execution;
  }

  private async runStep(step: AutomationStep, execution: Execution, record: StepRecord): Promise<StepOutcome> {
    switch (step.action) {
      case 'aws:invokeLambdaFunction':
        return this.invoke(step, execution);
      case 'aws:branch':
        return this.branch(step, execution);
      case 'aws:approve':
        return this.approval(step, execution, record);
      case 'aws:executeAwsApi': {
        const inputs = this.resolve(step.inputs, execution) as Record<string, unknown>;
        execution.notifications.push(`${String(inputs.Subject)}: ${String(inputs.Message)}`);
        return { ok: true };
      }
      default:
        return { ok: false, status: 'Failed', message: `the drill does not run ${step.action}` };
    }
  }

  private async invoke(step: AutomationStep, execution: Execution): Promise<StepOutcome> {
    const name = String(step.inputs.FunctionName);
    const fn = this.functions[name];
    if (fn === undefined) return { ok: false, status: 'Failed', message: `no function ${name}` };
    const attempts = step.maxAttempts ?? 1;
    let last: StepOutcome = { ok: false, status: 'Failed', message: 'not run' };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      last = await this.invokeOnce(step, fn, this.resolve(step.inputs.InputPayload, execution), execution);
      if (last.ok) return last;
    }
    return last;
  }

  private async invokeOnce(step: AutomationStep, fn: DrillFunction, event: unknown, execution: Execution): Promise<StepOutcome> {
    const invokedAt = this.clock.nowMs();
    const context: InvocationContext = { getRemainingTimeInMillis: () => fn.timeoutSeconds * 1000 - (this.clock.nowMs() - invokedAt) };
    const stepTimer = this.clock.after((step.timeoutSeconds ?? 3600) * 1000);
    const lambdaTimer = this.clock.after(fn.timeoutSeconds * 1000);
    type Race = { readonly kind: 'done'; readonly value: unknown } | { readonly kind: 'error'; readonly error: unknown } | { readonly kind: 'lambda-timeout' } | { readonly kind: 'step-timeout' };
    const race = await Promise.race<Race>([
      fn.handler(event, context).then(
        (value) => ({ kind: 'done', value }),
        (error: unknown) => ({ kind: 'error', error }),
      ),
      lambdaTimer.promise.then(() => ({ kind: 'lambda-timeout' })),
      stepTimer.promise.then(() => ({ kind: 'step-timeout' })),
    ]);
    stepTimer.cancel();
    lambdaTimer.cancel();
    switch (race.kind) {
      case 'done':
        return { ok: true, payload: JSON.stringify(race.value) };
      case 'error': {
        const error = race.error instanceof Error ? race.error : new Error(String(race.error));
        return { ok: false, status: 'Failed', message: `${error.name}: ${error.message}` };
      }
      case 'lambda-timeout':
        execution.violations.push(`${step.name}: the function ran into its ${fn.timeoutSeconds} s Lambda timeout`);
        return { ok: false, status: 'Failed', message: `Task timed out after ${fn.timeoutSeconds} seconds` };
      case 'step-timeout':
        execution.violations.push(`${step.name}: the step timed out (${String(step.timeoutSeconds)} s) while its function could still run`);
        return { ok: false, status: 'TimedOut', message: `Step timed out after ${String(step.timeoutSeconds)} seconds` };
    }
  }

  private branch(step: AutomationStep, execution: Execution): StepOutcome {
    const choices = (step.inputs.Choices ?? []) as Record<string, unknown>[];
    for (const choice of choices) {
      const value = this.resolve(choice.Variable, execution);
      const matched =
        ('BooleanEquals' in choice && (value === true || value === 'true') === choice.BooleanEquals) ||
        ('Contains' in choice && String(value).includes(String(choice.Contains))) ||
        ('StringEquals' in choice && String(value) === String(choice.StringEquals));
      if (matched) return { ok: true, next: String(choice.NextStep) };
    }
    const fallback = step.inputs.Default;
    return fallback === undefined ? { ok: false, status: 'Failed', message: 'no choice matched and no Default' } : { ok: true, next: String(fallback) };
  }

  private async approval(step: AutomationStep, execution: Execution, record: StepRecord): Promise<StepOutcome> {
    if (this.options.autoApprove) {
      this.log(execution, `${step.name}: approved`);
      return { ok: true };
    }
    execution.status = 'Waiting';
    record.status = 'Waiting';
    this.log(execution, `${step.name}: waiting for approval`);
    const timeout = this.clock.after((step.timeoutSeconds ?? 3600) * 1000);
    const approved = await Promise.race([
      new Promise<boolean>((resolve) => this.approvals.set(execution.id, () => resolve(true))),
      timeout.promise.then(() => false),
    ]);
    timeout.cancel();
    this.approvals.delete(execution.id);
    execution.status = 'InProgress';
    return approved ? { ok: true } : { ok: false, status: 'TimedOut', message: 'approval timed out' };
  }

  /** SSM `{{ }}` substitution: a whole-string reference keeps the value's type; embedded ones become text. */
  private resolve(value: unknown, execution: Execution): unknown {
    if (typeof value === 'string') {
      const whole = /^\{\{\s*([\w:.]+)\s*\}\}$/.exec(value);
      if (whole) return this.lookup(whole[1], execution);
      return value.replace(/\{\{\s*([\w:.]+)\s*\}\}/g, (_, name: string) => String(this.lookup(name, execution)));
    }
    if (Array.isArray(value)) return value.map((v) => this.resolve(v, execution));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v, execution)]));
    }
    return value;
  }

  private lookup(name: string, execution: Execution): unknown {
    if (name === 'automation:EXECUTION_ID') return execution.id;
    if (name === 'global:REGION') return this.region;
    if (name.endsWith('.Payload')) {
      const payload = execution.payloads.get(name.slice(0, -'.Payload'.length));
      if (payload === undefined) throw new Error(`{{ ${name} }} is not available yet`);
      return payload;
    }
    if (name in execution.parameters) return execution.parameters[name];
    throw new Error(`{{ ${name} }} is not a parameter of ${execution.documentName}`);
  }

  private log(execution: Execution, message: string): void {
    this.timeline.log(`ssm ${this.region}`, `${execution.id.slice(0, 9)} ${message}`);
  }
}
