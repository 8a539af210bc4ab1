/**
 * Tables without a usable primary key: each side is a multiset of rows. Whole-table
 * checksums settle identical tables; otherwise both sides stream their distinct rows
 * with copy counts, ordered by a hash of the row text, and a merge reports every row
 * whose number of copies differs (missing copies as missingInNew, extra ones as onlyInNew).
 */
import { compareCodePoints } from './compare';
import type { Side, TableMeta } from './side';
import { sameChecksum } from './side';
import type { TableCounts } from './table-compare';
import type { Tuning } from './types';
import type { Diff, Row } from './values';

export interface MultisetContext {
  readonly oldSide: Side;
  readonly newSide: Side;
  readonly oldTable: TableMeta;
  readonly newTable: TableMeta;
  readonly tuning: Tuning;
  readonly emit: (diff: Diff) => Promise<void>;
  readonly onRows: (rows: number) => void;
}

const asRow = (values: readonly (string | null)[]): Row => ({ bucket: 0, key: [], values });

export async function compareMultiset(ctx: MultisetContext): Promise<TableCounts> {
  const [co, cn] = await Promise.all([ctx.oldSide.multisetChecksum(ctx.oldTable), ctx.newSide.multisetChecksum(ctx.newTable)]);
  const counts: TableCounts = { oldRows: co.count, newRows: cn.count, missingInNew: 0, changed: 0, onlyInNew: 0 };
  if (sameChecksum(co, cn)) {
    ctx.onRows(co.count + cn.count);
    return counts;
  }
  const o = ctx.oldSide.streamMultiset(ctx.oldTable, ctx.tuning.fetchSize)[Symbol.asyncIterator]();
  const n = ctx.newSide.streamMultiset(ctx.newTable, ctx.tuning.fetchSize)[Symbol.asyncIterator]();
  try {
    let [a, b] = await Promise.all([o.next(), n.next()]);
    while (!a.done || !b.done) {
      const c = a.done ? 1 : b.done ? -1 : compareCodePoints(a.value.hash, b.value.hash);
      if (c < 0 && !a.done) {
        counts.missingInNew += a.value.copies;
        await ctx.emit({ kind: 'missingInNew', old: asRow(a.value.values), new: null, copies: { old: a.value.copies, new: 0 } });
        ctx.onRows(a.value.copies);
        a = await o.next();
      } else if (c > 0 && !b.done) {
        counts.onlyInNew += b.value.copies;
        await ctx.emit({ kind: 'onlyInNew', old: null, new: asRow(b.value.values), copies: { old: 0, new: b.value.copies } });
        ctx.onRows(b.value.copies);
        b = await n.next();
      } else if (!a.done && !b.done) {
        const copies = { old: a.value.copies, new: b.value.copies };
        if (copies.old > copies.new) {
          counts.missingInNew += copies.old - copies.new;
          await ctx.emit({ kind: 'missingInNew', old: asRow(a.value.values), new: asRow(b.value.values), copies });
        } else if (copies.new > copies.old) {
          counts.onlyInNew += copies.new - copies.old;
          await ctx.emit({ kind: 'onlyInNew', old: asRow(a.value.values), new: asRow(b.value.values), copies });
        }
        ctx.onRows(copies.old + copies.new);
        [a, b] = await Promise.all([o.next(), n.next()]);
      }
    }
  } finally {
    await Promise.all([o.return?.(undefined), n.return?.(undefined)]);
  }
  return counts;
}
