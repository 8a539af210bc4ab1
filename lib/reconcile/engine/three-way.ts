/**
 * Three-way verdict: the differences old↔new found by the usual comparison are looked
 * up by primary key in a third database, the base (the new primary as it was at the
 * failover time), and classified. Only differing keys are read from the base (in
 * batches, by the primary key index): no third full scan.
 */
import type { KeyBound, Side, TableMeta } from './side';
import { rowBytes } from './side';
import type { ClassCounts, DiffClass } from './types';
import type { Diff, Row } from './values';
import { sameValues } from './values';

/** Keys per lookup query (parameter and statement size stay small). */
const LOOKUP_KEYS = 500;

export const emptyClassCounts = (): ClassCounts => ({ lostInFailover: 0, changedAfterFailover: 0, both: 0, unclassified: 0 });

const same = (a: Row | null, b: Row | null): boolean => (a === null || b === null ? a === b : sameValues(a.values, b.values));

/** The class of one difference given the rows (null: absent) in old, base and new. */
export function classify(oldRow: Row | null, baseRow: Row | null, newRow: Row | null): Exclude<DiffClass, 'unclassified'> {
  const oldIsBase = same(oldRow, baseRow);
  const baseIsNew = same(baseRow, newRow);
  if (oldIsBase && baseIsNew) throw new Error('internal: a difference whose old and new rows are equal');
  if (baseIsNew) return 'lostInFailover';
  if (oldIsBase) return 'changedAfterFailover';
  return 'both';
}

export interface BaseTable {
  readonly side: Side;
  /** The table as the base sees it, restricted to the compared columns in their order. */
  readonly table: TableMeta;
  /** Indexes of the primary key columns in the compared columns. */
  readonly keyIndexes: readonly number[];
}

/**
 * Buffers the differences of one table (bounded in rows and bytes), looks their keys up
 * in the base and passes each on with its class, in the order received.
 */
export class BaseClassifier {
  readonly counts = emptyClassCounts();
  private pending: Diff[] = [];
  private bytes = 0;

  constructor(
    private readonly base: BaseTable | null,
    private readonly write: (diff: Diff) => Promise<void>,
    private readonly maxRows: number,
    private readonly maxBytes: number,
  ) {}

  async add(diff: Diff): Promise<void> {
    if (!this.base) {
      this.counts.unclassified += 1;
      await this.write({ ...diff, class: 'unclassified', base: null });
      return;
    }
    this.pending.push(diff);
    this.bytes += rowBytes(diff.old?.values ?? []) + rowBytes(diff.new?.values ?? []);
    if (this.pending.length >= this.maxRows || this.bytes >= this.maxBytes) await this.flush();
  }

  async flush(): Promise<void> {
    const base = this.base;
    const batch = this.pending;
    this.pending = [];
    this.bytes = 0;
    if (!base || batch.length === 0) return;
    const keyOf = (row: Row): KeyBound => base.keyIndexes.map((i) => row.values[i] ?? '');
    const id = (key: KeyBound): string => JSON.stringify(key);
    const wanted = new Map<string, KeyBound>();
    for (const d of batch) {
      const key = keyOf((d.old ?? d.new) as Row);
      wanted.set(id(key), key);
    }
    const found = new Map<string, Row>();
    const keys = [...wanted.values()];
    for (let i = 0; i < keys.length; i += LOOKUP_KEYS) {
      for (const row of await base.side.lookupRows(base.table, keys.slice(i, i + LOOKUP_KEYS))) {
        // Exact text match: a case- or pad-insensitive collation may return 'A' for 'a'.
        const k = id(keyOf(row));
        if (wanted.has(k)) found.set(k, row);
      }
    }
    for (const d of batch) {
      const baseRow = found.get(id(keyOf((d.old ?? d.new) as Row))) ?? null;
      const cls = classify(d.old, baseRow, d.new);
      this.counts[cls] += 1;
      await this.write({ ...d, class: cls, base: baseRow });
    }
  }
}

/**
 * The base's view of a table compared by key, or why the base cannot classify its
 * differences (then they are reported as unclassified).
 */
export function planBaseTable(side: Side, compared: TableMeta, baseMeta: TableMeta | undefined): BaseTable | string {
  if (!baseMeta) return 'table missing in the base database';
  if (baseMeta.primaryKey.join(',') !== compared.primaryKey.join(',')) return 'primary key differs in the base database';
  const cols = new Map(baseMeta.columns.map((c) => [c.name, c]));
  const missing = compared.columns.filter((c) => !cols.has(c.name)).map((c) => c.name);
  if (missing.length) return `column ${missing.join(', ')} missing in the base database`;
  // Looked up in the base's own key collation (index-served, even when old and new are
  // compared in byte order); the exact-text match in flush() keeps only the same key.
  const table: TableMeta = { ...baseMeta, columns: compared.columns.map((c) => cols.get(c.name) as TableMeta['columns'][number]), byteOrderKeys: false };
  return { side, table, keyIndexes: compared.primaryKey.map((k) => compared.columns.findIndex((c) => c.name === k)) };
}
