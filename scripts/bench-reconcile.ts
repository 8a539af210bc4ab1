/**
 * Benchmark of the missing-transaction report engine:
 *   npm run bench:reconcile [-- --rows N] [--engine postgres|mysql] [--strategy checksum|stream]
 *
 * Starts PostgreSQL and MariaDB on loopback with the integration tests' helpers,
 * builds an old and a new database of N rows (default 1,000,000) and N/10 rows, with
 * ~0.1 % of the rows differing, spread over the table (a third missing in new, a third
 * changed, a third only in new), then measures, each in a fresh child process:
 *   - the engine (reconcile()) with each comparison strategy (checksum, stream; or the
 *     one --strategy names): wall time, rows/s (both sides), peak RSS;
 *   - a plain full scan of both tables (SELECT * … ORDER BY id, rows discarded).
 * For each it also prints the worker's own CPU time (Node) and the share of all cores
 * busy meanwhile: what is left of that share is the database servers' work, which is
 * where the engine's time goes.
 * The engine's counts are checked against the expected differences.
 *
 *   npm run bench:reconcile -- --wide [--rows N] [--engine postgres|mysql]
 *
 * Memory instead (issue 13's figure): N rows (default 10,000) of ~150 KB per side, every
 * row changed, compared with the default tuning (fetchBytes 32 MiB) in a child process;
 * prints peak RSS per server and whether it meets 500 MB.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as mysqlCore from 'mysql2';
import { Client } from 'pg';
import type { CustomTypesConfig } from 'pg';
import { reconcile } from '../lib/reconcile/engine';
import type { ComparisonStrategy, EngineName } from '../lib/reconcile/engine';
import { adminExec, recreateDatabase, serverUrl, startMariadb, startPostgres, stopServer } from '../test/integration/setup/servers';
import type { ServerInfo } from '../test/integration/setup/servers';

const ROOT = path.resolve(__dirname, '..');
/** Every 3000th key differs in one of three ways: ~0.1 % of the rows. */
const EVERY = 3000;
/** Issue 13 goals, printed with the figures. */
const GOAL_RATIO = 1.5;
const GOAL_RSS_MIB = 200;
/** --wide: 32 hex characters × 4,700 = 150,400 bytes per value; goal in MB (10^6 bytes). */
const WIDE_REPEAT = 4_700;
const WIDE_GOAL_MB = 500;

