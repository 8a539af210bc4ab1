/**
 * Key comparison in JS. The SQL that produces the merged row streams sorts every key
 * column by a form whose order these functions reproduce exactly:
 * - 'integer': integer text, compared numerically (BigInt, no float rounding);
 * - 'decimal': decimal text (PostgreSQL numeric incl. NaN/±Infinity), compared numerically;
 * - 'text': a string compared by Unicode code point, which is the byte order of its UTF-8
 *   encoding — the order of PostgreSQL `COLLATE "C"` on a UTF8 database and of MySQL
 *   binary strings (sent as hex, which sorts like the bytes).
 * Never the database collation: under e.g. utf8mb4_general_ci 'a' = 'A' and trailing
 * spaces are ignored, an order JS cannot reproduce.
 */

export type KeyOrder = 'integer' | 'decimal' | 'text';

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

export function compareIntegers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Order of PostgreSQL numeric: -Infinity < finite numbers < Infinity < NaN. */
function specialRank(s: string): number | null {
  switch (s) {
    case '-Infinity':
      return -1;
    case 'Infinity':
      return 1;
    case 'NaN':
      return 2;
    default:
      return null;
  }
}

interface Decimal {
  readonly negative: boolean;
  readonly int: string;
  readonly frac: string;
}

function parseDecimal(s: string): Decimal {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`not a decimal number: ${JSON.stringify(s)}`);
  const int = m[2].replace(/^0+/, '');
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const zero = int === '' && frac === '';
  return { negative: m[1] === '-' && !zero, int, frac };
}

function compareMagnitude(a: Decimal, b: Decimal): number {
  if (a.int.length !== b.int.length) return sign(a.int.length - b.int.length);
  if (a.int !== b.int) return a.int < b.int ? -1 : 1;
  const len = Math.max(a.frac.length, b.frac.length);
  const fa = a.frac.padEnd(len, '0');
  const fb = b.frac.padEnd(len, '0');
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

export function compareDecimals(a: string, b: string): number {
  const ra = specialRank(a);
  const rb = specialRank(b);
  if (ra !== null || rb !== null) return sign((ra ?? 0) - (rb ?? 0));
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (x.negative !== y.negative) return x.negative ? -1 : 1;
  const m = compareMagnitude(x, y);
  return x.negative ? -m : m;
}

/** Code point order (= UTF-8 byte order), without allocating buffers. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Surrogates (U+D800–DFFF) encode code points above U+FFFF, which sort after every
    // BMP character although their UTF-16 units are below U+E000.
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa !== sb) return sa ? 1 : -1;
    return ca < cb ? -1 : 1;
  }
  return sign(a.length - b.length);
}

export function compareBy(order: KeyOrder, a: string, b: string): number {
  switch (order) {
    case 'integer':
      return compareIntegers(a, b);
    case 'decimal':
      return compareDecimals(a, b);
    case 'text':
      return compareCodePoints(a, b);
  }
}

/** Lexicographic comparison of key tuples, column by column. */
export function compareKeys(orders: readonly KeyOrder[], a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < orders.length; i++) {
    const c = compareBy(orders[i], a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}
