import { compareCodePoints, compareDecimals, compareIntegers, compareKeys } from '../../../../lib/reconcile/engine';

const sorted = (values: string[], cmp: (a: string, b: string) => number): string[] => [...values].sort(cmp);

describe('compareIntegers', () => {
  it('orders numerically, beyond 2^53 and with signs', () => {
    expect(sorted(['10', '9', '-1', '0', '9007199254740993', '9007199254740992', '-9223372036854775808', '18446744073709551615'], compareIntegers)).toEqual([
      '-9223372036854775808',
      '-1',
      '0',
      '9',
      '10',
      '9007199254740992',
      '9007199254740993',
      '18446744073709551615',
    ]);
  });

  it('tells apart integers a float cannot', () => {
    expect(compareIntegers('9007199254740993', '9007199254740992')).toBe(1);
    expect(compareIntegers('42', '42')).toBe(0);
  });
});

describe('compareDecimals', () => {
  it('orders by value, not text', () => {
    expect(sorted(['10.5', '9.99', '-0.5', '-10', '0', '0.05', '100', '-0.05', '1'], compareDecimals)).toEqual([
      '-10',
      '-0.5',
      '-0.05',
      '0',
      '0.05',
      '1',
      '9.99',
      '10.5',
      '100',
    ]);
  });

  it('treats equal values with different scales or zeros as equal', () => {
    expect(compareDecimals('1.50', '1.5')).toBe(0);
    expect(compareDecimals('007.0', '7')).toBe(0);
    expect(compareDecimals('-0.00', '0')).toBe(0);
  });

  it('keeps every digit', () => {
    expect(compareDecimals('12345678901234567890.000000000000000001', '12345678901234567890.000000000000000002')).toBe(-1);
    expect(compareDecimals('-12345678901234567890.1', '-12345678901234567890.01')).toBe(-1);
  });

  it('places PostgreSQL specials as PostgreSQL does', () => {
    expect(sorted(['NaN', '1', 'Infinity', '-Infinity', '-1'], compareDecimals)).toEqual(['-Infinity', '-1', '1', 'Infinity', 'NaN']);
    expect(compareDecimals('NaN', 'NaN')).toBe(0);
  });

  it('rejects text that is not a decimal', () => {
    expect(() => compareDecimals('1.2.3', '1')).toThrow('not a decimal number');
    expect(() => compareDecimals('', '1')).toThrow('not a decimal number');
  });
});

describe('compareCodePoints', () => {
  const samples = ['', 'a', 'A', 'B', 'b', 'a ', 'a\t', 'ab', 'é', 'e\u0301', 'É', 'z', '日本', '中文', 'Ω', '\uE000', '\uFFFD', '😀', '𝄞', 'a😀', 'a\uFFFD'];

  it('matches the byte order of the UTF-8 encoding (what COLLATE "C" and BINARY sort by)', () => {
    const byBytes = [...samples].sort((x, y) => {
      const a = Buffer.from(x, 'utf8');
      const b = Buffer.from(y, 'utf8');
      const n = Math.min(a.length, b.length);
      for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
      return a.length - b.length;
    });
    expect(sorted(samples, compareCodePoints)).toEqual(byBytes);
  });

  it('differs from a collation: upper case first, accents after z, emoji after the BMP', () => {
    expect(sorted(['b', 'A', 'a', 'B'], compareCodePoints)).toEqual(['A', 'B', 'a', 'b']);
    expect(compareCodePoints('é', 'z')).toBe(1);
    expect(compareCodePoints('😀', '\uFFFD')).toBe(1);
    // JS's own < compares UTF-16 units and gets this one wrong.
    expect('😀' < '\uFFFD').toBe(true);
  });

  it('does not ignore case or trailing spaces', () => {
    expect(compareCodePoints('a', 'A')).not.toBe(0);
    expect(compareCodePoints('a', 'a ')).toBe(-1);
    expect(compareCodePoints('a\t', 'a')).toBe(1);
  });
});

describe('compareKeys', () => {
  it('compares composite keys column by column with each column order', () => {
    const orders = ['text', 'integer'] as const;
    const keys: string[][] = [
      ['b', '2'],
      ['a', '10'],
      ['a', '9'],
      ['B', '1'],
    ];
    expect([...keys].sort((x, y) => compareKeys(orders, x, y))).toEqual([
      ['B', '1'],
      ['a', '9'],
      ['a', '10'],
      ['b', '2'],
    ]);
    expect(compareKeys(orders, ['a', '1'], ['a', '1'])).toBe(0);
  });
});
