/**
 * Exit codes scripts can rely on (documented in README.md).
 */
export const EXIT = {
  /** The command succeeded (runbook ended Success, status read completely). */
  OK: 0,
  /** The runbook failed/timed out/was cancelled or rejected, or status could not read everything. */
  FAILED: 1,
  /** Bad input: unknown command/option/Region, missing argument, target already primary, no --yes without a TTY. */
  BAD_INPUT: 2,
  /** The operator answered "no" at the confirmation prompt. */
  DECLINED: 3,
  /** The topology could not be read from any Region (nothing was started). */
  UNAVAILABLE: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  public readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode, message: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export const badInput = (message: string): CliError => new CliError(EXIT.BAD_INPUT, message);
