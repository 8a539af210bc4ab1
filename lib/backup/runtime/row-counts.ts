import mysql from 'mysql2/promise';
import { Client as PgClient } from 'pg';

/** Where to count: one database of one cluster, with a login. */
export interface CountTarget {
  readonly engine: 'aurora-mysql' | 'aurora-postgresql';
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  readonly password: string;
  /** Connect and per-statement deadline. */
  readonly timeoutMs: number;
  /** TLS as Aurora requires; loopback tests turn it off. */
  readonly tls: boolean;
}

/** Rows per base table (`schema.table`), every application schema of the database. */
export type TableCounts = Readonly<Record<string, number>>;

export type CountRows = (target: CountTarget) => Promise<TableCounts>;

const quotePg = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const quoteMy = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

async function countPostgres(target: CountTarget): Promise<TableCounts> {
  const client = new PgClient({
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.username,
    password: target.password,
    connectionTimeoutMillis: target.timeoutMs,
    statement_timeout: target.timeoutMs,
    query_timeout: target.timeoutMs,
    ...(target.tls ? { ssl: { rejectUnauthorized: false } } : {}),
  });
  await client.connect();
  try {
    // The catalog, not information_schema.tables: that view lists only the tables the login holds a
    // privilege on, so a table the master user cannot read would drop out of both sides unnoticed.
    // Listed here, counting it fails ("permission denied for table …"): a loud, named failure.
    // Ordinary and partitioned tables, permanent ones (not temporary), outside the system schemas.
    const tables = await client.query<{ table_schema: string; table_name: string }>(
      "SELECT n.nspname AS table_schema, c.relname AS table_name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
    );
    const counts: Record<string, number> = {};
    for (const { table_schema: schema, table_name: table } of tables.rows) {
      const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quotePg(schema)}.${quotePg(table)}`);
      counts[`${schema}.${table}`] = Number(result.rows[0]?.n ?? 0);
    }
    return counts;
  } finally {
    await client.end();
  }
}

async function countMysql(target: CountTarget): Promise<TableCounts> {
  const connection = await mysql.createConnection({
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.username,
    password: target.password,
    connectTimeout: target.timeoutMs,
    ...(target.tls ? { ssl: { rejectUnauthorized: false } } : {}),
  });
  try {
    // information_schema lists only what the login may see; Aurora's master user holds every
    // privilege on the application database, so nothing of it is hidden.
    const [tables] = await connection.query<mysql.RowDataPacket[]>({
      sql: "SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema = ? ORDER BY 1, 2",
      values: [target.database],
      timeout: target.timeoutMs,
    });
    const counts: Record<string, number> = {};
    for (const row of tables) {
      const schema = String(row.s);
      const table = String(row.t);
      const [result] = await connection.query<mysql.RowDataPacket[]>({ sql: `SELECT count(*) AS n FROM ${quoteMy(schema)}.${quoteMy(table)}`, timeout: target.timeoutMs });
      counts[`${schema}.${table}`] = Number(result[0]?.n ?? 0);
    }
    return counts;
  } finally {
    await connection.end();
  }
}

/** Counts every base table's rows (exact `count(*)`, not the planner's estimate). */
export const countRows: CountRows = (target) => (target.engine === 'aurora-postgresql' ? countPostgres(target) : countMysql(target));

export interface CountComparison {
  readonly ok: boolean;
  /** One line per table outside the tolerance (or missing on one side), then a total. */
  readonly message: string;
}

/**
 * Compares a restored store's counts with the live store's. The live store moved on since the
 * backup, hence the tolerance (percent of the live count; an empty table on both sides is equal).
 * A table that exists on one side only fails: a restore that lost a table is not a good restore.
 */
export function compareCounts(restored: TableCounts, live: TableCounts, tolerancePercent: number): CountComparison {
  const problems: string[] = [];
  const tables = [...new Set([...Object.keys(restored), ...Object.keys(live)])].sort();
  for (const table of tables) {
    const r = restored[table];
    const l = live[table];
    if (r === undefined) { problems.push(`${table}: missing in the restore (live ${l})`); continue; }
    if (l === undefined) { problems.push(`${table}: only in the restore (${r} rows)`); continue; }
    const apart = l === 0 ? (r === 0 ? 0 : 100) : (Math.abs(r - l) / l) * 100;
    if (apart > tolerancePercent) problems.push(`${table}: restored ${r}, live ${l} (${apart.toFixed(1)} % apart)`);
  }
  const total = (counts: TableCounts) => Object.values(counts).reduce((sum, n) => sum + n, 0);
  const summary = `${tables.length} table(s), restored ${total(restored)} rows, live ${total(live)} rows, tolerance ${tolerancePercent} %`;
  if (tables.length === 0) return { ok: false, message: `no table on either side: nothing proves the restore (${summary})` };
  return problems.length === 0
    ? { ok: true, message: summary }
    : { ok: false, message: `${problems.join('; ')} — ${summary}` };
}
