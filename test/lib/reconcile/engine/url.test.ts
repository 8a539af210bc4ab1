import { describeTarget, parseConnectionUrl } from '../../../../lib/reconcile/engine';
import { mysqlTlsOptions } from '../../../../lib/reconcile/engine/mysql';
import { pgTlsOptions } from '../../../../lib/reconcile/engine/postgres';

describe('parseConnectionUrl', () => {
  it('parses a PostgreSQL URL with a percent-encoded password', () => {
    const spec = parseConnectionUrl('postgres', 'postgres://app%20user:p%40ss%3Aw%2Frd%25%3F%23@db.example.com:6543/orders%2Fx', '--old');
    expect(spec).toEqual({
      engine: 'postgres',
      host: 'db.example.com',
      port: 6543,
      user: 'app user',
      password: 'p@ss:w/rd%?#',
      database: 'orders/x',
      tls: { mode: 'disable' },
      connectTimeoutMs: 10_000,
      queryTimeoutMs: 7_200_000,
    });
  });

  it('applies default ports and accepts postgresql://', () => {
    expect(parseConnectionUrl('postgres', 'postgresql://u:p@h/db', '--old').port).toBe(5432);
    expect(parseConnectionUrl('mysql', 'mysql://u:p@h/db', '--old').port).toBe(3306);
  });

  it('parses IPv6 hosts', () => {
    const spec = parseConnectionUrl('mysql', 'mysql://u:p@[::1]:3307/db', '--new');
    expect(spec.host).toBe('::1');
    expect(describeTarget(spec)).toBe('[::1]:3307/db');
  });

  it('takes the password from the fallback only when the URL has none', () => {
    expect(parseConnectionUrl('postgres', 'postgres://u@h/db', '--old', 'from-env').password).toBe('from-env');
    expect(parseConnectionUrl('postgres', 'postgres://u:inurl@h/db', '--old', 'from-env').password).toBe('inurl');
    expect(parseConnectionUrl('postgres', 'postgres://u@h/db', '--old').password).toBe('');
  });

  it('maps PostgreSQL TLS parameters', () => {
    expect(parseConnectionUrl('postgres', 'postgres://u@h/db?sslmode=require', '--old').tls).toEqual({ mode: 'require' });
    expect(parseConnectionUrl('postgres', 'postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem', '--old').tls).toEqual({
      mode: 'verify-full',
      caFile: '/etc/ca.pem',
    });
    expect(parseConnectionUrl('postgres', 'postgres://u@h/db?connect_timeout=3', '--old').connectTimeoutMs).toBe(3000);
    expect(parseConnectionUrl('postgres', 'postgres://u@h/db?query_timeout=90', '--old').queryTimeoutMs).toBe(90_000);
    expect(parseConnectionUrl('mysql', 'mysql://u@h/db?query_timeout=5', '--new').queryTimeoutMs).toBe(5_000);
    // Two hours unless the URL says otherwise: every query has a deadline.
    expect(parseConnectionUrl('mysql', 'mysql://u@h/db', '--old').queryTimeoutMs).toBe(7_200_000);
  });

  it('maps MySQL TLS parameters', () => {
    expect(parseConnectionUrl('mysql', 'mysql://u@h/db?ssl=true', '--old').tls).toEqual({ mode: 'verify-full' });
    expect(parseConnectionUrl('mysql', 'mysql://u@h/db?ssl=false', '--old').tls).toEqual({ mode: 'disable' });
    expect(parseConnectionUrl('mysql', 'mysql://u@h/db?ssl-mode=required', '--old').tls).toEqual({ mode: 'require' });
    expect(parseConnectionUrl('mysql', 'mysql://u@h/db?ssl-mode=VERIFY_CA&ssl-ca=/ca.pem', '--old').tls).toEqual({ mode: 'verify-ca', caFile: '/ca.pem' });
    expect(parseConnectionUrl('mysql', 'mysql://u@h/db?ssl-ca=/ca.pem', '--old').tls).toEqual({ mode: 'verify-full', caFile: '/ca.pem' });
  });

  it.each([
    ['postgres', 'not a url', '--old: not a valid connection URL'],
    ['postgres', 'mysql://u@h/db', '--old: URL scheme mysql:// does not match --engine postgres'],
    ['mysql', 'postgres://u@h/db', '--old: URL scheme postgres:// does not match --engine mysql'],
    ['postgres', 'postgres://h/db', '--old: URL has no user name'],
    ['postgres', 'postgres://u@h', '--old: URL must name exactly one database'],
    ['postgres', 'postgres://u@h/a/b', '--old: URL must name exactly one database'],
    ['postgres', 'postgres://u:p%zz@h/db', '--old: invalid percent-encoding in the password'],
    ['postgres', 'postgres://u@h:0/db', '--old: invalid port 0'],
    ['postgres', 'postgres://u@h/db?sslmode=prefer', '--old: unsupported sslmode "prefer"'],
    ['postgres', 'postgres://u@h/db?foo=1', '--old: unsupported URL parameter "foo"'],
    ['postgres', 'postgres://u@h/db?sslmode=require&sslmode=disable', '--old: URL parameter "sslmode" given twice'],
    ['postgres', 'postgres://u@h/db?connect_timeout=abc', '--old: connect_timeout must be a whole number'],
    ['mysql', 'mysql://u@h/db?query_timeout=0', '--old: query_timeout must be a whole number of seconds >= 1, got "0"'],
    ['postgres', 'postgres://u@h/db?query_timeout=1.5', '--old: query_timeout must be a whole number of seconds >= 1, got "1.5"'],
    ['postgres', 'postgres://u:pa#ss@h/db', '--old: not a valid connection URL (expected postgres://user:password@host:port/database, with special characters in the password percent-encoded)'],
    ['postgres', 'postgres://u:p@h/db#frag', '--old: URL has a #fragment'],
    ['mysql', 'mysql://u@h/db?ssl=maybe', '--old: ssl must be true or false, got "maybe"'],
    ['mysql', 'mysql://u@h/db?ssl-mode=PREFERRED', '--old: unsupported ssl-mode "PREFERRED"'],
    ['mysql', 'mysql://u@h/db?ssl=true&ssl-mode=REQUIRED', '--old: give either ssl or ssl-mode'],
    ['mysql', 'mysql://u@h/db?ssl=false&ssl-ca=/x', '--old: ssl-ca given with TLS disabled'],
  ] as const)('%s %s is rejected', (engine, url, message) => {
    expect(() => parseConnectionUrl(engine, url, '--old')).toThrow(message);
  });

  it('never echoes the password in errors', () => {
    let message = '';
    try {
      parseConnectionUrl('postgres', 'postgres://u:s3cret@h/db?bad=1', '--old');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('unsupported URL parameter');
    expect(message).not.toContain('s3cret');
  });
});

describe('TLS options for the drivers', () => {
  const spec = (url: string, engine: 'postgres' | 'mysql') => parseConnectionUrl(engine, url, '--old');

  it('builds pg ssl settings', () => {
    expect(pgTlsOptions(spec('postgres://u@h/db', 'postgres'))).toBe(false);
    expect(pgTlsOptions(spec('postgres://u@h/db?sslmode=require', 'postgres'))).toEqual({ rejectUnauthorized: false });
    expect(pgTlsOptions(spec('postgres://u@h/db?sslmode=verify-full', 'postgres'))).toEqual({ rejectUnauthorized: true });
    const verifyCa = pgTlsOptions(spec('postgres://u@h/db?sslmode=verify-ca', 'postgres'));
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true });
    expect(verifyCa && typeof verifyCa.checkServerIdentity).toBe('function');
  });

  it('builds mysql2 ssl settings', () => {
    expect(mysqlTlsOptions(spec('mysql://u@h/db', 'mysql'))).toBeUndefined();
    expect(mysqlTlsOptions(spec('mysql://u@h/db?ssl-mode=REQUIRED', 'mysql'))).toEqual({ rejectUnauthorized: false });
    expect(mysqlTlsOptions(spec('mysql://u@h/db?ssl=true', 'mysql'))).toEqual({ rejectUnauthorized: true, verifyIdentity: true });
    expect(mysqlTlsOptions(spec('mysql://u@h/db?ssl-mode=VERIFY_CA', 'mysql'))).toEqual({ rejectUnauthorized: true, verifyIdentity: false });
  });

  it('reports an unreadable CA file', () => {
    expect(() => pgTlsOptions(spec('postgres://u@h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem', 'postgres'))).toThrow(
      'cannot read CA file /nonexistent/ca.pem',
    );
  });
});
