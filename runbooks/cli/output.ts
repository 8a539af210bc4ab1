import type { CliDeps } from './deps';
import type { ExitCode } from './errors';

/** What a command hands back: its exit code, its JSON document and the same for people. */
export interface CommandResult {
  readonly exitCode: ExitCode;
  readonly document: Readonly<Record<string, unknown>>;
  readonly text: readonly string[];
}

/**
 * Keeps stdout clean for `--json`: progress goes to stdout for people and to stderr in JSON mode;
 * the command's one JSON document is written by `run` alone (commands.ts).
 */
export class Output {
  constructor(private readonly deps: CliDeps, public readonly json: boolean) {}

  progress(line: string): void {
    if (this.json) this.deps.err(line);
    else this.deps.out(line);
  }

  /** Warnings always go to stderr. */
  warn(line: string): void {
    this.deps.err(line);
  }
}

/** `03:12:05 UTC` */
export function utcTime(date: Date): string {
  return `${date.toISOString().slice(11, 19)} UTC`;
}

/** `2026-01-01 03:12:05 UTC` */
export function utcDateTime(date: Date): string {
  return `${date.toISOString().slice(0, 10)} ${utcTime(date)}`;
}

export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());
}
