/**
 * PostgreSQL side (driver `pg`).
 *
 * - Session settings fix every text form (UTC, ISO dates, shortest exact floats, hex
 *   bytea) and the snapshot is `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`.
 * - All values arrive as the server's text output (no type parsing in JS).
 * - Ranges use the key columns as they are (`(k1, k2) > ($1::t1, $2::t2)`), so the
 *   primary key index serves them whatever the collation.
 * - Range checksum: count and sum of hashtextextended(ROW(columns)::text, 0); record
 *   text output quotes "" and leaves NULL empty, so NULL and '' differ. Needs 11+.
 * - Merge order: integers and numeric numerically, uuid and bytea by their ASCII text
 *   (= byte order), everything else by `(k)::text COLLATE "C"` (UTF-8 byte order).
 */
import * as fs from 'fs';
import type { ConnectionOptions } from 'tls';
import { Client } from 'pg';
import type { CustomTypesConfig } from 'pg';
import type { KeyOrder } from './compare';
import { closeWithin, noAnswer } from './deadline';
import { ReconcileError, errorMessage } from './errors';
import type { Checksum, ChunkBoundaries, ColumnMeta, CountedRow, KeyBound, KeyRange, Side, TableMeta } from './side';
import { EMPTY_CHECKSUM, bucketExpression, splitChunkRows, wantedRanges } from './side';
import { quotePg } from './sql';
import type { ConnectionSpec, SideName } from './types';
import { describeTarget } from './url';
import type { Row, ValueKind } from './values';

type Cell = string | null;

/** Every type arrives as the server's text output. */
const RAW_TEXT: CustomTypesConfig = {
  getTypeParser: (() => (value: string) => value) as unknown as CustomTypesConfig['getTypeParser'],
};

const INTEGER_TYPES = new Set(['int2', 'int4', 'int8', 'oid']);
const SESSION_SETTINGS = [
  "SET TIME ZONE 'UTC'",
  "SET DateStyle TO 'ISO, YMD'",
  "SET IntervalStyle TO 'postgres'",
  'SET extra_float_digits TO 3',
  "SET bytea_output TO 'hex'",
  "SET lc_monetary TO 'C'",
  'SET search_path TO pg_catalog',
  'SET statement_timeout TO 0',
  'SET idle_in_transaction_session_timeout TO 0',
  // A policy that would hide rows from this user becomes an error instead (the report
  // would otherwise call the hidden rows missing, or miss their changes).
  'SET row_security TO off',
];

/** pg_collation / pg_database fields that decide string order (names differ across versions). */
const COLLATION_FIELDS = ['collprovider', 'collcollate', 'colliculocale', 'colllocale', 'collicurules', 'collisdeterministic'];
const DATABASE_FIELDS = ['datlocprovider', 'datcollate', 'daticulocale', 'datlocale', 'daticurules'];

/** A stable text of the fields that decide order, so two sides can be compared. */
function orderingText(fields: Record<string, unknown>, names: readonly string[], version: string | null): string {
  const parts = names.filter((n) => fields[n] !== undefined && fields[n] !== null).map((n) => `${n.replace(/^(coll|dat)/, '')}=${String(fields[n])}`);
  return `${parts.join(' ')} version=${version ?? 'none'}`;
}

/** pg's error for a query past its query_timeout. */
function timedOut(err: unknown): boolean {
  return err instanceof Error && err.message === 'Query read timeout';
}

interface Plan {
  readonly from: string;
  readonly keys: readonly string[];
  readonly keyCasts: readonly string[];
  readonly keyIndexes: readonly number[];
  readonly values: readonly string[];
  readonly mergeSelects: readonly string[];
  readonly mergeOrders: readonly string[];
  readonly orders: readonly KeyOrder[];
  readonly kinds: readonly ValueKind[];
}

/** hashtextextended: PostgreSQL's own 64-bit text hash (what hash partitioning uses), far cheaper than md5. */
function rowHash(plan: Plan): string {
  return `hashtextextended(ROW(${plan.values.join(', ')})::text, 0)`;
}

