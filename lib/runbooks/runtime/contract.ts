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
