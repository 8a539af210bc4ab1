/**
 * The engine against a real PostgreSQL server (default collation ICU "en", so text
 * keys do not sort in byte order).
 */
import { ReconcileError, parseConnectionUrl } from '../../lib/reconcile/engine';
import { PostgresSide } from '../../lib/reconcile/engine/postgres';
import { createPair, kinds, readJsonl, recordFor, runEngine, server } from './helpers';
import type { Pair } from './helpers';
import { adminExec, serverUrl } from './setup/servers';

jest.setTimeout(120_000);

const SMALL = { chunkSize: 100, leafRows: 8, maxSplit: 4, fetchSize: 7 };

describe('PostgreSQL: values of every type compare exactly', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await createPair(
      'postgres',
      'pg_types',
      [
        `CREATE TABLE types (
           id int PRIMARY KEY, i int, bi bigint, num numeric(40,20), f4 real, f8 double precision,
           ts timestamp(6), tstz timestamptz, d date, b boolean, j json, jb jsonb, by bytea, t text, u uuid, iv interval)`,
        `INSERT INTO types
           SELECT g, g, 9007199254740993, '12345678901234567890.12345678901234567890', 0.1, 0.1,
                  '2024-01-01 00:00:00.000001', '2024-01-01 00:00:00.000001+00', '2024-02-29', true,
                  '{"a":1}', '{"a":1,"b":[1,2]}', '\\x00ff', CASE WHEN g = 2 THEN NULL WHEN g = 20 THEN 'x' ELSE 'naïve 日本語 😀 Ωμέγα' END,
                  '00000000-0000-0000-0000-000000000001', '1 day 2 hours'
             FROM generate_series(1, 21) g`,
      ],
      [],
      [
        "UPDATE types SET t = '' WHERE id = 2",
        'UPDATE types SET bi = 9007199254740992 WHERE id = 3',
        "UPDATE types SET num = '12345678901234567890.12345678901234567891' WHERE id = 4",
        "UPDATE types SET ts = '2024-01-01 00:00:00.000002' WHERE id = 5",
        // The same instant written in another zone: not a difference.
        "UPDATE types SET tstz = '2024-01-01 02:00:00.000001+02' WHERE id = 6",
        // jsonb is normalised: key order and spacing do not matter.
        `UPDATE types SET jb = '{"b": [1, 2],   "a": 1}' WHERE id = 7`,
        `UPDATE types SET jb = '{"a":1,"b":[1,3]}' WHERE id = 8`,
        "UPDATE types SET by = '\\x00fe' WHERE id = 9",
        "UPDATE types SET t = 'naïve 日本語 😁 Ωμέγα' WHERE id = 10",
        "UPDATE types SET u = '00000000-0000-0000-0000-000000000002' WHERE id = 11",
        'UPDATE types SET b = false WHERE id = 12',
        "UPDATE types SET f8 = '0.10000000000000002' WHERE id = 13",
        "UPDATE types SET d = '2024-03-01' WHERE id = 14",
        // json (not jsonb) keeps its text: spacing is a difference.
        `UPDATE types SET j = '{"a": 1}' WHERE id = 15`,
        "UPDATE types SET f4 = '0.10000001' WHERE id = 16",
        'UPDATE types SET i = NULL WHERE id = 18',
        "UPDATE types SET t = 'x ' WHERE id = 20",
        'UPDATE types SET f8 = 0.1, num = num WHERE id = 21',
      ],
    );
  });

  it('reports exactly the changed rows', async () => {
    const run = await runEngine(pair);
    expect(run.tables.types).toEqual({ table: 'types', primaryKey: ['id'], oldRows: 21, newRows: 21, missingInNew: 0, changed: 15, onlyInNew: 0, skipped: null, drift: null, notes: [] });
    expect(kinds(run.outDir, 'types.jsonl')).toEqual([2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20].map((id) => `changed:${id}`));
  });

  it('writes exact values: NULL vs empty, big integers and decimals as text, microseconds, UTC, hex bytes, booleans', async () => {
    const run = await runEngine(pair);
    const f = 'types.jsonl';
    expect(recordFor(run.outDir, f, 2)).toMatchObject({ key: { id: 2 }, old: { t: null }, new: { t: '' } });
    expect(recordFor(run.outDir, f, 3)).toMatchObject({ old: { bi: '9007199254740993' }, new: { bi: '9007199254740992' } });
    expect(recordFor(run.outDir, f, 4)).toMatchObject({
      old: { num: '12345678901234567890.12345678901234567890' },
      new: { num: '12345678901234567890.12345678901234567891' },
    });
    expect(recordFor(run.outDir, f, 5)).toMatchObject({ old: { ts: '2024-01-01 00:00:00.000001' }, new: { ts: '2024-01-01 00:00:00.000002' } });
    expect(recordFor(run.outDir, f, 8)).toMatchObject({ old: { jb: '{"a": 1, "b": [1, 2]}' }, new: { jb: '{"a": 1, "b": [1, 3]}' } });
    expect(recordFor(run.outDir, f, 9)).toMatchObject({ old: { by: '\\x00ff' }, new: { by: '\\x00fe' } });
    expect(recordFor(run.outDir, f, 10)).toMatchObject({ old: { t: 'naïve 日本語 😀 Ωμέγα' }, new: { t: 'naïve 日本語 😁 Ωμέγα' } });
    expect(recordFor(run.outDir, f, 12)).toMatchObject({ old: { b: true }, new: { b: false } });
    expect(recordFor(run.outDir, f, 13)).toMatchObject({ old: { f8: '0.1' }, new: { f8: '0.10000000000000002' } });
    expect(recordFor(run.outDir, f, 18)).toMatchObject({ old: { i: 18 }, new: { i: null } });
    expect(recordFor(run.outDir, f, 20)).toMatchObject({ old: { t: 'x' }, new: { t: 'x ' } });
    const full = recordFor(run.outDir, f, 16);
    expect(full.old).toEqual({
      id: 16,
      i: 16,
      bi: '9007199254740993',
      num: '12345678901234567890.12345678901234567890',
      f4: '0.1',
      f8: '0.1',
      ts: '2024-01-01 00:00:00.000001',
      tstz: '2024-01-01 00:00:00.000001+00',
      d: '2024-02-29',
      b: true,
      j: '{"a":1}',
      jb: '{"a": 1, "b": [1, 2]}',
      by: '\\x00ff',
      t: 'naïve 日本語 😀 Ωμέγα',
      u: '00000000-0000-0000-0000-000000000001',
      iv: '1 day 02:00:00',
    });
    expect(full.new).toMatchObject({ f4: '0.10000001' });
  });
});

