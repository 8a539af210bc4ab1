/**
 * The rotation's real database code against the loopback PostgreSQL and MariaDB servers of
 * test/integration/setup: the drivers' quoting, PostgreSQL's pre-hashed password and MySQL's
 * account lookup. Secrets Manager is the in-memory fake of the unit tests. The servers have no
 * certificates, so the admins run with plaintextForLoopbackTests (refused for any other host).
 */
import * as fs from 'fs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { DatabaseAdmin, DatabaseLogin } from '../../../lib/data/rotation/runtime/database-admin';
import type { Logger } from '../../../lib/data/rotation/runtime/log';
import { MysqlAdmin } from '../../../lib/data/rotation/runtime/mysql-admin';
import { PostgresAdmin } from '../../../lib/data/rotation/runtime/postgres-admin';
import { rotate, type RotationStep } from '../../../lib/data/rotation/runtime/rotation';
import type { SecretEngine } from '../../../lib/data/rotation/runtime/secret';
import { FakeSecretStore, SECRET_ARN, newSecretsManagerClient } from '../../lib/data/rotation/fakes';
import { adminExec, type ServerInfo } from '../setup/servers';
import { readState } from '../setup/state';

jest.setTimeout(60_000);

const sm = mockClient(SecretsManagerClient);
const silent: Logger = { info: () => undefined, warn: () => undefined };
const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

// Every punctuation character GetRandomPassword may still return, so quoting is exercised.
const INITIAL_PASSWORD = 'Initial-Pass_1';
const FIRST_PASSWORD = 'Aa1!#$%&()*+,-.:;<=>?[]^_{|}~zZ9';
const SECOND_PASSWORD = 'Second%Pass?1$(x)';

const MYSQL_DATABASE = `rotation_it_${process.pid}`;

interface Engine {
  readonly engine: SecretEngine;
  readonly server: () => ServerInfo;
  readonly admin: () => DatabaseAdmin;
  readonly strictAdmin: () => DatabaseAdmin;
  /** Creates a login like the Aurora master user (it may change its own password). */
  readonly createUser: (info: ServerInfo, user: string, password: string) => Promise<void>;
  readonly dropUser: (info: ServerInfo, user: string) => Promise<void>;
  readonly dbname: string;
  /** What the server says to a wrong password, and the driver when the server has no TLS. */
  readonly refusedLogin: RegExp;
  readonly noTls: RegExp;
}

const engines: Engine[] = [
  {
    engine: 'postgres',
    server: () => readState().postgres,
    admin: () => new PostgresAdmin({ plaintextForLoopbackTests: true, timeoutMs: 5_000 }),
    strictAdmin: () => new PostgresAdmin({ timeoutMs: 5_000 }),
    createUser: (info, user, password) => adminExec(info, [`CREATE ROLE "${user}" LOGIN PASSWORD '${password}'`]),
    dropUser: (info, user) => adminExec(info, [`DROP ROLE IF EXISTS "${user}"`]),
    dbname: 'postgres',
    refusedLogin: /28P01: password authentication failed/,
    noTls: /does not support SSL/,
  },
  {
    engine: 'mysql',
    server: () => readState().mysql,
    admin: () => new MysqlAdmin({ plaintextForLoopbackTests: true, timeoutMs: 5_000 }),
    strictAdmin: () => new MysqlAdmin({ timeoutMs: 5_000 }),
    // Aurora's master user holds CREATE USER, which MySQL and MariaDB require for ALTER USER.
    createUser: (info, user, password) =>
      adminExec(info, [
        `CREATE DATABASE IF NOT EXISTS ${MYSQL_DATABASE}`,
        `CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`,
        `GRANT CREATE USER ON *.* TO '${user}'@'%'`,
        `GRANT ALL PRIVILEGES ON ${MYSQL_DATABASE}.* TO '${user}'@'%'`,
      ]),
    dropUser: (info, user) => adminExec(info, [`DROP USER IF EXISTS '${user}'@'%'`, `DROP DATABASE IF EXISTS ${MYSQL_DATABASE}`]),
    dbname: MYSQL_DATABASE,
    refusedLogin: /ER_ACCESS_DENIED_ERROR: Access denied for user/,
    noTls: /does not support secure connection/,
  },
];

async function canLogIn(admin: DatabaseAdmin, login: DatabaseLogin): Promise<boolean> {
  try {
    const session = await admin.connect(login);
    await session.ping();
    await session.close();
    return true;
  } catch {
    return false;
  }
}

