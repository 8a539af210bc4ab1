import * as mysql from 'mysql2/promise';
import {
  DEFAULT_TIMEOUT_MS,
  safeErrorMessage,
  useTls,
  type DatabaseAdmin,
  type DatabaseAdminOptions,
  type DatabaseLogin,
  type DatabaseSession,
} from './database-admin';

/** Splits CURRENT_USER()'s `user@host` at the last '@': user names may contain '@', host names cannot. */
export function splitAccount(account: string): { user: string; host: string } {
  const at = account.lastIndexOf('@');
  if (at < 0) {
    throw new Error('CURRENT_USER() did not return a user@host account');
  }
  return { user: account.slice(0, at), host: account.slice(at + 1) };
}

class MysqlSession implements DatabaseSession {
  constructor(
    private readonly connection: mysql.Connection,
    private readonly timeoutMs: number,
  ) {}

  async ping(): Promise<void> {
    await this.connection.query({ sql: 'SELECT 1', timeout: this.timeoutMs });
  }

  async changePassword(username: string, newPassword: string): Promise<void> {
    try {
      // Alter exactly the account this session authenticated as (user AND host part), which is
      // the one the secret's credentials match; it needs no read access to mysql.user.
      const [rows] = await this.connection.query<mysql.RowDataPacket[]>({ sql: 'SELECT CURRENT_USER() AS account', timeout: this.timeoutMs });
      const account: unknown = rows[0]?.account;
      if (typeof account !== 'string') {
        throw new Error('CURRENT_USER() returned no account');
      }
      const { user, host } = splitAccount(account);
      if (user !== username) {
        throw new Error(`the session is logged in as another user than ${username}`);
      }
      // The driver escapes the three values as string literals; the generated password has no
      // quote or backslash, so the result is the same with or without NO_BACKSLASH_ESCAPES.
      await this.connection.query({ sql: 'ALTER USER ?@? IDENTIFIED BY ?', values: [user, host, newPassword], timeout: this.timeoutMs });
    } catch (error) {
      // mysql2 attaches the statement (with the password) to its errors: keep only the message.
      throw new Error(`MySQL: changing the password of ${username} failed: ${safeErrorMessage(error, [newPassword])}`);
    }
  }

  async close(): Promise<void> {
    await this.connection.end().catch(() => this.connection.destroy());
  }
}

/** MySQL / Aurora MySQL through mysql2, with verified TLS (chain and host name). */
export class MysqlAdmin implements DatabaseAdmin {
  private readonly timeoutMs: number;

  constructor(private readonly options: DatabaseAdminOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async connect(login: DatabaseLogin): Promise<DatabaseSession> {
    const tls = useTls(this.options, login.host);
    try {
      const connection = await mysql.createConnection({
        host: login.host,
        port: login.port,
        user: login.username,
        password: login.password,
        ...(login.dbname !== undefined ? { database: login.dbname } : {}),
        connectTimeout: this.timeoutMs,
        // mysql2 checks the host name only with verifyIdentity; the CAs come from Node's store
        // plus NODE_EXTRA_CA_CERTS (the Lambda runtime's Amazon bundle, see the construct).
        ...(tls ? { ssl: { rejectUnauthorized: true, verifyIdentity: true } } : {}),
      });
      return new MysqlSession(connection, this.timeoutMs);
    } catch (error) {
      throw new Error(`MySQL: login as ${login.username} failed: ${safeErrorMessage(error, [login.password])}`);
    }
  }
}