describe('PostgreSQL: classification across many key ranges', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await createPair(
      'postgres',
      'pg_ranges',
      ['CREATE TABLE big (id bigint PRIMARY KEY, v text)', "INSERT INTO big SELECT g, 'v' || g FROM generate_series(1, 2000) g"],
      ['DELETE FROM big WHERE id = 1500'],
      [
        'DELETE FROM big WHERE id IN (1, 777, 2000)',
        "UPDATE big SET v = 'changed' WHERE id IN (2, 1000, 1999)",
        "INSERT INTO big VALUES (-5, 'before'), (0, 'before'), (2001, 'after'), (2002, 'after'), (2003, 'after')",
      ],
    );
  });

  const expected = [
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
  ];

  it.each([
    ['small ranges (first, middle and last range, keys beyond the old maximum)', SMALL],
    ['default tuning', {}],
    ['one key per range', { chunkSize: 1, leafRows: 1, maxSplit: 2, fetchSize: 1 }],
  ])('finds every difference with %s', async (_name, tuning) => {
    const run = await runEngine(pair, { tuning });
    expect(run.tables.big).toEqual({ table: 'big', primaryKey: ['id'], oldRows: 1999, newRows: 2002, missingInNew: 3, changed: 3, onlyInNew: 6, skipped: null, drift: null, notes: [] });
    expect(kinds(run.outDir, 'big.jsonl')).toEqual(expected);
    expect(recordFor(run.outDir, 'big.jsonl', '1000')).toEqual({ kind: 'changed', key: { id: '1000' }, old: { id: '1000', v: 'v1000' }, new: { id: '1000', v: 'changed' } });
  });
});

