/**
 * Values shared by the Lambda handlers, the Automation documents and the CLI.
 * Kept free of SDK imports so the CDK app can use them without loading clients.
 */

/** The three runbooks. */
export type RunbookKind = 'failover' | 'switchover' | 'failback';

export const RUNBOOK_KINDS: readonly RunbookKind[] = ['failover', 'switchover', 'failback'];

/**
 * Markers in the database wait step's output. The document's `aws:branch` loops while
 * the step's Payload contains WAIT_PENDING.
 */
export const WAIT_COMPLETE = 'DATABASES_COMPLETE';
export const WAIT_PENDING = 'DATABASES_PENDING';
export type WaitState = typeof WAIT_COMPLETE | typeof WAIT_PENDING;

/** The runbook Lambda functions. */
export type RunbookFunction = 'preflight' | 'traffic' | 'databases' | 'report';

/**
 * Timeout of each runbook function, in seconds. Each handler sizes its own work to finish
 * well within it (waits return `DATABASES_PENDING` before it, ARC rotations stop trying
 * endpoints that would not fit).
 */
export const FUNCTION_TIMEOUT_SECONDS: Readonly<Record<RunbookFunction, number>> = {
  preflight: 90,
  traffic: 150,
  databases: 270,
  report: 30,
};

/**
 * A Lambda step's timeout is its function's timeout plus this margin (invocation overhead,
 * cold start), so SSM never marks a step TimedOut while its function may still act.
 */
export const STEP_TIMEOUT_MARGIN_SECONDS = 30;

/** `aws:invokeLambdaFunction` runs for at most 300 s (SSM Automation limit). */
export const MAX_LAMBDA_STEP_SECONDS = 300;

/** The step timeout for a function: never shorter than the function's own timeout. */
export function stepTimeoutSeconds(fn: RunbookFunction): number {
  return Math.min(FUNCTION_TIMEOUT_SECONDS[fn] + STEP_TIMEOUT_MARGIN_SECONDS, MAX_LAMBDA_STEP_SECONDS);
}
