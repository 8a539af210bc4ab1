import { hasDifferences, renderSummary, resolveTuning, skipReason } from '../../../../lib/reconcile/engine';
import type { ReconcileReport } from '../../../../lib/reconcile/engine';
import type { ColumnMeta, TableMeta } from '../../../../lib/reconcile/engine/side';

const col = (name: string, type = 'integer', collation: string | null = null): ColumnMeta => ({ name, type, dataType: type, collation, charset: null });
const table = (columns: readonly ColumnMeta[], primaryKey: string[]): TableMeta => ({ name: 't', columns, primaryKey, partitioned: false });

describe('skipReason', () => {
  const base = table([col('id'), col('v', 'text')], ['id']);

  it('accepts tables with the same columns and key, in any column order', () => {
    expect(skipReason(base, base)).toBeNull();
    expect(skipReason(base, table([col('v', 'text'), col('id')], ['id']))).toBeNull();
  });

  it('explains every reason not to compare', () => {
    expect(skipReason(base, undefined)).toBe('table missing in new primary');
    expect(skipReason(undefined, base)).toBe('table missing in old primary');
    expect(skipReason(table([col('a')], []), table([col('a')], []))).toBe('no primary key');
    expect(skipReason(base, table(base.columns, []))).toBe('no primary key in new primary');
    expect(skipReason(table(base.columns, []), base)).toBe('no primary key in old primary');
    expect(skipReason(table([col('a'), col('b')], ['a', 'b']), table([col('a'), col('b')], ['b', 'a']))).toBe('primary key differs: old (a, b), new (b, a)');
    expect(skipReason(base, table([col('id'), col('w', 'text')], ['id']))).toBe('columns differ: only in old: v; only in new: w');
    expect(skipReason(base, table([col('id'), col('v', 'varchar(10)')], ['id']))).toBe('columns differ: type differs: v (text vs varchar(10))');
    expect(skipReason(table([col('k', 'text', 'C')], ['k']), table([col('k', 'text', 'en-x-icu')], ['k']))).toBe(
      'collation of key column k differs: old C, new en-x-icu',
    );
  });
});

describe('renderSummary', () => {
  const report: ReconcileReport = {
    engine: 'mysql',
    generatedAt: '2024-05-01T10:00:00.000Z',
    tables: [
      { table: 'orders', primaryKey: ['id'], oldRows: 10, newRows: 9, missingInNew: 2, changed: 1, onlyInNew: 1, skipped: null },
      { table: 'a|b', primaryKey: ['x', 'y'], oldRows: 5, newRows: 5, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: null },
      { table: 'audit_log', primaryKey: [], oldRows: 3, newRows: 4, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: 'no primary key' },
      { table: 'promo', primaryKey: ['id'], oldRows: 7, newRows: 0, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: 'table missing in new primary' },
    ],
    totals: { missingInNew: 2, changed: 1, onlyInNew: 1 },
  };
  const md = renderSummary(report, { oldDescription: 'MariaDB 10.11 at old:3306/shop', newDescription: 'MariaDB 10.11 at new:3306/shop', schema: 'shop' });

  it('states the verdict and per-table counts', () => {
    expect(md).toContain('**2 rows missing in the new primary**, 1 row changed, 1 row only in the new primary, **2 tables not compared**');
    expect(md).toContain('| `orders` | `id` | 10 | 9 | 2 | 1 | 1 | `orders.jsonl` |');
    expect(md).toContain('| `a\\|b` | `x`, `y` | 5 | 5 | 0 | 0 | 0 | identical |');
    expect(md).toContain('| `audit_log` | – | 3 | 4 | – | – | – | not compared: no primary key |');
    expect(md).toContain('| **Total** | | | | **2** | **1** | **1** | |');
  });

  it('tells the operator what to do', () => {
    expect(md).toContain('**Re-apply it**');
    expect(md).toContain('**Review each one**');
    expect(md).toContain('**keep it**');
    expect(md).toContain('- `promo`: table missing in new primary. The table (its DDL) did not reach the new primary.');
    expect(md).toContain('- `audit_log`: no primary key. Rows cannot be matched');
    expect(md).toContain('MariaDB 10.11 at old:3306/shop');
  });

  it('says so when nothing differs', () => {
    const clean = renderSummary({ ...report, tables: [report.tables[1]], totals: { missingInNew: 0, changed: 0, onlyInNew: 0 } }, { oldDescription: 'o', newDescription: 'n', schema: 'public' });
    expect(clean).toContain('No differences: every table is identical in both databases.');
  });
});

describe('hasDifferences', () => {
  const clean: ReconcileReport = { engine: 'postgres', generatedAt: '', tables: [], totals: { missingInNew: 0, changed: 0, onlyInNew: 0 } };
  it('is true for any difference or any table not compared', () => {
    expect(hasDifferences(clean)).toBe(false);
    expect(hasDifferences({ ...clean, totals: { missingInNew: 0, changed: 0, onlyInNew: 1 } })).toBe(true);
    expect(
      hasDifferences({ ...clean, tables: [{ table: 'x', primaryKey: [], oldRows: 0, newRows: 0, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: 'no primary key' }] }),
    ).toBe(true);
  });
});

describe('resolveTuning', () => {
  it('fills defaults and rejects nonsense', () => {
    expect(resolveTuning({ chunkSize: 5 })).toEqual({ chunkSize: 5, leafRows: 64, maxSplit: 256, fetchSize: 2000 });
    expect(() => resolveTuning({ maxSplit: 1 })).toThrow('tuning maxSplit must be an integer >= 2, got 1');
    expect(() => resolveTuning({ chunkSize: 1.5 })).toThrow('tuning chunkSize must be an integer >= 1');
  });
});
