import { hasDifferences, impossibleCounts, planTable, renderSummary, resolveTuning } from '../../../../lib/reconcile/engine';
import type { ReconcileReport, TablePlan } from '../../../../lib/reconcile/engine';
import type { ColumnMeta, TableMeta } from '../../../../lib/reconcile/engine/side';

const col = (name: string, type = 'integer', collation: string | null = null): ColumnMeta => ({ name, type, dataType: type, collation, charset: null });
const table = (columns: readonly ColumnMeta[], primaryKey: string[]): TableMeta => ({ name: 't', columns, primaryKey, partitioned: false });

describe('planTable', () => {
  const base = table([col('id'), col('v', 'text')], ['id']);
  const mode = (p: TablePlan): string => (p.mode === 'skip' ? `skip: ${p.reason}` : p.mode);

  it('compares tables with the same columns and key, in any column order, on the old side\'s column order', () => {
    expect(mode(planTable(base, base))).toBe('keyed');
    const p = planTable(base, table([col('v', 'text'), col('id')], ['id']));
    expect(p.mode === 'keyed' && p.new.columns.map((c) => c.name)).toEqual(['id', 'v']);
    expect(p.mode === 'keyed' && p.drift).toBeNull();
  });

  it('skips only a table missing on one side or sharing no column', () => {
    expect(mode(planTable(base, undefined))).toBe('skip: table missing in new primary');
    expect(mode(planTable(undefined, base))).toBe('skip: table missing in old primary');
    expect(mode(planTable(table([col('a')], []), table([col('b')], [])))).toBe('skip: no column in common');
  });

  it('compares tables without the same primary key as multisets', () => {
    expect(planTable(table([col('a')], []), table([col('a')], []))).toMatchObject({ mode: 'multiset', notes: ['no primary key: compared as a multiset of whole rows (shared columns)'] });
    expect(mode(planTable(base, table(base.columns, [])))).toBe('multiset');
    expect(mode(planTable(table(base.columns, []), base))).toBe('multiset');
    expect(planTable(table([col('a'), col('b')], ['a', 'b']), table([col('a'), col('b')], ['b', 'a']))).toMatchObject({ mode: 'multiset', notes: [expect.stringContaining('primary key differs: old (a, b), new (b, a)')] });
    expect(mode(planTable(base, base, () => false))).toBe('multiset');
  });

  it('compares the shared columns of drifted tables and names added, removed and retyped ones', () => {
    const p = planTable(base, table([col('id'), col('w', 'text'), col('v', 'varchar(10)')], ['id']));
    expect(p).toMatchObject({ mode: 'keyed', drift: { onlyInOld: [], onlyInNew: ['w'], retyped: [{ column: 'v', old: 'text', new: 'varchar(10)' }] } });
    expect(p.mode === 'keyed' && p.old.columns.map((c) => c.name)).toEqual(['id', 'v']);
    expect(p.mode === 'keyed' && p.new.columns.map((c) => c.type)).toEqual(['integer', 'varchar(10)']);
    expect(planTable(base, table([col('id')], ['id']))).toMatchObject({ drift: { onlyInOld: ['v'], onlyInNew: [], retyped: [] } });
  });

  it('compares key ranges in byte order when the key orderings are not proven equal', () => {
    const ordered = (o: string): ColumnMeta => ({ ...col('k', 'text', 'pg_catalog.default'), ordering: o });
    const same = planTable(table([ordered('provider=i locale=en version=153')], ['k']), table([ordered('provider=i locale=en version=153')], ['k']));
    expect(same).toMatchObject({ mode: 'keyed', notes: [] });
    expect(same.mode === 'keyed' && same.old.byteOrderKeys).toBeUndefined();
    const differ = planTable(table([ordered('provider=i locale=en version=153')], ['k']), table([ordered('provider=c collate=C version=none')], ['k']));
    expect(differ).toMatchObject({ mode: 'keyed', old: { byteOrderKeys: true }, new: { byteOrderKeys: true }, notes: [expect.stringContaining('key column k may sort differently')] });
  });
});