describe.each(engines)('rotation on $engine', ({ engine, server, admin, strictAdmin, createUser, dropUser, dbname, refusedLogin, noTls }) => {
  const user = `rotation_it_${engine}_${process.pid}`;
  let info: ServerInfo;
  const login = (password: string): DatabaseLogin => ({ host: info.host, port: info.port, username: user, password, dbname });

  beforeAll(async () => {
    info = server();
    await dropUser(info, user);
    await createUser(info, user, INITIAL_PASSWORD);
  });

  afterAll(async () => {
    await dropUser(info, user);
  });

  beforeEach(() => {
    sm.reset();
  });

  it('changes the password of the logged-in user: the new one logs in, the old one no longer does', async () => {
    const session = await admin().connect(login(INITIAL_PASSWORD));
    await session.ping();
    await session.changePassword(user, FIRST_PASSWORD);
    await session.close();

    expect(await canLogIn(admin(), login(FIRST_PASSWORD))).toBe(true);
    expect(await canLogIn(admin(), login(INITIAL_PASSWORD))).toBe(false);

    // Back to the initial password for the rotation below.
    const again = await admin().connect(login(FIRST_PASSWORD));
    await again.changePassword(user, INITIAL_PASSWORD);
    await again.close();
  });

  it('refuses to change another user\'s password', async () => {
    const session = await admin().connect(login(INITIAL_PASSWORD));
    try {
      await expect(session.changePassword(`${user}_other`, FIRST_PASSWORD)).rejects.toThrow(/logged in as another user/);
    } finally {
      await session.close();
    }
  });

  it('reports a refused login without the password', async () => {
    const error = await admin()
      .connect(login('Wrong-Password-123'))
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`login as ${user} failed`);
    expect((error as Error).message).toMatch(refusedLogin);
    expect((error as Error).message).not.toContain('Wrong-Password-123');
  });

  it('never falls back to plaintext: without TLS on the server, the default admin cannot connect', async () => {
    await expect(strictAdmin().connect(login(INITIAL_PASSWORD))).rejects.toThrow(noTls);
  });

  it('runs a whole rotation, then another one that has to log in with AWSPREVIOUS', async () => {
    const store = new FakeSecretStore();
    const secret = (password: string) => ({ engine, host: info.host, port: info.port, username: user, password, dbname });
    store.addVersion('v0', secret(INITIAL_PASSWORD), ['AWSCURRENT']);
    store.randomPasswords = [FIRST_PASSWORD, SECOND_PASSWORD];
    store.install(sm);
    const deps = { secretsManager: newSecretsManagerClient(), databaseAdmin: () => admin(), expectedEngine: engine, log: silent };
    const run = async (token: string) => {
      store.startRotation(token);
      for (const step of STEPS) {
        await rotate({ SecretId: SECRET_ARN, ClientRequestToken: token, Step: step }, deps);
      }
    };

    await run('t1');
    expect(store.getValue({ SecretId: SECRET_ARN }).VersionId).toBe('t1');
    expect(await canLogIn(admin(), login(FIRST_PASSWORD))).toBe(true);
    expect(await canLogIn(admin(), login(INITIAL_PASSWORD))).toBe(false);

    // Someone restored the old password: AWSCURRENT no longer works, AWSPREVIOUS does.
    const reset = await admin().connect(login(FIRST_PASSWORD));
    await reset.changePassword(user, INITIAL_PASSWORD);
    await reset.close();

    await run('t2');
    expect(store.stagesOf('t2')).toEqual(['AWSCURRENT', 'AWSPENDING']);
    expect(await canLogIn(admin(), login(SECOND_PASSWORD))).toBe(true);
    expect(await canLogIn(admin(), login(INITIAL_PASSWORD))).toBe(false);
    expect(await canLogIn(admin(), login(FIRST_PASSWORD))).toBe(false);
  });
});

describe('PostgreSQL statement logging', () => {
  const user = `rotation_it_logged_${process.pid}`;
  const admin = new PostgresAdmin({ plaintextForLoopbackTests: true, timeoutMs: 5_000 });

  afterAll(async () => {
    await adminExec(readState().postgres, [`DROP ROLE IF EXISTS "${user}"`]);
  });

  it('logs the ALTER USER with a SCRAM verifier, never the password', async () => {
    const info = readState().postgres;
    await adminExec(info, [`DROP ROLE IF EXISTS "${user}"`, `CREATE ROLE "${user}" LOGIN PASSWORD '${INITIAL_PASSWORD}'`, `ALTER ROLE "${user}" SET log_statement = 'ddl'`]);
    const login = { host: info.host, port: info.port, username: user, dbname: 'postgres' };

    const session = await admin.connect({ ...login, password: INITIAL_PASSWORD });
    await session.changePassword(user, FIRST_PASSWORD);
    await session.close();
    expect(await canLogIn(admin, { ...login, password: FIRST_PASSWORD })).toBe(true);

    const serverLog = fs.readFileSync(info.logFile, 'utf8');
    expect(serverLog).toMatch(new RegExp(`ALTER USER "${user}" WITH PASSWORD 'SCRAM-SHA-256\\$4096:`));
    expect(serverLog).not.toContain(FIRST_PASSWORD);
  });
});
