/**
 * Exit codes scripts can rely on (documented in runbooks/cli/README.md, generated into `--help`).
 */
export const EXIT = {
  /** The command succeeded: the runbook ended Success, `status` read every Region and ARC, a signal was sent. */
  OK: 0,
  /** The runbook ended Failed, TimedOut, Cancelled or Rejected (failing step and reason printed). */
  FAILED: 1,
  /** Bad input: unknown command/option/Region/execution, missing argument, refused pre-check, no --yes without a terminal. */
  BAD_INPUT: 2,
  /** The operator answered "no" at the confirmation prompt; nothing was started. */
  DECLINED: 3,
  /** No Region answered (network, timeouts); nothing was started. */
  NOTHING_REACHABLE: 4,
  /** Some Regions (or the ARC cluster) did not answer or answered with an error; what answered is shown. */
  INCOMPLETE: 5,
  /** No usable AWS credentials (none found, expired, or not recognised); nothing was started. */
  NO_CREDENTIALS: 6,
  /** The CLI stopped following (time limit, or progress unreadable); the execution may still be running: `follow <id>`. */
  STOPPED_FOLLOWING: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One line per exit code, for `--help` and the docs test. */
export const EXIT_CODE_HELP: readonly (readonly [ExitCode, string])[] = [
  [EXIT.OK, 'success: runbook ended Success; status read every Region and ARC; signal sent'],
  [EXIT.FAILED, 'the runbook failed, timed out, was cancelled or rejected'],
  [EXIT.BAD_INPUT, 'bad input or refused pre-check; nothing was started'],
  [EXIT.DECLINED, 'you answered "no"; nothing was started'],
  [EXIT.NOTHING_REACHABLE, 'no Region answered; nothing was started'],
  [EXIT.INCOMPLETE, 'some Regions (or ARC) did not answer; the rest is shown'],
  [EXIT.NO_CREDENTIALS, 'no usable AWS credentials'],
  [EXIT.STOPPED_FOLLOWING, 'stopped following; the execution may still run (follow <id>)'],
];

export class CliError extends Error {
  public readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode, message: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export const badInput = (message: string): CliError => new CliError(EXIT.BAD_INPUT, message);

/** `Name: message` of anything thrown (SDK errors carry both). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return `${error.name || 'Error'}: ${error.message || String(error)}`;
  }
  return `Error: ${String(error)}`;
}

/** Errors that mean "these credentials cannot be used", as opposed to "the Region did not answer". */
const CREDENTIAL_ERROR_NAMES = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
]);

export function isCredentialsError(error: unknown): boolean {
  return error instanceof Error && CREDENTIAL_ERROR_NAMES.has(error.name);
}

/** Errors that come from the network or a deadline, not from an answering service. */
const UNREACHABLE_ERROR_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'NetworkingError']);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

export function isUnreachableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return UNREACHABLE_ERROR_NAMES.has(error.name) || (typeof code === 'string' && UNREACHABLE_CODES.has(code));
}

export const CREDENTIALS_HINT =
  'no usable AWS credentials: sign in (aws sso login, or export AWS_PROFILE / AWS_ACCESS_KEY_ID) and try again';