describe('impossibleCounts', () => {
  it('flags counts no correct comparison can produce', () => {
    expect(impossibleCounts({ oldRows: 3, newRows: 2, missingInNew: 1, changed: 1, onlyInNew: 0 })).toBeNull();
    expect(impossibleCounts({ oldRows: 3, newRows: 2, missingInNew: 3, changed: 1, onlyInNew: 0 })).toContain('> 3 rows in the old database');
    expect(impossibleCounts({ oldRows: 3, newRows: 2, missingInNew: 0, changed: 1, onlyInNew: 2 })).toContain('> 2 rows in the new database');
  });
});

describe('renderSummary', () => {
  const report: ReconcileReport = {
    engine: 'mysql',
    generatedAt: '2024-05-01T10:00:00.000Z',
    tables: [
      { table: 'orders', primaryKey: ['id'], oldRows: 10, newRows: 9, missingInNew: 2, changed: 1, onlyInNew: 1, skipped: null, drift: null, notes: [] },
      { table: 'a|b', primaryKey: ['x', 'y'], oldRows: 5, newRows: 5, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: null, drift: null, notes: [] },
      { table: 'audit_log', primaryKey: [], oldRows: 3, newRows: 4, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: 'no primary key', drift: null, notes: [] },
      { table: 'promo', primaryKey: ['id'], oldRows: 7, newRows: 0, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: 'table missing in new primary', drift: null, notes: [] },
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
    expect(md).not.toMatch(/re-apply/i);
    expect(md).toContain('**do not insert these rows back blindly**');
    expect(md).toContain('**Review each one**');
    expect(md).toContain('**keep it**');
    expect(md).toContain('- `promo`: table missing in new primary. The table (its DDL) did not reach the new primary.');
    expect(md).toContain('MariaDB 10.11 at old:3306/shop');
  });

  it('says so when nothing differs', () => {
    const clean = renderSummary({ ...report, tables: [report.tables[1]], totals: { missingInNew: 0, changed: 0, onlyInNew: 0 } }, { oldDescription: 'o', newDescription: 'n', schema: 'public' });
    expect(clean).toContain('No differences: every table is identical in both databases.');
  });
});

describe('hasDifferences', () => {
  const clean: ReconcileReport = { engine: 'postgres', generatedAt: '', tables: [], totals: { missingInNew: 0, changed: 0, onlyInNew: 0 } };
  it('is true for any difference, any table not compared or with different columns', () => {
    const t = { table: 'x', primaryKey: ['id'], oldRows: 0, newRows: 0, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: null, notes: [] };
    expect(hasDifferences({ ...clean, tables: [{ ...t, drift: null }] })).toBe(false);
    expect(hasDifferences({ ...clean, tables: [{ ...t, drift: { onlyInOld: [], onlyInNew: ['w'], retyped: [] } }] })).toBe(true);
    expect(hasDifferences(clean)).toBe(false);
    expect(hasDifferences({ ...clean, totals: { missingInNew: 0, changed: 0, onlyInNew: 1 } })).toBe(true);
    expect(
      hasDifferences({ ...clean, tables: [{ table: 'x', primaryKey: [], oldRows: 0, newRows: 0, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: 'no primary key', drift: null, notes: [] }] }),
    ).toBe(true);
  });
});

describe('resolveTuning', () => {
  it('fills defaults and rejects nonsense', () => {
    expect(resolveTuning({ chunkSize: 5 })).toEqual({ chunkSize: 5, leafRows: 64, maxSplit: 256, fetchSize: 2000, fetchBytes: 32 * 1024 * 1024 });
    expect(() => resolveTuning({ maxSplit: 1 })).toThrow('tuning maxSplit must be an integer >= 2, got 1');
    expect(() => resolveTuning({ chunkSize: 1.5 })).toThrow('tuning chunkSize must be an integer >= 1');
  });
});
