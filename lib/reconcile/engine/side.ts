/**
 * One database of the comparison, seen through a read-only snapshot transaction.
 * Implemented by postgres.ts and mysql.ts; table-compare.ts drives both sides.
 *
 * Key ranges: a bound is the text form of the primary key values of one row (see each
 * engine for the exact form). A range is `lower < key <= upper` in the database's own
 * key order (so its primary key index serves it), a missing bound meaning unbounded.
 * Both sides evaluate the same predicate, so a range holds the same keys on both.
 * Rows of a range are merged in a separate, binary "merge order" (see compare.ts).
 */
import type { KeyOrder } from './compare';
import type { SideName } from './types';
import type { Row, ValueKind } from './values';

export interface ColumnMeta {
  readonly name: string;
  /** The server's type text with modifiers, e.g. `numeric(12,2)` / `decimal(12,2) unsigned`; compared across sides. */
  readonly type: string;
  /** Base type name that selects the SQL forms: PostgreSQL base `typname`, MySQL `DATA_TYPE`. */
  readonly dataType: string;
  /** Collation of the column, null when not collatable. */
  readonly collation: string | null;
  /** MySQL character set of the column, null otherwise. */
  readonly charset: string | null;
  /**
   * What decides the column's sort order, compared across sides before key ranges are
   * trusted: PostgreSQL collation name, provider, locale, version and determinism
   * (the database default resolved, never just "default"); MySQL the collation name.
   * Absent: the collation alone.
   */
  readonly ordering?: string | null;
}

export interface TableMeta {
  readonly name: string;
  readonly columns: readonly ColumnMeta[];
  /** Primary key column names in key order; empty when there is none. */
  readonly primaryKey: readonly string[];
  /** PostgreSQL: partitioned parent (read with its partitions) rather than a plain table (read ONLY). */
  readonly partitioned: boolean;
  /**
   * Key ranges in byte order rather than the key's collation (set by the run when the
   * two sides' key orderings could not be proven equal): correct, but no index serves it.
   */
  readonly byteOrderKeys?: boolean;
}

/** Text size of a fetched row (what it costs in memory, up to the JS string overhead). */
export function rowBytes(values: readonly (string | null)[]): number {
  let n = 0;
  for (const v of values) n += v === null ? 1 : v.length + 1;
  return n;
}

/** One distinct row of a table without primary key, with its number of copies. */
export interface CountedRow {
  /** Hash of the row text: the order rows arrive in (code point order of this text). */
  readonly hash: string;
  readonly copies: number;
  readonly values: readonly (string | null)[];
}

export type KeyBound = readonly string[];

export interface ChunkBoundaries {
  readonly bounds: KeyBound[];
  readonly upper: KeyBound | null;
}

/** Picks upper and inner bounds from rows `[...key, rowNumber]` of a chunk query. */
export function splitChunkRows(rows: readonly (readonly string[])[], chunkSize: number): ChunkBoundaries {
  const last = rows[rows.length - 1];
  const full = last !== undefined && Number(last[last.length - 1]) === chunkSize;
  const keys = rows.map((r) => r.slice(0, -1));
  return full ? { bounds: keys.slice(0, -1), upper: keys[keys.length - 1] } : { bounds: keys, upper: null };
}

export interface KeyRange {
  readonly lower: KeyBound | null;
  readonly upper: KeyBound | null;
}

/** Sub-range `i` of `range` cut at `bounds`: (lower, b0], (b0, b1], …, (bn-1, upper]. */
export function subRange(range: KeyRange, bounds: readonly KeyBound[], i: number): KeyRange {
  return { lower: i === 0 ? range.lower : bounds[i - 1], upper: i === bounds.length ? range.upper : bounds[i] };
}

/**
 * The key ranges holding exactly the wanted sub-ranges (ascending bucket numbers),
 * adjacent ones joined: what a fetch reads by the index, rather than every row from the
 * first wanted sub-range to the last.
 */
export function wantedRanges(range: KeyRange, bounds: readonly KeyBound[], buckets: readonly number[]): KeyRange[] {
  const out: KeyRange[] = [];
  let start = -1;
  for (let j = 0; j < buckets.length; j++) {
    if (start < 0) start = buckets[j];
    if (j + 1 < buckets.length && buckets[j + 1] === buckets[j] + 1) continue;
    out.push({ lower: subRange(range, bounds, start).lower, upper: subRange(range, bounds, buckets[j]).upper });
    start = -1;
  }
  return out;
}