describe('PostgreSQL: collations and composite keys', () => {
  let pair: Pair;
  beforeAll(async () => {
    const common = [
      // Case- and accent-insensitive: 'a' = 'A' = 'á' for the database.
      "CREATE COLLATION ci_ai (provider = icu, locale = 'und-u-ks-level1', deterministic = false)",
      'CREATE TABLE ci (k text COLLATE ci_ai PRIMARY KEY, v int)',
      'CREATE TABLE comp (region text, n int, qty int, PRIMARY KEY (region, n))',
      "INSERT INTO comp SELECT r, n, 1 FROM unnest(ARRAY['a', 'B', 'b', 'Z', 'é', 'ä']) r, generate_series(1, 40) n",
      'CREATE TABLE "Order Items" ("Key" int PRIMARY KEY, "select" text, "a""b" text)',
      `INSERT INTO "Order Items" VALUES (1, 'x', 'y'), (2, 'x', 'y')`,
    ];
    pair = await createPair(
      'postgres',
      'pg_coll',
      common,
      ["INSERT INTO ci VALUES ('a', 1), ('B', 1), ('é', 1), ('z', 1), ('Ö', 1), ('x', 1)"],
      [
        "INSERT INTO ci VALUES ('A', 1), ('b', 1), ('e', 1), ('z', 2), ('Ö', 1), ('x', 1)",
        "DELETE FROM comp WHERE region = 'B' AND n = 10",
        "UPDATE comp SET qty = 2 WHERE region = 'é' AND n = 40",
        "INSERT INTO comp VALUES ('a', 41, 1), ('A', 1, 1), ('ä', 0, 1)",
        `UPDATE "Order Items" SET "a""b" = 'z' WHERE "Key" = 2`,
      ],
    );
  });

  it.each([
    ['small ranges', { chunkSize: 2, leafRows: 2, maxSplit: 2, fetchSize: 2 }],
    ['one range', {}],
  ])('treats keys that differ only in case or accents as different keys (%s)', async (_name, tuning) => {
    const run = await runEngine(pair, { tables: ['ci'], tuning });
    expect(run.tables.ci).toMatchObject({ oldRows: 6, newRows: 6, missingInNew: 3, changed: 1, onlyInNew: 3 });
    expect(kinds(run.outDir, 'ci.jsonl').sort()).toEqual(['changed:z', 'missingInNew:B', 'missingInNew:a', 'missingInNew:é', 'onlyInNew:A', 'onlyInNew:b', 'onlyInNew:e']);
  });

  it('compares composite keys under a non-byte-order collation', async () => {
    const run = await runEngine(pair, { tables: ['comp'], tuning: { chunkSize: 7, leafRows: 3, maxSplit: 3, fetchSize: 2 } });
    expect(run.tables.comp).toEqual({ table: 'comp', primaryKey: ['region', 'n'], oldRows: 240, newRows: 242, missingInNew: 1, changed: 1, onlyInNew: 3, skipped: null, drift: null, notes: [] });
    expect(kinds(run.outDir, 'comp.jsonl').sort()).toEqual(['changed:é/40', 'missingInNew:B/10', 'onlyInNew:A/1', 'onlyInNew:a/41', 'onlyInNew:ä/0']);
  });

  it('quotes identifiers and encodes file names', async () => {
    const run = await runEngine(pair, { tables: ['Order Items'] });
    expect(run.files).toEqual(['Order%20Items.jsonl', 'report.json', 'summary.md']);
    expect(readJsonl(run.outDir, 'Order%20Items.jsonl')).toEqual([
      { kind: 'changed', key: { Key: 2 }, old: { Key: 2, select: 'x', 'a"b': 'y' }, new: { Key: 2, select: 'x', 'a"b': 'z' } },
    ]);
  });
});

