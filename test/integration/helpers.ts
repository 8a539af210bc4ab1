/** Shared helpers of the integration tests (servers come from setup/global-setup.ts). */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { reconcile } from '../../lib/reconcile/engine';
import type { ComparisonStrategy, DiffRecord, EngineName, ReconcileResult, TableReport, Tuning } from '../../lib/reconcile/engine';
import { adminExec, recreateDatabase, serverUrl } from './setup/servers';
import type { ServerInfo } from './setup/servers';
import { STATE_ENV, readState } from './setup/state';

export const ROOT = path.resolve(__dirname, '..', '..');

export function server(engine: EngineName): ServerInfo {
  const state = readState();
  return engine === 'postgres' ? state.postgres : state.mysql;
}

export interface Pair {
  readonly engine: EngineName;
  readonly oldUrl: string;
  readonly newUrl: string;
  readonly oldDb: string;
  readonly newDb: string;
}

/** Fresh databases `<name>_old` / `<name>_new`: `common` runs on both, then each side's own SQL. */
export async function createPair(engine: EngineName, name: string, common: readonly string[], oldOnly: readonly string[] = [], newOnly: readonly string[] = []): Promise<Pair> {
  const info = server(engine);
  const oldDb = `${name}_old`;
  const newDb = `${name}_new`;
  for (const [db, own] of [
    [oldDb, oldOnly],
    [newDb, newOnly],
  ] as const) {
    await recreateDatabase(info, db);
    await adminExec(info, [...common, ...own], db);
  }
  return { engine, oldDb, newDb, oldUrl: serverUrl(info, oldDb), newUrl: serverUrl(info, newDb) };
}

/** A fresh directory inside the run's state dir, which global teardown removes. */
export function tempDir(prefix = 'out-'): string {
  const stateFile = process.env[STATE_ENV];
  const parent = stateFile ? path.dirname(stateFile) : os.tmpdir();
  return fs.mkdtempSync(path.join(parent, prefix));
}

export interface RunOutcome {
  readonly result: ReconcileResult;
  readonly outDir: string;
  /** Table name to its report entry. */
  readonly tables: Record<string, TableReport>;
  /** Files in the out dir, sorted. */
  readonly files: string[];
}

async function runOnce(pair: Pair, options: { tables?: string[]; schema?: string; tuning?: Partial<Tuning>; strategy?: ComparisonStrategy }): Promise<RunOutcome> {
  const outDir = tempDir();
  const result = await reconcile({ engine: pair.engine, old: pair.oldUrl, new: pair.newUrl, outDir, ...options });
  const tables: Record<string, TableReport> = {};
  for (const t of result.report.tables) tables[t.table] = t;
  return { result, outDir, tables, files: fs.readdirSync(outDir).sort() };
}

/**
 * Runs the engine with the checksum strategy and again with the stream strategy (unless
 * `strategy` names one), and fails unless both give the same table reports and the same
 * difference files line for line (order aside); returns the checksum run. So every integration test
 * holds for both strategies.
 */
export async function runEngine(
  pair: Pair,
  options: { tables?: string[]; schema?: string; tuning?: Partial<Tuning>; strategy?: ComparisonStrategy } = {},
): Promise<RunOutcome> {
  if (options.strategy !== undefined) return runOnce(pair, options);
  const checksum = await runOnce(pair, { ...options, strategy: 'checksum' });
  const stream = await runOnce(pair, { ...options, strategy: 'stream' });
  expect({ strategy: 'stream', tables: stream.result.report.tables, files: stream.files }).toEqual({ strategy: 'stream', tables: checksum.result.report.tables, files: checksum.files });
  // The same lines; under a collated key the order inside a chunk may differ (merge order per range).
  const lines = (dir: string, f: string): string[] => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').sort();
  for (const f of checksum.files.filter((name) => name.endsWith('.jsonl'))) {
    expect({ file: f, strategy: 'stream', lines: lines(stream.outDir, f) }).toEqual({ file: f, strategy: 'stream', lines: lines(checksum.outDir, f) });
  }
  return checksum;
}

export function readJsonl(outDir: string, file: string): DiffRecord[] {
  return fs
    .readFileSync(path.join(outDir, file), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as DiffRecord);
}

/** `kind:key` strings of a table's differences, in file order. */
export function kinds(outDir: string, file: string): string[] {
  return readJsonl(outDir, file).map((r) => `${r.kind}:${Object.values(r.key).map(String).join('/')}`);
}

/** The record for a key (first key column value). */
export function recordFor(outDir: string, file: string, key: string | number): DiffRecord {
  const rec = readJsonl(outDir, file).find((r) => Object.values(r.key)[0] === key);
  if (!rec) throw new Error(`no record for key ${String(key)} in ${file}`);
  return rec;
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI in a child process (`tsx runbooks/reconcile/cli.ts …`, or via npm). */
export async function runCliProcess(args: readonly string[], via: 'tsx' | 'npm' = 'tsx', env: Record<string, string> = {}): Promise<CliRun> {
  const [cmd, argv] =
    via === 'tsx'
      ? [path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'runbooks', 'reconcile', 'cli.ts'), ...args]]
      : ['npm', ['run', '--silent', 'reconcile', '--', ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
