/**
 * Rows as the engine handles them, and their encoding in report files.
 *
 * Every value is fetched as the server's text form (never a JS Date or float), so
 * comparisons are exact: NULL (null) differs from '' and from '0', decimals keep all
 * digits, timestamps keep microseconds. Binary values are held as `\x` + lowercase hex
 * on both engines. In report files a value is:
 *   NULL                            -> null
 *   boolean (PostgreSQL)            -> true / false
 *   integers of at most 32 bits     -> JSON number
 *   binary (bytea, BLOB, BINARY…)   -> "\x" + lowercase hex of the bytes
 *   everything else                 -> the server's text, e.g. bigint "9007199254740993",
 *                                      numeric "1.50", timestamptz "2024-01-01 00:00:00.123456+00"
 *                                      (UTC), JSON as its text
 */
import type { DiffClass, DiffKind, DiffRecord, ReportRow, ReportValue } from './types';

export type ValueKind = 'boolean' | 'number' | 'binary' | 'string';

/** A fetched row: `key` is the sort key of the SQL that produced it, `values` follow the table's column list. */
export interface Row {
  readonly bucket: number;
  readonly key: readonly string[];
  readonly values: readonly (string | null)[];
}

export interface RowShape {
  readonly columns: readonly string[];
  readonly kinds: readonly ValueKind[];
  /** Indexes into columns of the primary key columns, in key order. */
  readonly keyIndexes: readonly number[];
}

/** A classified difference before encoding. */
export interface Diff {
  readonly kind: DiffKind;
  readonly old: Row | null;
  readonly new: Row | null;
  /** Tables without a primary key: copies of the row on each side (the difference is the count). */
  readonly copies?: { readonly old: number; readonly new: number };
  /** Three-way runs only: the class and the base row (null: the key is not in the base). */
  readonly class?: DiffClass;
  readonly base?: Row | null;
}

export function toReportValue(kind: ValueKind, text: string | null): ReportValue {
  if (text === null) return null;
  switch (kind) {
    case 'boolean':
      if (text === 't' || text === 'true') return true;
      if (text === 'f' || text === 'false') return false;
      return text;
    case 'number': {
      const n = Number(text);
      return /^-?\d+$/.test(text) && Number.isSafeInteger(n) ? n : text;
    }
    case 'binary':
    case 'string':
      return text;
  }
}

/** Lowercase `\x…` form of binary data. */
export function binaryText(bytes: Buffer): string {
  return `\\x${bytes.toString('hex')}`;
}

function object(): ReportRow {
  // A null prototype so that a column named "__proto__" is an ordinary key.
  return Object.create(null) as ReportRow;
}

export function reportRow(shape: RowShape, values: readonly (string | null)[]): ReportRow {
  const out = object();
  shape.columns.forEach((c, i) => {
    out[c] = toReportValue(shape.kinds[i], values[i]);
  });
  return out;
}

export function reportKey(shape: RowShape, values: readonly (string | null)[]): ReportRow {
  const out = object();
  for (const i of shape.keyIndexes) out[shape.columns[i]] = toReportValue(shape.kinds[i], values[i]);
  return out;
}

export function toDiffRecord(shape: RowShape, diff: Diff): DiffRecord {
  const source = diff.old ?? diff.new;
  if (!source) throw new Error('a difference needs at least one row');
  return {
    kind: diff.kind,
    key: reportKey(shape, source.values),
    old: diff.old ? reportRow(shape, diff.old.values) : null,
    new: diff.new ? reportRow(shape, diff.new.values) : null,
    ...(diff.copies ? { copies: { ...diff.copies } } : {}),
    ...(diff.class ? { class: diff.class, base: diff.base ? reportRow(shape, diff.base.values) : null } : {}),
  };
}

/** One JSON line (with the trailing newline). */
export function encodeDiffLine(record: DiffRecord): string {
  const copies = record.copies ? { copies: record.copies } : {};
  const threeWay = record.class ? { class: record.class, base: record.base ?? null } : {};
  return `${JSON.stringify({ kind: record.kind, ...threeWay, key: record.key, old: record.old, new: record.new, ...copies })}\n`;
}

/** Same values, column by column (text forms, so exact). */
export function sameValues(a: readonly (string | null)[], b: readonly (string | null)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
