/**
 * Starts throw-away PostgreSQL and MariaDB servers on loopback from the locally
 * installed Debian binaries. Used by the integration tests' global setup and by
 * scripts/bench-reconcile.ts.
 *
 * - Every server gets a fresh temp dir (data dir, unix socket, log) and a free TCP
 *   port on 127.0.0.1; nothing of the system service (/etc, /var/lib) is used.
 * - When running as root, the servers run as `nobody` (PostgreSQL refuses root) via
 *   `setpriv`, which also sets a parent-death signal so that a killed test runner
 *   does not leave servers behind.
 * - The superuser has a password with URL-special characters so that the tests
 *   exercise percent-decoding of connection URLs.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import * as mysql from 'mysql2/promise';

export type ServerEngine = 'postgres' | 'mysql';

/** Everything needed to reach and later stop a server; JSON-serialisable. */
export interface ServerInfo {
  readonly engine: ServerEngine;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly pid: number;
  readonly dir: string;
  readonly logFile: string;
  /** e.g. "PostgreSQL 15.14" or "MariaDB 10.11.19". */
  readonly version: string;
  /** PostgreSQL only: whether ICU collations are available. */
  readonly icu: boolean;
}

/** Password with characters that must be percent-encoded in a URL. */
export const SERVER_PASSWORD = 'p@ss:w/rd%?#& ü';

const PG_USER = 'postgres';
const MYSQL_USER = 'reconcile';
const NOBODY_UID = 65534;
const NOBODY_GID = 65534;

/** `postgres://user:pw@host:port/db` with the password percent-encoded. */
export function serverUrl(info: ServerInfo, database: string): string {
  const scheme = info.engine === 'postgres' ? 'postgres' : 'mysql';
  return `${scheme}://${encodeURIComponent(info.user)}:${encodeURIComponent(info.password)}@${info.host}:${info.port}/${encodeURIComponent(database)}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Prefix that runs a command as nobody (when root) and kills it with `signal` if we die. */
function wrapper(signal: 'INT' | 'TERM'): string[] {
  if (!fs.existsSync('/usr/bin/setpriv')) {
    if (isRoot()) throw new Error('setpriv not found: install the Debian package util-linux');
    return [];
  }
  const base = ['/usr/bin/setpriv', `--pdeathsig=${signal}`];
  if (isRoot()) base.push(`--reuid=${NOBODY_UID}`, `--regid=${NOBODY_GID}`, '--clear-groups');
  return [...base, '--'];
}

function makeServerDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (isRoot()) fs.chownSync(dir, NOBODY_UID, NOBODY_GID);
  fs.chmodSync(dir, 0o700);
  return dir;
}

function writeOwnedFile(file: string, content: string): void {
  fs.writeFileSync(file, content, { mode: 0o600 });
  if (isRoot()) fs.chownSync(file, NOBODY_UID, NOBODY_GID);
}

function runSync(argv: string[], what: string): string {
  const [cmd, ...args] = argv;
  const res = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' } });
  if (res.error) throw new Error(`${what} failed to start: ${res.error.message}`);
  if (res.status !== 0) {
    const out = `${res.stdout ?? ''}\n${res.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${what} exited with ${res.status ?? res.signal}:\n${out}`);
  }
  return res.stdout;
}

function startDaemon(argv: string[], logFile: string): number {
  const fd = fs.openSync(logFile, 'a');
  if (isRoot()) fs.fchownSync(fd, NOBODY_UID, NOBODY_GID);
  const [cmd, ...args] = argv;
  const child = spawn(cmd, args, {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' },
  });
  fs.closeSync(fd);
  // The test runner must not wait for the servers; they are stopped explicitly.
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  return child.pid;
}

function logTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitUntil<T>(what: string, pid: number, logFile: string, attempt: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (!alive(pid)) throw new Error(`${what} exited during start-up:\n${logTail(logFile)}`);
    try {
      return await attempt();
    } catch (err) {
      last = err;
      await sleep(200);
    }
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms (${String(last)}):\n${logTail(logFile)}`);
}

