/**
 * The engine against a real MariaDB 10.11 server (engine "mysql"); the databases use
 * utf8mb4_general_ci, which is case- and accent-insensitive and PAD SPACE.
 */
import { ReconcileError, parseConnectionUrl } from '../../lib/reconcile/engine';
import * as mysql from 'mysql2/promise';
import { MysqlSide } from '../../lib/reconcile/engine/mysql';
import { createPair, kinds, readJsonl, recordFor, runEngine, server } from './helpers';
import type { Pair } from './helpers';
import { adminExec, serverUrl } from './setup/servers';

jest.setTimeout(120_000);

describe('MySQL/MariaDB: values of every type compare exactly', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await createPair(
      'mysql',
      'my_types',
      [
        `CREATE TABLE types (
           id int PRIMARY KEY, i int, bu bigint unsigned, num decimal(65,30), f float, d double,
           dt datetime(6), ts timestamp(6) NULL, dd date, tm time(6), b tinyint(1), j json, bl blob,
           vb varbinary(16), bn binary(4), c char(5), t text, e enum('x','y'), bt bit(8))`,
        `INSERT INTO types
           SELECT seq, seq, 18446744073709551615, '12345678901234567890123456789012345.123456789012345678901234567890', 0.1, 0.1,
                  '2024-01-01 00:00:00.000001', '2024-01-01 00:00:00.000001', '2024-02-29', '-12:00:00.000001', 1,
                  '{"a": 1}', x'00ff', x'00ff', x'01020304', 'ab',
                  CASE WHEN seq = 2 THEN NULL WHEN seq = 20 THEN 'x' ELSE 'naïve 日本語 😀 Ωμέγα' END, 'x', b'101'
             FROM seq_1_to_21`,
      ],
      [],
      [
        "UPDATE types SET t = '' WHERE id = 2",
        'UPDATE types SET bu = 18446744073709551614 WHERE id = 3',
        "UPDATE types SET num = '12345678901234567890123456789012345.123456789012345678901234567891' WHERE id = 4",
        "UPDATE types SET dt = '2024-01-01 00:00:00.000002' WHERE id = 5",
        "UPDATE types SET ts = '2024-01-01 00:00:00.000002' WHERE id = 6",
        // MariaDB stores JSON as text: spacing is a difference.
        `UPDATE types SET j = '{"a":1}' WHERE id = 7`,
        "UPDATE types SET bl = x'00fe' WHERE id = 8",
        "UPDATE types SET t = 'naïve 日本語 😁 Ωμέγα' WHERE id = 9",
        // FLOAT text shows 6 digits; the engine reads it as DOUBLE so this is seen.
        'UPDATE types SET f = 0.10000001 WHERE id = 10',
        'UPDATE types SET d = 0.10000000000000002 WHERE id = 11',
        "UPDATE types SET tm = '-12:00:00.000002' WHERE id = 12",
        'UPDATE types SET b = 0 WHERE id = 13',
        "UPDATE types SET bt = b'100' WHERE id = 14",
        "UPDATE types SET e = 'y' WHERE id = 15",
        // Equal under utf8mb4_general_ci, different data.
        "UPDATE types SET c = 'aB' WHERE id = 16",
        "UPDATE types SET vb = x'00ff00' WHERE id = 17",
        'UPDATE types SET i = NULL WHERE id = 18',
        "UPDATE types SET bn = x'01020305' WHERE id = 19",
        // Equal under PAD SPACE, different data.
        "UPDATE types SET t = 'x ' WHERE id = 20",
        'UPDATE types SET f = 0.1, d = d WHERE id = 21',
      ],
    );
  });

  it('reports exactly the changed rows', async () => {
    const run = await runEngine(pair);
    expect(run.tables.types).toEqual({ table: 'types', primaryKey: ['id'], oldRows: 21, newRows: 21, missingInNew: 0, changed: 19, onlyInNew: 0, skipped: null, drift: null, notes: [] });
    expect(kinds(run.outDir, 'types.jsonl')).toEqual(Array.from({ length: 19 }, (_, i) => `changed:${i + 2}`));
  });

  it('writes exact values', async () => {
    const run = await runEngine(pair);
    const f = 'types.jsonl';
    expect(recordFor(run.outDir, f, 2)).toMatchObject({ old: { t: null }, new: { t: '' } });
    expect(recordFor(run.outDir, f, 3)).toMatchObject({ old: { bu: '18446744073709551615' }, new: { bu: '18446744073709551614' } });
    expect(recordFor(run.outDir, f, 4)).toMatchObject({
      old: { num: '12345678901234567890123456789012345.123456789012345678901234567890' },
      new: { num: '12345678901234567890123456789012345.123456789012345678901234567891' },
    });
    expect(recordFor(run.outDir, f, 5)).toMatchObject({ old: { dt: '2024-01-01 00:00:00.000001' }, new: { dt: '2024-01-01 00:00:00.000002' } });
    expect(recordFor(run.outDir, f, 8)).toMatchObject({ old: { bl: '\\x00ff' }, new: { bl: '\\x00fe' } });
    expect(recordFor(run.outDir, f, 10)).toMatchObject({ old: { f: '0.10000000149011612' }, new: { f: '0.10000000894069672' } });
    expect(recordFor(run.outDir, f, 13)).toMatchObject({ old: { b: 1 }, new: { b: 0 } });
    expect(recordFor(run.outDir, f, 14)).toMatchObject({ old: { bt: '\\x05' }, new: { bt: '\\x04' } });
    expect(recordFor(run.outDir, f, 16)).toMatchObject({ old: { c: 'ab' }, new: { c: 'aB' } });
    expect(recordFor(run.outDir, f, 20)).toMatchObject({ old: { t: 'x' }, new: { t: 'x ' } });
    expect(recordFor(run.outDir, f, 18).old).toEqual({
      id: 18,
      i: 18,
      bu: '18446744073709551615',
      num: '12345678901234567890123456789012345.123456789012345678901234567890',
      f: '0.10000000149011612',
      d: '0.1',
      dt: '2024-01-01 00:00:00.000001',
      ts: '2024-01-01 00:00:00.000001',
      dd: '2024-02-29',
      tm: '-12:00:00.000001',
      b: 1,
      j: '{"a": 1}',
      bl: '\\x00ff',
      vb: '\\x00ff',
      bn: '\\x01020304',
      c: 'ab',
      t: 'naïve 日本語 😀 Ωμέγα',
      e: 'x',
      bt: '\\x05',
    });
  });
});

