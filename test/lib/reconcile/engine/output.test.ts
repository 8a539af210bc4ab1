import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tableFileName } from '../../../../lib/reconcile/engine';
import type { DiffRecord, ReconcileReport } from '../../../../lib/reconcile/engine';
import { JsonlWriter, ReportWriter } from '../../../../lib/reconcile/engine/output';

const report: ReconcileReport = {
  engine: 'postgres',
  generatedAt: '2024-01-01T00:00:00.000Z',
  tables: [{ table: 'orders', primaryKey: ['id'], oldRows: 2, newRows: 1, missingInNew: 1, changed: 0, onlyInNew: 0, skipped: null, drift: null, notes: [] }],
  totals: { missingInNew: 1, changed: 0, onlyInNew: 0 },
};

function record(id: number): DiffRecord {
  return { kind: 'missingInNew', key: { id }, old: { id, note: 'x'.repeat(100) }, new: null };
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reconcile-out-test-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const list = (d: string): string[] => fs.readdirSync(d).sort();

describe('tableFileName', () => {
  it('keeps plain names', () => {
    expect(tableFileName('order_items')).toBe('order_items.jsonl');
    expect(tableFileName('public.orders-2024')).toBe('public.orders-2024.jsonl');
  });

  it('encodes everything else as %XX of the UTF-8 bytes', () => {
    expect(tableFileName('Mixed Case "x"')).toBe('Mixed%20Case%20%22x%22.jsonl');
    expect(tableFileName('../../etc/passwd')).toBe('%2E.%2F..%2Fetc%2Fpasswd.jsonl');
    expect(tableFileName('名前')).toBe('%E5%90%8D%E5%89%8D.jsonl');
    expect(tableFileName('100%')).toBe('100%25.jsonl');
    expect(tableFileName('.hidden')).toBe('%2Ehidden.jsonl');
    expect(tableFileName('')).toBe('%00.jsonl');
  });

  it('is injective for names that differ only in encoded characters', () => {
    const names = ['a b', 'a%20b', 'a_b', 'a.b', 'a/b', 'a\\b'];
    expect(new Set(names.map(tableFileName)).size).toBe(names.length);
  });

  it('shortens very long names and keeps them unique', () => {
    const a = tableFileName('ü'.repeat(63));
    const b = tableFileName(`${'ü'.repeat(62)}x`);
    expect(a.length).toBeLessThanOrEqual(206);
    expect(a).not.toBe(b);
    expect(a).toMatch(/~[0-9a-f]{16}\.jsonl$/);
  });
});

describe('JsonlWriter', () => {
  it('creates no file when nothing was written', async () => {
    const w = new JsonlWriter(path.join(dir, 'x.jsonl'));
    expect(await w.close()).toBe(false);
    expect(list(dir)).toEqual([]);
  });

  it('streams large outputs in several writes, one line per record', async () => {
    const w = new JsonlWriter(path.join(dir, 'x.jsonl'));
    for (let i = 0; i < 20_000; i++) await w.write(record(i));
    // More than 1 MiB written already before close.
    expect(fs.statSync(path.join(dir, 'x.jsonl')).size).toBeGreaterThan(1 << 20);
    expect(await w.close()).toBe(true);
    const lines = fs.readFileSync(path.join(dir, 'x.jsonl'), 'utf8').split('\n');
    expect(lines).toHaveLength(20_001);
    expect(lines[20_000]).toBe('');
    expect(JSON.parse(lines[19_999])).toEqual({ kind: 'missingInNew', key: { id: 19_999 }, old: { id: 19_999, note: 'x'.repeat(100) }, new: null });
  });
});

describe('ReportWriter', () => {
  it('keeps table files out of the out dir until commit, then writes summary.md and report.json', async () => {
    const w = await ReportWriter.create(dir);
    await w.table('orders').write(record(1));
    await w.table('empty');
    expect(list(dir)).toEqual(['.reconcile-partial']);
    const files = await w.commit(report, '# summary\n');
    expect(list(dir)).toEqual(['orders.jsonl', 'report.json', 'summary.md']);
    expect(files.map((f) => path.basename(f))).toEqual(['orders.jsonl', 'summary.md', 'report.json']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'))).toEqual(report);
    expect(fs.readFileSync(path.join(dir, 'orders.jsonl'), 'utf8')).toBe(
      `${JSON.stringify({ kind: 'missingInNew', key: { id: 1 }, old: { id: 1, note: 'x'.repeat(100) }, new: null })}\n`,
    );
  });

  it('leaves no report and no table file after an abort', async () => {
    const w = await ReportWriter.create(dir);
    for (let i = 0; i < 20_000; i++) await w.table('orders').write(record(i));
    await w.abort();
    expect(list(dir)).toEqual([]);
  });

  it('removes what a previous run left before starting, report.json included', async () => {
    for (const f of ['report.json', 'summary.md', 'old.jsonl', '.reconcile-tmp-report.json']) fs.writeFileSync(path.join(dir, f), 'stale');
    fs.mkdirSync(path.join(dir, '.reconcile-partial'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'operator notes');
    const w = await ReportWriter.create(dir);
    expect(list(dir)).toEqual(['.reconcile-partial', 'notes.txt']);
    await w.abort();
    expect(list(dir)).toEqual(['notes.txt']);
  });

  it('creates a missing out dir and reports one it cannot create', async () => {
    const nested = path.join(dir, 'a', 'b');
    const w = await ReportWriter.create(nested);
    await w.commit({ ...report, tables: [], totals: { missingInNew: 0, changed: 0, onlyInNew: 0 } }, 'ok\n');
    expect(list(nested)).toEqual(['report.json', 'summary.md']);
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    await expect(ReportWriter.create(path.join(dir, 'file'))).rejects.toThrow(/^cannot prepare output directory/);
  });
});
