/**
 * Connection URL parsing. The URLs are the drivers' usual ones:
 *   postgres://user:password@host:port/database?sslmode=verify-full&sslrootcert=/path/ca.pem
 *   mysql://user:password@host:port/database?ssl-mode=VERIFY_IDENTITY&ssl-ca=/path/ca.pem
 * User, password and database are percent-decoded. Errors never echo the URL (it may
 * hold a password).
 */
import { ReconcileError } from './errors';
import type { ConnectionSpec, EngineName, TlsSpec } from './types';

const DEFAULT_PORT: Record<EngineName, number> = { postgres: 5432, mysql: 3306 };
const SCHEMES: Record<EngineName, readonly string[]> = { postgres: ['postgres:', 'postgresql:'], mysql: ['mysql:'] };
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * Longest wait for one query's answer. The slowest legitimate query is one checksum over
 * a whole table compared as a multiset (about 10 s per million rows on a small server);
 * a server or network that stops answering must not hold the report for longer.
 */
export const DEFAULT_QUERY_TIMEOUT_MS = 2 * 3600_000;

const PG_PARAMS = ['sslmode', 'sslrootcert', 'connect_timeout', 'query_timeout'];
const MYSQL_PARAMS = ['ssl', 'ssl-mode', 'ssl-ca', 'connect_timeout', 'query_timeout'];

/** A whole number of seconds ≥ 1 from URL parameter `name`, or the default. */
function seconds(params: Map<string, string>, name: string, defaultMs: number, label: string): number {
  const text = params.get(name);
  if (text === undefined) return defaultMs;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1) throw new ReconcileError(`${label}: ${name} must be a whole number of seconds >= 1, got "${text}"`);
  return value * 1000;
}

function decode(part: string, what: string, label: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ReconcileError(`${label}: invalid percent-encoding in the ${what}`);
  }
}

/**
 * @param label names the flag in error messages, e.g. "--old".
 * @param passwordFallback used when the URL has no password (e.g. from an environment variable).
 */
export function parseConnectionUrl(engine: EngineName, url: string, label: string, passwordFallback?: string): ConnectionSpec {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ReconcileError(`${label}: not a valid connection URL (expected ${SCHEMES[engine][0]}//user:password@host:port/database, with special characters in the password percent-encoded)`);
  }
  if (!SCHEMES[engine].includes(parsed.protocol)) {
    throw new ReconcileError(`${label}: URL scheme ${parsed.protocol}// does not match --engine ${engine} (expected ${SCHEMES[engine].map((s) => `${s}//`).join(' or ')})`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new ReconcileError(`${label}: URL has no host`);
  let port = DEFAULT_PORT[engine];
  if (parsed.port) {
    port = Number(parsed.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ReconcileError(`${label}: invalid port ${parsed.port}`);
  }
  const user = decode(parsed.username, 'user name', label);
  if (!user) throw new ReconcileError(`${label}: URL has no user name`);
  const password = parsed.password ? decode(parsed.password, 'password', label) : passwordFallback ?? '';
  const rawPath = parsed.pathname.replace(/^\//, '');
  const database = decode(rawPath, 'database name', label);
  if (!database || rawPath.includes('/')) throw new ReconcileError(`${label}: URL must name exactly one database, e.g. ${SCHEMES[engine][0]}//user@host/dbname`);
  if (parsed.hash) throw new ReconcileError(`${label}: URL has a #fragment (percent-encode "#" in passwords as %23)`);

  const params = new Map<string, string>();
  const allowed = engine === 'postgres' ? PG_PARAMS : MYSQL_PARAMS;
  for (const [k, v] of parsed.searchParams) {
    if (!allowed.includes(k)) throw new ReconcileError(`${label}: unsupported URL parameter "${k}" (supported: ${allowed.join(', ')})`);
    if (params.has(k)) throw new ReconcileError(`${label}: URL parameter "${k}" given twice`);
    params.set(k, v);
  }
  const connectTimeoutMs = seconds(params, 'connect_timeout', DEFAULT_CONNECT_TIMEOUT_MS, label);
  const queryTimeoutMs = seconds(params, 'query_timeout', DEFAULT_QUERY_TIMEOUT_MS, label);
  const tls = engine === 'postgres' ? pgTls(params, label) : mysqlTls(params, label);
  return { engine, host, port, user, password, database, tls, connectTimeoutMs, queryTimeoutMs };
}

function pgTls(params: Map<string, string>, label: string): TlsSpec {
  const mode = params.get('sslmode') ?? 'disable';
  const caFile = params.get('sslrootcert');
  if (caFile === '') throw new ReconcileError(`${label}: sslrootcert is empty`);
  switch (mode) {
    case 'disable':
      if (caFile) throw new ReconcileError(`${label}: sslrootcert given with sslmode=disable`);
      return { mode: 'disable' };
    case 'require':
    case 'verify-ca':
    case 'verify-full':
      return caFile ? { mode, caFile } : { mode };
    default:
      throw new ReconcileError(`${label}: unsupported sslmode "${mode}" (supported: disable, require, verify-ca, verify-full)`);
  }
}

function mysqlTls(params: Map<string, string>, label: string): TlsSpec {
  const caFile = params.get('ssl-ca');
  if (caFile === '') throw new ReconcileError(`${label}: ssl-ca is empty`);
  const ssl = params.get('ssl');
  const sslMode = params.get('ssl-mode');
  if (ssl !== undefined && sslMode !== undefined) throw new ReconcileError(`${label}: give either ssl or ssl-mode, not both`);
  let mode: TlsSpec['mode'];
  if (sslMode !== undefined) {
    const m = sslMode.toUpperCase();
    const map: Record<string, TlsSpec['mode']> = { DISABLED: 'disable', REQUIRED: 'require', VERIFY_CA: 'verify-ca', VERIFY_IDENTITY: 'verify-full' };
    if (!(m in map)) throw new ReconcileError(`${label}: unsupported ssl-mode "${sslMode}" (supported: DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY)`);
    mode = map[m];
  } else if (ssl !== undefined) {
    if (['true', '1'].includes(ssl)) mode = 'verify-full';
    else if (['false', '0'].includes(ssl)) mode = 'disable';
    else throw new ReconcileError(`${label}: ssl must be true or false, got "${ssl}"`);
  } else {
    // A CA file alone means: verify the server with it.
    mode = caFile ? 'verify-full' : 'disable';
  }
  if (mode === 'disable') {
    if (caFile) throw new ReconcileError(`${label}: ssl-ca given with TLS disabled`);
    return { mode };
  }
  return caFile ? { mode, caFile } : { mode };
}

/** host:port/database for messages (never the password). */
export function describeTarget(spec: ConnectionSpec): string {
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return `${host}:${spec.port}/${spec.database}`;
}