/** Newest /usr/lib/postgresql/<major>/bin that has initdb and postgres. */
export function findPostgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((d) => /^\d+(\.\d+)?$/.test(d))
        .filter((d) => fs.existsSync(path.join(root, d, 'bin', 'initdb')) && fs.existsSync(path.join(root, d, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) {
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/<major>/bin: install the Debian package postgresql');
  }
  return path.join(root, majors[0], 'bin');
}

function findMariadbBinaries(): { server: string; installDb: string } {
  const server = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'].find((p) => fs.existsSync(p));
  const installDb = ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'].find((p) => fs.existsSync(p));
  if (!server || !installDb) {
    throw new Error('MariaDB server binaries (mariadbd, mariadb-install-db) not found: install the Debian package mariadb-server');
  }
  return { server, installDb };
}

export async function startPostgres(): Promise<ServerInfo> {
  const bin = findPostgresBinDir();
  const configure = runSync([path.join(bin, 'pg_config'), '--configure'], 'pg_config');
  const icu = configure.includes('--with-icu');
  const dir = makeServerDir('reconcile-pg-');
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const pwfile = path.join(dir, 'pwfile');
  writeOwnedFile(pwfile, `${SERVER_PASSWORD}\n`);
  try {
    // A non-C default collation (ICU "en" when available) so that text keys sort
    // differently from byte order and the collation trap is exercised.
    const localeArgs = icu ? ['--locale=C.UTF-8', '--locale-provider=icu', '--icu-locale=en'] : ['--locale=C.UTF-8'];
    runSync(
      [
        ...wrapper('TERM'),
        path.join(bin, 'initdb'),
        '-D',
        data,
        '-U',
        PG_USER,
        '-E',
        'UTF8',
        ...localeArgs,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        `--pwfile=${pwfile}`,
        '--no-sync',
      ],
      'initdb',
    );
    const port = await freePort();
    const pid = startDaemon(
      [
        ...wrapper('INT'),
        path.join(bin, 'postgres'),
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'shared_buffers=512MB',
        '-c',
        'max_wal_size=4GB',
        '-c',
        'max_connections=200',
      ],
      logFile,
    );
    const base = { engine: 'postgres' as const, host: '127.0.0.1', port, user: PG_USER, password: SERVER_PASSWORD, pid, dir, logFile, icu };
    const version = await waitUntil('postgres', pid, logFile, async () => {
      const c = new Client({ host: base.host, port, user: PG_USER, password: SERVER_PASSWORD, database: 'postgres', connectionTimeoutMillis: 2000 });
      c.on('error', () => undefined);
      await c.connect();
      try {
        const r = await c.query<{ v: string }>("select 'PostgreSQL ' || current_setting('server_version') as v");
        return r.rows[0].v;
      } finally {
        await c.end();
      }
    });
    return { ...base, version };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export async function startMariadb(): Promise<ServerInfo> {
  const { server, installDb } = findMariadbBinaries();
  const dir = makeServerDir('reconcile-mariadb-');
  const data = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  const logFile = path.join(dir, 'server.log');
  let pid = 0;
  try {
    runSync(
      [
        ...wrapper('TERM'),
        installDb,
        '--no-defaults',
        `--datadir=${data}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
      ],
      'mariadb-install-db',
    );
    const port = await freePort();
    pid = startDaemon(
      [
        ...wrapper('TERM'),
        server,
        '--no-defaults',
        `--datadir=${data}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--socket=${socket}`,
        `--pid-file=${path.join(dir, 'mysqld.pid')}`,
        `--log-error=${logFile}`,
        '--skip-name-resolve',
        '--skip-log-bin',
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_general_ci',
        '--innodb-buffer-pool-size=1G',
        '--innodb-log-file-size=512M',
        '--innodb-flush-log-at-trx-commit=0',
        '--innodb-doublewrite=0',
        '--max-allowed-packet=256M',
        '--max-connections=200',
      ],
      logFile,
    );
    const version = await waitUntil('mariadbd', pid, logFile, async () => {
      // Fresh install: root@localhost with an empty password, reachable over the socket only.
      const c = await mysql.createConnection({ socketPath: socket, user: 'root', password: '', connectTimeout: 2000 });
      try {
        for (const host of ['127.0.0.1', 'localhost']) {
          await c.query(`CREATE USER IF NOT EXISTS ${c.escape(MYSQL_USER)}@${c.escape(host)} IDENTIFIED BY ${c.escape(SERVER_PASSWORD)}`);
          await c.query(`GRANT ALL PRIVILEGES ON *.* TO ${c.escape(MYSQL_USER)}@${c.escape(host)} WITH GRANT OPTION`);
        }
        const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
        return `MariaDB ${String(rows[0].v).replace(/-.*$/, '')}`;
      } finally {
        await c.end();
      }
    });
    return { engine: 'mysql', host: '127.0.0.1', port, user: MYSQL_USER, password: SERVER_PASSWORD, pid, dir, logFile, version, icu: false };
  } catch (err) {
    if (pid) await stopPid(pid);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function stopPid(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + 30_000;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    while (alive(pid)) await sleep(100);
  }
}

/** Stops the server (fast shutdown) and removes its temp dir. */
export async function stopServer(info: ServerInfo): Promise<void> {
  // SIGINT is PostgreSQL's "fast" shutdown; SIGTERM is MariaDB's normal one.
  await stopPid(info.pid, info.engine === 'postgres' ? 'SIGINT' : 'SIGTERM');
  fs.rmSync(info.dir, { recursive: true, force: true });
}

/** Runs admin SQL (CREATE/DROP DATABASE etc.) against a server's maintenance database. */
export async function adminExec(info: ServerInfo, statements: string[], database?: string): Promise<void> {
  if (info.engine === 'postgres') {
    const c = new Client({ host: info.host, port: info.port, user: info.user, password: info.password, database: database ?? 'postgres' });
    c.on('error', () => undefined);
    await c.connect();
    try {
      for (const s of statements) await c.query(s);
    } finally {
      await c.end();
    }
  } else {
    const c = await mysql.createConnection({
      host: info.host,
      port: info.port,
      user: info.user,
      password: info.password,
      database,
      multipleStatements: true,
      charset: 'utf8mb4_general_ci',
    });
    try {
      for (const s of statements) await c.query(s);
    } finally {
      await c.end();
    }
  }
}

/** Drops and recreates `name` on the server. */
export async function recreateDatabase(info: ServerInfo, name: string): Promise<void> {
  if (info.engine === 'postgres') {
    const q = `"${name.replace(/"/g, '""')}"`;
    await adminExec(info, [`DROP DATABASE IF EXISTS ${q} WITH (FORCE)`, `CREATE DATABASE ${q}`]);
  } else {
    const q = `\`${name.replace(/`/g, '``')}\``;
    await adminExec(info, [`DROP DATABASE IF EXISTS ${q}`, `CREATE DATABASE ${q} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`]);
  }
}
