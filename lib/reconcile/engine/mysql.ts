/**
 * MySQL / MariaDB side (driver `mysql2`). Needs window functions: MySQL 8.0+ or
 * MariaDB 10.2+.
 *
 * - Snapshot: `SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ` then
 *   `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`; session time_zone is UTC so
 *   TIMESTAMP text is comparable.
 * - Values arrive as raw bytes (typeCast off) and are decoded here: UTF-8 text, or
 *   `\x`+hex for binary types. FLOAT is read as CAST(… AS DOUBLE) because its default
 *   text keeps only 6 digits.
 * - Range checksum: count and sum of the first 64 bits of SHA1 over the row text:
 *   numbers and dates as text, strings as length-prefixed bytes (`<len>:<bytes>`), large
 *   objects (TEXT, BLOB, JSON…) as their own SHA1, NULL as `N` — so NULL, '' and '0' all
 *   differ and the row text stays far below max_allowed_packet. SHA1, not MD5: on
 *   MariaDB 10.11 MD5 costs about three times as much per row, and the checksum queries
 *   are what a comparison waits for (npm run bench:reconcile).
 * - Ranges compare the key columns with the column's own collation (index-friendly);
 *   composite keys use the expanded form `a > x OR (a = x AND b > y)`, which the range
 *   optimizer handles on both MySQL and MariaDB. Bound literals are hex (strings,
 *   binaries) or validated numbers/dates, so no escaping is involved.
 * - Merge order: integers/decimals numerically, everything else by its binary form
 *   (`CAST(k AS BINARY)`, compared as hex = byte order) — never by the collation
 *   (utf8mb4_general_ci: 'a' = 'A'; PAD SPACE: 'a' = 'a ').
 */
import * as fs from 'fs';
import type { Connection as CoreConnection } from 'mysql2';
import * as mysql from 'mysql2/promise';
import type { KeyOrder } from './compare';
import { CLOSE_WAIT_MS, closeWithin, noAnswer } from './deadline';
import { ReconcileError, errorMessage } from './errors';
import type { Checksum, ChunkBoundaries, CountedRow, KeyBound, KeyRange, Side, TableMeta } from './side';
import { EMPTY_CHECKSUM, bucketExpression, splitChunkRows, wantedRanges } from './side';
import { assertPlainName, mysqlHexLiteral, quoteMysql } from './sql';
import type { ConnectionSpec, SideName } from './types';
import { describeTarget } from './url';
import type { Row, ValueKind } from './values';

type Family = 'int' | 'decimal' | 'string' | 'binary' | 'temporal' | 'other';
/** How a fetched cell is decoded: UTF-8 text, plain hex (keys) or `\x`+hex (values). */
type Decode = 'text' | 'hex' | 'bin';

const FAMILIES: Record<string, Family> = {};
// YEAR: stored and compared as a number (its text is the 4-digit year), so the index serves ranges.
for (const t of ['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year']) FAMILIES[t] = 'int';
for (const t of ['decimal', 'numeric']) FAMILIES[t] = 'decimal';
for (const t of ['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']) FAMILIES[t] = 'string';
for (const t of [
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'bit',
  'vector',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
])
  FAMILIES[t] = 'binary';
for (const t of ['date', 'datetime', 'timestamp', 'time']) FAMILIES[t] = 'temporal';

