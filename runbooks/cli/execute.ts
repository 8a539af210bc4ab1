import { randomUUID } from 'node:crypto';
import {
  AutomationExecution,
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  SendAutomationSignalCommand,
  StartAutomationExecutionCommand,
  StepExecution,
} from '@aws-sdk/client-ssm';
import type { PlatformTopology } from '../../lib/topology/topology';
import { INVOCATION } from './args';
import { Deadline, settle } from './deadline';
import type { CliDeps } from './deps';
import { failureOf, RegionFailure, unavailable } from './discovery';
import { CliError, CREDENTIALS_HINT, describeError, EXIT, ExitCode, isCredentialsError, isUnreachableError } from './errors';
import { Output, utcTime } from './output';
import { DatabaseView, LagReading, readDatabases, readLag } from './reads';

/**
 * Starting an Automation document, following it (steps, and per database its writer, status and
 * lag at each poll), re-attaching to it, and sending it approval signals.
 */

const SUCCESS_STATUSES = new Set(['Success', 'CompletedWithSuccess']);
const FAILURE_STATUSES = new Set(['Failed', 'TimedOut', 'Cancelled', 'Rejected', 'CompletedWithFailure', 'Exited', 'ChangeCalendarOverrideRejected']);
const FAILED_STEP_STATUSES = new Set(['Failed', 'TimedOut', 'Cancelled', 'Rejected']);
const WAITING_STATUSES = new Set(['Waiting', 'PendingApproval']);

/** One poll (execution, steps, databases) gives up after this long and tries again next poll. */
const POLL_DEADLINE_MS = 20_000;
/** A lag read gets less: it is the least important part of a poll. */
const LAG_DEADLINE_MS = 5_000;
/** A Region whose CloudWatch did not answer is not asked again for this long. */
const LAG_QUIET_MS = 60_000;
/** Consecutive unreadable polls before the CLI stops following. */
const MAX_CONSECUTIVE_POLL_FAILURES = 5;
/** Upper bound for following one execution; the runbook keeps running after it. */
export const MAX_FOLLOW_MS = 3 * 60 * 60 * 1000;

export function isExecutionFinished(status: string | undefined): boolean {
  return status !== undefined && (SUCCESS_STATUSES.has(status) || FAILURE_STATUSES.has(status));
}

function startFailure(error: unknown, region: string, documentName: string, timeoutSeconds: number): CliError {
  const message = describeError(error);
  if (isCredentialsError(error)) return new CliError(EXIT.NO_CREDENTIALS, `${CREDENTIALS_HINT} (${message})`);
  if (error instanceof Error && error.name === 'InvalidAutomationExecutionParametersException') {
    const approvers = /Approvers/.test(error.message)
      ? ' This runbook was deployed with an approval step and no default approvers: pass --approvers <user-or-role-arn,...>, or set runbooks.approvers in the configuration and deploy.'
      : '';
    return new CliError(EXIT.BAD_INPUT, `${documentName} in ${region} refused the parameters: ${error.message}.${approvers} Nothing was started.`);
  }
  if (error instanceof Error && error.name === 'AutomationDefinitionNotFoundException') {
    return new CliError(EXIT.BAD_INPUT, `${documentName} does not exist in ${region}: is the platform deployed there (check --app)? Nothing was started.`);
  }
  if (isUnreachableError(error) || (error instanceof Error && error.name === 'DeadlineExceeded')) {
    return new CliError(
      EXIT.NOTHING_REACHABLE,
      `SSM in ${region} did not answer StartAutomationExecution within ${timeoutSeconds} s (${message}). It most likely did not start; ` +
        `check with "${INVOCATION} status" and the ${region} console before starting again (a retry with the same run is safe).`,
    );
  }
  return new CliError(EXIT.FAILED, `StartAutomationExecution of ${documentName} in ${region} failed: ${message}`);
}

/** Starts a document; the client token makes the SDK's own retries idempotent. Returns the execution id. */
export async function startExecution(
  deps: CliDeps,
  run: { readonly region: string; readonly documentName: string; readonly parameters: Record<string, string[]>; readonly timeoutSeconds: number },
): Promise<string> {
  const deadline = new Deadline(run.timeoutSeconds * 1000);
  try {
    const result = await settle(deadline, (signal) =>
      deps
        .ssm(run.region)
        .send(new StartAutomationExecutionCommand({ DocumentName: run.documentName, Parameters: run.parameters, ClientToken: randomUUID() }), { abortSignal: signal }),
    );
    if (!result.ok) throw startFailure(result.error, run.region, run.documentName, run.timeoutSeconds);
    const executionId = result.value.AutomationExecutionId;
    if (executionId === undefined) throw new CliError(EXIT.FAILED, `StartAutomationExecution returned no execution id for ${run.documentName}`);
    return executionId;
  } finally {
    deadline.cancel();
  }
}