describe('MySQL/MariaDB: classification across many key ranges', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await createPair(
      'mysql',
      'my_ranges',
      ['CREATE TABLE big (id bigint PRIMARY KEY, v text)', "INSERT INTO big SELECT seq, CONCAT('v', seq) FROM seq_1_to_2000"],
      ['DELETE FROM big WHERE id = 1500'],
      [
        'DELETE FROM big WHERE id IN (1, 777, 2000)',
        "UPDATE big SET v = 'changed' WHERE id IN (2, 1000, 1999)",
        "INSERT INTO big VALUES (-5, 'before'), (0, 'before'), (2001, 'after'), (2002, 'after'), (2003, 'after')",
      ],
    );
  });

  it.each([
    ['small ranges', { chunkSize: 100, leafRows: 8, maxSplit: 4, fetchSize: 7 }],
    ['default tuning', {}],
    ['one key per range', { chunkSize: 1, leafRows: 1, maxSplit: 2, fetchSize: 1 }],
  ])('finds every difference with %s', async (_name, tuning) => {
    const run = await runEngine(pair, { tuning });
    expect(run.tables.big).toEqual({ table: 'big', primaryKey: ['id'], oldRows: 1999, newRows: 2002, missingInNew: 3, changed: 3, onlyInNew: 6, skipped: null, drift: null, notes: [] });
    expect(kinds(run.outDir, 'big.jsonl')).toEqual([
      'onlyInNew:-5',
      'onlyInNew:0',
      'missingInNew:1',
      'changed:2',
      'missingInNew:777',
      'changed:1000',
      'onlyInNew:1500',
      'changed:1999',
      'missingInNew:2000',
      'onlyInNew:2001',
      'onlyInNew:2002',
      'onlyInNew:2003',
    ]);
  });
});

