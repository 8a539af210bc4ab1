/**
 * Row-level comparison of one table, with the databases doing the heavy lifting.
 *
 * 1. The tables are cut into chunks of `chunkSize` keys (keyset pagination in key
 *    order; the old and the new side cut every other chunk), each pre-cut into
 *    sub-ranges of about `leafRows` keys; the last chunk is open-ended so keys beyond
 *    either side's maximum are seen.
 * 2. One grouped query per side gives every sub-range's checksum (row count + hash
 *    sum). Equal checksums: done. The checksums of the next chunks are already queued
 *    on the servers (ChunkQueue), so the servers keep summing while Node fetches and
 *    merges this chunk's differences.
 * 3. A differing sub-range is
 *    - streamed page by page if one side has no rows in it (all rows are missing/new),
 *    - fetched whole from both sides and merged if it is small (≤ leafRows per side),
 *    - otherwise split into up to `maxSplit` sub-ranges at keys taken from the side with
 *      more rows, whose checksums come from one grouped query per side; small differing
 *      sub-ranges are fetched together in one query per side, large ones recurse.
 * Memory is bounded in bytes: a fetch holds at most fetchBytes / (bytes per row) rows
 * (and never more than maxSplit × leafRows, or fetchSize when streaming); bytes per row
 * start from a sample of the table and rise with every fetch that returns wider rows,
 * and a differing range with more rows than that is split further before it is fetched.
 * Differences are written in range order.
 *
 * Strategy `stream` skips the checksums: the old side is cut into chunks of at most
 * min(chunkSize, byte budget in rows) keys, and each chunk's rows are fetched from both
 * sides (one query each, merge order) and merged in Node. Before the fetch, a keys-only
 * probe checks that the new side holds no more rows in the chunk than the budget; if it
 * does (rows inserted between old keys, or past the old maximum), that chunk is settled
 * by checksums as above, which split it to fit.
 */
import { ChunkQueue } from './chunk-queue';
import type { StartedChunk } from './chunk-queue';
import type { KeyOrder } from './compare';
import { compareKeys } from './compare';
import { fromArray, mergeRows } from './merge';
import type { Checksum, ChunkBoundaries, KeyBound, KeyRange, Side, TableMeta } from './side';
import { EMPTY_CHECKSUM, rowBytes, sameChecksum, subRange } from './side';
import type { ComparisonStrategy, Tuning } from './types';
import type { Diff, Row } from './values';

export interface TableCounts {
  oldRows: number;
  newRows: number;
  missingInNew: number;
  changed: number;
  onlyInNew: number;
}

export interface CompareContext {
  readonly oldSide: Side;
  readonly newSide: Side;
  /** The table as the old side sees it (ranges and merge order come from here). */
  readonly table: TableMeta;
  /** The table as the new side sees it (same key and shared columns; types may differ). Default: `table`. */
  readonly newTable?: TableMeta;
  readonly tuning: Tuning;
  /** Default checksum. */
  readonly strategy?: Exclude<ComparisonStrategy, 'auto'>;
  /** Receives every difference, in order; may apply back-pressure. */
  readonly emit: (diff: Diff) => Promise<void>;
  /** Rows of both sides covered so far in this table. */
  readonly onRows: (rows: number) => void;
}

/** Chunks whose checksums are queued ahead of the one being compared (see ChunkQueue). */
const CHUNKS_AHEAD = 2;

class TableComparer {
  readonly counts: TableCounts = { oldRows: 0, newRows: 0, missingInNew: 0, changed: 0, onlyInNew: 0 };
  private readonly orders: readonly KeyOrder[];
  private readonly newTable: TableMeta;
  /** Widest row text seen so far (sampled, then from fetches). */
  private bytesPerRow = 1;

  constructor(private readonly ctx: CompareContext) {
    this.orders = ctx.oldSide.keyOrders(ctx.table);
    this.newTable = ctx.newTable ?? ctx.table;
  }

  private readonly compareRows = (a: Row, b: Row): number => a.bucket - b.bucket || compareKeys(this.orders, a.key, b.key);

  /** Rows one side may fetch at once under the byte budget. */
  private rowBudget(): number {
    return Math.max(1, Math.floor(this.ctx.tuning.fetchBytes / this.bytesPerRow));
  }

  /** Rows a range may hold per side to be fetched whole. */
  private leafLimit(): number {
    return Math.min(this.ctx.tuning.leafRows, this.rowBudget());
  }

  private observe(rows: readonly Row[]): void {
    for (const r of rows) this.bytesPerRow = Math.max(this.bytesPerRow, rowBytes(r.values));
  }

