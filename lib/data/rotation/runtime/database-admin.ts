/** What the rotation needs to log in; a subset of the master secret. */
export interface DatabaseLogin {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly dbname?: string;
}

/** An open, authenticated session. */
export interface DatabaseSession {
  /** Runs `SELECT 1`: proves that the session can run statements, not only authenticate. */
  ping(): Promise<void>;
  /** Sets the password of `username`, the account this session is logged in as (single-user rotation). */
  changePassword(username: string, newPassword: string): Promise<void>;
  close(): Promise<void>;
}

/** Engine-specific database access; injectable so that the rotation steps can be tested without a server. */
export interface DatabaseAdmin {
  /** Logs in; rejects when the server refuses the credentials or cannot be reached. */
  connect(login: DatabaseLogin): Promise<DatabaseSession>;
}

export interface DatabaseAdminOptions {
  /** Time allowed to open a connection and to run each statement (default 10 s; the function has 60 s). */
  readonly timeoutMs?: number;
  /**
   * Integration tests only: the loopback test servers have no certificates. Connections to any host
   * other than a loopback address are refused while this is set, so it cannot weaken a deployment.
   */
  readonly plaintextForLoopbackTests?: boolean;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Whether to use TLS for `host`; throws when plaintext was asked for a non-loopback host. */
export function useTls(options: DatabaseAdminOptions, host: string): boolean {
  if (options.plaintextForLoopbackTests !== true) {
    return true;
  }
  if (!isLoopbackHost(host)) {
    throw new Error('plaintextForLoopbackTests is only allowed for loopback hosts');
  }
  return false;
}

/**
 * A driver error's message without any of the given secrets, for errors thrown from the admins.
 * Only the message and code are kept: driver errors carry extra properties (mysql2 attaches the
 * SQL text, password included) that must not reach a log through the Lambda runtime.
 */
export function safeErrorMessage(error: unknown, secrets: readonly string[]): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
  let message = error instanceof Error ? error.message : String(error);
  for (const secret of secrets) {
    if (secret.length > 0) {
      message = message.split(secret).join('[redacted]');
    }
  }
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
}