class Params {
  readonly values: string[] = [];
  add(value: string, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

export function pgTlsOptions(spec: ConnectionSpec): false | ConnectionOptions {
  const tls = spec.tls;
  if (tls.mode === 'disable') return false;
  let ca: string | undefined;
  if (tls.caFile) {
    try {
      ca = fs.readFileSync(tls.caFile, 'utf8');
    } catch (err) {
      throw new ReconcileError(`cannot read CA file ${tls.caFile}: ${errorMessage(err)}`);
    }
  }
  // As libpq: "require" with a root certificate verifies the chain like verify-ca.
  if (tls.mode === 'require' && !ca) return { rejectUnauthorized: false };
  if (tls.mode === 'verify-full') return ca ? { ca, rejectUnauthorized: true } : { rejectUnauthorized: true };
  return { ...(ca ? { ca } : {}), rejectUnauthorized: true, checkServerIdentity: () => undefined };
}

export class PostgresSide implements Side {
  private readonly plans = new WeakMap<TableMeta, Plan>();
  private failure: Error | undefined;
  /** The last queued query, settled or not (see query). */
  private queryTail: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly side: SideName,
    private readonly client: Client,
    private readonly spec: ConnectionSpec,
    private readonly schema: string,
    readonly serverVersion: string,
  ) {
    client.on('error', (err) => {
      this.failure = err;
    });
  }

  static async open(side: SideName, spec: ConnectionSpec, schema: string): Promise<PostgresSide> {
    const client = new Client({
      host: spec.host,
      port: spec.port,
      user: spec.user,
      password: spec.password,
      database: spec.database,
      ssl: pgTlsOptions(spec),
      connectionTimeoutMillis: spec.connectTimeoutMs,
      application_name: 'reconcile',
      // A peer that is gone (not just slow) is noticed by TCP within minutes, not hours.
      keepAlive: true,
      keepAliveInitialDelayMillis: 30_000,
      // Client-side: a server or network that stops answering cannot hold the run.
      query_timeout: spec.queryTimeoutMs,
    });
    // Until the side owns the client, a dropped connection must not crash the process.
    const early = (): void => undefined;
    client.on('error', early);
    try {
      await client.connect();
    } catch (err) {
      await closeWithin(() => client.end(), () => client.connection.stream.destroy());
      throw new ReconcileError(`cannot connect to the ${side} database (${describeTarget(spec)}): ${errorMessage(err)}`);
    }
    let statement = '';
    try {
      for (const s of [...SESSION_SETTINGS, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY']) {
        statement = s;
        await client.query(s);
      }
      statement = "SELECT current_setting('server_version') AS v, current_setting('server_encoding') AS enc, (SELECT nspname FROM pg_namespace WHERE nspname = $1) AS ns";
      const info = await client.query<{ v: string; enc: string; ns: string | null }>(statement, [schema]);
      const row = info.rows[0];
      if (row.enc !== 'UTF8') {
        throw new ReconcileError(`the ${side} database uses server_encoding ${row.enc}; only UTF8 is supported`);
      }
      if (Number(row.v.split(/[.\s]/)[0]) < 11) throw new ReconcileError(`the ${side} database runs PostgreSQL ${row.v}; 11 or later is needed`);
      if (row.ns === null) throw new ReconcileError(`schema "${schema}" not found in the ${side} database`);
      const sideObj = new PostgresSide(side, client, spec, schema, `PostgreSQL ${row.v}`);
      client.removeListener('error', early);
      return sideObj;
    } catch (err) {
      if (timedOut(err)) client.connection.stream.destroy();
      else await closeWithin(() => client.end(), () => client.connection.stream.destroy());
      if (err instanceof ReconcileError) throw err;
      if (timedOut(err)) throw noAnswer(side, spec, statement);
      throw new ReconcileError(`${side} database (${describeTarget(spec)}): ${errorMessage(err)}`);
    }
  }

  /**
   * Queries run one at a time, in the order asked for: the comparison queues the next
   * chunks' checksums while it fetches this one's rows, and pg's own queueing of
   * concurrent queries on one client is deprecated.
   */
  private query(text: string, values: readonly string[] = []): Promise<Cell[][]> {
    const run = this.queryTail.then(() => this.execute(text, values));
    this.queryTail = run.catch(() => undefined);
    return run;
  }

  private async execute(text: string, values: readonly string[]): Promise<Cell[][]> {
    if (this.failure) throw new ReconcileError(`${this.side} database connection lost: ${errorMessage(this.failure)}`);
    try {
      const res = await this.client.query<Cell[]>({ text, values: [...values], rowMode: 'array', types: RAW_TEXT });
      return res.rows;
    } catch (err) {
      if (!timedOut(err)) throw new ReconcileError(`${this.side} database: ${errorMessage(err)}`);
      // The server may still be busy with the query: the connection is of no further use.
      this.failure ??= err instanceof Error ? err : new Error(String(err));
      this.client.connection.stream.destroy();
      throw noAnswer(this.side, this.spec, text);
    }
  }

  async listTables(): Promise<TableMeta[]> {
    const rels = await this.query(
      `SELECT c.oid::text, c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
      [this.schema],
    );
    if (rels.length === 0) return [];
    const oids = `{${rels.map((r) => r[0]).join(',')}}`;
    const cols = await this.query(
      `SELECT a.attrelid::text, a.attname, format_type(a.atttypid, a.atttypmod), bt.typname::text,
              CASE WHEN a.attcollation = 0 THEN NULL ELSE (SELECT cn.nspname || '.' || co.collname FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
              NULLIF(a.attcollation, 0)::text
         FROM pg_attribute a
         JOIN pg_type t ON t.oid = a.atttypid
         JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
        WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum`,
      [oids],
    );
    const pks = await this.query(
      `SELECT i.indrelid::text, a.attname
         FROM pg_index i
         CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indisprimary AND i.indrelid = ANY($1::oid[]) AND k.ord <= i.indnkeyatts
        ORDER BY i.indrelid, k.ord`,
      [oids],
    );
    const orderings = await this.orderings(cols.map((c) => c[5]));
    const columns = new Map<string, ColumnMeta[]>();
    for (const [rel, name, type, base, collation, collOid] of cols) {
      const list = columns.get(rel ?? '') ?? [];
      list.push({ name: name ?? '', type: type ?? '', dataType: base ?? '', collation, charset: null, ordering: collOid ? orderings.get(collOid) ?? null : null });
      columns.set(rel ?? '', list);
    }
    const keys = new Map<string, string[]>();
    for (const [rel, name] of pks) {
      const list = keys.get(rel ?? '') ?? [];
      list.push(name ?? '');
      keys.set(rel ?? '', list);
    }
    return rels.map(([oid, name, kind]) => ({
      name: name ?? '',
      columns: columns.get(oid ?? '') ?? [],
      primaryKey: keys.get(oid ?? '') ?? [],
      partitioned: kind === 'p',
    }));
  }

  /**
   * Collation oid to what decides its order: provider, locale, rules, determinism and the
   * version the server's library reports now. The database default ("pg_catalog.default"
   * on both sides whatever it is) is resolved to the database's own locale settings.
   */
  private async orderings(oids: readonly (string | null)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(oids.filter((o): o is string => o !== null))];
    const out = new Map<string, string>();
    if (wanted.length === 0) return out;
    const colls = await this.query(
      `SELECT c.oid::text, to_jsonb(c)::text, pg_collation_actual_version(c.oid) FROM pg_collation c WHERE c.oid = ANY($1::oid[])`,
      [`{${wanted.join(',')}}`],
    );
    // PostgreSQL 15+ can ask the library for the default collation's version; older ones recorded none.
    const [[hasVersionFn]] = await this.query(`SELECT (to_regproc('pg_catalog.pg_database_collation_actual_version') IS NOT NULL)::text`);
    const version = hasVersionFn === 'true' ? 'pg_database_collation_actual_version(d.oid)' : 'NULL::text';
    const [db] = await this.query(`SELECT to_jsonb(d)::text, ${version} FROM pg_database d WHERE d.datname = current_database()`);
    const dbFields = JSON.parse(db[0] ?? '{}') as Record<string, unknown>;
    const dbOrdering = orderingText(dbFields, DATABASE_FIELDS, db[1]);
    for (const [oid, json, version] of colls) {
      const fields = JSON.parse(json ?? '{}') as Record<string, unknown>;
      out.set(oid ?? '', fields.collprovider === 'd' ? `${dbOrdering} isdeterministic=true` : orderingText(fields, COLLATION_FIELDS, version));
    }
    return out;
  }

  async readProblems(tables: readonly TableMeta[]): Promise<string[]> {
    const problems: string[] = [];
    // A savepoint per probe: a failed statement must not end the snapshot transaction.
    for (const t of tables) {
      try {
        await this.query('SAVEPOINT probe');
        await this.query(`SELECT ${t.columns.map((c) => `t.${quotePg(c.name)}`).join(', ') || '1'} FROM ${this.fromClause(t)} LIMIT 0`);
        await this.query('RELEASE SAVEPOINT probe');
      } catch (err) {
        // A lost or silent connection is not a problem of this table: the run stops.
        if (this.failure) throw err;
        problems.push(`${t.name} (${errorMessage(err).replace(/^\w+ database: /, '')})`);
        await this.query('ROLLBACK TO SAVEPOINT probe').catch(() => undefined);
      }
    }
    return problems;
  }

  private fromClause(table: TableMeta): string {
    // ONLY: rows of inheritance children belong to those tables, which are listed themselves.
    return `${table.partitioned ? '' : 'ONLY '}${quotePg(this.schema)}.${quotePg(table.name)} t`;
  }

  async countRows(table: TableMeta): Promise<number> {
    const rows = await this.query(`SELECT count(*) FROM ${this.fromClause(table)}`);
    return Number(rows[0][0]);
  }

  private plan(table: TableMeta): Plan {
    const cached = this.plans.get(table);
    if (cached) return cached;
    const col = (name: string): string => `t.${quotePg(name)}`;
    const keyIndexes = table.primaryKey.map((k) => table.columns.findIndex((c) => c.name === k));
    const keyCols = keyIndexes.map((i) => table.columns[i]);
    const orders: KeyOrder[] = [];
    const mergeSelects: string[] = [];
    const mergeOrders: string[] = [];
    keyCols.forEach((c, i) => {
      if (INTEGER_TYPES.has(c.dataType) || c.dataType === 'numeric') {
        orders.push(c.dataType === 'numeric' ? 'decimal' : 'integer');
        mergeSelects.push(col(c.name));
        mergeOrders.push(`s.m${i}`);
      } else if (c.dataType === 'uuid' || c.dataType === 'bytea') {
        // Natural order is byte order, and the text output (lowercase hex) sorts the same way.
        orders.push('text');
        mergeSelects.push(col(c.name));
        mergeOrders.push(`s.m${i}`);
      } else {
        orders.push('text');
        mergeSelects.push(`(${col(c.name)})::text`);
        mergeOrders.push(`s.m${i} COLLATE "C"`);
      }
    });
    // Byte order (the run could not prove both sides order the key the same way): ranges
    // then agree by construction, at the price of sorting instead of an index scan.
    const bytes = (c: ColumnMeta): boolean => table.byteOrderKeys === true && c.collation !== null;
    const plan: Plan = {
      from: this.fromClause(table),
      keys: keyCols.map((c) => (bytes(c) ? `(${col(c.name)} COLLATE "C")` : col(c.name))),
      keyCasts: keyCols.map((c) => (bytes(c) ? `${c.type} COLLATE "C"` : c.type)),
      keyIndexes,
      values: table.columns.map((c) => col(c.name)),
      mergeSelects,
      mergeOrders,
      orders,
      kinds: table.columns.map((c) => (c.dataType === 'bool' ? 'boolean' : c.dataType === 'int2' || c.dataType === 'int4' ? 'number' : c.dataType === 'bytea' ? 'binary' : 'string')),
    };
    this.plans.set(table, plan);
    return plan;
  }

  keyOrders(table: TableMeta): KeyOrder[] {
    return [...this.plan(table).orders];
  }

  valueKinds(table: TableMeta): ValueKind[] {
    return [...this.plan(table).kinds];
  }

  /** `key <op> bound` as a row comparison (served by the primary key index). */
  private compareKey(plan: Plan, op: '>' | '<=', bound: KeyBound, params: Params): string {
    const values = bound.map((v, i) => params.add(v, plan.keyCasts[i]));
    if (plan.keys.length === 1) return `${plan.keys[0]} ${op} ${values[0]}`;
    return `(${plan.keys.join(', ')}) ${op} (${values.join(', ')})`;
  }

  private rangeWhere(plan: Plan, range: KeyRange, params: Params): string {
    const parts: string[] = [];
    if (range.lower) parts.push(this.compareKey(plan, '>', range.lower, params));
    if (range.upper) parts.push(this.compareKey(plan, '<=', range.upper, params));
    return parts.length ? parts.join(' AND ') : 'TRUE';
  }

  private bucket(plan: Plan, bounds: readonly KeyBound[], params: Params): string {
    return bucketExpression(bounds.length, (i) => this.compareKey(plan, '<=', bounds[i], params));
  }

  async chunkBoundaries(table: TableMeta, lower: KeyBound | null, chunkSize: number, step: number): Promise<ChunkBoundaries> {
    const plan = this.plan(table);
    const params = new Params();
    const where = this.rangeWhere(plan, { lower, upper: null }, params);
    const ks = plan.keys.map((_, i) => `x.k${i}`);
    // The inner LIMIT bounds the index scan to the chunk; row numbers pick the cut points.
    const rows = await this.query(
      `SELECT ${ks.map((k) => k.replace('x.', 's.')).join(', ')}, s.rn
         FROM (SELECT x.*, row_number() OVER (ORDER BY ${ks.join(', ')}) AS rn
                 FROM (SELECT ${plan.keys.map((k, i) => `${k} AS k${i}`).join(', ')} FROM ${plan.from} WHERE ${where}
                        ORDER BY ${plan.keys.join(', ')} LIMIT ${chunkSize}) x) s
        WHERE s.rn % ${step} = 0 OR s.rn = ${chunkSize} ORDER BY s.rn`,
      params.values,
    );
    return splitChunkRows(
      rows.map((r) => r.map((v) => v ?? '')),
      chunkSize,
    );
  }

  async splitBoundaries(table: TableMeta, range: KeyRange, step: number, count: number): Promise<KeyBound[]> {
    const plan = this.plan(table);
    const params = new Params();
    const where = this.rangeWhere(plan, range, params);
    const aliases = plan.keys.map((k, i) => `${k} AS k${i}`);
    const rows = await this.query(
      `SELECT ${plan.keys.map((_, i) => `s.k${i}`).join(', ')}
         FROM (SELECT ${aliases.join(', ')}, row_number() OVER (ORDER BY ${plan.keys.join(', ')}) AS rn FROM ${plan.from} WHERE ${where}) s
        WHERE s.rn % ${step} = 0 AND s.rn < ${count} ORDER BY s.rn`,
      params.values,
    );
    return rows.map((r) => r.map((v) => v ?? ''));
  }

  async checksums(table: TableMeta, range: KeyRange, bounds: readonly KeyBound[]): Promise<Checksum[]> {
    const plan = this.plan(table);
    const params = new Params();
    const where = this.rangeWhere(plan, range, params);
    const bucket = this.bucket(plan, bounds, params);
    const rows = await this.query(
      `SELECT ${bucket} AS b, count(*), coalesce(sum(${rowHash(plan)}), 0)
         FROM ${plan.from} WHERE ${where} GROUP BY 1`,
      params.values,
    );
    const out: Checksum[] = Array.from({ length: bounds.length + 1 }, () => EMPTY_CHECKSUM);
    for (const [b, count, digest] of rows) out[Number(b)] = { count: Number(count), digest: digest ?? '0' };
    return out;
  }

  async fetchBuckets(table: TableMeta, range: KeyRange, bounds: readonly KeyBound[], buckets: readonly number[]): Promise<Row[]> {
    const plan = this.plan(table);
    const params = new Params();
    // Only the wanted sub-ranges are read (index range scans), not the span between them.
    const where = wantedRanges(range, bounds, buckets).map((r) => `(${this.rangeWhere(plan, r, params)})`);
    const bucket = this.bucket(plan, bounds, params);
    const selects = [`${bucket} AS b`, ...plan.mergeSelects.map((m, i) => `${m} AS m${i}`), ...plan.values.map((v, i) => `${v} AS v${i}`)];
    const rows = await this.query(
      `SELECT s.* FROM (SELECT ${selects.join(', ')} FROM ${plan.from} WHERE ${where.join(' OR ')} OFFSET 0) s
        ORDER BY s.b, ${plan.mergeOrders.join(', ')}`,
      params.values,
    );
    const nk = plan.keys.length;
    return rows.map((r) => ({ bucket: Number(r[0]), key: r.slice(1, 1 + nk).map((v) => v ?? ''), values: r.slice(1 + nk) }));
  }

  async *streamRange(table: TableMeta, range: KeyRange, pageSize: number): AsyncGenerator<Row> {
    const plan = this.plan(table);
    let after: KeyBound | null = range.lower;
    for (;;) {
      const params = new Params();
      const where = this.rangeWhere(plan, { lower: after, upper: range.upper }, params);
      const rows = await this.query(
        `SELECT ${plan.values.join(', ')} FROM ${plan.from} WHERE ${where} ORDER BY ${plan.keys.join(', ')} LIMIT ${pageSize}`,
        params.values,
      );
      for (const values of rows) {
        const key = plan.keyIndexes.map((i) => values[i] ?? '');
        yield { bucket: 0, key, values };
        after = key;
      }
      if (rows.length < pageSize) return;
    }
  }

  async lookupRows(table: TableMeta, keys: readonly KeyBound[]): Promise<Row[]> {
    if (keys.length === 0) return [];
    const plan = this.plan(table);
    const params = new Params();
    // Values in their text output form cast back to the column type: an index lookup per key.
    const tuples = keys.map((k) => `(${k.map((v, i) => params.add(v, plan.keyCasts[i])).join(', ')})`);
    const lhs = plan.keys.length === 1 ? plan.keys[0] : `(${plan.keys.join(', ')})`;
    const rows = await this.query(`SELECT ${plan.values.join(', ')} FROM ${plan.from} WHERE ${lhs} IN (${tuples.join(', ')})`, params.values);
    return rows.map((values) => ({ bucket: 0, key: plan.keyIndexes.map((i) => values[i] ?? ''), values }));
  }

  async sampleRowBytes(table: TableMeta): Promise<number> {
    const plan = this.plan(table);
    const [[bytes]] = await this.query(`SELECT coalesce(max(octet_length(s::text)), 0) FROM (SELECT ${plan.values.join(', ')} FROM ${plan.from} LIMIT 200) s`);
    return Number(bytes);
  }

  async multisetChecksum(table: TableMeta): Promise<Checksum> {
    const plan = this.plan(table);
    const [[count, digest]] = await this.query(`SELECT count(*), coalesce(sum(${rowHash(plan)}), 0) FROM ${plan.from}`);
    return { count: Number(count), digest: digest ?? '0' };
  }

  async *streamMultiset(table: TableMeta, pageSize: number): AsyncGenerator<CountedRow> {
    const plan = this.plan(table);
    const hash = `md5(ROW(${plan.values.join(', ')})::text)`;
    // A cursor: the table is sorted once by the server and read page by page.
    await this.query(
      `DECLARE reconcile_multiset NO SCROLL CURSOR FOR
       SELECT x.* FROM (SELECT ${hash} AS h, count(*) OVER w AS c, row_number() OVER w AS rn, ${plan.values.map((v, i) => `${v} AS v${i}`).join(', ')}
                          FROM ${plan.from} WINDOW w AS (PARTITION BY ${hash})) x
        WHERE x.rn = 1 ORDER BY x.h COLLATE "C"`,
    );
    try {
      for (;;) {
        const rows = await this.query(`FETCH FORWARD ${pageSize} FROM reconcile_multiset`);
        for (const r of rows) yield { hash: r[0] ?? '', copies: Number(r[1]), values: r.slice(3) };
        if (rows.length < pageSize) return;
      }
    } finally {
      await this.query('CLOSE reconcile_multiset').catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.failure) {
      this.client.connection.stream.destroy();
      return;
    }
    // Ends the read-only transaction and disconnects, within bounds (a silent server cannot hold the exit).
    await closeWithin(
      async () => {
        await this.query('ROLLBACK');
        await this.client.end();
      },
      () => this.client.connection.stream.destroy(),
    );
  }
}
