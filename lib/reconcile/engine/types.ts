/**
 * Public types of the missing-transaction report engine.
 *
 * The engine compares a restored copy of the old primary ("old") with the new primary
 * ("new") after an unplanned Aurora global database failover and classifies every row
 * whose primary key or values differ.
 */

export type EngineName = 'postgres' | 'mysql';

export const ENGINES: readonly EngineName[] = ['postgres', 'mysql'];

export type DiffKind = 'missingInNew' | 'changed' | 'onlyInNew';

/** One side of the comparison; `base` is the optional third database (the new primary as of the failover). */
export type SideName = 'old' | 'new' | 'base';

/**
 * Three-way class of a difference (with a base: the new primary as of the failover time):
 * - lostInFailover: old ≠ base and base = new (a write that never reached the new primary);
 * - changedAfterFailover: old = base and base ≠ new (changed or deleted on the new primary later);
 * - both: old ≠ base and base ≠ new;
 * - unclassified: the base cannot answer for this table (see the table's notes).
 */
export type DiffClass = 'lostInFailover' | 'changedAfterFailover' | 'both' | 'unclassified';

export const DIFF_CLASSES: readonly DiffClass[] = ['lostInFailover', 'changedAfterFailover', 'both', 'unclassified'];

export type ClassCounts = Record<DiffClass, number>;

/** A value as written to report files: see README "Value encoding". */
export type ReportValue = string | number | boolean | null;

/** A row as written to report files: column name to value (null-prototype object). */
export type ReportRow = Record<string, ReportValue>;

/** One line of `<table>.jsonl`. */
export interface DiffRecord {
  readonly kind: DiffKind;
  readonly key: ReportRow;
  readonly old: ReportRow | null;
  readonly new: ReportRow | null;
  /** Tables without a primary key (compared as multisets): copies of this row on each side. */
  readonly copies?: { readonly old: number; readonly new: number };
  /** Three-way runs only: the class, and the row in the base database (null: not there). */
  readonly class?: DiffClass;
  readonly base?: ReportRow | null;
}

/** Columns that differ between the sides; the shared columns are compared. */
export interface SchemaDrift {
  /** Columns only the old primary has (dropped or never created on the new one). */
  readonly onlyInOld: readonly string[];
  /** Columns only the new primary has (added after the failover, or lost DDL). */
  readonly onlyInNew: readonly string[];
  /** Shared columns whose type differs: compared by their text values. */
  readonly retyped: readonly { readonly column: string; readonly old: string; readonly new: string }[];
}

export interface TableReport {
  /** Table name (without schema). */
  readonly table: string;
  /** Primary key columns in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  readonly oldRows: number;
  readonly newRows: number;
  readonly missingInNew: number;
  readonly changed: number;
  readonly onlyInNew: number;
  /** Why the table was not compared row by row, or null when it was. */
  readonly skipped: string | null;
  /** Column differences between the sides (null when the columns are the same). */
  readonly drift: SchemaDrift | null;
  /** How the table was compared when not the usual way (no primary key, byte order, …). */
  readonly notes: readonly string[];
  /** Three-way runs only: differences per class. */
  readonly classes?: ClassCounts;
}

export interface DiffTotals {
  readonly missingInNew: number;
  readonly changed: number;
  readonly onlyInNew: number;
  /** Three-way runs only: differences per class. */
  readonly classes?: ClassCounts;
}

/** Content of `report.json`. */
export interface ReconcileReport {
  readonly engine: EngineName;
  readonly generatedAt: string;
  readonly tables: readonly TableReport[];
  readonly totals: DiffTotals;
}

/** Parsed connection settings for one database (see url.ts). */
export interface ConnectionSpec {
  readonly engine: EngineName;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly tls: TlsSpec;
  readonly connectTimeoutMs: number;
  /** Longest wait for one query's answer; then the connection is dropped and the run fails. */
  readonly queryTimeoutMs: number;
}

export type TlsSpec =
  | { readonly mode: 'disable' }
  /** Encrypted, server certificate not verified. */
  | { readonly mode: 'require'; readonly caFile?: string }
  /** Encrypted, certificate chain verified, host name not checked. */
  | { readonly mode: 'verify-ca'; readonly caFile?: string }
  /** Encrypted, certificate chain and host name verified. */
  | { readonly mode: 'verify-full'; readonly caFile?: string };

