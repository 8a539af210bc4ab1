import { encodeDiffLine, toDiffRecord, toReportValue } from '../../../../lib/reconcile/engine';
import type { Row, RowShape } from '../../../../lib/reconcile/engine';
import { binaryText, sameValues } from '../../../../lib/reconcile/engine/values';

describe('toReportValue', () => {
  it('keeps NULL, empty string and zero apart', () => {
    expect(toReportValue('string', null)).toBeNull();
    expect(toReportValue('string', '')).toBe('');
    expect(toReportValue('number', '0')).toBe(0);
    expect(toReportValue('string', '0')).toBe('0');
  });

  it('maps PostgreSQL booleans', () => {
    expect(toReportValue('boolean', 't')).toBe(true);
    expect(toReportValue('boolean', 'f')).toBe(false);
    expect(toReportValue('boolean', null)).toBeNull();
  });

  it('writes small integers as numbers and keeps anything else as exact text', () => {
    expect(toReportValue('number', '-2147483648')).toBe(-2147483648);
    expect(toReportValue('number', '9007199254740993')).toBe('9007199254740993');
    expect(toReportValue('string', '12345678901234567890.123456789')).toBe('12345678901234567890.123456789');
    expect(toReportValue('string', '2024-02-29 23:59:59.999999+00')).toBe('2024-02-29 23:59:59.999999+00');
    expect(toReportValue('binary', '\\x00ff')).toBe('\\x00ff');
  });

  it('encodes binary data as \\x + lowercase hex', () => {
    expect(binaryText(Buffer.from([0, 0xab, 0xff]))).toBe('\\x00abff');
    expect(binaryText(Buffer.alloc(0))).toBe('\\x');
  });
});

describe('diff records', () => {
  const shape: RowShape = {
    columns: ['id', '__proto__', 'name', 'data', 'active'],
    kinds: ['number', 'string', 'string', 'binary', 'boolean'],
    keyIndexes: [2, 0],
  };
  const row = (values: (string | null)[]): Row => ({ bucket: 0, key: [], values });

  it('builds key and full rows, including a column named __proto__', () => {
    const rec = toDiffRecord(shape, { kind: 'changed', old: row(['1', 'p', 'név 名前 😀', '\\x01', 't']), new: row(['1', 'p', 'név 名前 😀', '\\x02', 'f']) });
    expect(encodeDiffLine(rec)).toBe(
      '{"kind":"changed","key":{"name":"név 名前 😀","id":1},' +
        '"old":{"id":1,"__proto__":"p","name":"név 名前 😀","data":"\\\\x01","active":true},' +
        '"new":{"id":1,"__proto__":"p","name":"név 名前 😀","data":"\\\\x02","active":false}}\n',
    );
    expect(Object.keys(rec.old ?? {})).toEqual(['id', '__proto__', 'name', 'data', 'active']);
  });

  it('takes the key from whichever side has the row', () => {
    const missing = toDiffRecord(shape, { kind: 'missingInNew', old: row(['7', null, 'x', null, null]), new: null });
    expect(encodeDiffLine(missing)).toBe(
      '{"kind":"missingInNew","key":{"name":"x","id":7},"old":{"id":7,"__proto__":null,"name":"x","data":null,"active":null},"new":null}\n',
    );
    const only = toDiffRecord(shape, { kind: 'onlyInNew', old: null, new: row(['8', '', '', null, 'f']) });
    expect(JSON.parse(encodeDiffLine(only))).toMatchObject({ kind: 'onlyInNew', key: { name: '', id: 8 }, old: null });
  });

  it('writes one line per record', () => {
    const line = encodeDiffLine(toDiffRecord(shape, { kind: 'onlyInNew', old: null, new: row(['1', 'a\nb', 'c\r\nd', null, null]) }));
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\r\n]/);
  });
});

describe('sameValues', () => {
  it('compares text forms exactly', () => {
    expect(sameValues(['1', null], ['1', null])).toBe(true);
    expect(sameValues([null], [''])).toBe(false);
    expect(sameValues(['0'], [''])).toBe(false);
    expect(sameValues(['1.50'], ['1.5'])).toBe(false);
    expect(sameValues(['a'], ['a', 'b'])).toBe(false);
  });
});