describe('MySQL/MariaDB: collations and composite keys', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await createPair(
      'mysql',
      'my_coll',
      [
        // Default collation utf8mb4_general_ci: 'a' = 'A' = 'á', 'x' = 'x '.
        'CREATE TABLE ci (k varchar(20) PRIMARY KEY, v int)',
        // Binary collation, but PAD SPACE: 'a\\t' sorts before 'a'.
        'CREATE TABLE bin (k varchar(20) COLLATE utf8mb4_bin PRIMARY KEY, v int)',
        "INSERT INTO bin VALUES ('a', 1), ('a\\t', 1), ('a\\n', 1), ('b', 1)",
        'CREATE TABLE comp (region varchar(10), n int, qty int, PRIMARY KEY (region, n))',
        "INSERT INTO comp SELECT r.r, s.seq, 1 FROM (SELECT 'a' r UNION ALL SELECT 'B' UNION ALL SELECT 'c' UNION ALL SELECT 'é' UNION ALL SELECT 'Z') r, seq_1_to_40 s",
        "CREATE TABLE en (k enum('z','a','m') PRIMARY KEY, v int)",
        "INSERT INTO en VALUES ('z', 1), ('a', 1)",
        'CREATE TABLE `Order Items` (`Key` int PRIMARY KEY, `select` text, `a``b` text)',
        "INSERT INTO `Order Items` VALUES (1, 'x', 'y'), (2, 'x', 'y')",
      ],
      [
        "INSERT INTO ci VALUES ('a', 1), ('B', 1), ('é', 1), ('z', 1), ('x ', 1), ('Ö', 1), ('m', 1), ('q', 1)",
        "INSERT INTO en VALUES ('m', 1)",
      ],
      [
        "INSERT INTO ci VALUES ('A', 1), ('b', 1), ('e', 1), ('z', 2), ('x', 1), ('Ö', 1), ('m\\t', 1), ('q', 1)",
        "UPDATE bin SET v = 2 WHERE k = 'a\\t'",
        "DELETE FROM comp WHERE region = 'B' AND n = 10",
        "UPDATE comp SET qty = 2 WHERE region = 'é' AND n = 40",
        "INSERT INTO comp VALUES ('a', 41, 1), ('C', 0, 1)",
        "UPDATE en SET v = 2 WHERE k = 'a'",
        "UPDATE `Order Items` SET `a``b` = 'z' WHERE `Key` = 2",
      ],
    );
  });

  it.each([
    ['small ranges', { chunkSize: 2, leafRows: 2, maxSplit: 2, fetchSize: 2 }],
    ['one range', {}],
  ])('treats keys equal under a case/accent-insensitive PAD SPACE collation as different keys (%s)', async (_name, tuning) => {
    // `en` (ENUM key) is refused: see 'keys without an order key ranges can follow'.
    const run = await runEngine(pair, { tables: ['ci', 'bin'], tuning });
    expect(run.tables.ci).toMatchObject({ oldRows: 8, newRows: 8, missingInNew: 5, changed: 1, onlyInNew: 5 });
    expect(kinds(run.outDir, 'ci.jsonl').sort()).toEqual([
      'changed:z',
      'missingInNew:B',
      'missingInNew:a',
      'missingInNew:m',
      'missingInNew:x ',
      'missingInNew:é',
      'onlyInNew:A',
      'onlyInNew:b',
      'onlyInNew:e',
      'onlyInNew:m\t',
      'onlyInNew:x',
    ]);
    expect(kinds(run.outDir, 'bin.jsonl')).toEqual(['changed:a\t']);
  });

  it('compares composite keys under a case-insensitive collation', async () => {
    const run = await runEngine(pair, { tables: ['comp'], tuning: { chunkSize: 7, leafRows: 3, maxSplit: 3, fetchSize: 2 } });
    expect(run.tables.comp).toEqual({ table: 'comp', primaryKey: ['region', 'n'], oldRows: 200, newRows: 201, missingInNew: 1, changed: 1, onlyInNew: 2, skipped: null, drift: null, notes: [] });
    expect(kinds(run.outDir, 'comp.jsonl').sort()).toEqual(['changed:é/40', 'missingInNew:B/10', 'onlyInNew:C/0', 'onlyInNew:a/41']);
  });

  it('quotes identifiers and encodes file names', async () => {
    const run = await runEngine(pair, { tables: ['Order Items'] });
    expect(run.files).toEqual(['Order%20Items.jsonl', 'report.json', 'summary.md']);
    expect(readJsonl(run.outDir, 'Order%20Items.jsonl')).toEqual([
      { kind: 'changed', key: { Key: 2 }, old: { Key: 2, select: 'x', 'a`b': 'y' }, new: { Key: 2, select: 'x', 'a`b': 'z' } },
    ]);
  });
});

