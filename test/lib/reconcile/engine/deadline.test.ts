/**
 * What a run does when a database stops answering: the message names the database and what it
 * waited for; closing drops the socket when the server does not acknowledge in time.
 */
import { closeWithin, noAnswer, statementTable } from '../../../../lib/reconcile/engine/deadline';
import type { ConnectionSpec } from '../../../../lib/reconcile/engine';

const SPEC: ConnectionSpec = {
  engine: 'postgres',
  host: 'db.example',
  port: 5432,
  user: 'u',
  password: 'secret',
  database: 'orders',
  tls: { mode: 'disable' },
  connectTimeoutMs: 10_000,
  queryTimeoutMs: 90_000,
};

describe('statementTable', () => {
  it.each([
    ['SELECT count(*) FROM ONLY "public"."orders" t WHERE x', '"public"."orders"'],
    ['SELECT a FROM `db`.`orders` WHERE a > 1', '`db`.`orders`'],
    ['SELECT s.* FROM (SELECT 1) s', null],
    ['SET SESSION time_zone = \'+00:00\'', null],
  ])('%s → %s', (sql, table) => {
    expect(statementTable(sql)).toBe(table);
  });
});

describe('noAnswer', () => {
  it('names the side, the database, the wait and the setting to raise, never the password', () => {
    const err = noAnswer('new', SPEC, 'SELECT count(*) FROM ONLY "public"."orders" t');
    expect(err.message).toBe(
      'new database (db.example:5432/orders): no answer within 90 s to a query on "public"."orders": the server or the network to it stopped answering, ' +
        'and the connection was dropped. If a query there legitimately takes longer, raise query_timeout=<seconds> in the --new URL.',
    );
    expect(err.message).not.toContain('secret');
  });

  it('quotes the start of a statement that reads no table', () => {
    expect(noAnswer('old', SPEC, "SET SESSION   sql_mode =\n 'STRICT_ALL_TABLES,NO_BACKSLASH_ESCAPES,ONLY_FULL_GROUP_BY,ANSI_QUOTES'").message).toContain(
      `no answer within 90 s to "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_BACKSLASH_ESCAP…":`,
    );
  });
});

describe('closeWithin', () => {
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('leaves the socket alone when the polite close ends in time', async () => {
    const destroy = jest.fn();
    await closeWithin(() => Promise.resolve(), destroy, 1_000);
    expect(destroy).not.toHaveBeenCalled();
  });

  it('drops the socket when the close fails', async () => {
    const destroy = jest.fn();
    await closeWithin(() => Promise.reject(new Error('reset')), destroy, 1_000);
    expect(destroy).toHaveBeenCalledTimes(1);
  });

  it('drops the socket when the server never acknowledges, after the wait and not before', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      const destroy = jest.fn();
      let done = false;
      const closing = closeWithin(() => new Promise<void>(() => undefined), destroy, 5_000).then(() => {
        done = true;
      });
      await settle();
      jest.advanceTimersByTime(4_999);
      await settle();
      expect(destroy).not.toHaveBeenCalled();
      expect(done).toBe(false);
      jest.advanceTimersByTime(1);
      await closing;
      expect(destroy).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
