/**
 * The range algorithm against an in-memory Side: its "database order" (used for
 * ranges) can be a case-insensitive collation while merges use byte order, like the
 * real engines.
 */
import { compareCodePoints, compareKeys } from '../../../../lib/reconcile/engine';
import type { Diff, KeyOrder, Row, Tuning } from '../../../../lib/reconcile/engine';
import type { Checksum, ChunkBoundaries, CountedRow, KeyBound, KeyRange, Side, TableMeta } from '../../../../lib/reconcile/engine/side';
import { sameChecksum, splitChunkRows, wantedRanges } from '../../../../lib/reconcile/engine/side';
import { compareTable } from '../../../../lib/reconcile/engine/table-compare';
import type { SideName } from '../../../../lib/reconcile/engine/types';
import type { ValueKind } from '../../../../lib/reconcile/engine/values';
import { unhandledRejectionsDuring } from '../../../helpers/unhandled-rejections';

type KeyCmp = (a: readonly string[], b: readonly string[]) => number;

interface FakeRow {
  readonly key: string[];
  readonly values: (string | null)[];
}

const TABLE: TableMeta = {
  name: 't',
  columns: [
    { name: 'k', type: 'text', dataType: 'text', collation: null, charset: null },
    { name: 'v', type: 'text', dataType: 'text', collation: null, charset: null },
  ],
  primaryKey: ['k'],
  partitioned: false,
};

