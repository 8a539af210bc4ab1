/**
 * Error types thrown by the runbook runtime. Their `message` is what SSM Automation
 * shows as the failed step's reason (and what the operator CLI prints), so every
 * message is self-contained: what was refused or failed, and why.
 */

/** A pre-condition is not met; nothing was changed. */
export class RunbookRefusedError extends Error {
  public readonly reasons: readonly string[];

  constructor(summary: string, reasons: readonly string[]) {
    super(`${summary}: ${reasons.join('; ')}`);
    this.name = 'RunbookRefused';
    this.reasons = reasons;
  }
}

/** The event or topology is malformed (a bug in the document or a stale parameter). */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInput';
  }
}

/** Database failovers/switchovers did not finish before the deadline. */
export class DatabaseWaitTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseWaitTimeout';
  }
}

/** Starting one or more database operations failed (the others were still attempted). */
export class DatabaseStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseStartFailed';
  }
}

export interface ErrorSummary {
  readonly name: string;
  readonly message: string;
}

/** Normalises anything thrown into a name and a message (SDK errors carry both). */
export function summarizeError(error: unknown): ErrorSummary {
  if (error instanceof Error) {
    return { name: error.name || 'Error', message: error.message || String(error) };
  }
  return { name: 'Error', message: String(error) };
}
