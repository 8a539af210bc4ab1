import { isLoopbackHost, safeErrorMessage, useTls } from '../../../../lib/data/rotation/runtime/database-admin';
import { MysqlAdmin, splitAccount } from '../../../../lib/data/rotation/runtime/mysql-admin';
import { PostgresAdmin } from '../../../../lib/data/rotation/runtime/postgres-admin';
import { parseDatabaseSecret } from '../../../../lib/data/rotation/runtime/secret';

const PASSWORD = 'Sup3r-Secret-Value-000000000000';
const valid = { engine: 'postgres', host: 'orders.global-x.global.rds.amazonaws.com', port: 5433, username: 'orders_admin', password: PASSWORD, dbname: 'orders' };

describe('parseDatabaseSecret', () => {
  it('reads the master secret and keeps every key', () => {
    const secret = parseDatabaseSecret(JSON.stringify({ ...valid, extra: 1 }), 'v');
    expect(secret).toMatchObject({ engine: 'postgres', host: valid.host, port: 5433, username: 'orders_admin', password: PASSWORD, dbname: 'orders' });
    expect(secret.fields).toEqual({ ...valid, extra: 1 });
  });

  it('accepts a numeric string port and no dbname', () => {
    const { dbname: _dbname, ...withoutDbname } = valid;
    const secret = parseDatabaseSecret(JSON.stringify({ ...withoutDbname, port: '5433' }), 'v');
    expect(secret.port).toBe(5433);
    expect(secret.dbname).toBeUndefined();
  });

  it.each([
    [undefined, 'v has no SecretString'],
    [`{"password": "${PASSWORD}"`, 'v is not valid JSON'],
    ['[1]', 'v is not a JSON object'],
    [JSON.stringify({ ...valid, engine: 'oracle' }), 'v has no supported "engine" (expected one of mysql, postgres)'],
    [JSON.stringify({ ...valid, host: '' }), 'v has no "host" string'],
    [JSON.stringify({ ...valid, port: 70000 }), 'v has no valid "port" (an integer from 1 to 65535)'],
    [JSON.stringify({ ...valid, username: 7 }), 'v has no "username" string'],
    [JSON.stringify({ ...valid, password: undefined }), 'v has no "password" string'],
    [JSON.stringify({ ...valid, dbname: '' }), 'v has a "dbname" that is not a non-empty string'],
  ])('refuses %s without quoting it', (text, message) => {
    let error: unknown;
    try {
      parseDatabaseSecret(text, 'v');
    } catch (e) {
      error = e;
    }
    expect(error).toEqual(new Error(message));
    expect(String(error)).not.toContain(PASSWORD);
  });
});

describe('safeErrorMessage', () => {
  it('keeps the code and message and redacts the given secrets', () => {
    const error = Object.assign(new Error(`bad password ${PASSWORD} for x`), { code: '28P01', sql: `ALTER USER x IDENTIFIED BY '${PASSWORD}'` });
    expect(safeErrorMessage(error, [PASSWORD, ''])).toBe('28P01: bad password [redacted] for x');
  });

  it('does not repeat a code the message already has', () => {
    expect(safeErrorMessage(Object.assign(new Error('connect ETIMEDOUT 10.0.0.1:5432'), { code: 'ETIMEDOUT' }), [])).toBe('connect ETIMEDOUT 10.0.0.1:5432');
    expect(safeErrorMessage('plain', [])).toBe('plain');
  });
});

describe('TLS', () => {
  it('is always on unless plaintext is asked for a loopback test server', () => {
    expect(useTls({}, 'catalog.global-x.global.rds.amazonaws.com')).toBe(true);
    expect(useTls({}, '127.0.0.1')).toBe(true);
    expect(useTls({ plaintextForLoopbackTests: true }, '127.0.0.1')).toBe(false);
    expect(() => useTls({ plaintextForLoopbackTests: true }, 'catalog.global-x.global.rds.amazonaws.com')).toThrow('only allowed for loopback hosts');
    expect(['localhost', '::1', '127.0.0.1', '127.1.2.3'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', '127.0.0.1.example.com', 'localhost.example.com'].some(isLoopbackHost)).toBe(false);
  });

  it.each([
    ['MySQL', new MysqlAdmin({ plaintextForLoopbackTests: true })],
    ['PostgreSQL', new PostgresAdmin({ plaintextForLoopbackTests: true })],
  ])('%s refuses plaintext to a remote host before connecting', async (_name, admin) => {
    await expect(admin.connect({ host: '10.0.0.1', port: 1, username: 'u', password: PASSWORD })).rejects.toThrow('only allowed for loopback hosts');
  });
});

describe('splitAccount', () => {
  it('splits CURRENT_USER() at the last @', () => {
    expect(splitAccount('catalog_admin@%')).toEqual({ user: 'catalog_admin', host: '%' });
    expect(splitAccount('odd@name@10.0.%')).toEqual({ user: 'odd@name', host: '10.0.%' });
    expect(() => splitAccount('nobody')).toThrow('user@host');
  });
});