describe('MySQL/MariaDB: tables that cannot be compared, empty tables and filters', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await createPair(
      'mysql',
      'my_skip',
      ['CREATE TABLE nopk (a int, b text)', 'CREATE TABLE empty (id int PRIMARY KEY)', 'CREATE TABLE same (id int PRIMARY KEY, v text)', "INSERT INTO same SELECT seq, 'v' FROM seq_1_to_50"],
      ["INSERT INTO nopk VALUES (1, 'a'), (1, 'a'), (1, 'a'), (2, 'b')", 'CREATE TABLE only_old (id int PRIMARY KEY)', 'INSERT INTO only_old VALUES (1), (2), (3)', 'CREATE TABLE coldiff (id int PRIMARY KEY, a int)', 'INSERT INTO coldiff VALUES (1, 10), (2, 20)'],
      ["INSERT INTO nopk VALUES (1, 'a'), (3, 'c'), (3, 'c')", 'CREATE TABLE only_new (id int PRIMARY KEY)', 'CREATE TABLE coldiff (id int PRIMARY KEY, a bigint, added int)', 'INSERT INTO coldiff VALUES (1, 10, 99), (2, 21, 5)'],
    );
  });

  it('compares tables without a key as multisets and drifted tables on shared columns; skips only tables missing on one side', async () => {
    const run = await runEngine(pair);
    expect(run.result.report.tables.map((t) => t.table)).toEqual(['coldiff', 'empty', 'nopk', 'only_new', 'only_old', 'same']);
    expect(run.tables.nopk).toMatchObject({ primaryKey: [], oldRows: 4, newRows: 3, missingInNew: 3, changed: 0, onlyInNew: 2, skipped: null });
    const lines = readJsonl(run.outDir, 'nopk.jsonl').sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    expect(lines).toEqual([
      { kind: 'missingInNew', key: {}, old: { a: 1, b: 'a' }, new: { a: 1, b: 'a' }, copies: { old: 3, new: 1 } },
      { kind: 'missingInNew', key: {}, old: { a: 2, b: 'b' }, new: null, copies: { old: 1, new: 0 } },
      { kind: 'onlyInNew', key: {}, old: null, new: { a: 3, b: 'c' }, copies: { old: 0, new: 2 } },
    ]);
    expect(run.tables.only_old).toMatchObject({ oldRows: 3, newRows: 0, skipped: 'table missing in new primary' });
    expect(run.tables.only_new).toMatchObject({ skipped: 'table missing in old primary' });
    // Shared columns only: row 1 differs only in the added column, row 2 in a.
    expect(readJsonl(run.outDir, 'coldiff.jsonl')).toEqual([{ kind: 'changed', key: { id: 2 }, old: { id: 2, a: 20 }, new: { id: 2, a: 21 } }]);
    expect(run.tables.coldiff).toMatchObject({ changed: 1, skipped: null, drift: { onlyInOld: [], onlyInNew: ['added'], retyped: [{ column: 'a', old: expect.stringMatching(/^int/), new: expect.stringMatching(/^bigint/) }] } });
    expect(run.tables.empty).toEqual({ table: 'empty', primaryKey: ['id'], oldRows: 0, newRows: 0, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: null, drift: null, notes: [] });
    expect(run.files).toEqual(['coldiff.jsonl', 'nopk.jsonl', 'report.json', 'summary.md']);
  });

  it('limits the run to --tables, rejects unknown names and --schema', async () => {
    const run = await runEngine(pair, { tables: ['same'] });
    expect(run.result.report.tables.map((t) => t.table)).toEqual(['same']);
    expect(run.result.hasDifferences).toBe(false);
    expect(run.files).toEqual(['report.json', 'summary.md']);
    await expect(runEngine(pair, { tables: ['nope'] })).rejects.toThrow(new ReconcileError('unknown table in --tables: nope (not in database "my_skip_old" of either database)'));
    await expect(runEngine(pair, { schema: 'x' })).rejects.toThrow('--schema is not supported with --engine mysql');
  });
});