interface WorkerResult {
  readonly ms: number;
  /** CPU time of the worker (Node: driver, merge, report) over the measured run. */
  readonly nodeCpuMs: number;
  /** Share of all the machine's cores busy over the measured run (servers + Node + anything else). */
  readonly machineBusy: number;
  readonly rows: number;
  readonly maxRssKb: number;
  readonly missingInNew?: number;
  readonly changed?: number;
  readonly onlyInNew?: number;
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

// ---------------------------------------------------------------- data loading

function expected(n: number): { missingInNew: number; changed: number; onlyInNew: number } {
  const count = (r: number): number => Math.floor((n - r) / EVERY) + (r <= n ? 1 : 0);
  return { missingInNew: count(1), changed: count(2), onlyInNew: count(3) };
}

async function loadPostgres(info: ServerInfo, prefix: string, n: number): Promise<{ old: string; new: string }> {
  const oldDb = `${prefix}_old`;
  const newDb = `${prefix}_new`;
  await recreateDatabase(info, oldDb);
  await adminExec(
    info,
    [
      'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, total numeric(12,2), created_at timestamptz NOT NULL, note text)',
      `INSERT INTO orders SELECT g, g % 10007, (ARRAY['new','paid','shipped','cancelled'])[1 + g % 4], (g % 100000) / 100.0,
              timestamptz '2024-01-01 00:00:00+00' + g * interval '1.000123 second', md5(g::text)
         FROM generate_series(1, ${n}) g`,
    ],
    oldDb,
  );
  // The new primary starts as a copy (file-level, fast), then diverges.
  await adminExec(info, [`DROP DATABASE IF EXISTS "${newDb}" WITH (FORCE)`, `CREATE DATABASE "${newDb}" TEMPLATE "${oldDb}"`]);
  await adminExec(info, [`DELETE FROM orders WHERE id % ${EVERY} = 3`], oldDb);
  await adminExec(
    info,
    [`DELETE FROM orders WHERE id % ${EVERY} = 1`, `UPDATE orders SET status = 'refunded', total = total + 0.01 WHERE id % ${EVERY} = 2`],
    newDb,
  );
  for (const db of [oldDb, newDb]) await adminExec(info, ['VACUUM ANALYZE orders'], db);
  return { old: serverUrl(info, oldDb), new: serverUrl(info, newDb) };
}

async function loadMariadb(info: ServerInfo, prefix: string, n: number): Promise<{ old: string; new: string }> {
  const oldDb = `${prefix}_old`;
  const newDb = `${prefix}_new`;
  const table =
    'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, status varchar(20) NOT NULL, total decimal(12,2), created_at timestamp(6) NOT NULL, note varchar(64)) ENGINE=InnoDB';
  for (const db of [oldDb, newDb]) {
    await recreateDatabase(info, db);
    await adminExec(info, [table], db);
  }
  await adminExec(
    info,
    [
      `INSERT INTO orders SELECT seq, seq % 10007, ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'cancelled'), (seq % 100000) / 100.0,
              TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq * 1000123 MICROSECOND, MD5(seq)
         FROM seq_1_to_${n}`,
      `INSERT INTO \`${newDb}\`.orders SELECT * FROM orders`,
      `DELETE FROM orders WHERE id % ${EVERY} = 3`,
      `DELETE FROM \`${newDb}\`.orders WHERE id % ${EVERY} = 1`,
      `UPDATE \`${newDb}\`.orders SET status = 'refunded', total = total + 0.01 WHERE id % ${EVERY} = 2`,
      'ANALYZE TABLE orders',
      `ANALYZE TABLE \`${newDb}\`.orders`,
    ],
    oldDb,
  );
  return { old: serverUrl(info, oldDb), new: serverUrl(info, newDb) };
}

// ---------------------------------------------------------------- workers (child processes)

const RAW_TEXT: CustomTypesConfig = {
  getTypeParser: (() => (value: string) => value) as unknown as CustomTypesConfig['getTypeParser'],
};

async function streamPostgres(url: string): Promise<number> {
  const u = new URL(url);
  const client = new Client({
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
    types: RAW_TEXT,
  });
  await client.connect();
  let rows = 0;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query('DECLARE c NO SCROLL CURSOR FOR SELECT * FROM orders ORDER BY id');
    for (;;) {
      const r = await client.query({ text: 'FETCH 5000 FROM c', rowMode: 'array' });
      rows += r.rows.length;
      if (r.rows.length === 0) break;
    }
    await client.query('ROLLBACK');
  } finally {
    await client.end();
  }
  return rows;
}

async function streamMysql(url: string): Promise<number> {
  const u = new URL(url);
  const conn = mysqlCore.createConnection({
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
  });
  let rows = 0;
  try {
    const stream = conn.query({ sql: 'SELECT * FROM orders ORDER BY id', rowsAsArray: true, typeCast: false }).stream({ highWaterMark: 5000 });
    for await (const row of stream) if (row) rows += 1;
  } finally {
    await new Promise<void>((resolve) => conn.end(() => resolve()));
  }
  return rows;
}