export interface ProgressEvent {
  /** Table being compared. */
  readonly table: string;
  /** Rows read so far in the whole run, both sides added up. */
  readonly rowsCompared: number;
  /** Differences found so far in the whole run. */
  readonly differences: number;
}

/** Tuning knobs of the range comparison; defaults in DEFAULT_TUNING. */
export interface Tuning {
  /** Keys per top-level range, taken in key order from the old side. */
  readonly chunkSize: number;
  /** A differing range with at most this many rows per side is fetched and merged. */
  readonly leafRows: number;
  /** A larger differing range is split into at most this many sub-ranges per step. */
  readonly maxSplit: number;
  /** Page size when streaming a range that exists on one side only. */
  readonly fetchSize: number;
  /**
   * Estimated bytes (row text) one fetch of one side may hold: rows per fetch are capped
   * at fetchBytes / bytes per row (sampled per table, raised by what fetches return).
   * Two sides fetch at once, and a changed row is held as fetched text, as its JSON line
   * and as the bytes written; V8 frees large strings only in a full collection, so the
   * peak RSS is several times the budget: with the default 32 MiB, 10,000 rows × 150 KB
   * all changed peak at about 0.4 GB (npm run bench:reconcile -- --wide).
   */
  readonly fetchBytes: number;
}

export const DEFAULT_TUNING: Tuning = { chunkSize: 10_000, leafRows: 64, maxSplit: 256, fetchSize: 2_000, fetchBytes: 32 * 1024 * 1024 };

/**
 * How key-ordered tables are compared:
 * - checksum: one grouped checksum query per side per range; rows are fetched only for
 *   differing sub-ranges (least network; the servers hash every row);
 * - stream: no checksums; every range's rows are fetched from both sides (within the
 *   byte budget) and compared in Node (the same path as a differing range's fetch);
 * - auto: per engine, from the benchmark (README Benchmarks): checksum on both. Measured
 *   at 1M rows/side on loopback, stream took 2.7× (PostgreSQL) and 5.1× (MariaDB) the
 *   full-scan time against 0.9× and 1.4× for checksum: decoding and merging every row
 *   in Node costs more than the servers' hashing, even with no network in between.
 */
export type ComparisonStrategy = 'checksum' | 'stream' | 'auto';

export const STRATEGIES: readonly ComparisonStrategy[] = ['checksum', 'stream', 'auto'];

/** What `auto` resolves to per engine. */
export const AUTO_STRATEGY: Record<EngineName, Exclude<ComparisonStrategy, 'auto'>> = { postgres: 'checksum', mysql: 'checksum' };

export interface ReconcileOptions {
  readonly engine: EngineName;
  /** Connection URL (postgres://… or mysql://…) or parsed spec of the restored old primary. */
  readonly old: string | ConnectionSpec;
  /** Connection URL or parsed spec of the new primary. */
  readonly new: string | ConnectionSpec;
  /**
   * Optional third database: the new primary as it was at the failover time (e.g. an
   * Aurora point-in-time restore). Only the keys that differ between old and new are
   * looked up in it, and each difference is classified (see DiffClass).
   */
  readonly base?: string | ConnectionSpec;
  /** Output directory; created if missing. */
  readonly outDir: string;
  /** Limit to these tables (names without schema); unknown names are an error. */
  readonly tables?: readonly string[];
  /** PostgreSQL schema (default `public`); not allowed for MySQL (the URL's database is the schema). */
  readonly schema?: string;
  readonly tuning?: Partial<Tuning>;
  /** Comparison strategy of key-ordered tables (default auto). */
  readonly strategy?: ComparisonStrategy;
  /** Called after every compared range; throttle in the caller. */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Environment used for password fallbacks (RECONCILE_OLD_PASSWORD / RECONCILE_NEW_PASSWORD / RECONCILE_BASE_PASSWORD). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface ReconcileResult {
  readonly report: ReconcileReport;
  /** Absolute paths of the files written, report.json last. */
  readonly files: readonly string[];
  /** True when any row differs or any table was skipped (CLI exit code 1). */
  readonly hasDifferences: boolean;
}
