/**
 * Merge of two key-ordered row streams into classified differences (a sort-merge
 * full outer join that emits only what differs). Both inputs must be strictly
 * increasing under `compare`; anything else means the SQL order and the JS order
 * disagree (e.g. a collation was not neutralised), which would silently misclassify
 * rows, so it is an error.
 */
import type { Diff, Row } from './values';
import { sameValues } from './values';

export type RowComparator = (a: Row, b: Row) => number;

export class KeyOrderError extends Error {
  constructor(side: 'old' | 'new') {
    super(`rows from the ${side} database are not in strictly increasing key order; the key order of the SQL and of the comparison disagree`);
    this.name = 'KeyOrderError';
  }
}

class OrderedCursor {
  private readonly it: AsyncIterator<Row>;
  current: Row | undefined;

  constructor(
    source: AsyncIterable<Row>,
    private readonly side: 'old' | 'new',
    private readonly compare: RowComparator,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  async advance(): Promise<void> {
    const prev = this.current;
    const r = await this.it.next();
    this.current = r.done ? undefined : r.value;
    if (prev && this.current && this.compare(prev, this.current) >= 0) throw new KeyOrderError(this.side);
  }

  async close(): Promise<void> {
    if (this.it.return) await this.it.return();
  }
}

export async function* mergeRows(oldRows: AsyncIterable<Row>, newRows: AsyncIterable<Row>, compare: RowComparator): AsyncGenerator<Diff> {
  const o = new OrderedCursor(oldRows, 'old', compare);
  const n = new OrderedCursor(newRows, 'new', compare);
  try {
    await Promise.all([o.advance(), n.advance()]);
    for (;;) {
      const a = o.current;
      const b = n.current;
      if (!a && !b) return;
      const c = !a ? 1 : !b ? -1 : compare(a, b);
      if (c < 0 && a) {
        yield { kind: 'missingInNew', old: a, new: null };
        await o.advance();
      } else if (c > 0 && b) {
        yield { kind: 'onlyInNew', old: null, new: b };
        await n.advance();
      } else if (a && b) {
        if (!sameValues(a.values, b.values)) yield { kind: 'changed', old: a, new: b };
        await Promise.all([o.advance(), n.advance()]);
      }
    }
  } finally {
    await Promise.all([o.close(), n.close()]);
  }
}

/** An async iterable over an array (for rows already fetched, and for tests). */
export async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}