describe('PostgreSQL: tables that cannot be compared, empty tables, filters and schemas', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await createPair(
      'postgres',
      'pg_skip',
      [
        'CREATE TABLE nopk (a int, b text)',
        'CREATE TABLE empty (id int PRIMARY KEY)',
        'CREATE TABLE same (id int PRIMARY KEY, v text)',
        "INSERT INTO same SELECT g, 'v' FROM generate_series(1, 50) g",
        'CREATE SCHEMA shop',
        'CREATE TABLE shop.orders (id int PRIMARY KEY, total numeric(10,2))',
        'INSERT INTO shop.orders VALUES (1, 10.00), (2, 20.00)',
      ],
      [
        "INSERT INTO nopk VALUES (1, 'a'), (1, 'a'), (1, 'a'), (2, 'b')",
        'CREATE TABLE only_old (id int PRIMARY KEY)',
        'INSERT INTO only_old VALUES (1), (2), (3)',
        'CREATE TABLE coldiff (id int PRIMARY KEY, a int)',
      ],
      [
        "INSERT INTO nopk VALUES (1, 'a'), (3, 'c'), (3, 'c')",
        'CREATE TABLE only_new (id int PRIMARY KEY)',
        'CREATE TABLE coldiff (id int PRIMARY KEY, a bigint)',
        'UPDATE shop.orders SET total = 21.00 WHERE id = 2',
      ],
    );
  });

  it('compares every table it can (multiset without a key, shared columns under drift) and skips only tables missing on one side', async () => {
    const run = await runEngine(pair);
    expect(run.result.report.tables.map((t) => t.table)).toEqual(['coldiff', 'empty', 'nopk', 'only_new', 'only_old', 'same']);
    expect(run.tables.nopk).toEqual({
      table: 'nopk',
      primaryKey: [],
      oldRows: 4,
      newRows: 3,
      missingInNew: 3,
      changed: 0,
      onlyInNew: 2,
      skipped: null,
      drift: null,
      notes: ['no primary key: compared as a multiset of whole rows (shared columns)'],
    });
    // Duplicates count: 3 copies of (1, a) against 1 is 2 missing copies.
    const lines = readJsonl(run.outDir, 'nopk.jsonl').sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    expect(lines).toEqual([
      { kind: 'missingInNew', key: {}, old: { a: 1, b: 'a' }, new: { a: 1, b: 'a' }, copies: { old: 3, new: 1 } },
      { kind: 'missingInNew', key: {}, old: { a: 2, b: 'b' }, new: null, copies: { old: 1, new: 0 } },
      { kind: 'onlyInNew', key: {}, old: null, new: { a: 3, b: 'c' }, copies: { old: 0, new: 2 } },
    ]);
    expect(run.tables.only_old).toMatchObject({ oldRows: 3, newRows: 0, skipped: 'table missing in new primary' });
    expect(run.tables.only_new).toMatchObject({ oldRows: 0, newRows: 0, skipped: 'table missing in old primary' });
    expect(run.tables.coldiff).toMatchObject({ skipped: null, drift: { onlyInOld: [], onlyInNew: [], retyped: [{ column: 'a', old: 'integer', new: 'bigint' }] } });
    expect(run.tables.empty).toEqual({ table: 'empty', primaryKey: ['id'], oldRows: 0, newRows: 0, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: null, drift: null, notes: [] });
    expect(run.tables.same).toMatchObject({ oldRows: 50, newRows: 50, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: null, drift: null, notes: [] });
    expect(run.result.hasDifferences).toBe(true);
    expect(run.files).toEqual(['nopk.jsonl', 'report.json', 'summary.md']);
  });

  it('limits the run to --tables and rejects unknown names', async () => {
    const run = await runEngine(pair, { tables: ['same', 'only_old'] });
    expect(run.result.report.tables.map((t) => t.table)).toEqual(['only_old', 'same']);
    await expect(runEngine(pair, { tables: ['same', 'nope'] })).rejects.toThrow(new ReconcileError('unknown table in --tables: nope (not in schema "public" of either database)'));
  });

  it('compares another schema', async () => {
    const run = await runEngine(pair, { schema: 'shop' });
    expect(run.result.report.tables.map((t) => t.table)).toEqual(['orders']);
    expect(readJsonl(run.outDir, 'orders.jsonl')).toEqual([{ kind: 'changed', key: { id: 2 }, old: { id: 2, total: '20.00' }, new: { id: 2, total: '21.00' } }]);
    await expect(runEngine(pair, { schema: 'nope' })).rejects.toThrow('schema "nope" not found in the old database');
  });

  it('finds nothing in identical tables and writes no table file', async () => {
    const run = await runEngine(pair, { tables: ['same', 'empty'] });
    expect(run.result.hasDifferences).toBe(false);
    expect(run.result.report.tables.every((t) => t.skipped === null)).toBe(true);
    expect(run.result.report.totals).toEqual({ missingInNew: 0, changed: 0, onlyInNew: 0 });
    expect(run.files).toEqual(['report.json', 'summary.md']);
  });
});

