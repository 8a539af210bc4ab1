/**
 * Three-way verdict (--base) on real PostgreSQL and MariaDB: old primary, base (the new
 * primary as of the failover time) and new primary, with rows in every class.
 */
import * as fs from 'fs';
import * as path from 'path';
import { reconcile } from '../../lib/reconcile/engine';
import type { EngineName, ReconcileResult } from '../../lib/reconcile/engine';
import { readJsonl, server, tempDir } from './helpers';
import { adminExec, recreateDatabase, serverUrl } from './setup/servers';

jest.setTimeout(120_000);

/** What both primaries had when the old one failed (what was replicated in time). */
const COMMON = [
  'CREATE TABLE orders (id int PRIMARY KEY, status varchar(20), qty int)',
  "INSERT INTO orders VALUES (1, 'a', 1), (2, 'a', 1), (3, 'a', 1), (4, 'a', 1), (5, 'a', 1), (6, 'a', 1), (7, 'a', 1), (8, 'a', 1)",
  'CREATE TABLE order_lines (code varchar(20) NOT NULL, n int NOT NULL, note varchar(20), PRIMARY KEY (code, n))',
  "INSERT INTO order_lines VALUES ('k-1', 1, 'x'), ('k-1', 2, 'x'), ('naïve', 1, 'x')",
  'CREATE TABLE audit (msg varchar(20))',
  "INSERT INTO audit VALUES ('boot')",
];

/** Writes the old primary accepted that never replicated (lost in the failover). */
const OLD_ONLY = [
  "INSERT INTO orders VALUES (11, 'lost', 1)",
  "UPDATE orders SET status = 'lost' WHERE id = 2",
  'DELETE FROM orders WHERE id = 3',
  "UPDATE orders SET status = 'lost' WHERE id IN (6, 7)",
  "INSERT INTO orders VALUES (13, 'old', 1)",
  "INSERT INTO order_lines VALUES ('k-2', 1, 'lost')",
  "UPDATE order_lines SET note = 'lost' WHERE code = 'naïve'",
  "INSERT INTO audit VALUES ('lost')",
];

/** What happened on the new primary after the failover. */
const NEW_AFTER = [
  'DELETE FROM orders WHERE id = 4',
  'UPDATE orders SET qty = 2 WHERE id = 5',
  "INSERT INTO orders VALUES (12, 'new', 1)",
  'DELETE FROM orders WHERE id = 6',
  "UPDATE orders SET status = 'new' WHERE id = 7",
  "INSERT INTO orders VALUES (13, 'new', 1)",
  "DELETE FROM order_lines WHERE code = 'k-1' AND n = 2",
];

interface Trio {
  readonly engine: EngineName;
  readonly old: string;
  readonly base: string;
  readonly new: string;
}

async function createTrio(engine: EngineName, name: string): Promise<Trio> {
  const info = server(engine);
  const urls: Record<'old' | 'base' | 'new', string> = { old: '', base: '', new: '' };
  for (const [side, own] of [
    ['old', OLD_ONLY],
    ['base', []],
    ['new', NEW_AFTER],
  ] as const) {
    const db = `${name}_${side}`;
    await recreateDatabase(info, db);
    await adminExec(info, [...COMMON, ...own], db);
    urls[side] = serverUrl(info, db);
  }
  return { engine, ...urls };
}

async function run(trio: Trio, withBase: boolean): Promise<{ result: ReconcileResult; outDir: string; summary: string }> {
  const outDir = tempDir();
  // Small fetches and batches: the base lookups run in several batches.
  const tuning = { chunkSize: 4, leafRows: 2, maxSplit: 2, fetchSize: 2 };
  const result = await reconcile({ engine: trio.engine, old: trio.old, new: trio.new, outDir, tuning, ...(withBase ? { base: trio.base } : {}) });
  return { result, outDir, summary: fs.readFileSync(path.join(outDir, 'summary.md'), 'utf8') };
}

/** `kind:class:key` of a table's differences. */
function classes(outDir: string, file: string): string[] {
  return readJsonl(outDir, file)
    .map((r) => `${r.kind}:${r.class ?? '-'}:${Object.values(r.key).map(String).join('/')}`)
    .sort();
}