describe('MySQL/MariaDB: large values and least privilege', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await createPair(
      'mysql',
      'my_large',
      ['CREATE TABLE blobs (id int PRIMARY KEY, data longblob, doc longtext)', "INSERT INTO blobs SELECT seq, REPEAT(x'ab', 1000000), REPEAT('ü', 300000) FROM seq_1_to_3"],
      [],
      ["UPDATE blobs SET data = INSERT(data, 1000000, 1, x'00') WHERE id = 2"],
    );
  });

  it('detects a one-byte change at the end of a 1 MB value', async () => {
    const run = await runEngine(pair);
    expect(kinds(run.outDir, 'blobs.jsonl')).toEqual(['changed:2']);
    const rec = recordFor(run.outDir, 'blobs.jsonl', 2);
    expect(String(rec.old?.data).slice(-6)).toBe('ababab');
    expect(String(rec.new?.data).slice(-6)).toBe('abab00');
    expect(String(rec.new?.data)).toHaveLength(2 + 2_000_000);
  });

  it('needs nothing but SELECT (runs as a read-only user)', async () => {
    const info = server('mysql');
    const q = (db: string): string => `\`${db}\`.*`;
    await adminExec(info, [
      "DROP USER IF EXISTS 'reader'@'127.0.0.1'",
      "CREATE USER 'reader'@'127.0.0.1' IDENTIFIED BY 'r3ad only'",
      `GRANT SELECT ON ${q(pair.oldDb)} TO 'reader'@'127.0.0.1'`,
      `GRANT SELECT ON ${q(pair.newDb)} TO 'reader'@'127.0.0.1'`,
    ]);
    const reader = { ...info, user: 'reader', password: 'r3ad only' };
    const run = await runEngine({ ...pair, oldUrl: serverUrl(reader, pair.oldDb), newUrl: serverUrl(reader, pair.newDb) });
    expect(run.tables.blobs).toMatchObject({ changed: 1, oldRows: 3, newRows: 3 });
  });
});

