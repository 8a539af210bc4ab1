import {
  AutomationExecution,
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  StartAutomationExecutionCommand,
  StepExecution,
} from '@aws-sdk/client-ssm';
import { summarizeError } from '../../lib/runbooks/runtime/errors';
import type { CliDeps } from './deps';
import { CliError, EXIT, ExitCode } from './errors';

/**
 * Starts an Automation document and follows it to the end, printing each step's
 * status changes. Success -> exit 0 and the report; anything else -> exit 1 with the
 * failing step and its reason.
 */

const SUCCESS_STATUSES = new Set(['Success', 'CompletedWithSuccess']);
const TERMINAL_FAILURE_STATUSES = new Set([
  'Failed',
  'TimedOut',
  'Cancelled',
  'Rejected',
  'CompletedWithFailure',
  'Exited',
  'ChangeCalendarOverrideRejected',
]);
const FAILED_STEP_STATUSES = new Set(['Failed', 'TimedOut', 'Cancelled', 'Rejected']);

export interface RunbookExecution {
  readonly region: string;
  readonly documentName: string;
  readonly parameters: Record<string, string[]>;
  readonly pollMs: number;
  /** Stop following (exit 1, execution keeps running) after this long. */
  readonly maxFollowMs: number;
}

export interface ExecutionOutcome {
  readonly exitCode: ExitCode;
  readonly executionId: string;
  readonly status: string;
  readonly failedStep?: string;
  readonly failureReason?: string;
  readonly outputs?: Record<string, string[]>;
}

function time(deps: CliDeps): string {
  return deps.now().toISOString().slice(11, 19);
}

async function listSteps(deps: CliDeps, region: string, executionId: string): Promise<StepExecution[]> {
  const steps: StepExecution[] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps
      .ssm(region)
      .send(new DescribeAutomationStepExecutionsCommand({ AutomationExecutionId: executionId, NextToken: nextToken }));
    steps.push(...(page.StepExecutions ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return steps;
}

function failureOf(steps: readonly StepExecution[], execution: AutomationExecution): { step?: string; reason: string } {
  const failed = [...steps].reverse().find((s) => s.StepStatus !== undefined && FAILED_STEP_STATUSES.has(s.StepStatus));
  if (failed) {
    const details = failed.FailureDetails?.Details ? ` ${JSON.stringify(failed.FailureDetails.Details)}` : '';
    return {
      step: failed.StepName,
      reason: `${failed.FailureMessage ?? failed.FailureDetails?.FailureType ?? failed.StepStatus ?? 'failed'}${details}`,
    };
  }
  return { reason: execution.FailureMessage ?? `execution ended ${execution.AutomationExecutionStatus ?? 'unknown'}` };
}

export async function startAndFollow(deps: CliDeps, run: RunbookExecution): Promise<ExecutionOutcome> {
  const ssm = deps.ssm(run.region);
  const started = await ssm.send(
    new StartAutomationExecutionCommand({ DocumentName: run.documentName, Parameters: run.parameters }),
  );
  const executionId = started.AutomationExecutionId;
  if (executionId === undefined) {
    throw new CliError(EXIT.FAILED, `StartAutomationExecution returned no execution id for ${run.documentName}`);
  }
  deps.out(`Started ${run.documentName} in ${run.region}: execution ${executionId}`);
  deps.out(`Console: https://${run.region}.console.aws.amazon.com/systems-manager/automation/execution/${executionId}?region=${run.region}`);

  const seen = new Map<string, string>();
  const startedAt = deps.now().getTime();
  let approvalHintShown = false;
  let consecutiveErrors = 0;

  for (;;) {
    let execution: AutomationExecution | undefined;
    let steps: StepExecution[] = [];
    try {
      execution = (await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: executionId }))).AutomationExecution;
      steps = await listSteps(deps, run.region, executionId);
      consecutiveErrors = 0;
    } catch (error) {
      consecutiveErrors++;
      const summary = summarizeError(error);
      deps.err(`[${time(deps)}] could not read execution progress (${consecutiveErrors}/5): ${summary.name}: ${summary.message}`);
      if (consecutiveErrors >= 5) {
        throw new CliError(EXIT.FAILED, `Lost track of execution ${executionId} in ${run.region}; check it in the console`);
      }
    }

    steps.forEach((step, index) => {
      const key = step.StepExecutionId ?? `${step.StepName ?? 'step'}#${index}`;
      const status = step.StepStatus ?? 'Pending';
      if (seen.get(key) !== status) {
        seen.set(key, status);
        const reason = step.FailureMessage && FAILED_STEP_STATUSES.has(status) ? `: ${step.FailureMessage}` : '';
        deps.out(`[${time(deps)}] ${(step.StepName ?? '?').padEnd(34)} ${status}${reason}`);
      }
    });

    const status = execution?.AutomationExecutionStatus;
    if (execution !== undefined && status !== undefined) {
      if ((status === 'Waiting' || status === 'PendingApproval') && !approvalHintShown) {
        approvalHintShown = true;
        deps.out(
          `[${time(deps)}] Waiting for approval. Approvers run: aws ssm send-automation-signal --region ${run.region} --automation-execution-id ${executionId} --signal-type Approve`,
        );
      }
      if (SUCCESS_STATUSES.has(status)) {
        deps.out(`Execution ${executionId} ended ${status}.`);
        for (const [name, values] of Object.entries(execution.Outputs ?? {})) {
          deps.out(`${name}:`);
          for (const value of values) deps.out(prettyJson(value));
        }
        return { exitCode: EXIT.OK, executionId, status, outputs: execution.Outputs };
      }
      if (TERMINAL_FAILURE_STATUSES.has(status)) {
        const failure = failureOf(steps, execution);
        deps.err(
          `Execution ${executionId} ended ${status}${failure.step ? ` at step ${failure.step}` : ''}: ${failure.reason}`,
        );
        return { exitCode: EXIT.FAILED, executionId, status, failedStep: failure.step, failureReason: failure.reason };
      }
    }

    if (deps.now().getTime() - startedAt >= run.maxFollowMs) {
      deps.err(`Stopped following execution ${executionId} after ${Math.round(run.maxFollowMs / 60_000)} minutes; it is still ${status ?? 'running'}.`);
      return { exitCode: EXIT.FAILED, executionId, status: status ?? 'Unknown' };
    }
    await deps.sleep(run.pollMs);
  }
}

function prettyJson(value: string): string {
  try {
    return JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    return value;
  }
}