describe.each(['postgres', 'mysql'] as const)('%s: three-way verdict with --base', (engine) => {
  let trio: Trio;
  beforeAll(async () => {
    trio = await createTrio(engine, `three_way_${engine}`);
  });

  it('classifies every difference by the base: lost in the failover, changed/deleted after it, both', async () => {
    const { result, outDir } = await run(trio, true);
    expect(classes(outDir, 'orders.jsonl')).toEqual(
      [
        'changed:both:13', // inserted on both sides with different values
        'changed:both:7', // lost update, then updated on the new primary
        'changed:changedAfterFailover:5',
        'changed:lostInFailover:2',
        'missingInNew:both:6', // lost update, then deleted on the new primary
        'missingInNew:changedAfterFailover:4', // deleted on purpose after the failover
        'missingInNew:lostInFailover:11',
        'onlyInNew:changedAfterFailover:12',
        'onlyInNew:lostInFailover:3', // delete lost in the failover
      ].sort(),
    );
    // Composite text keys are looked up exactly (non-ASCII too).
    expect(classes(outDir, 'order_lines.jsonl')).toEqual(['changed:lostInFailover:naïve/1', 'missingInNew:changedAfterFailover:k-1/2', 'missingInNew:lostInFailover:k-2/1']);
    // No primary key: nothing to look up by, so the two-way caution holds.
    expect(classes(outDir, 'audit.jsonl')).toEqual(['missingInNew:unclassified:']);

    const rec = readJsonl(outDir, 'orders.jsonl');
    expect(rec.find((r) => r.key.id === 4)).toMatchObject({ old: { id: 4, status: 'a' }, base: { id: 4, status: 'a', qty: 1 }, new: null });
    expect(rec.find((r) => r.key.id === 11)).toMatchObject({ old: { status: 'lost' }, base: null, new: null });

    const byTable = Object.fromEntries(result.report.tables.map((t) => [t.table, t]));
    expect(byTable.orders.classes).toEqual({ lostInFailover: 3, changedAfterFailover: 3, both: 3, unclassified: 0 });
    expect(byTable.order_lines.classes).toEqual({ lostInFailover: 2, changedAfterFailover: 1, both: 0, unclassified: 0 });
    expect(byTable.audit.classes).toEqual({ lostInFailover: 0, changedAfterFailover: 0, both: 0, unclassified: 1 });
    expect(byTable.audit.notes.join(' ')).toContain('three-way: no primary key');
    expect(result.report.totals.classes).toEqual({ lostInFailover: 5, changedAfterFailover: 4, both: 3, unclassified: 1 });
  });

  it('summary.md counts per class and advises putting back only rows lost in the failover', async () => {
    const { summary } = await run(trio, true);
    expect(summary).toContain('## Three-way verdict');
    expect(summary).toContain(
      '**5 rows lost in the failover** (candidates to put back), 4 rows changed or deleted on the new primary after the failover (keep the new primary\'s version), ' +
        '**3 rows lost in the failover and changed after it** (conflicts: resolve by hand), **1 row unclassified**',
    );
    expect(summary).toContain('| `orders` | 3 | 3 | 3 | 0 |');
    expect(summary).toContain('| **Total** | **5** | **4** | **3** | **1** |');
    const advice = summary.slice(summary.indexOf('## What each class means'));
    const line = (cls: string): string => advice.split('\n').find((l) => l.startsWith(`- **${cls}**`)) ?? '';
    expect(line('lostInFailover')).toContain('candidates to put back');
    expect(line('changedAfterFailover')).toContain('Never re-insert or overwrite these rows');
    expect(line('changedAfterFailover')).not.toMatch(/candidates|insert the `old` row|re-apply/);
    expect(line('both')).toContain('do not re-insert');
    // The two-way advice (which cannot tell a lost insert from a later delete) is replaced.
    expect(summary).not.toContain('## What each kind means');
  });

  it('without --base: the two-way report and advice, no classes', async () => {
    const { result, outDir, summary } = await run(trio, false);
    expect(result.report.totals.classes).toBeUndefined();
    expect(readJsonl(outDir, 'orders.jsonl').every((r) => r.class === undefined && r.base === undefined)).toBe(true);
    expect(summary).toContain('## What each kind means');
    expect(summary).toContain('do not insert these rows back blindly');
    expect(summary).not.toContain('## Three-way verdict');
  });
});

describe('postgres: three-way with keys compared in byte order (collations differ between old and new)', () => {
  it('looks the keys up in the base by its own collation and classifies them', async () => {
    const info = server('postgres');
    const urls: Record<'old' | 'base' | 'new', string> = { old: '', base: '', new: '' };
    const rows = "INSERT INTO k VALUES ('a', 1), ('B', 1), ('é', 1)";
    for (const [side, ddl, own] of [
      ['old', 'CREATE TABLE k (code text COLLATE "C" PRIMARY KEY, v int)', ["INSERT INTO k VALUES ('c', 1)", "UPDATE k SET v = 2 WHERE code = 'é'"]],
      ['base', 'CREATE TABLE k (code text PRIMARY KEY, v int)', []],
      ['new', 'CREATE TABLE k (code text PRIMARY KEY, v int)', ["DELETE FROM k WHERE code = 'a'"]],
    ] as const) {
      const db = `three_way_bytes_${side}`;
      await recreateDatabase(info, db);
      await adminExec(info, [ddl, rows, ...own], db);
      urls[side] = serverUrl(info, db);
    }
    const outDir = tempDir();
    const result = await reconcile({ engine: 'postgres', old: urls.old, new: urls.new, base: urls.base, outDir });
    expect(result.report.tables[0].notes.join(' ')).toContain('byte order');
    expect(classes(outDir, 'k.jsonl')).toEqual(['changed:lostInFailover:é', 'missingInNew:changedAfterFailover:a', 'missingInNew:lostInFailover:c']);
  });
});