describe('PostgreSQL: large values and least privilege', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await createPair(
      'postgres',
      'pg_large',
      ['CREATE TABLE blobs (id int PRIMARY KEY, data bytea, doc text)', "INSERT INTO blobs SELECT g, decode(repeat('ab', 1000000), 'hex'), repeat('ü', 300000) FROM generate_series(1, 3) g"],
      [],
      ["UPDATE blobs SET data = overlay(data placing '\\x00'::bytea from 1000000) WHERE id = 2"],
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

  it('needs nothing but SELECT (runs as a read-only role)', async () => {
    const info = server('postgres');
    await adminExec(info, ["DROP ROLE IF EXISTS reader", "CREATE ROLE reader LOGIN PASSWORD 'r3ad only'"]);
    for (const db of [pair.oldDb, pair.newDb]) await adminExec(info, ['GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader'], db);
    const reader = { ...info, user: 'reader', password: 'r3ad only' };
    const run = await runEngine({ ...pair, oldUrl: serverUrl(reader, pair.oldDb), newUrl: serverUrl(reader, pair.newDb) });
    expect(run.tables.blobs).toMatchObject({ changed: 1, oldRows: 3, newRows: 3 });
  });
});

describe('PostgreSQL: refuses rather than misleads', () => {
  const info = (): ReturnType<typeof server> => server('postgres');
  let pair: Pair;
  beforeAll(async () => {
    const rows = ['CREATE TABLE notes (id int PRIMARY KEY, owner text, body text)', "INSERT INTO notes VALUES (1, 'reader', 'a'), (2, 'someone', 'b'), (3, 'someone', 'c')"];
    pair = await createPair('postgres', 'pg_refuse', [...rows, 'CREATE TABLE open (id int PRIMARY KEY)', 'CREATE TABLE hidden (id int PRIMARY KEY)'], [], ["UPDATE notes SET body = 'B' WHERE id = 2", 'DELETE FROM notes WHERE id = 3']);
    await adminExec(info(), ['DROP ROLE IF EXISTS limited', "CREATE ROLE limited LOGIN PASSWORD 'limited'"]);
    for (const db of [pair.oldDb, pair.newDb]) {
      // A policy shows the reader only its own rows: without row_security = off, old 1 row vs new 1 row, "identical".
      await adminExec(info(), ['GRANT SELECT ON notes, open TO limited', 'ALTER TABLE notes ENABLE ROW LEVEL SECURITY', "CREATE POLICY own ON notes FOR SELECT USING (owner = current_user OR owner = 'reader')"], db);
    }
  });
  const limited = (p: Pair): Pair => {
    const u = { ...info(), user: 'limited', password: 'limited' };
    return { ...p, oldUrl: serverUrl(u, p.oldDb), newUrl: serverUrl(u, p.newDb) };
  };

  it('fails (exit 2) naming a table a row-level security policy would filter, and a table it may not read', async () => {
    const err = await runEngine(limited(pair)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ReconcileError);
    const message = (err as Error).message;
    expect(message).toContain('cannot read every table in full');
    expect(message).toMatch(/old database: .*notes \(query would be affected by row-level security policy for table "notes"\)/);
    expect(message).toMatch(/hidden \(permission denied for table hidden\)/);
    expect(message).toContain('new database: ');
  });

  it('compares the same tables in full as the owner', async () => {
    const run = await runEngine(pair, { tables: ['notes'] });
    expect(run.tables.notes).toMatchObject({ oldRows: 3, newRows: 2, missingInNew: 1, changed: 1 });
  });
});