  private async emit(diff: Diff): Promise<void> {
    this.counts[diff.kind] += 1;
    await this.ctx.emit(diff);
  }

  async run(): Promise<TableCounts> {
    const { oldSide, newSide, table, tuning } = this.ctx;
    const sampled = await Promise.all([oldSide.sampleRowBytes(table), newSide.sampleRowBytes(this.newTable)]);
    this.bytesPerRow = Math.max(1, ...sampled);
    if (this.ctx.strategy === 'stream') return this.runStream();
    // Each chunk comes pre-cut into sub-ranges of about leafRows keys, so one grouped
    // checksum per side both settles identical chunks and pinpoints differing parts.
    const parts = Math.min(tuning.maxSplit, Math.max(1, Math.ceil(tuning.chunkSize / tuning.leafRows)));
    const step = Math.ceil(tuning.chunkSize / parts);
    const queue = new ChunkQueue((lower, cut, index) => this.startChunk(lower, cut, step, index), CHUNKS_AHEAD + 1);
    let chunk = queue.first(await oldSide.chunkBoundaries(table, null, tuning.chunkSize, step));
    try {
      for (;;) {
        const [bo, bn] = await chunk.sums;
        for (const c of bo) this.counts.oldRows += c.count;
        for (const c of bn) this.counts.newRows += c.count;
        await this.compareBuckets(chunk.range, chunk.bounds, bo, bn);
        queue.done();
        const next = await chunk.following;
        if (next === null) return this.counts;
        chunk = next;
      }
    } finally {
      queue.stop();
    }
  }

  /**
   * Queues a chunk on the servers: first the cut of the chunk after it, taken from the two
   * sides in turn so that neither server does all the cutting, then both checksums.
   * Any side's cut serves: ranges are (lower, upper] in the key order both sides share,
   * and the last chunk is open-ended, so rows beyond either side's cut are still covered.
   */
  private startChunk(lower: KeyBound | null, cut: ChunkBoundaries, step: number, index: number): StartedChunk {
    const { oldSide, newSide, table, tuning } = this.ctx;
    const range: KeyRange = { lower, upper: cut.upper };
    let nextCut: Promise<ChunkBoundaries | null> = Promise.resolve(null);
    if (cut.upper !== null) {
      nextCut = index % 2 === 0 ? newSide.chunkBoundaries(this.newTable, cut.upper, tuning.chunkSize, step) : oldSide.chunkBoundaries(table, cut.upper, tuning.chunkSize, step);
    }
    const sums = Promise.all([oldSide.checksums(table, range, cut.bounds), newSide.checksums(this.newTable, range, cut.bounds)]);
    return { index, range, bounds: cut.bounds, sums, nextCut };
  }

  /** Strategy stream: every chunk fetched from both sides and merged, no checksums. */
  private async runStream(): Promise<TableCounts> {
    const { oldSide, table, tuning } = this.ctx;
    let lower: KeyBound | null = null;
    for (;;) {
      const size = Math.max(1, Math.min(tuning.chunkSize, this.rowBudget()));
      const { upper } = await oldSide.chunkBoundaries(table, lower, size, size);
      await this.streamChunk({ lower, upper }, this.rowBudget());
      if (upper === null) return this.counts;
      lower = upper;
    }
  }

  /** The old side has at most `budget` rows in `range` (the byte budget in rows); the new side is probed before the fetch. */
  private async streamChunk(range: KeyRange, budget: number): Promise<void> {
    const { oldSide, newSide, table } = this.ctx;
    // A key at row number budget + 1 exists only if the new side has more rows than the budget.
    const over = await newSide.splitBoundaries(this.newTable, range, budget + 1, budget + 2);
    if (over.length > 0) {
      const [[co], [cn]] = await Promise.all([oldSide.checksums(table, range, []), newSide.checksums(this.newTable, range, [])]);
      this.counts.oldRows += co.count;
      this.counts.newRows += cn.count;
      await this.compareRange(range, co, cn);
      return;
    }
    const [oldRows, newRows] = await Promise.all([oldSide.fetchBuckets(table, range, [], [0]), newSide.fetchBuckets(this.newTable, range, [], [0])]);
    this.counts.oldRows += oldRows.length;
    this.counts.newRows += newRows.length;
    this.observe(oldRows);
    this.observe(newRows);
    for await (const diff of mergeRows(fromArray(oldRows), fromArray(newRows), this.compareRows)) await this.emit(diff);
    this.ctx.onRows(oldRows.length + newRows.length);
  }

