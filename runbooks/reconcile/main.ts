/**
 * The CLI run as a function, so tests can call it in-process. Returns the exit code:
 * 0 nothing differs, 1 differences reported (or tables not compared), 2 error — with
 * exactly one line `reconcile: <reason>` on stderr and no stack trace.
 */
import * as path from 'path';
import { errorMessage, reconcile } from '../../lib/reconcile/engine';
import type { ReconcileResult } from '../../lib/reconcile/engine';
import { USAGE, parseArgs } from './args';
import { ProgressPrinter, formatCount } from './progress';

export interface CliIo {
  readonly stdout: (text: string) => void;
  /** One line, without the newline. */
  readonly stderr: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

export const EXIT_OK = 0;
export const EXIT_DIFFERENCES = 1;
export const EXIT_ERROR = 2;

function finalLine(result: ReconcileResult, seconds: number, outDir: string): string {
  const t = result.report.totals;
  const skipped = result.report.tables.filter((x) => x.skipped !== null).length;
  const rows = result.report.tables.reduce((s, x) => s + x.oldRows + x.newRows, 0);
  return (
    `reconcile: done in ${seconds.toFixed(1)} s, ${formatCount(rows)} rows in ${result.report.tables.length} tables: ` +
    `${t.missingInNew} missingInNew, ${t.changed} changed, ${t.onlyInNew} onlyInNew, ${skipped} tables not compared; ` +
    (t.classes ? `three-way: ${t.classes.lostInFailover} lost in the failover, ${t.classes.changedAfterFailover} changed after it, ${t.classes.both} both, ${t.classes.unclassified} unclassified; ` : '') +
    `report: ${path.join(outDir, 'report.json')}`
  );
}

export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    const parsed = parseArgs(argv);
    if (parsed.kind === 'help') {
      io.stdout(`${USAGE}\n`);
      return EXIT_OK;
    }
    const o = parsed.options;
    const progress = o.quiet ? undefined : new ProgressPrinter(io.stderr);
    const result = await reconcile({
      engine: o.engine,
      old: o.old,
      new: o.new,
      ...(o.base !== undefined ? { base: o.base } : {}),
      outDir: o.out,
      env: io.env,
      ...(o.tables ? { tables: o.tables } : {}),
      ...(o.schema !== undefined ? { schema: o.schema } : {}),
      ...(o.chunkSize !== undefined ? { tuning: { chunkSize: o.chunkSize } } : {}),
      ...(o.strategy !== undefined ? { strategy: o.strategy } : {}),
      ...(progress ? { onProgress: (e) => progress.update(e) } : {}),
    });
    if (progress) io.stderr(finalLine(result, progress.elapsedSeconds(), path.resolve(o.out)));
    return result.hasDifferences ? EXIT_DIFFERENCES : EXIT_OK;
  } catch (err) {
    io.stderr(`reconcile: ${errorMessage(err)}`);
    return EXIT_ERROR;
  }
}
