import type { KeyBound, Side, TableMeta } from '../../../../lib/reconcile/engine/side';
import { BaseClassifier, classify, planBaseTable } from '../../../../lib/reconcile/engine/three-way';
import type { Diff, Row } from '../../../../lib/reconcile/engine/values';

const row = (...values: (string | null)[]): Row => ({ bucket: 0, key: [], values });

describe('classify', () => {
  it.each([
    ['missing insert', row('1', 'a'), null, null, 'lostInFailover'],
    ['lost update', row('1', 'b'), row('1', 'a'), row('1', 'a'), 'lostInFailover'],
    ['lost delete', null, row('1', 'a'), row('1', 'a'), 'lostInFailover'],
    ['deleted after the failover', row('1', 'a'), row('1', 'a'), null, 'changedAfterFailover'],
    ['updated after the failover', row('1', 'a'), row('1', 'a'), row('1', 'b'), 'changedAfterFailover'],
    ['inserted after the failover', null, null, row('1', 'a'), 'changedAfterFailover'],
    ['lost update, deleted after', row('1', 'b'), row('1', 'a'), null, 'both'],
    ['inserted on both sides', row('1', 'b'), null, row('1', 'c'), 'both'],
    ['NULL is not empty', row('1', null), row('1', ''), row('1', ''), 'lostInFailover'],
  ] as const)('%s', (_name, o, b, n, expected) => {
    expect(classify(o, b, n)).toBe(expected);
  });

  it('refuses a difference that is none', () => {
    expect(() => classify(row('1', 'a'), row('1', 'a'), row('1', 'a'))).toThrow('internal');
  });
});

const TABLE: TableMeta = {
  name: 't',
  primaryKey: ['id'],
  partitioned: false,
  columns: [
    { name: 'id', type: 'text', dataType: 'text', collation: null, charset: null },
    { name: 'v', type: 'text', dataType: 'text', collation: null, charset: null },
  ],
};

/** A base that answers lookups from a fixed list, like a case-insensitive collation would. */
function fakeBase(rows: Row[], calls: KeyBound[][]): Side {
  return {
    lookupRows: async (_t: TableMeta, keys: readonly KeyBound[]) => {
      calls.push([...keys]);
      return rows.filter((r) => keys.some((k) => k[0].toLowerCase() === (r.values[0] ?? '').toLowerCase()));
    },
  } as unknown as Side;
}

describe('BaseClassifier', () => {
  it('looks keys up in bounded batches, matches them exactly and keeps the order', async () => {
    const calls: KeyBound[][] = [];
    const side = fakeBase([row('a', 'x'), row('B', 'x')], calls);
    const base = planBaseTable(side, TABLE, TABLE);
    if (typeof base === 'string') throw new Error(base);
    const out: Diff[] = [];
    const c = new BaseClassifier(base, async (d) => void out.push(d), 2, 1_000_000);
    await c.add({ kind: 'missingInNew', old: row('a', 'x'), new: null });
    await c.add({ kind: 'missingInNew', old: row('b', 'x'), new: null });
    await c.add({ kind: 'changed', old: row('c', 'y'), new: row('c', 'x') });
    await c.flush();
    expect(calls.map((k) => k.map((x) => x[0]))).toEqual([['a', 'b'], ['c']]);
    // 'b' must not take the base's 'B'.
    expect(out.map((d) => `${d.old?.values[0] ?? ''}:${d.class ?? ''}:${d.base ? 'base' : 'none'}`)).toEqual(['a:changedAfterFailover:base', 'b:lostInFailover:none', 'c:both:none']);
    expect(c.counts).toEqual({ lostInFailover: 1, changedAfterFailover: 1, both: 1, unclassified: 0 });
  });

  it('marks every difference unclassified when the base cannot answer for the table', async () => {
    expect(planBaseTable(fakeBase([], []), TABLE, undefined)).toBe('table missing in the base database');
    expect(planBaseTable(fakeBase([], []), TABLE, { ...TABLE, primaryKey: ['v'] })).toBe('primary key differs in the base database');
    expect(planBaseTable(fakeBase([], []), TABLE, { ...TABLE, columns: TABLE.columns.slice(0, 1) })).toBe('column v missing in the base database');
    const out: Diff[] = [];
    const c = new BaseClassifier(null, async (d) => void out.push(d), 2, 100);
    await c.add({ kind: 'onlyInNew', old: null, new: row('z', 'x') });
    expect(out[0]).toMatchObject({ class: 'unclassified', base: null });
    expect(c.counts.unclassified).toBe(1);
  });
});
