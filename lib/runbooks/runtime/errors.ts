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

/** Two runbook executions must not act on the platform at once. */
export class ConcurrentExecutionError extends RunbookRefusedError {
  constructor(summary: string, reasons: readonly string[]) {
    super(summary, reasons);
    this.name = 'RunbookAlreadyRunning';
  }
}

/** Some databases moved and others did not: the message says where each one writes and what to run next. */
export class DatabaseMoveIncompleteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseMoveIncomplete';
  }
}

const THROTTLING_ERROR_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
]);
const TRANSIENT_ERROR_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'AbortError', 'InternalFailure', 'ServiceUnavailable']);
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function field(error: object, key: string): unknown {
  return (error as Record<string, unknown>)[key];
}

/**
 * Whether waiting and asking again may help: throttling, 5xx, timeouts and network failures
 * (the faults of an impaired Region). Anything else (access denied, not found, validation) is a
 * standing problem that polling cannot fix, so waits fail on it at once.
 */
export function isTransientError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const name = field(error, 'name');
  if (typeof name === 'string' && (THROTTLING_ERROR_NAMES.has(name) || TRANSIENT_ERROR_NAMES.has(name))) return true;
  const code = field(error, 'code');
  if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return true;
  const metadata = field(error, '$metadata');
  const status = typeof metadata === 'object' && metadata !== null ? field(metadata, 'httpStatusCode') : undefined;
  if (typeof status === 'number' && (status === 429 || status >= 500)) return true;
  return field(error, '$retryable') !== undefined;
}