/** Busy and total jiffies of all cores (/proc/stat; zeros where there is none). */
function machineCpu(): { busy: number; total: number } {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    // idle and iowait
    return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

async function worker(argv: readonly string[]): Promise<void> {
  const kind = flag(argv, '--worker');
  const engine = flag(argv, '--engine') as EngineName;
  const oldUrl = flag(argv, '--old') ?? '';
  const newUrl = flag(argv, '--new') ?? '';
  const machine0 = machineCpu();
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  let result: Omit<WorkerResult, 'ms' | 'maxRssKb' | 'nodeCpuMs' | 'machineBusy'>;
  if (kind === 'engine' || kind === 'engine-wide') {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-reconcile-out-'));
    try {
      const strategy = (flag(argv, '--strategy') ?? 'auto') as ComparisonStrategy;
      const r = await reconcile({ engine, old: oldUrl, new: newUrl, outDir: out, strategy });
      const t = r.report.tables[0];
      // --wide: the report must hold every changed row's old and new text.
      if (kind === 'engine-wide' && r.files.reduce((sum, f) => sum + fs.statSync(f).size, 0) < 2 * t.changed * 32 * WIDE_REPEAT) throw new Error('wide report is missing rows');
      result = { rows: t.oldRows + t.newRows, missingInNew: t.missingInNew, changed: t.changed, onlyInNew: t.onlyInNew };
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  } else {
    // Both sides at once, like the engine.
    const stream = engine === 'postgres' ? streamPostgres : streamMysql;
    const [a, b] = await Promise.all([stream(oldUrl), stream(newUrl)]);
    result = { rows: a + b };
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const machine = machineCpu();
  const machineBusy = machine.total > machine0.total ? (machine.busy - machine0.busy) / (machine.total - machine0.total) : 0;
  const out: WorkerResult = { ...result, ms, nodeCpuMs: (cpu.user + cpu.system) / 1000, machineBusy, maxRssKb: process.resourceUsage().maxRSS };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function runWorker(kind: 'engine' | 'engine-wide' | 'stream', engine: EngineName, urls: { old: string; new: string }, strategy?: ComparisonStrategy): Promise<WorkerResult> {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const args = [path.join(ROOT, 'scripts', 'bench-reconcile.ts'), '--worker', kind, '--engine', engine, '--old', urls.old, '--new', urls.new, ...(strategy ? ['--strategy', strategy] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${kind} worker for ${engine} exited with ${String(code)}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as WorkerResult);
    });
  });
}

// ---------------------------------------------------------------- main

interface Line {
  engine: string;
  strategy: string;
  rows: number;
  diffs: string;
  engineRun: WorkerResult;
  stream: WorkerResult;
}

function table(lines: readonly Line[]): string {
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const header = [
    'server',
    'strategy',
    'rows/side',
    'differences found',
    'engine s',
    'engine rows/s',
    'engine peak RSS MiB',
    'engine Node CPU s',
    'engine cores busy',
    'full scan s',
    'full scan rows/s',
    'full scan peak RSS MiB',
    'full scan Node CPU s',
    'full scan cores busy',
    'engine / scan',
  ];
  const busy = (r: WorkerResult): string => `${Math.round(r.machineBusy * 100)}%`;
  const rows = lines.map((l) => [
    l.engine,
    l.strategy,
    fmt(l.rows),
    l.diffs,
    (l.engineRun.ms / 1000).toFixed(2),
    fmt(l.engineRun.rows / (l.engineRun.ms / 1000)),
    (l.engineRun.maxRssKb / 1024).toFixed(0),
    (l.engineRun.nodeCpuMs / 1000).toFixed(2),
    busy(l.engineRun),
    (l.stream.ms / 1000).toFixed(2),
    fmt(l.stream.rows / (l.stream.ms / 1000)),
    (l.stream.maxRssKb / 1024).toFixed(0),
    (l.stream.nodeCpuMs / 1000).toFixed(2),
    busy(l.stream),
    `${(l.engineRun.ms / l.stream.ms).toFixed(2)}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i < 4 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function loadWide(info: ServerInfo, n: number): Promise<{ old: string; new: string }> {
  const dbs = { old: 'bench_wide_old', new: 'bench_wide_new' };
  for (const side of ['old', 'new'] as const) {
    await recreateDatabase(info, dbs[side]);
    const tag = side === 'old' ? '' : 'n';
    const sql =
      info.engine === 'postgres'
        ? ['CREATE TABLE wide (id int PRIMARY KEY, doc text)', `INSERT INTO wide SELECT g, repeat(md5('${tag}' || g), ${WIDE_REPEAT}) FROM generate_series(1, ${n}) g`]
        : ['CREATE TABLE wide (id int PRIMARY KEY, doc longtext) ENGINE=InnoDB', `INSERT INTO wide SELECT seq, REPEAT(MD5(CONCAT('${tag}', seq)), ${WIDE_REPEAT}) FROM seq_1_to_${n}`];
    await adminExec(info, sql, dbs[side]);
  }
  return { old: serverUrl(info, dbs.old), new: serverUrl(info, dbs.new) };
}

/** --wide: every row changed, default tuning; peak RSS per server against 500 MB. */
async function wide(servers: readonly ServerInfo[], n: number): Promise<void> {
  const results: string[] = [];
  for (const info of servers) {
    const t0 = Date.now();
    log(`${info.version}: loading ${n.toLocaleString('en-US')} rows × 150 KB per side`);
    const urls = await loadWide(info, n);
    log(`${info.version}: loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s; measuring`);
    const r = await runWorker('engine-wide', info.engine, urls);
    if (r.changed !== n || r.missingInNew !== 0 || r.onlyInNew !== 0) throw new Error(`${info.version}: engine found ${JSON.stringify(r)}, expected ${n} changed`);
    const mb = (r.maxRssKb * 1024) / 1e6;
    results.push(
      `| ${info.version.replace(/ \(.*\)$/, '')} | ${n.toLocaleString('en-US')} | ${(r.ms / 1000).toFixed(1)} | ${(r.maxRssKb / 1024).toFixed(0)} | ${mb.toFixed(0)} | ${mb < WIDE_GOAL_MB ? 'yes' : 'NO'} |`,
    );
  }
  process.stdout.write(
    `\nreconcile memory benchmark (${os.cpus().length} CPUs, servers on loopback; rows of ~150 KB, all changed, default tuning; goal: peak RSS < ${WIDE_GOAL_MB} MB)\n\n` +
      `| server | rows/side | engine s | peak RSS MiB | peak RSS MB | < ${WIDE_GOAL_MB} MB |\n|---|---:|---:|---:|---:|---|\n${results.join('\n')}\n`,
  );
}

async function main(argv: readonly string[]): Promise<void> {
  const isWide = argv.includes('--wide');
  const rowsArg = flag(argv, '--rows') ?? (isWide ? '10000' : '1000000');
  const minRows = isWide ? 1 : 10_000;
  if (!/^\d+$/.test(rowsArg) || Number(rowsArg) < minRows) throw new Error(`--rows must be an integer >= ${minRows}, got "${rowsArg}"`);
  const n = Number(rowsArg);
  const only = flag(argv, '--engine');
  if (only !== undefined && only !== 'postgres' && only !== 'mysql') throw new Error(`--engine must be postgres or mysql, got "${only}"`);
  const engines: EngineName[] = only ? [only] : ['postgres', 'mysql'];
  const strategyArg = flag(argv, '--strategy');
  if (strategyArg !== undefined && strategyArg !== 'checksum' && strategyArg !== 'stream') throw new Error(`--strategy must be checksum or stream, got "${strategyArg}"`);
  const strategies: ComparisonStrategy[] = strategyArg ? [strategyArg] : ['checksum', 'stream'];

  log('starting servers');
  const servers: ServerInfo[] = [];
  try {
    const started = await Promise.allSettled(engines.map((e) => (e === 'postgres' ? startPostgres() : startMariadb())));
    for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    log(servers.map((s) => `${s.version} on 127.0.0.1:${s.port}`).join(', '));
    if (isWide) {
      await wide(servers, n);
      return;
    }

    const lines: Line[] = [];
    for (const info of servers) {
      for (const size of [n, Math.floor(n / 10)]) {
        const t0 = Date.now();
        log(`${info.version}: loading ${size.toLocaleString('en-US')} rows per side`);
        const urls = info.engine === 'postgres' ? await loadPostgres(info, `bench_${size}`, size) : await loadMariadb(info, `bench_${size}`, size);
        log(`${info.version}: loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s; measuring`);
        const stream = await runWorker('stream', info.engine, urls);
        for (const strategy of strategies) {
          const engineRun = await runWorker('engine', info.engine, urls, strategy);
          const exp = expected(size);
          const got = { missingInNew: engineRun.missingInNew, changed: engineRun.changed, onlyInNew: engineRun.onlyInNew };
          if (JSON.stringify(got) !== JSON.stringify(exp)) throw new Error(`${info.version} ${size} rows, ${strategy}: engine found ${JSON.stringify(got)}, expected ${JSON.stringify(exp)}`);
          lines.push({
            engine: info.version.replace(/ \(.*\)$/, ''),
            strategy,
            rows: size,
            diffs: `${exp.missingInNew} / ${exp.changed} / ${exp.onlyInNew}`,
            engineRun,
            stream,
          });
        }
      }
    }
    process.stdout.write(
      `\nreconcile benchmark (${os.cpus().length} CPUs, servers on loopback; differences = missingInNew / changed / onlyInNew; rows/s counts both sides;` +
        ` goals: engine ≤ ${GOAL_RATIO}× the full scan, peak RSS ≤ ${GOAL_RSS_MIB} MiB)\n\n${table(lines)}\n`,
    );
  } finally {
    await Promise.all(servers.map((s) => stopServer(s)));
  }
}

const argv = process.argv.slice(2);
(argv.includes('--worker') ? worker(argv) : main(argv)).catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