const LARGE_TYPES = new Set([
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'json',
  'vector',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

/** Key types whose index order no range bound can follow, with the reason (see MysqlSide.unorderedKey). */
const UNORDERED_KEY_TYPES = new Map<string, string>([
  ['enum', 'ENUM values sort by their index number, not their text'],
  ['set', 'SET values sort by their bit mask, not their text'],
  ['float', 'FLOAT text is rounded, so a bound does not equal the stored value'],
  ['double', 'DOUBLE text is rounded, so a bound may not equal the stored value'],
  ['real', 'REAL (DOUBLE) text is rounded, so a bound may not equal the stored value'],
]);

function family(dataType: string): Family {
  return FAMILIES[dataType.toLowerCase()] ?? 'other';
}

const SESSION_SETTINGS = [
  "SET SESSION time_zone = '+00:00'",
  // No NO_BACKSLASH_ESCAPES / PAD_CHAR_TO_FULL_LENGTH / ANSI_QUOTES surprises.
  "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'",
  // ORDER BY on long binary keys must use all bytes.
  'SET SESSION max_sort_length = 8388608',
  'SET SESSION net_write_timeout = 3600',
  'SET SESSION net_read_timeout = 3600',
  'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ',
  'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY',
];

interface Plan {
  readonly from: string;
  readonly rangeOrders: readonly string[];
  readonly rangeSelects: readonly string[];
  readonly rangeDecode: readonly Decode[];
  readonly literals: readonly ((value: string) => string)[];
  /** Per key column: its report text form (Row.values) to the form `literals` take. */
  readonly boundForms: readonly ((value: string) => string)[];
  readonly keyIndexes: readonly number[];
  readonly values: readonly string[];
  readonly valueDecode: readonly Decode[];
  readonly mergeSelects: readonly string[];
  readonly mergeDecode: readonly Decode[];
  readonly orders: readonly KeyOrder[];
  readonly kinds: readonly ValueKind[];
  readonly rowHash: string;
}

/** The row hash's first 64 bits as an unsigned integer: what range checksums sum. */
function hashNumber(plan: Plan): string {
  return `CAST(CONV(LEFT(${plan.rowHash}, 16), 16, 10) AS UNSIGNED)`;
}

/** mysql2's error for a query past its `timeout`. */
function timedOut(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'PROTOCOL_SEQUENCE_TIMEOUT';
}

function decodeCell(cell: Buffer | null, how: Decode): string | null {
  if (cell === null) return null;
  switch (how) {
    case 'text':
      return cell.toString('utf8');
    case 'hex':
      return cell.toString('hex');
    case 'bin':
      return `\\x${cell.toString('hex')}`;
  }
}

function literal(fam: Family, charset: string | null, collation: string | null, columnName: string): (value: string) => string {
  const bad = (value: string): never => {
    throw new Error(`unexpected key value ${JSON.stringify(value)} for column ${columnName}`);
  };
  switch (fam) {
    case 'int':
      return (v) => (/^-?\d+$/.test(v) ? v : bad(v));
    case 'decimal':
      return (v) => (/^-?\d+(\.\d+)?$/.test(v) ? v : bad(v));
    case 'temporal':
      // Compared with a DATE/DATETIME/TIMESTAMP/TIME column, a string constant is converted to that type.
      return (v) => (/^-?[0-9:. -]+$/.test(v) ? `'${v}'` : bad(v));
    case 'string': {
      const cs = assertPlainName(charset ?? 'utf8mb4', 'character set');
      const coll = assertPlainName(collation ?? 'utf8mb4_general_ci', 'collation');
      return (v) => {
        const utf8 = `CONVERT(${mysqlHexLiteral(Buffer.from(v, 'utf8'))} USING utf8mb4)`;
        return `${cs === 'utf8mb4' ? utf8 : `CONVERT(${utf8} USING ${cs})`} COLLATE ${coll}`;
      };
    }
    case 'binary':
    case 'other':
      return (v) => (/^([0-9a-f]{2})*$/.test(v) ? mysqlHexLiteral(Buffer.from(v, 'hex')) : bad(v));
  }
}

export function mysqlTlsOptions(spec: ConnectionSpec): mysql.SslOptions | undefined {
  const tls = spec.tls;
  if (tls.mode === 'disable') return undefined;
  let ca: string | undefined;
  if (tls.caFile) {
    try {
      ca = fs.readFileSync(tls.caFile, 'utf8');
    } catch (err) {
      throw new ReconcileError(`cannot read CA file ${tls.caFile}: ${errorMessage(err)}`);
    }
  }
  const base = ca ? { ca } : {};
  if (tls.mode === 'require') return ca ? { ...base, rejectUnauthorized: true, verifyIdentity: false } : { rejectUnauthorized: false };
  return { ...base, rejectUnauthorized: true, verifyIdentity: tls.mode === 'verify-full' };
}

function checkVersion(version: string, side: SideName): string {
  const m = /^(\d+)\.(\d+)/.exec(version);
  const major = m ? Number(m[1]) : 0;
  const minor = m ? Number(m[2]) : 0;
  const maria = /mariadb/i.test(version);
  const ok = maria ? major > 10 || (major === 10 && minor >= 2) : major >= 8;
  const product = maria ? 'MariaDB' : 'MySQL';
  if (!ok) throw new ReconcileError(`the ${side} database runs ${product} ${version}; window functions are needed (MySQL 8.0+ or MariaDB 10.2+)`);
  return `${product} ${version.replace(/-.*$/, '')}`;
}

export class MysqlSide implements Side {
  private readonly plans = new WeakMap<TableMeta, Plan>();
  private readonly database: string;
  private failure: Error | undefined;

  private constructor(
    readonly side: SideName,
    private readonly conn: mysql.Connection,
    private readonly spec: ConnectionSpec,
    readonly serverVersion: string,
  ) {
    this.database = spec.database;
    conn.on('error', (err: Error) => {
      this.failure = err;
    });
  }

  static async open(side: SideName, spec: ConnectionSpec): Promise<MysqlSide> {
    let conn: mysql.Connection;
    try {
      conn = await mysql.createConnection({
        host: spec.host,
        port: spec.port,
        user: spec.user,
        password: spec.password,
        database: spec.database,
        ssl: mysqlTlsOptions(spec),
        connectTimeout: spec.connectTimeoutMs,
        // Known to both MySQL 8 and MariaDB; literals are hex anyway.
        charset: 'UTF8MB4_GENERAL_CI',
        multipleStatements: false,
        // A peer that is gone (not just slow) is noticed by TCP within minutes, not hours.
        enableKeepAlive: true,
        keepAliveInitialDelay: 30_000,
      });
    } catch (err) {
      if (err instanceof ReconcileError) throw err;
      throw new ReconcileError(`cannot connect to the ${side} database (${describeTarget(spec)}): ${errorMessage(err)}`);
    }
    const early = (): void => undefined;
    conn.on('error', early);
    let statement = '';
    try {
      for (const s of SESSION_SETTINGS) {
        statement = s;
        await conn.query({ sql: s, timeout: spec.queryTimeoutMs });
      }
      statement = 'SELECT VERSION()';
      const [rows] = await conn.query({ sql: statement, rowsAsArray: true, timeout: spec.queryTimeoutMs });
      const version = checkVersion(String((rows as unknown as unknown[][])[0][0]), side);
      const sideObj = new MysqlSide(side, conn, spec, version);
      conn.removeListener('error', early);
      return sideObj;
    } catch (err) {
      conn.destroy();
      if (err instanceof ReconcileError) throw err;
      if (timedOut(err)) throw noAnswer(side, spec, statement);
      throw new ReconcileError(`${side} database (${describeTarget(spec)}): ${errorMessage(err)}`);
    }
  }

  private async raw(sql: string): Promise<(Buffer | null)[][]> {
    if (this.failure) throw new ReconcileError(`${this.side} database connection lost: ${errorMessage(this.failure)}`);
    try {
      const [rows] = await this.conn.query({ sql, rowsAsArray: true, typeCast: false, timeout: this.spec.queryTimeoutMs });
      return rows as unknown as (Buffer | null)[][];
    } catch (err) {
      throw this.queryFailed(err, sql);
    }
  }

  /** The error for a failed query; after a deadline the connection is dropped (the server may still be busy with it). */
  private queryFailed(err: unknown, sql: string): ReconcileError {
    if (!timedOut(err)) return new ReconcileError(`${this.side} database: ${errorMessage(err)}`);
    this.failure ??= err instanceof Error ? err : new Error(String(err));
    this.conn.destroy();
    return noAnswer(this.side, this.spec, sql);
  }

  private async query(sql: string, decode: readonly Decode[] | Decode = 'text'): Promise<(string | null)[][]> {
    const rows = await this.raw(sql);
    return rows.map((r) => r.map((cell, i) => decodeCell(cell, typeof decode === 'string' ? decode : decode[i] ?? 'text')));
  }

  async listTables(): Promise<TableMeta[]> {
    const tables = await this.query(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')",
    );
    const cols = await this.query(
      `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_SET_NAME, COLLATION_NAME
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    );
    const pks = await this.query(
      `SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = 'PRIMARY' ORDER BY TABLE_NAME, SEQ_IN_INDEX`,
    );
    const byTable = new Map<string, TableMeta['columns'][number][]>();
    for (const [t, name, dataType, type, charset, collation] of cols) {
      const list = byTable.get(t ?? '') ?? [];
      // A collation name fixes the algorithm and its version (utf8mb4_0900_ai_ci, utf8mb4_uca1400_ai_ci…).
      list.push({ name: name ?? '', dataType: (dataType ?? '').toLowerCase(), type: `${type ?? ''}${charset ? ` ${charset}` : ''}`, charset, collation, ordering: collation });
      byTable.set(t ?? '', list);
    }
    const keys = new Map<string, string[]>();
    for (const [t, name] of pks) {
      const list = keys.get(t ?? '') ?? [];
      list.push(name ?? '');
      keys.set(t ?? '', list);
    }
    return tables.map(([t]) => ({ name: t ?? '', columns: byTable.get(t ?? '') ?? [], primaryKey: keys.get(t ?? '') ?? [], partitioned: false }));
  }

  /**
   * information_schema lists only tables (and columns) the user holds some privilege on,
   * so a table nobody granted would vanish from the report. The listing is complete only
   * with SELECT on the whole database (or globally); then every listed table is probed.
   */
  async readProblems(tables: readonly TableMeta[]): Promise<string[]> {
    const problems: string[] = [];
    const grants = await this.query(
      `SELECT 'global' FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = 'SELECT'
        UNION ALL SELECT 'database' FROM information_schema.SCHEMA_PRIVILEGES WHERE PRIVILEGE_TYPE = 'SELECT' AND TABLE_SCHEMA = DATABASE()`,
    );
    if (grants.length === 0) {
      problems.push(
        `the user has no SELECT privilege on the whole database ${this.database}, so tables it holds no privilege on are not even listed (GRANT SELECT ON ${quoteMysql(this.database)}.* to it)`,
      );
    }
    for (const t of tables) {
      try {
        await this.raw(`SELECT ${t.columns.map((c) => quoteMysql(c.name)).join(', ') || '1'} FROM ${this.from(t)} LIMIT 0`);
      } catch (err) {
        // A lost or silent connection is not a problem of this table: the run stops.
        if (this.failure) throw err;
        problems.push(`${t.name} (${errorMessage(err).replace(/^\w+ database: /, '')})`);
      }
    }
    return problems;
  }

  private from(table: TableMeta): string {
    return `${quoteMysql(this.database)}.${quoteMysql(table.name)}`;
  }

  async countRows(table: TableMeta): Promise<number> {
    const rows = await this.query(`SELECT COUNT(*) FROM ${this.from(table)}`);
    return Number(rows[0][0]);
  }

  private plan(table: TableMeta): Plan {
    const cached = this.plans.get(table);
    if (cached) return cached;
    const valueExpr = (c: TableMeta['columns'][number]): string => {
      const q = quoteMysql(c.name);
      if (c.dataType === 'float') return `CAST(${q} AS DOUBLE)`;
      if (c.dataType === 'json') return `CAST(${q} AS CHAR CHARACTER SET utf8mb4)`;
      return q;
    };
    const keyCols = table.primaryKey.map((k) => {
      const c = table.columns.find((col) => col.name === k);
      if (!c) throw new Error(`primary key column ${k} not found in ${table.name}`);
      return c;
    });
    const rangeOrders: string[] = [];
    const rangeSelects: string[] = [];
    const rangeDecode: Decode[] = [];
    const mergeSelects: string[] = [];
    const mergeDecode: Decode[] = [];
    const orders: KeyOrder[] = [];
    for (const c of keyCols) {
      const fam = family(c.dataType);
      const q = quoteMysql(c.name);
      // Byte order when the sides' collations could not be proven equal (see TableMeta).
      if (fam === 'other' || (fam === 'string' && table.byteOrderKeys === true)) {
        // No natural order known to bind against (e.g. MariaDB UUID, INET6): the binary form, correct but
        // without the index. ENUM/SET/FLOAT/DOUBLE keys never get here: the run refuses them (unorderedKey).
        const b = `CAST(${valueExpr(c)} AS BINARY)`;
        rangeOrders.push(b);
        rangeSelects.push(b);
        rangeDecode.push('hex');
      } else {
        rangeOrders.push(q);
        rangeSelects.push(q);
        rangeDecode.push(fam === 'binary' ? 'hex' : 'text');
      }
      if (fam === 'int' || fam === 'decimal') {
        mergeSelects.push(q);
        mergeDecode.push('text');
        orders.push(fam === 'int' ? 'integer' : 'decimal');
      } else if (fam === 'binary') {
        mergeSelects.push(q);
        mergeDecode.push('hex');
        orders.push('text');
      } else {
        mergeSelects.push(`CAST(${valueExpr(c)} AS BINARY)`);
        mergeDecode.push('hex');
        orders.push('text');
      }
    }
    const fields = table.columns.map((c) => {
      const fam = family(c.dataType);
      // Numbers and dates: text without commas, cannot be 'N'.
      if (fam === 'int' || fam === 'decimal' || fam === 'temporal' || ['float', 'double', 'real', 'year'].includes(c.dataType)) return `IFNULL(${valueExpr(c)}, 'N')`;
      // Large objects: their own SHA1 keeps the row text small (never over max_allowed_packet).
      if (LARGE_TYPES.has(c.dataType)) return `IFNULL(SHA1(${valueExpr(c)}), 'N')`;
      // Anything else: length-prefixed bytes, unambiguous whatever they contain.
      const b = `CAST(${valueExpr(c)} AS BINARY)`;
      // LENGTH of a string is already its byte count (one cast less per row).
      return `IFNULL(CONCAT(LENGTH(${fam === 'string' ? valueExpr(c) : b}), ':', ${b}), 'N')`;
    });
    const plan: Plan = {
      from: this.from(table),
      rangeOrders,
      rangeSelects,
      rangeDecode,
      boundForms: rangeDecode.map((d, i) => {
        if (d === 'text') return (v: string): string => v;
        // Binary columns: values are `\x`+hex, bounds plain hex; CAST(… AS BINARY) bounds: hex of the text.
        return family(keyCols[i].dataType) === 'binary' ? (v: string): string => v.replace(/^\\x/, '') : (v: string): string => Buffer.from(v, 'utf8').toString('hex');
      }),
      keyIndexes: keyCols.map((c) => table.columns.indexOf(c)),
      literals: keyCols.map((c) => literal(table.byteOrderKeys === true && family(c.dataType) === 'string' ? 'binary' : family(c.dataType), c.charset, c.collation, c.name)),
      values: table.columns.map(valueExpr),
      valueDecode: table.columns.map((c) => (family(c.dataType) === 'binary' ? 'bin' : 'text')),
      mergeSelects,
      mergeDecode,
      orders,
      kinds: table.columns.map((c) => {
        const fam = family(c.dataType);
        if (fam === 'binary') return 'binary';
        return fam === 'int' && c.dataType !== 'bigint' ? 'number' : 'string';
      }),
      rowHash: `SHA1(CONCAT_WS(',', ${fields.join(', ')}))`,
    };
    this.plans.set(table, plan);
    return plan;
  }

  /**
   * ENUM and SET are indexed by their number (declaration order, bit mask), while a
   * range bound is their text, which compares as a string: no bound follows the index.
   * FLOAT/DOUBLE keys are indexed in numeric order, but their text is rounded (FLOAT to
   * 6 digits), so a bound taken from it does not match the stored value exactly.
   * YEAR is a number with an exact text and is ranged like an integer.
   */
  unorderedKey(table: TableMeta): string | null {
    const bad = table.primaryKey.flatMap((k) => {
      const c = table.columns.find((col) => col.name === k);
      const why = c ? UNORDERED_KEY_TYPES.get(c.dataType) : undefined;
      if (!c || !why) return [];
      const type = c.charset && c.type.endsWith(` ${c.charset}`) ? c.type.slice(0, -(c.charset.length + 1)) : c.type;
      return [`table ${table.name}, column ${k}, type ${type}: ${why}`];
    });
    return bad.length ? bad.join('; ') : null;
  }

  keyOrders(table: TableMeta): KeyOrder[] {
    return [...this.plan(table).orders];
  }

  valueKinds(table: TableMeta): ValueKind[] {
    return [...this.plan(table).kinds];
  }

  /** Lexicographic `key > bound` / `key <= bound`, expanded so the range optimizer uses the primary key. */
  private compareKey(plan: Plan, op: '>' | '<=', bound: KeyBound): string {
    const lits = bound.map((v, i) => plan.literals[i](v));
    const n = lits.length;
    const build = (i: number): string => {
      const k = plan.rangeOrders[i];
      if (i === n - 1) return `${k} ${op} ${lits[i]}`;
      const strict = op === '>' ? '>' : '<';
      return `(${k} ${strict} ${lits[i]} OR (${k} = ${lits[i]} AND ${build(i + 1)}))`;
    };
    return build(0);
  }

  private rangeWhere(plan: Plan, range: KeyRange): string {
    const parts: string[] = [];
    if (range.lower) parts.push(this.compareKey(plan, '>', range.lower));
    if (range.upper) parts.push(this.compareKey(plan, '<=', range.upper));
    return parts.length ? parts.join(' AND ') : 'TRUE';
  }

  private bucket(plan: Plan, bounds: readonly KeyBound[]): string {
    return bucketExpression(bounds.length, (i) => this.compareKey(plan, '<=', bounds[i]));
  }

  async chunkBoundaries(table: TableMeta, lower: KeyBound | null, chunkSize: number, step: number): Promise<ChunkBoundaries> {
    const plan = this.plan(table);
    // rangeSelects are the rangeOrders themselves, so the derived columns sort the same way.
    const ks = plan.rangeSelects.map((_, i) => `x.k${i}`);
    const rows = await this.query(
      `SELECT ${ks.map((k) => k.replace('x.', 's.')).join(', ')}, s.rn
         FROM (SELECT x.*, ROW_NUMBER() OVER (ORDER BY ${ks.join(', ')}) AS rn
                 FROM (SELECT ${plan.rangeSelects.map((k, i) => `${k} AS k${i}`).join(', ')} FROM ${plan.from}
                        WHERE ${this.rangeWhere(plan, { lower, upper: null })}
                        ORDER BY ${plan.rangeOrders.join(', ')} LIMIT ${chunkSize}) x) s
        WHERE s.rn % ${step} = 0 OR s.rn = ${chunkSize} ORDER BY s.rn`,
      [...plan.rangeDecode, 'text'],
    );
    return splitChunkRows(
      rows.map((r) => r.map((v) => v ?? '')),
      chunkSize,
    );
  }

  async splitBoundaries(table: TableMeta, range: KeyRange, step: number, count: number): Promise<KeyBound[]> {
    const plan = this.plan(table);
    const aliases = plan.rangeSelects.map((k, i) => `${k} AS k${i}`);
    const rows = await this.query(
      `SELECT ${plan.rangeSelects.map((_, i) => `s.k${i}`).join(', ')}
         FROM (SELECT ${aliases.join(', ')}, ROW_NUMBER() OVER (ORDER BY ${plan.rangeOrders.join(', ')}) AS rn
                 FROM ${plan.from} WHERE ${this.rangeWhere(plan, range)}) s
        WHERE s.rn % ${step} = 0 AND s.rn < ${count} ORDER BY s.rn`,
      plan.rangeDecode,
    );
    return rows.map((r) => r.map((v) => v ?? ''));
  }

  async checksums(table: TableMeta, range: KeyRange, bounds: readonly KeyBound[]): Promise<Checksum[]> {
    const plan = this.plan(table);
    const rows = await this.query(
      `SELECT ${this.bucket(plan, bounds)} AS b, COUNT(*), CAST(COALESCE(SUM(${hashNumber(plan)}), 0) AS CHAR)
         FROM ${plan.from} WHERE ${this.rangeWhere(plan, range)} GROUP BY 1`,
    );
    const out: Checksum[] = Array.from({ length: bounds.length + 1 }, () => EMPTY_CHECKSUM);
    for (const [b, count, digest] of rows) out[Number(b)] = { count: Number(count), digest: digest ?? '0' };
    return out;
  }

  async fetchBuckets(table: TableMeta, range: KeyRange, bounds: readonly KeyBound[], buckets: readonly number[]): Promise<Row[]> {
    const plan = this.plan(table);
    const nk = plan.mergeSelects.length;
    const selects = [`${this.bucket(plan, bounds)} AS b`, ...plan.mergeSelects.map((m, i) => `${m} AS m${i}`), ...plan.values.map((v, i) => `${v} AS v${i}`)];
    // Only the wanted sub-ranges are read (index range scans), not the span between them.
    const where = wantedRanges(range, bounds, buckets).map((r) => `(${this.rangeWhere(plan, r)})`);
    const rows = await this.query(
      `SELECT ${selects.join(', ')} FROM ${plan.from} WHERE ${where.join(' OR ')}
        ORDER BY b, ${plan.mergeSelects.map((_, i) => `m${i}`).join(', ')}`,
      ['text', ...plan.mergeDecode, ...plan.valueDecode],
    );
    return rows.map((r) => ({ bucket: Number(r[0]), key: r.slice(1, 1 + nk).map((v) => v ?? ''), values: r.slice(1 + nk) }));
  }

  async *streamRange(table: TableMeta, range: KeyRange, pageSize: number): AsyncGenerator<Row> {
    const plan = this.plan(table);
    const nk = plan.rangeSelects.length;
    let after: KeyBound | null = range.lower;
    for (;;) {
      const rows = await this.query(
        `SELECT ${[...plan.rangeSelects, ...plan.values].join(', ')} FROM ${plan.from}
          WHERE ${this.rangeWhere(plan, { lower: after, upper: range.upper })}
          ORDER BY ${plan.rangeOrders.join(', ')} LIMIT ${pageSize}`,
        [...plan.rangeDecode, ...plan.valueDecode],
      );
      for (const r of rows) {
        const key = r.slice(0, nk).map((v) => v ?? '');
        yield { bucket: 0, key, values: r.slice(nk) };
        after = key;
      }
      if (rows.length < pageSize) return;
    }
  }

  async lookupRows(table: TableMeta, keys: readonly KeyBound[]): Promise<Row[]> {
    if (keys.length === 0) return [];
    const plan = this.plan(table);
    // OR of key equalities: the range optimizer turns it into primary key lookups.
    const match = (k: KeyBound): string => `(${k.map((v, i) => `${plan.rangeOrders[i]} = ${plan.literals[i](plan.boundForms[i](v))}`).join(' AND ')})`;
    const rows = await this.query(`SELECT ${plan.values.join(', ')} FROM ${plan.from} WHERE ${keys.map(match).join(' OR ')}`, plan.valueDecode);
    return rows.map((values) => ({ bucket: 0, key: plan.keyIndexes.map((i) => values[i] ?? ''), values }));
  }

  async sampleRowBytes(table: TableMeta): Promise<number> {
    const plan = this.plan(table);
    // Binary values arrive as hex: twice their bytes.
    const sizes = table.columns.map((c, i) => `COALESCE(LENGTH(s.v${i}), 0) * ${family(c.dataType) === 'binary' ? 2 : 1}`);
    const [[bytes]] = await this.query(
      `SELECT COALESCE(MAX(${sizes.join(' + ') || '0'}), 0) FROM (SELECT ${plan.values.map((v, i) => `${v} AS v${i}`).join(', ')} FROM ${plan.from} LIMIT 200) s`,
    );
    return Number(bytes);
  }

  async multisetChecksum(table: TableMeta): Promise<Checksum> {
    const plan = this.plan(table);
    const [[count, digest]] = await this.query(
      `SELECT COUNT(*), CAST(COALESCE(SUM(${hashNumber(plan)}), 0) AS CHAR) FROM ${plan.from}`,
    );
    return { count: Number(count), digest: digest ?? '0' };
  }

  async *streamMultiset(table: TableMeta, _pageSize: number): AsyncGenerator<CountedRow> {
    const plan = this.plan(table);
    if (this.failure) throw new ReconcileError(`${this.side} database connection lost: ${errorMessage(this.failure)}`);
    // Streamed (the driver's row stream, read as consumed): the server sorts the table once.
    // The promise wrapper keeps the callback connection (which can stream) as `connection`.
    const core = (this.conn as unknown as { readonly connection: CoreConnection }).connection;
    const stream = core
      .query({
        timeout: this.spec.queryTimeoutMs,
        sql: `SELECT x.* FROM (SELECT ${plan.rowHash} AS h, COUNT(*) OVER w AS c, ROW_NUMBER() OVER w AS rn, ${plan.values.map((v, i) => `${v} AS v${i}`).join(', ')}
                                 FROM ${plan.from} WINDOW w AS (PARTITION BY ${plan.rowHash})) x
               WHERE x.rn = 1 ORDER BY CAST(x.h AS BINARY)`,
        rowsAsArray: true,
        typeCast: false,
      })
      .stream();
    try {
      for await (const raw of stream as AsyncIterable<(Buffer | null)[]>) {
        const values = raw.slice(3).map((cell, i) => decodeCell(cell, plan.valueDecode[i]));
        yield { hash: decodeCell(raw[0], 'text') ?? '', copies: Number(decodeCell(raw[1], 'text')), values };
      }
    } catch (err) {
      throw this.queryFailed(err, `FROM ${plan.from}`);
    } finally {
      stream.destroy();
    }
  }

  async close(): Promise<void> {
    if (this.failure) {
      this.conn.destroy();
      return;
    }
    // Ends the read-only transaction and disconnects, within bounds (a silent server cannot hold the exit).
    await closeWithin(
      async () => {
        await this.conn.query({ sql: 'ROLLBACK', timeout: CLOSE_WAIT_MS });
        await this.conn.end();
      },
      () => this.conn.destroy(),
    );
  }
}