/**
 * Order-independent aggregate of a range: row count and the sum of a 64-bit hash of
 * every row's text. Equal checksums mean equal rows (a false match needs a 2^-64
 * coincidence); unequal ones only lead to a row-by-row compare, so a hash that is not
 * comparable between the servers costs time, never correctness.
 */
export interface Checksum {
  readonly count: number;
  readonly digest: string;
}

export const EMPTY_CHECKSUM: Checksum = { count: 0, digest: '0' };

export function sameChecksum(a: Checksum, b: Checksum): boolean {
  return a.count === b.count && a.digest === b.digest;
}

export interface Side {
  readonly side: SideName;
  /** Server product and version, e.g. "PostgreSQL 15.8". */
  readonly serverVersion: string;
  /** Base tables of the schema with columns and primary keys. */
  listTables(): Promise<TableMeta[]>;
  countRows(table: TableMeta): Promise<number>;
  /**
   * Problems that would make a report silently incomplete: tables listed that cannot be
   * read in full (no privilege, a row-level security policy), or (MySQL) a user whose
   * listing may hide tables. Empty when every table can be read.
   */
  readProblems(tables: readonly TableMeta[]): Promise<string[]>;
  /** Largest row text (bytes) among a sample of the table's first rows; 0 when empty. */
  sampleRowBytes(table: TableMeta): Promise<number>;
  /** Whole-table checksum of a table compared as a multiset (no primary key). */
  multisetChecksum(table: TableMeta): Promise<Checksum>;
  /** Distinct rows with their copy counts, ordered by `hash` (code point order). */
  streamMultiset(table: TableMeta, pageSize: number): AsyncGenerator<CountedRow>;
  /**
   * Why the table's primary key has no order that key ranges can follow by the index,
   * naming table, column and type; null when it has one. Such a table is refused rather
   * than compared by full scans (MySQL: ENUM/SET/FLOAT/DOUBLE keys). Absent: always null.
   */
  unorderedKey?(table: TableMeta): string | null;
  /** Per primary key column: how merge keys compare in JS. */
  keyOrders(table: TableMeta): KeyOrder[];
  /** Per column: how values are written to reports. */
  valueKinds(table: TableMeta): ValueKind[];
  /**
   * The next `chunkSize` keys after `lower` (exclusive), in key order: `upper` is the
   * last of them (null when fewer remain: the chunk is then open-ended) and `bounds` the
   * keys at positions step, 2·step, … before it, which cut the chunk into sub-ranges.
   */
  chunkBoundaries(table: TableMeta, lower: KeyBound | null, chunkSize: number, step: number): Promise<ChunkBoundaries>;
  /** Keys at row numbers step, 2·step, … (< count) of the range, in key order; only those that exist (so it also probes whether a range has at least `step` rows). */
  splitBoundaries(table: TableMeta, range: KeyRange, step: number, count: number): Promise<KeyBound[]>;
  /** Checksums of the sub-ranges (lower, b0], (b0, b1], …, (bn-1, upper] of `range`. */
  checksums(table: TableMeta, range: KeyRange, bounds: readonly KeyBound[]): Promise<Checksum[]>;
  /** All rows of the given sub-ranges (numbered as in checksums), ordered by bucket then merge key. */
  fetchBuckets(table: TableMeta, range: KeyRange, bounds: readonly KeyBound[], buckets: readonly number[]): Promise<Row[]>;
  /** All rows of a range in key order, fetched `pageSize` rows at a time (keyset pagination). */
  streamRange(table: TableMeta, range: KeyRange, pageSize: number): AsyncGenerator<Row>;
  /**
   * Rows whose primary key equals one of `keys` (each the key columns' values in their
   * report text form, as in Row.values), by the primary key index; any order. Callers
   * match the result to their keys by exact text.
   */
  lookupRows(table: TableMeta, keys: readonly KeyBound[]): Promise<Row[]>;
  /** Ends the snapshot (rollback) and disconnects. */
  close(): Promise<void>;
}

/**
 * `CASE` tree numbering the sub-ranges of `bounds` (0 … bounds.length) by binary search,
 * so each row costs log2(bounds) comparisons. `le(i)` is the SQL for `key <= bounds[i]`.
 */
export function bucketExpression(count: number, le: (i: number) => string): string {
  const tree = (lo: number, hi: number): string => {
    if (lo === hi) return String(lo);
    const mid = Math.floor((lo + hi) / 2);
    return `CASE WHEN ${le(mid)} THEN ${tree(lo, mid)} ELSE ${tree(mid + 1, hi)} END`;
  };
  return tree(0, count);
}
