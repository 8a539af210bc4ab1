import { KeyOrderError, compareKeys, fromArray, mergeRows } from '../../../../lib/reconcile/engine';
import type { Diff, KeyOrder, Row } from '../../../../lib/reconcile/engine';

const orders: KeyOrder[] = ['text'];
const cmp = (a: Row, b: Row): number => a.bucket - b.bucket || compareKeys(orders, a.key, b.key);
const row = (key: string, value: string | null, bucket = 0): Row => ({ bucket, key: [key], values: [key, value] });

async function collect(oldRows: Row[], newRows: Row[]): Promise<string[]> {
  const out: string[] = [];
  for await (const d of mergeRows(fromArray(oldRows), fromArray(newRows), cmp)) out.push(label(d));
  return out;
}

function label(d: Diff): string {
  const r = d.old ?? d.new;
  return `${d.kind}:${r?.key.join('/') ?? '?'}`;
}

describe('mergeRows', () => {
  it('classifies missing, changed and new rows and skips equal ones', async () => {
    const oldRows = [row('a', '1'), row('b', '2'), row('c', '3'), row('e', null)];
    const newRows = [row('b', '2'), row('c', '30'), row('d', '4'), row('e', '')];
    expect(await collect(oldRows, newRows)).toEqual(['missingInNew:a', 'changed:c', 'onlyInNew:d', 'changed:e']);
  });

  it('handles empty sides', async () => {
    expect(await collect([], [])).toEqual([]);
    expect(await collect([row('a', '1'), row('b', '1')], [])).toEqual(['missingInNew:a', 'missingInNew:b']);
    expect(await collect([], [row('a', '1')])).toEqual(['onlyInNew:a']);
  });

  it('treats keys that a case-insensitive collation calls equal as different keys', async () => {
    // Byte order: 'A' < 'B' < 'a' < 'b' < 'é'.
    const oldRows = [row('B', '1'), row('a', '1'), row('é', '1')];
    const newRows = [row('A', '1'), row('B', '1'), row('e', '1')];
    expect(await collect(oldRows, newRows)).toEqual(['onlyInNew:A', 'missingInNew:a', 'onlyInNew:e', 'missingInNew:é']);
  });

  it('keeps buckets apart', async () => {
    const oldRows = [row('z', '1', 0), row('a', '1', 1)];
    const newRows = [row('z', '1', 0), row('a', '2', 1), row('b', '1', 1)];
    expect(await collect(oldRows, newRows)).toEqual(['changed:a', 'onlyInNew:b']);
  });

  it('carries both full rows in a change', async () => {
    const diffs: Diff[] = [];
    for await (const d of mergeRows(fromArray([row('k', 'old')]), fromArray([row('k', 'new')]), cmp)) diffs.push(d);
    expect(diffs).toHaveLength(1);
    expect(diffs[0].old?.values).toEqual(['k', 'old']);
    expect(diffs[0].new?.values).toEqual(['k', 'new']);
  });

  it('fails when a stream is not in the comparison order (e.g. sorted by a collation)', async () => {
    // Collation order a, B: not byte order.
    await expect(collect([row('a', '1'), row('B', '1')], [])).rejects.toThrow(KeyOrderError);
    await expect(collect([], [row('a', '1'), row('a', '1')])).rejects.toThrow('new database are not in strictly increasing key order');
  });

  it('closes both inputs when the consumer stops early', async () => {
    const closed: string[] = [];
    async function* source(name: string, rows: Row[]): AsyncGenerator<Row> {
      try {
        for (const r of rows) yield r;
      } finally {
        closed.push(name);
      }
    }
    const it = mergeRows(source('old', [row('a', '1'), row('b', '1')]), source('new', [row('c', '1')]), cmp);
    const first = await it.next();
    expect(first.value && label(first.value)).toBe('missingInNew:a');
    await it.return(undefined);
    expect(closed.sort()).toEqual(['new', 'old']);
  });

  it('handles long streams lazily', async () => {
    async function* numbers(from: number, to: number, skip: Set<number>): AsyncGenerator<Row> {
      for (let i = from; i <= to; i++) if (!skip.has(i)) yield { bucket: 0, key: [String(i)], values: [String(i)] };
    }
    const intCmp = (a: Row, b: Row): number => compareKeys(['integer'], a.key, b.key);
    let missing = 0;
    let added = 0;
    for await (const d of mergeRows(numbers(1, 100_000, new Set([5, 50_000])), numbers(1, 100_002, new Set([77])), intCmp)) {
      if (d.kind === 'missingInNew') missing += 1;
      if (d.kind === 'onlyInNew') added += 1;
    }
    expect({ missing, added }).toEqual({ missing: 1, added: 4 });
  });
});