describe('PostgreSQL: key collation proven equal (provider and version), else byte order', () => {
  let pair: Pair;
  const keys = ["'a'", "'B'", "'b'", "'Z'", "'é'", "'e'", "'_x'", "'10'", "'9'"];
  beforeAll(async () => {
    const s = server('postgres');
    if (!s.icu) throw new Error('this test needs a PostgreSQL built with ICU (default collation ICU "en" on one side)');
    const oldDb = 'pg_collmix_old';
    const newDb = 'pg_collmix_new';
    await adminExec(s, [`DROP DATABASE IF EXISTS ${oldDb} WITH (FORCE)`, `DROP DATABASE IF EXISTS ${newDb} WITH (FORCE)`]);
    // Both report the key's collation as pg_catalog.default; one is ICU "en", the other libc "C".
    await adminExec(s, [`CREATE DATABASE ${oldDb} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C.UTF-8'`, `CREATE DATABASE ${newDb} TEMPLATE template0 LOCALE_PROVIDER libc LOCALE 'C'`]);
    const common = ['CREATE TABLE k (k text PRIMARY KEY, v int)', `INSERT INTO k SELECT x || n, n FROM unnest(ARRAY[${keys.join(', ')}]) x, generate_series(1, 60) n`];
    await adminExec(s, common, oldDb);
    await adminExec(s, [...common, "UPDATE k SET v = -1 WHERE k IN ('a7', 'Z30', 'é59')"], newDb);
    pair = { engine: 'postgres', oldDb, newDb, oldUrl: serverUrl(s, oldDb), newUrl: serverUrl(s, newDb) };
  });

  it('finds exactly the 3 changes among 540 rows, with a note that ranges ran in byte order', async () => {
    const run = await runEngine(pair, { tuning: { chunkSize: 50, leafRows: 4, maxSplit: 4, fetchSize: 16 } });
    expect(run.tables.k).toMatchObject({ oldRows: 540, newRows: 540, missingInNew: 0, changed: 3, onlyInNew: 0 });
    expect(run.tables.k.notes).toEqual([expect.stringMatching(/^key column k may sort differently \(old: .*provider=i.*; new: .*provider=c.*\): key ranges compared in byte order/)]);
    expect(kinds(run.outDir, 'k.jsonl').sort()).toEqual(['changed:Z30', 'changed:a7', 'changed:é59']);
  });
});

describe('PostgreSQL: snapshot', () => {
  it('reads a consistent snapshot taken when the run starts', async () => {
    const pair = await createPair('postgres', 'pg_snap', ['CREATE TABLE t (id int PRIMARY KEY)', 'INSERT INTO t SELECT generate_series(1, 10)']);
    const side = await PostgresSide.open('new', parseConnectionUrl('postgres', pair.newUrl, '--new'), 'public');
    try {
      const [meta] = await side.listTables();
      await adminExec(server('postgres'), ['INSERT INTO t VALUES (11), (12)', 'DELETE FROM t WHERE id = 1'], pair.newDb);
      expect(await side.countRows(meta)).toBe(10);
      const [before] = await side.checksums(meta, { lower: null, upper: null }, []);
      expect(before.count).toBe(10);
      const later = await PostgresSide.open('new', parseConnectionUrl('postgres', pair.newUrl, '--new'), 'public');
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
