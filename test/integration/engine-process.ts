/**
 * Runs reconcile() alone in this process and prints one JSON line: the table counts
 * and the process's peak resident set (so a test can bound the engine's memory without
 * Jest's own heap in the figure). Used by reconcile-memory.test.ts:
 *   tsx test/integration/engine-process.ts '<ReconcileOptions as JSON>'
 */
import * as fs from 'fs';
import { reconcile } from '../../lib/reconcile/engine';
import type { ReconcileOptions } from '../../lib/reconcile/engine';

export interface EngineProcessResult {
  readonly tables: Record<string, { oldRows: number; newRows: number; missingInNew: number; changed: number; onlyInNew: number }>;
  /** Peak RSS in KiB: getrusage ru_maxrss. */
  readonly maxRssKb: number;
  /** Peak RSS in KiB as the kernel reports it in /proc/self/status (VmHWM), when readable. */
  readonly vmHwmKb: number | null;
  /** Bytes of the out dir's files (what the report holds). */
  readonly outBytes: number;
}

function vmHwmKb(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as ReconcileOptions;
  const result = await reconcile(options);
  const tables: EngineProcessResult['tables'] = {};
  for (const t of result.report.tables) tables[t.table] = { oldRows: t.oldRows, newRows: t.newRows, missingInNew: t.missingInNew, changed: t.changed, onlyInNew: t.onlyInNew };
  const outBytes = result.files.reduce((s, f) => s + fs.statSync(f).size, 0);
  const out: EngineProcessResult = { tables, maxRssKb: process.resourceUsage().maxRSS, vmHwmKb: vmHwmKb(), outBytes };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`engine-process: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