describe('MySQL/MariaDB: refuses rather than misleads', () => {
  let pair: Pair;
  const user = "'limited'@'127.0.0.1'";
  beforeAll(async () => {
    pair = await createPair(
      'mysql',
      'my_refuse',
      ['CREATE TABLE open (id int PRIMARY KEY)', 'CREATE TABLE hidden (id int PRIMARY KEY)', 'CREATE TABLE writeonly (id int PRIMARY KEY)', 'INSERT INTO hidden VALUES (1), (2)'],
      [],
      ['DELETE FROM hidden WHERE id = 2'],
    );
    await adminExec(server('mysql'), [`DROP USER IF EXISTS ${user}`, `CREATE USER ${user} IDENTIFIED BY 'limited'`]);
    for (const db of [pair.oldDb, pair.newDb]) {
      // information_schema shows this user `open` and `writeonly`, never `hidden`.
      await adminExec(server('mysql'), [`GRANT SELECT ON \`${db}\`.open TO ${user}`, `GRANT INSERT ON \`${db}\`.writeonly TO ${user}`]);
    }
  });

  it('fails (exit 2) for a user without SELECT on the whole database, naming the tables it lists but cannot read', async () => {
    const limited = { ...server('mysql'), user: 'limited', password: 'limited' };
    const err = await runEngine({ ...pair, oldUrl: serverUrl(limited, pair.oldDb), newUrl: serverUrl(limited, pair.newDb) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ReconcileError);
    const message = (err as Error).message;
    expect(message).toContain('cannot read every table in full');
    expect(message).toContain(`the user has no SELECT privilege on the whole database ${pair.oldDb}, so tables it holds no privilege on are not even listed`);
    expect(message).toMatch(/writeonly \(SELECT command denied/);
  });

  it('with SELECT on the database, sees and compares every table', async () => {
    for (const db of [pair.oldDb, pair.newDb]) await adminExec(server('mysql'), [`GRANT SELECT ON \`${db}\`.* TO ${user}`]);
    const limited = { ...server('mysql'), user: 'limited', password: 'limited' };
    const run = await runEngine({ ...pair, oldUrl: serverUrl(limited, pair.oldDb), newUrl: serverUrl(limited, pair.newDb) });
    expect(run.tables.hidden).toMatchObject({ oldRows: 2, newRows: 1, missingInNew: 1 });
  });
});

describe('MySQL/MariaDB: key collations that differ are compared in byte order', () => {
  let pair: Pair;
  beforeAll(async () => {
    const rows = "INSERT INTO k SELECT CONCAT(x.x, s.seq), s.seq FROM (SELECT 'a' x UNION ALL SELECT 'B' UNION ALL SELECT 'c-' UNION ALL SELECT 'Z' UNION ALL SELECT '_') x, seq_1_to_60 s";
    pair = await createPair(
      'mysql',
      'my_collmix',
      [],
      ['CREATE TABLE k (k varchar(20) COLLATE utf8mb4_general_ci PRIMARY KEY, v int)', rows],
      ['CREATE TABLE k (k varchar(20) COLLATE utf8mb4_bin PRIMARY KEY, v int)', rows, "UPDATE k SET v = -1 WHERE k IN ('a7', 'Z30', '_59')"],
    );
  });

  it('finds exactly the 3 changes among 300 rows, with a note', async () => {
    const run = await runEngine(pair, { tuning: { chunkSize: 50, leafRows: 4, maxSplit: 4, fetchSize: 16 } });
    expect(run.tables.k).toMatchObject({ oldRows: 300, newRows: 300, missingInNew: 0, changed: 3, onlyInNew: 0 });
    expect(run.tables.k.notes).toEqual([expect.stringContaining('key column k may sort differently (old: utf8mb4_general_ci; new: utf8mb4_bin)')]);
    expect(kinds(run.outDir, 'k.jsonl').sort()).toEqual(['changed:Z30', 'changed:_59', 'changed:a7']);
  });
});

describe('MySQL/MariaDB: keys without an order key ranges can follow', () => {
  const unordered = [
    "CREATE TABLE k_enum (e enum('zz','aa') PRIMARY KEY, v int)",
    "INSERT INTO k_enum VALUES ('zz', 1), ('aa', 2)",
    "CREATE TABLE k_set (id int, s set('b','a'), v int, PRIMARY KEY (id, s))",
    'CREATE TABLE k_float (f float PRIMARY KEY, v int)',
    'INSERT INTO k_float VALUES (0.1, 1), (1.0000001, 2)',
    'CREATE TABLE k_double (d double PRIMARY KEY, v int)',
  ];
  const years = ['CREATE TABLE k_year (y year PRIMARY KEY, v int)', 'INSERT INTO k_year SELECT 1900 + seq, seq FROM seq_1_to_255'];
  let pair: Pair;
  beforeAll(async () => {
    pair = await createPair('mysql', 'my_keytypes', [...unordered, ...years], [], ['DELETE FROM k_year WHERE y = 1950', 'UPDATE k_year SET v = -1 WHERE y IN (1901, 2024, 2155)', 'INSERT INTO k_year VALUES (0, 0)']);
  });

  it('refuses ENUM, SET, FLOAT and DOUBLE keys (exit 2), naming table, column and type of each at once', async () => {
    const err = await runEngine(pair).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ReconcileError);
    const message = (err as Error).message;
    expect(message).toContain('primary key without an order key ranges can follow');
    expect(message).toContain("table k_enum, column e, type enum('zz','aa'): ENUM values sort by their index number, not their text");
    expect(message).toContain("table k_set, column s, type set('b','a'): SET values sort by their bit mask, not their text");
    expect(message).toContain('table k_float, column f, type float: FLOAT text is rounded');
    expect(message).toContain('table k_double, column d, type double: DOUBLE text is rounded');
    expect(message).toContain('leave these tables out with --tables');
    expect(message).not.toContain('k_year');
  });

  it('ranges YEAR keys by the column itself and finds exactly the differences', async () => {
    const run = await runEngine(pair, { tables: ['k_year'], tuning: { chunkSize: 50, leafRows: 4, maxSplit: 4, fetchSize: 16 } });
    expect(run.tables.k_year).toMatchObject({ oldRows: 255, newRows: 255, missingInNew: 1, changed: 3, onlyInNew: 1, notes: [] });
    expect(kinds(run.outDir, 'k_year.jsonl')).toEqual(['onlyInNew:0', 'changed:1901', 'missingInNew:1950', 'changed:2024', 'changed:2155']);
    // Ranged and merged as a number (the column itself, which its index serves), not by a binary form.
    const side = await MysqlSide.open('old', parseConnectionUrl('mysql', pair.oldUrl, '--old'));
    try {
      const year = (await side.listTables()).find((t) => t.name === 'k_year');
      if (!year) throw new Error('k_year not listed');
      expect(side.keyOrders(year)).toEqual(['integer']);
      expect(side.unorderedKey(year)).toBeNull();
    } finally {
      await side.close();
    }
  });
});

describe('MySQL/MariaDB: snapshot', () => {
  it('reads a consistent snapshot taken when the run starts', async () => {
    const pair = await createPair('mysql', 'my_snap', ['CREATE TABLE t (id int PRIMARY KEY)', 'INSERT INTO t SELECT seq FROM seq_1_to_10']);
    const side = await MysqlSide.open('new', parseConnectionUrl('mysql', pair.newUrl, '--new'));
    try {
      const [meta] = await side.listTables();
      await adminExec(server('mysql'), ['INSERT INTO t VALUES (11), (12)', 'DELETE FROM t WHERE id = 1'], pair.newDb);
      expect(await side.countRows(meta)).toBe(10);
      const [before] = await side.checksums(meta, { lower: null, upper: null }, []);
      expect(before.count).toBe(10);
      const later = await MysqlSide.open('new', parseConnectionUrl('mysql', pair.newUrl, '--new'));
      try {
        const [after] = await later.checksums(meta, { lower: null, upper: null }, []);
        expect(after.count).toBe(11);
        expect(after.digest).not.toBe(before.digest);
      } finally {
        await later.close();
      }
    } finally {
      await side.close();
    }
  });
});

describe('MySQL/MariaDB: fetches read only what they want', () => {
  it('reads the wanted sub-ranges of a chunk by the index, not the rows between them', async () => {
    const pair = await createPair('mysql', 'my_fetch', ['CREATE TABLE t (id int PRIMARY KEY, v varchar(20))', "INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_10000"]);
    const info = server('mysql');
    const admin = await mysql.createConnection({ host: info.host, port: info.port, user: info.user, password: info.password });
    const side = await MysqlSide.open('old', parseConnectionUrl('mysql', pair.oldUrl, '--old'));
    try {
      const [meta] = await side.listTables();
      const { bounds, upper } = await side.chunkBoundaries(meta, null, 10_000, 64);
      expect(bounds).toHaveLength(156);
      // The server's count of rows read from tables (MariaDB Rows_read, MySQL Innodb_rows_read),
      // server-wide: integration tests run one at a time.
      const rowsRead = async (): Promise<number> => {
        const [rows] = await admin.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS WHERE Variable_name IN ('Rows_read', 'Innodb_rows_read')");
        if (rows.length === 0) throw new Error('the server reports no rows-read counter');
        return Number(rows[0].Value);
      };
      const before = await rowsRead();
      // Sub-ranges 2 and 150: (128, 192] and (9600, 9664], 9,400 rows apart.
      const rows = await side.fetchBuckets(meta, { lower: null, upper }, bounds, [2, 150]);
      const read = (await rowsRead()) - before;
      expect(rows.map((r) => r.key[0])).toEqual([...Array.from({ length: 64 }, (_, i) => String(129 + i)), ...Array.from({ length: 64 }, (_, i) => String(9601 + i))]);
      expect(rows.map((r) => r.bucket)).toEqual([...Array<number>(64).fill(2), ...Array<number>(64).fill(150)]);
      // The 128 wanted rows and the range scans' boundary rows; the span would be ~9,500.
      expect(read).toBeLessThan(200);
    } finally {
      await side.close();
      await admin.end();
    }
  });
});