export interface FollowRequest {
  readonly region: string;
  readonly executionId: string;
  /** Print each database's writer, status and lag at each poll (failover/switchover/failback). */
  readonly databasesOf?: PlatformTopology;
  readonly pollMs: number;
  readonly maxFollowMs: number;
}

export interface FollowOutcome {
  readonly exitCode: ExitCode;
  readonly executionId: string;
  readonly region: string;
  readonly documentName?: string;
  readonly status: string;
  readonly failedStep?: string;
  readonly failureReason?: string;
  /** Document outputs, JSON values parsed. */
  readonly outputs: Readonly<Record<string, readonly unknown[]>>;
  /** The last database view printed, when databases were followed. */
  readonly databases?: readonly DatabaseView[];
  readonly lastSeenAt: string;
}

async function listSteps(deps: CliDeps, region: string, executionId: string, signal: AbortSignal): Promise<StepExecution[]> {
  const steps: StepExecution[] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps
      .ssm(region)
      .send(new DescribeAutomationStepExecutionsCommand({ AutomationExecutionId: executionId, NextToken: nextToken }), { abortSignal: signal });
    steps.push(...(page.StepExecutions ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return steps;
}

export async function getExecution(deps: CliDeps, region: string, executionId: string, signal: AbortSignal): Promise<AutomationExecution> {
  const response = await deps.ssm(region).send(new GetAutomationExecutionCommand({ AutomationExecutionId: executionId }), { abortSignal: signal });
  if (response.AutomationExecution === undefined) throw new Error(`no execution ${executionId} in ${region}`);
  return response.AutomationExecution;
}

function failureOfRun(steps: readonly StepExecution[], execution: AutomationExecution): { step?: string; reason: string } {
  const failed = [...steps].reverse().find((s) => s.StepStatus !== undefined && FAILED_STEP_STATUSES.has(s.StepStatus));
  if (failed) {
    const details = failed.FailureDetails?.Details ? ` ${JSON.stringify(failed.FailureDetails.Details)}` : '';
    return { step: failed.StepName, reason: `${failed.FailureMessage ?? failed.FailureDetails?.FailureType ?? failed.StepStatus ?? 'failed'}${details}` };
  }
  return { reason: execution.FailureMessage ?? `execution ended ${execution.AutomationExecutionStatus ?? 'unknown'}` };
}

export function parseOutputs(outputs: Record<string, string[]> | undefined): Record<string, unknown[]> {
  const parsed: Record<string, unknown[]> = {};
  for (const [name, values] of Object.entries(outputs ?? {})) {
    parsed[name] = values.map((value) => {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    });
  }
  return parsed;
}

/** Lag reads during a run: a Region that did not answer is left alone for a minute. */
class LagTracker {
  private readonly quietUntil = new Map<string, { until: number; said: string }>();

  constructor(private readonly deps: CliDeps) {}

  async read(topology: PlatformTopology, view: DatabaseView, region: string, parent: AbortSignal): Promise<LagReading> {
    const db = topology.databases.find((d) => d.name === view.name);
    if (db === undefined) return { kind: 'unavailable', reason: 'not in the topology' };
    const now = this.deps.now();
    const quiet = this.quietUntil.get(region);
    if (quiet !== undefined && now.getTime() < quiet.until) return { kind: 'unavailable', reason: quiet.said };
    const deadline = new Deadline(LAG_DEADLINE_MS, parent);
    try {
      const result = await settle(deadline, (signal) => readLag(this.deps, db, region, now, signal));
      if (result.ok) return result.value;
      const said = `${region} did not answer at ${utcTime(now)} (${describeError(result.error)})`;
      this.quietUntil.set(region, { until: now.getTime() + LAG_QUIET_MS, said });
      return { kind: 'unavailable', reason: said };
    } finally {
      deadline.cancel();
    }
  }
}

function lagText(lag: LagReading): string {
  return lag.kind === 'value' ? `lag ${Math.round(lag.milliseconds)} ms` : 'lag n/a';
}

async function databaseLines(deps: CliDeps, lag: LagTracker, topology: PlatformTopology, region: string, signal: AbortSignal): Promise<{ views: DatabaseView[]; lines: string[] }> {
  const views = await readDatabases(deps, region, topology, signal);
  const lines = await Promise.all(
    views.map(async (view) => {
      const operation = view.operation ? `, ${view.operation.status} ${view.operation.fromRegion ?? '?'}->${view.operation.toRegion ?? '?'}` : '';
      const secondaries = await Promise.all(
        view.members
          .filter((m) => !m.isWriter)
          .map(async (m) => `${m.region} ${m.synchronizationStatus ?? 'unknown'}, ${lagText(await lag.read(topology, view, m.region, signal))}`),
      );
      return `${view.name}: writer ${view.writerRegion ?? 'none'}, ${view.status}${operation}${secondaries.length > 0 ? `; ${secondaries.join('; ')}` : ''}`;
    }),
  );
  return { views, lines };
}

/**
 * Follows an execution to its end: every step status change, and (for the failover runbooks) each
 * database's writer, status and lag at each poll, every line with its UTC time. Returns the
 * outcome; never throws for a poll that fails (it says so and tries again).
 */
export async function followExecution(deps: CliDeps, output: Output, request: FollowRequest): Promise<FollowOutcome> {
  const { region, executionId } = request;
  const seen = new Map<string, string>();
  const startedAt = deps.now().getTime();
  const lag = new LagTracker(deps);
  let approvalHintShown = false;
  let consecutiveFailures = 0;
  let lastError = '';
  let documentName: string | undefined;
  let lastStatus = 'Unknown';
  let databases: DatabaseView[] | undefined;
  let lastDatabaseLines: string[] = [];

  for (;;) {
    const poll = new Deadline(POLL_DEADLINE_MS);
    let execution: AutomationExecution | undefined;
    let steps: StepExecution[] = [];
    try {
      const [executionRead, stepsRead, databasesRead] = await Promise.all([
        settle(poll, (signal) => getExecution(deps, region, executionId, signal)),
        settle(poll, (signal) => listSteps(deps, region, executionId, signal)),
        request.databasesOf !== undefined ? settle(poll, (signal) => databaseLines(deps, lag, request.databasesOf as PlatformTopology, region, signal)) : undefined,
      ]);
      const stamp = `[${utcTime(deps.now())}]`;
      if (executionRead.ok && stepsRead.ok) {
        execution = executionRead.value;
        steps = stepsRead.value;
        consecutiveFailures = 0;
      } else {
        const failed = !executionRead.ok ? executionRead : (stepsRead as typeof stepsRead & { ok: false });
        if (isCredentialsError(failed.error)) throw new CliError(EXIT.NO_CREDENTIALS, `${CREDENTIALS_HINT} (${describeError(failed.error)})`);
        consecutiveFailures += 1;
        lastError = describeError(failed.error);
        output.warn(`${stamp} could not read execution progress in ${region} (${consecutiveFailures}/${MAX_CONSECUTIVE_POLL_FAILURES}): ${lastError}`);
      }
      if (databasesRead !== undefined) {
        if (databasesRead.ok) {
          databases = databasesRead.value.views;
          lastDatabaseLines = databasesRead.value.lines;
          for (const line of lastDatabaseLines) output.progress(`${stamp} ${line}`);
        } else {
          output.progress(`${stamp} databases: not read from ${region}: ${describeError(databasesRead.error)}`);
        }
      }
    } finally {
      poll.cancel();
    }

    steps.forEach((step, index) => {
      const key = step.StepExecutionId ?? `${step.StepName ?? 'step'}#${index}`;
      const status = step.StepStatus ?? 'Pending';
      if (seen.get(key) !== status) {
        seen.set(key, status);
        const reason = step.FailureMessage && FAILED_STEP_STATUSES.has(status) ? `: ${step.FailureMessage}` : '';
        output.progress(`[${utcTime(deps.now())}] step ${(step.StepName ?? '?').padEnd(34)} ${status}${reason}`);
      }
    });

    if (execution !== undefined) {
      documentName = execution.DocumentName ?? documentName;
      lastStatus = execution.AutomationExecutionStatus ?? lastStatus;
      const base = { executionId, region, documentName, status: lastStatus, outputs: parseOutputs(execution.Outputs), databases, lastSeenAt: deps.now().toISOString() };
      if (WAITING_STATUSES.has(lastStatus) && !approvalHintShown) {
        approvalHintShown = true;
        output.progress(
          `[${utcTime(deps.now())}] WAITING FOR APPROVAL. An approver runs: ${INVOCATION} approve ${executionId}   (or: ${INVOCATION} reject ${executionId})`,
        );
      }
      if (SUCCESS_STATUSES.has(lastStatus)) return { ...base, exitCode: EXIT.OK };
      if (FAILURE_STATUSES.has(lastStatus)) {
        const failure = failureOfRun(steps, execution);
        return { ...base, exitCode: EXIT.FAILED, failedStep: failure.step, failureReason: failure.reason };
      }
    }

    const outcome = { executionId, region, documentName, status: lastStatus, outputs: {}, databases, lastSeenAt: deps.now().toISOString() };
    if (consecutiveFailures >= MAX_CONSECUTIVE_POLL_FAILURES) {
      return { ...outcome, exitCode: EXIT.STOPPED_FOLLOWING, failureReason: `lost track of the execution: ${lastError}` };
    }
    if (deps.now().getTime() - startedAt >= request.maxFollowMs) {
      return { ...outcome, exitCode: EXIT.STOPPED_FOLLOWING, failureReason: `stopped following after ${Math.round(request.maxFollowMs / 60_000)} minutes; last status ${lastStatus}` };
    }
    await deps.sleep(request.pollMs);
  }
}

/** Human lines for a finished (or abandoned) follow. */
export function outcomeLines(outcome: FollowOutcome): string[] {
  const lines: string[] = [];
  if (outcome.exitCode === EXIT.OK) {
    lines.push(`Execution ${outcome.executionId} (${outcome.documentName ?? '?'}, ${outcome.region}) ended ${outcome.status}.`);
    for (const [name, values] of Object.entries(outcome.outputs)) {
      lines.push(`${name}:`);
      for (const value of values) lines.push(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
    }
  } else if (outcome.exitCode === EXIT.STOPPED_FOLLOWING) {
    lines.push(`Stopped following ${outcome.executionId} in ${outcome.region} (${outcome.failureReason ?? 'unknown'}); it may still be running.`);
    lines.push(`Re-attach: ${INVOCATION} follow ${outcome.executionId}`);
  } else {
    lines.push(
      `Execution ${outcome.executionId} (${outcome.documentName ?? '?'}, ${outcome.region}) ended ${outcome.status}${outcome.failedStep ? ` at step ${outcome.failedStep}` : ''}: ${outcome.failureReason ?? 'no reason given'}`,
    );
  }
  return lines;
}

export interface LocatedExecution {
  readonly region: string;
  readonly execution: AutomationExecution;
}

/** Finds the Region an execution runs in by asking every Region at once (ids are per Region). */
export async function locateExecution(deps: CliDeps, executionId: string, regions: readonly string[], timeoutSeconds: number): Promise<LocatedExecution> {
  const deadline = new Deadline(timeoutSeconds * 1000);
  try {
    const results = await Promise.all(regions.map(async (region) => ({ region, result: await settle(deadline, (signal) => getExecution(deps, region, executionId, signal)) })));
    const found = results.find((r) => r.result.ok);
    if (found !== undefined && found.result.ok) return { region: found.region, execution: found.result.value };
    const failures: RegionFailure[] = results.flatMap(({ region, result }) => (result.ok ? [] : [failureOf(region, result, 'SSM GetAutomationExecution')]));
    const notFound = failures.filter((f) => /AutomationExecutionNotFound/.test(f.error));
    if (notFound.length === failures.length) {
      throw new CliError(EXIT.BAD_INPUT, `no execution ${executionId} in ${regions.join(', ')} (add --regions if it runs elsewhere)`);
    }
    const rest = failures.filter((f) => !notFound.includes(f));
    const error = unavailable(`execution ${executionId} not found in ${notFound.map((f) => f.region).join(', ') || 'any Region that answered'}`, rest);
    throw error.exitCode === EXIT.NOTHING_REACHABLE && notFound.length > 0 ? new CliError(EXIT.INCOMPLETE, error.message) : error;
  } finally {
    deadline.cancel();
  }
}

/** Sends Approve or Reject to an execution waiting at an aws:approve step. */
export async function sendApprovalSignal(
  deps: CliDeps,
  target: LocatedExecution,
  signal: 'Approve' | 'Reject',
  comment: string | undefined,
  timeoutSeconds: number,
): Promise<void> {
  const status = target.execution.AutomationExecutionStatus ?? 'Unknown';
  const executionId = target.execution.AutomationExecutionId ?? '?';
  if (status !== 'Waiting') {
    throw new CliError(EXIT.BAD_INPUT, `execution ${executionId} (${target.execution.DocumentName ?? '?'}) in ${target.region} is ${status}, not waiting for approval; nothing was sent`);
  }
  const deadline = new Deadline(timeoutSeconds * 1000);
  try {
    const result = await settle(deadline, (abortSignal) =>
      deps.ssm(target.region).send(
        new SendAutomationSignalCommand({ AutomationExecutionId: executionId, SignalType: signal, ...(comment !== undefined ? { Payload: { Comment: [comment] } } : {}) }),
        { abortSignal },
      ),
    );
    if (!result.ok) {
      if (isCredentialsError(result.error)) throw new CliError(EXIT.NO_CREDENTIALS, `${CREDENTIALS_HINT} (${describeError(result.error)})`);
      const unreachable = result.timedOut || isUnreachableError(result.error);
      throw new CliError(
        unreachable ? EXIT.NOTHING_REACHABLE : EXIT.BAD_INPUT,
        `${signal} was not accepted for ${executionId} in ${target.region}: ${describeError(result.error)}` +
          (unreachable ? '' : ' (only the approvers named at start may approve or reject; they need ssm:SendAutomationSignal)'),
      );
    }
  } finally {
    deadline.cancel();
  }
}