  private async compareRange(range: KeyRange, co: Checksum, cn: Checksum): Promise<void> {
    if (sameChecksum(co, cn)) {
      this.ctx.onRows(co.count + cn.count);
    } else if (co.count === 0 || cn.count === 0) {
      await this.oneSided(range, co.count > 0);
    } else if (Math.max(co.count, cn.count) <= this.leafLimit()) {
      await this.mergeBuckets(range, [], [0], co.count + cn.count);
    } else {
      await this.split(range, co, cn);
    }
  }

  /** Every row of the range is on one side only. */
  private async oneSided(range: KeyRange, fromOld: boolean): Promise<void> {
    const page = Math.min(this.ctx.tuning.fetchSize, this.rowBudget());
    const rows = fromOld ? this.ctx.oldSide.streamRange(this.ctx.table, range, page) : this.ctx.newSide.streamRange(this.newTable, range, page);
    let seen = 0;
    for await (const row of rows) {
      this.bytesPerRow = Math.max(this.bytesPerRow, rowBytes(row.values));
      await this.emit(fromOld ? { kind: 'missingInNew', old: row, new: null } : { kind: 'onlyInNew', old: null, new: row });
      if (++seen % this.ctx.tuning.fetchSize === 0) this.ctx.onRows(this.ctx.tuning.fetchSize);
    }
    this.ctx.onRows(seen % this.ctx.tuning.fetchSize);
  }

  /** Fetches the given sub-ranges from both sides in one query each and merges them. */
  private async mergeBuckets(range: KeyRange, bounds: readonly KeyBound[], buckets: readonly number[], rows: number): Promise<void> {
    const { oldSide, newSide, table } = this.ctx;
    // Only the span from the first to the last wanted sub-range is read (by the index),
    // not the whole range: the buckets keep their numbers, the rest is never scanned.
    const span: KeyRange = { lower: subRange(range, bounds, buckets[0]).lower, upper: subRange(range, bounds, buckets[buckets.length - 1]).upper };
    const [oldRows, newRows] = await Promise.all([
      oldSide.fetchBuckets(table, span, bounds, buckets),
      newSide.fetchBuckets(this.newTable, span, bounds, buckets),
    ]);
    this.observe(oldRows);
    this.observe(newRows);
    for await (const diff of mergeRows(fromArray(oldRows), fromArray(newRows), this.compareRows)) await this.emit(diff);
    this.ctx.onRows(rows);
  }

  private async split(range: KeyRange, co: Checksum, cn: Checksum): Promise<void> {
    const { oldSide, newSide, table, tuning } = this.ctx;
    const fromNew = cn.count > co.count;
    const count = fromNew ? cn.count : co.count;
    const parts = Math.min(tuning.maxSplit, Math.max(2, Math.ceil(count / this.leafLimit())));
    const step = Math.ceil(count / parts);
    const bounds = await (fromNew ? newSide.splitBoundaries(this.newTable, range, step, count) : oldSide.splitBoundaries(table, range, step, count));
    if (bounds.length === 0) throw new Error(`internal: no split keys for a range of ${count} rows in ${table.name}`);
    const [bo, bn] = await Promise.all([oldSide.checksums(table, range, bounds), newSide.checksums(this.newTable, range, bounds)]);
    await this.compareBuckets(range, bounds, bo, bn);
  }

  /**
   * Settles the sub-ranges of `range` cut at `bounds`. Consecutive small differing
   * sub-ranges are fetched together; a large one is handled (recursively) in its turn,
   * so differences stay in range order.
   */
  private async compareBuckets(range: KeyRange, bounds: readonly KeyBound[], bo: readonly Checksum[], bn: readonly Checksum[]): Promise<void> {
    let pending: number[] = [];
    let pendingRows = 0;
    let pendingMax = 0;
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      await this.mergeBuckets(range, bounds, pending, pendingRows);
      pending = [];
      pendingRows = 0;
      pendingMax = 0;
    };
    for (let i = 0; i <= bounds.length; i++) {
      const o = bo[i] ?? EMPTY_CHECKSUM;
      const n = bn[i] ?? EMPTY_CHECKSUM;
      const rows = Math.max(o.count, n.count);
      if (sameChecksum(o, n)) {
        this.ctx.onRows(o.count + n.count);
      } else if (rows <= this.leafLimit()) {
        // Fetched together while the batch stays within the byte budget.
        if (pendingMax + rows > this.rowBudget()) await flush();
        pending.push(i);
        pendingRows += o.count + n.count;
        pendingMax += rows;
      } else {
        await flush();
        await this.compareRange(subRange(range, bounds, i), o, n);
      }
    }
    await flush();
  }
}

export async function compareTable(ctx: CompareContext): Promise<TableCounts> {
  return new TableComparer(ctx).run();
}