/** FNV-1a, 64 bits. */
function hash(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const ch of text) h = ((h ^ BigInt(ch.codePointAt(0) ?? 0)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

class FakeSide implements Side {
  readonly serverVersion = 'fake';
  readonly calls: Record<string, number> = { chunkBoundaries: 0, splitBoundaries: 0, checksums: 0, fetchBuckets: 0, streamPages: 0 };
  private readonly rows: FakeRow[];

  constructor(
    readonly side: SideName,
    rows: FakeRow[],
    private readonly dbOrder: KeyCmp,
    private readonly mergeOrders: KeyOrder[],
  ) {
    this.rows = [...rows].sort((a, b) => dbOrder(a.key, b.key));
  }

  /** Most rows one fetchBuckets call or stream page returned. */
  maxFetched = 0;
  /** Rows inside the ranges fetchBuckets was asked for (what the database would scan). */
  scanned = 0;

  async sampleRowBytes(): Promise<number> {
    return this.rows.slice(0, 200).reduce((m, r) => Math.max(m, r.values.reduce((n, v) => n + (v === null ? 1 : v.length + 1), 0)), 0);
  }

  // Not used by compareTable (multisets and read checks are covered by the integration tests).
  readProblems(): Promise<string[]> {
    return Promise.resolve([]);
  }

  multisetChecksum(): Promise<Checksum> {
    return Promise.reject(new Error('not used'));
  }

  // eslint-disable-next-line require-yield
  async *streamMultiset(): AsyncGenerator<CountedRow> {
    throw new Error('not used');
  }

  async listTables(): Promise<TableMeta[]> {
    return [TABLE];
  }
  async countRows(): Promise<number> {
    return this.rows.length;
  }
  keyOrders(): KeyOrder[] {
    return this.mergeOrders;
  }
  valueKinds(): ValueKind[] {
    return ['string', 'string'];
  }
  private inRange(key: readonly string[], range: KeyRange): boolean {
    return (!range.lower || this.dbOrder(key, range.lower) > 0) && (!range.upper || this.dbOrder(key, range.upper) <= 0);
  }
  private bucketOf(key: readonly string[], bounds: readonly KeyBound[]): number {
    const i = bounds.findIndex((b) => this.dbOrder(key, b) <= 0);
    return i < 0 ? bounds.length : i;
  }
  async chunkBoundaries(_t: TableMeta, lower: KeyBound | null, chunkSize: number, step: number): Promise<ChunkBoundaries> {
    this.calls.chunkBoundaries += 1;
    const chunk = this.rows.filter((r) => this.inRange(r.key, { lower, upper: null })).slice(0, chunkSize);
    const numbered = chunk.map((r, i) => [...r.key, String(i + 1)]).filter((_, i) => (i + 1) % step === 0 || i + 1 === chunkSize);
    return splitChunkRows(numbered, chunkSize);
  }
  async splitBoundaries(_t: TableMeta, range: KeyRange, step: number, count: number): Promise<KeyBound[]> {
    this.calls.splitBoundaries += 1;
    const inside = this.rows.filter((r) => this.inRange(r.key, range));
    // As the SQL: row numbers step, 2·step, … below count that exist.
    const out: KeyBound[] = [];
    for (let n = step; n < count && n <= inside.length; n += step) out.push(inside[n - 1].key);
    return out;
  }
  /** Checksum calls after this many reject (a server gone mid-run). */
  failChecksumsAfter = Infinity;
  failFetch = false;

  async checksums(_t: TableMeta, range: KeyRange, bounds: readonly KeyBound[]): Promise<Checksum[]> {
    this.calls.checksums += 1;
    if (this.calls.checksums > this.failChecksumsAfter) throw new Error('checksum failed');
    const acc = Array.from({ length: bounds.length + 1 }, () => ({ count: 0, sum: 0n }));
    for (const r of this.rows.filter((x) => this.inRange(x.key, range))) {
      const c = acc[this.bucketOf(r.key, bounds)];
      c.count += 1;
      c.sum += hash(JSON.stringify(r.values));
    }
    return acc.map((c) => ({ count: c.count, digest: String(c.sum) }));
  }
  async fetchBuckets(_t: TableMeta, range: KeyRange, bounds: readonly KeyBound[], buckets: readonly number[]): Promise<Row[]> {
    this.calls.fetchBuckets += 1;
    if (this.failFetch) throw new Error('fetch failed');
    const inside = this.rows.filter((r) => this.inRange(r.key, range));
    // What the engines read: the wanted sub-ranges by the index.
    const ranges = wantedRanges(range, bounds, buckets);
    this.scanned += inside.filter((r) => ranges.some((w) => this.inRange(r.key, w))).length;
    const rows = inside
      .map((r) => ({ bucket: this.bucketOf(r.key, bounds), key: r.key, values: r.values }))
      .filter((r) => buckets.includes(r.bucket))
      .sort((a, b) => a.bucket - b.bucket || compareKeys(this.mergeOrders, a.key, b.key));
    this.maxFetched = Math.max(this.maxFetched, rows.length);
    return rows;
  }
  async *streamRange(_t: TableMeta, range: KeyRange, pageSize: number): AsyncGenerator<Row> {
    let after = range.lower;
    for (;;) {
      this.calls.streamPages += 1;
      const page = this.rows.filter((r) => this.inRange(r.key, { lower: after, upper: range.upper })).slice(0, pageSize);
      this.maxFetched = Math.max(this.maxFetched, page.length);
      for (const r of page) {
        yield { bucket: 0, key: r.key, values: r.values };
        after = r.key;
      }
      if (page.length < pageSize) return;
    }
  }
  // Not used by compareTable (the base lookup is covered by the integration tests).
  lookupRows(): Promise<Row[]> {
    throw new Error('not used');
  }

  async close(): Promise<void> {}
}

const intOrder: KeyCmp = (a, b) => compareKeys(['integer'], a, b);
const numbered = (from: number, to: number, value = (i: number): string => `v${i}`): FakeRow[] =>
  Array.from({ length: to - from + 1 }, (_, j) => ({ key: [String(from + j)], values: [String(from + j), value(from + j)] }));

async function run(
  oldRows: FakeRow[],
  newRows: FakeRow[],
  tuning: Partial<Tuning> = {},
  dbOrder: KeyCmp = intOrder,
  orders: KeyOrder[] = ['integer'],
  strategy: 'checksum' | 'stream' = 'checksum',
) {
  const oldSide = new FakeSide('old', oldRows, dbOrder, orders);
  const newSide = new FakeSide('new', newRows, dbOrder, orders);
  const diffs: Diff[] = [];
  let rows = 0;
  const counts = await compareTable({
    oldSide,
    newSide,
    table: TABLE,
    tuning: { chunkSize: 10, leafRows: 4, maxSplit: 4, fetchSize: 3, fetchBytes: 1 << 30, ...tuning },
    strategy,
    emit: async (d) => {
      diffs.push(d);
    },
    onRows: (n) => {
      rows += n;
    },
  });
  const listed = diffs.map((d) => `${d.kind}:${(d.old ?? d.new)?.key.join('/')}`);
  return { counts, listed, rows, oldSide, newSide };
}

describe('compareTable, strategy stream', () => {
  const ci: KeyCmp = (a, b) => compareKeys(['text'], [a[0].toLowerCase()], [b[0].toLowerCase()]);
  it.each([
    ['integer keys', intOrder, ['integer'] as KeyOrder[], (i: number): string => String(i)],
    ['text keys in a case-insensitive database order', ci, ['text'] as KeyOrder[], (i: number): string => (i % 2 ? `K${1000 + i}` : `k${1000 + i}`)],
  ])('finds exactly what checksum finds, without checksums (%s)', async (_name, order, orders, keyOf) => {
    const rows = (from: number, to: number, v = (i: number): string => `v${i}`): FakeRow[] =>
      Array.from({ length: to - from + 1 }, (_, j) => ({ key: [keyOf(from + j)], values: [keyOf(from + j), v(from + j)] }));
    const oldRows = rows(1, 95).filter((r) => r.key[0] !== keyOf(40));
    const newRows = [...rows(1, 100, (i) => (i === 7 || i === 60 ? 'changed' : `v${i}`)).filter((r) => r.key[0] !== keyOf(3))];
    const byChecksum = await run(oldRows, newRows, {}, order, orders, 'checksum');
    const byStream = await run(oldRows, newRows, {}, order, orders, 'stream');
    expect(byStream.counts).toEqual(byChecksum.counts);
    // The same differences; with collated keys the order inside a chunk is the merge (byte) order, so files may order them differently.
    expect([...byStream.listed].sort()).toEqual([...byChecksum.listed].sort());
    expect(byStream.counts).toEqual({ oldRows: 94, newRows: 99, missingInNew: 1, changed: 2, onlyInNew: 6 });
    expect(byStream.rows).toBe(94 + 99);
    expect(byStream.oldSide.calls.checksums + byStream.newSide.calls.checksums).toBe(0);
  });

  it('keeps every fetch within the byte budget when the new side has many rows between two old keys', async () => {
    const wide = (i: number): string => `v${i}`.padEnd(1000, 'x');
    // Old: every 100th key; new: every key (1,980 rows inserted between old keys, 99 between two).
    const oldRows = numbered(1, 2_000, wide).filter((r) => Number(r.key[0]) % 100 === 0);
    const newRows = numbered(1, 2_000, wide);
    const r = await run(oldRows, newRows, { chunkSize: 1000, leafRows: 64, maxSplit: 16, fetchSize: 2000, fetchBytes: 20_000 }, intOrder, ['integer'], 'stream');
    expect(r.counts).toEqual({ oldRows: 20, newRows: 2_000, missingInNew: 0, changed: 0, onlyInNew: 1_980 });
    // ~1 KB rows, 20 KB per fetch: at most 19 rows at once on either side.
    expect(Math.max(r.oldSide.maxFetched, r.newSide.maxFetched)).toBeLessThanOrEqual(19);
  });
});

describe('compareTable', () => {
  it('caps every fetch by the byte budget, however many rows differ', async () => {
    const wide = (tag: string) => (i: number): string => `${tag}${i}`.padEnd(1000, 'x');
    const oldRows = numbered(1, 300, wide('o'));
    // Every row changed, plus rows only in new (streamed).
    const newRows = [...numbered(1, 300, wide('n')), ...numbered(301, 400, wide('n'))];
    const r = await run(oldRows, newRows, { chunkSize: 1000, leafRows: 64, maxSplit: 256, fetchSize: 2000, fetchBytes: 5_000 });
    expect(r.counts).toEqual({ oldRows: 300, newRows: 400, missingInNew: 0, changed: 300, onlyInNew: 100 });
    // ~1 KB rows, 5 KB per fetch: at most 4 rows at once on either side.
    expect(Math.max(r.oldSide.maxFetched, r.newSide.maxFetched)).toBeLessThanOrEqual(4);
    // Without the budget the same run fetches far more at once.
    const unbounded = await run(oldRows, newRows, { chunkSize: 1000, leafRows: 64, maxSplit: 256, fetchSize: 2000 });
    expect(unbounded.newSide.maxFetched).toBeGreaterThan(50);
  });

  // One chunk of 1,000 keys cut into 16 sub-ranges (~63 keys each); two keys differ.
  it.each([
    ['neighbouring sub-ranges, not the whole chunk', 500, 510],
    ['two sub-ranges 800 keys apart, not the span between them', 100, 900],
  ])('fetches only the wanted sub-ranges: %s', async (_name, a, b) => {
    const changed = (i: number): string => (i === a || i === b ? 'changed' : `v${i}`);
    const r = await run(numbered(1, 1000), numbered(1, 1000, changed), { chunkSize: 1000, leafRows: 64, maxSplit: 16 });
    expect(r.listed).toEqual([`changed:${a}`, `changed:${b}`]);
    expect(r.oldSide.calls.fetchBuckets).toBe(1);
    expect(r.oldSide.scanned).toBeLessThanOrEqual(2 * 63);
    expect(r.newSide.scanned).toBeLessThanOrEqual(2 * 63);
  });

  it('finds nothing in identical tables, without fetching rows', async () => {
    const r = await run(numbered(1, 95), numbered(1, 95));
    expect(r.counts).toEqual({ oldRows: 95, newRows: 95, missingInNew: 0, changed: 0, onlyInNew: 0 });
    expect(r.listed).toEqual([]);
    expect(r.rows).toBe(190);
    expect(r.oldSide.calls.fetchBuckets + r.newSide.calls.fetchBuckets).toBe(0);
    // 9 full chunks of 10 keys plus the open-ended last one, cut by the two sides in turn.
    expect(r.oldSide.calls.chunkBoundaries).toBe(5);
    expect(r.newSide.calls.chunkBoundaries).toBe(5);
    expect(r.oldSide.calls.checksums).toBe(10);
    expect(r.newSide.calls.checksums).toBe(10);
  });

  it('covers every row whichever side cuts, when the sides hold very different numbers of rows', async () => {
    // New side: only every 7th row, and rows past the old maximum; its cuts span ~70 old rows.
    const oldRows = numbered(1, 300);
    const newRows = [...numbered(1, 300).filter((r) => Number(r.key[0]) % 7 === 0), ...numbered(301, 340)];
    const r = await run(oldRows, newRows);
    expect(r.counts).toEqual({ oldRows: 300, newRows: 42 + 40, missingInNew: 300 - 42, changed: 0, onlyInNew: 40 });
    expect(r.newSide.calls.chunkBoundaries).toBeGreaterThan(0);
    // And the other way round.
    const back = await run(newRows, oldRows);
    expect(back.counts).toEqual({ oldRows: 82, newRows: 300, missingInNew: 40, changed: 0, onlyInNew: 258 });
  });

  it('fails with the first error, leaving no queued query to reject unhandled', async () => {
    const oldSide = new FakeSide('old', numbered(1, 95), intOrder, ['integer']);
    const newSide = new FakeSide('new', numbered(1, 95, (i) => (i === 5 ? 'changed' : `v${i}`)), intOrder, ['integer']);
    // The first chunk differs (its rows are fetched); the queued checksums of later chunks fail.
    newSide.failChecksumsAfter = 1;
    newSide.failFetch = true;
    const unhandled = await unhandledRejectionsDuring(async () => {
      const compared = compareTable({
        oldSide,
        newSide,
        table: TABLE,
        tuning: { chunkSize: 10, leafRows: 4, maxSplit: 4, fetchSize: 3, fetchBytes: 1 << 30 },
        emit: async () => undefined,
        onRows: () => undefined,
      });
      await expect(compared).rejects.toThrow('fetch failed');
    });
    expect(newSide.calls.checksums).toBeGreaterThan(1);
    expect(unhandled).toEqual([]);
  });

  it('classifies differences in the first, a middle and the last range, and keys beyond the old maximum', async () => {
    const oldRows = numbered(1, 95).filter((r) => !['1', '50', '95'].includes(r.key[0]));
    const newRows = [...numbered(1, 100, (i) => (i === 2 || i === 61 ? 'changed' : `v${i}`)).filter((r) => r.key[0] !== '30')];
    const r = await run(oldRows, newRows);
    expect(r.listed).toEqual(['onlyInNew:1', 'changed:2', 'missingInNew:30', 'onlyInNew:50', 'changed:61', 'onlyInNew:95', 'onlyInNew:96', 'onlyInNew:97', 'onlyInNew:98', 'onlyInNew:99', 'onlyInNew:100']);
    expect(r.counts).toEqual({ oldRows: 92, newRows: 99, missingInNew: 1, changed: 2, onlyInNew: 8 });
    expect(r.rows).toBe(92 + 99);
  });

  it('streams a range that exists on one side only, page by page', async () => {
    const r = await run([], numbered(1, 8));
    expect(r.listed).toEqual(numbered(1, 8).map((x) => `onlyInNew:${x.key[0]}`));
    expect(r.newSide.calls.streamPages).toBe(3);
    const back = await run(numbered(1, 25), []);
    expect(back.counts.missingInNew).toBe(25);
    expect(back.rows).toBe(25);
  });

  it('splits large differing ranges recursively and still finds every difference', async () => {
    const changed = new Set([3, 250, 251, 777, 1000]);
    const r = await run(numbered(1, 1000), numbered(1, 1000, (i) => (changed.has(i) ? 'x' : `v${i}`)), { chunkSize: 1000, leafRows: 8, maxSplit: 4 });
    expect(r.listed).toEqual([...changed].map((i) => `changed:${i}`));
    expect(r.oldSide.calls.splitBoundaries + r.newSide.calls.splitBoundaries).toBeGreaterThan(4);
    // Only the small sub-ranges around the differences were fetched.
    expect(r.oldSide.calls.fetchBuckets).toBeLessThan(20);
    expect(r.rows).toBe(2000);
  });

  it('splits at keys of the side with more rows', async () => {
    const r = await run(numbered(1, 3), numbered(1, 60), { chunkSize: 100, leafRows: 5, maxSplit: 3 });
    expect(r.counts.onlyInNew).toBe(57);
    expect(r.newSide.calls.splitBoundaries).toBeGreaterThan(0);
    expect(r.oldSide.calls.splitBoundaries).toBe(0);
  });

  it('uses byte order inside ranges cut by a case-insensitive collation', async () => {
    // "Database collation": case-insensitive, then accent-insensitive (é = e) — like utf8mb4_general_ci.
    const fold = (s: string): string => s.toLowerCase().normalize('NFD').replace(/\p{Diacritic}/gu, '');
    const ci: KeyCmp = (a, b) => compareCodePoints(fold(a[0]), fold(b[0]));
    const keys = (list: string[]): FakeRow[] => list.map((k) => ({ key: [k], values: [k, '1'] }));
    const oldRows = keys(['a', 'B', 'c', 'é', 'F', 'g', 'h']);
    const newRows = keys(['A', 'B', 'c', 'e', 'F', 'G', 'h']);
    const r = await run(oldRows, newRows, { chunkSize: 2, leafRows: 4 }, ci, ['text']);
    expect(r.listed).toEqual(['onlyInNew:A', 'missingInNew:a', 'onlyInNew:e', 'missingInNew:é', 'onlyInNew:G', 'missingInNew:g']);
  });
});

describe('checksums and chunk bounds', () => {
  it('matches only equal counts and digests', () => {
    expect(sameChecksum({ count: 3, digest: '42' }, { count: 3, digest: '42' })).toBe(true);
    expect(sameChecksum({ count: 3, digest: '42' }, { count: 3, digest: '43' })).toBe(false);
    expect(sameChecksum({ count: 3, digest: '42' }, { count: 4, digest: '42' })).toBe(false);
  });

  it('takes the chunk end from a full chunk and leaves a short one open-ended', () => {
    expect(splitChunkRows([['5', '5'], ['10', '10']], 10)).toEqual({ bounds: [['5']], upper: ['10'] });
    expect(splitChunkRows([['a', 'x', '4'], ['b', 'y', '8']], 10)).toEqual({ bounds: [['a', 'x'], ['b', 'y']], upper: null });
    expect(splitChunkRows([], 10)).toEqual({ bounds: [], upper: null });
  });

  it('joins adjacent wanted sub-ranges into one key range', () => {
    const range = { lower: ['a'], upper: ['z'] };
    const bounds = [['c'], ['f'], ['k'], ['p']];
    expect(wantedRanges(range, bounds, [0, 1, 3])).toEqual([
      { lower: ['a'], upper: ['f'] },
      { lower: ['k'], upper: ['p'] },
    ]);
    expect(wantedRanges(range, bounds, [4])).toEqual([{ lower: ['p'], upper: ['z'] }]);
    expect(wantedRanges({ lower: null, upper: null }, [], [0])).toEqual([{ lower: null, upper: null }]);
  });
});
