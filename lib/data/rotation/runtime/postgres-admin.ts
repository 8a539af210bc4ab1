import { Client } from 'pg';
import {
  DEFAULT_TIMEOUT_MS,
  safeErrorMessage,
  useTls,
  type DatabaseAdmin,
  type DatabaseAdminOptions,
  type DatabaseLogin,
  type DatabaseSession,
} from './database-admin';
import { passwordVerifier } from './postgres-password';

class PostgresSession implements DatabaseSession {
  constructor(private readonly client: Client) {}

  async ping(): Promise<void> {
    await this.client.query('SELECT 1');
  }

  async changePassword(username: string, newPassword: string): Promise<void> {
    try {
      const { rows } = await this.client.query<{ current_user: string; password_encryption: string }>(
        "SELECT current_user, current_setting('password_encryption') AS password_encryption",
      );
      const row = rows[0];
      if (row === undefined || row.current_user !== username) {
        throw new Error(`the session is logged in as another user than ${username}`);
      }
      // Utility statements take no bind parameters: the driver's escaping quotes the identifier
      // and the literal (the literal is the verifier, so the password itself is never sent).
      const verifier = passwordVerifier(row.password_encryption, username, newPassword);
      await this.client.query(`ALTER USER ${this.client.escapeIdentifier(username)} WITH PASSWORD ${this.client.escapeLiteral(verifier)}`);
    } catch (error) {
      throw new Error(`PostgreSQL: changing the password of ${username} failed: ${safeErrorMessage(error, [newPassword])}`);
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/** PostgreSQL / Aurora PostgreSQL through pg, with verified TLS (pg checks chain and host name). */
export class PostgresAdmin implements DatabaseAdmin {
  private readonly timeoutMs: number;

  constructor(private readonly options: DatabaseAdminOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async connect(login: DatabaseLogin): Promise<DatabaseSession> {
    const tls = useTls(this.options, login.host);
    const client = new Client({
      host: login.host,
      port: login.port,
      user: login.username,
      password: login.password,
      database: login.dbname ?? 'postgres',
      connectionTimeoutMillis: this.timeoutMs,
      query_timeout: this.timeoutMs,
      ssl: tls ? { rejectUnauthorized: true } : false,
    });
    // A connection dropped while idle emits 'error'; without a listener it would crash the runtime.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new Error(`PostgreSQL: login as ${login.username} failed: ${safeErrorMessage(error, [login.password])}`);
    }
    return new PostgresSession(client);
  }
}
