/**
 * Credentials and connection URLs. Credentials come from Secrets Manager when the task
 * runs (never from the task definition): the new primary's master secret rotates, and
 * the temporary cluster's password exists only in its RDS-managed secret.
 *
 * TLS is always verified against the Amazon RDS CA bundle, host name included:
 * - PostgreSQL: `sslmode=verify-full&sslrootcert=<bundle>`
 * - MySQL: `ssl-mode=VERIFY_IDENTITY&ssl-ca=<bundle>` (the engine's equivalent, see url.ts)
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { EngineName } from '../engine';
import { TaskConfigError } from './settings';

export interface Credentials {
  readonly username: string;
  readonly password: string;
  /** Present in the master secret (the global writer endpoint), absent in RDS-managed secrets. */
  readonly host?: string;
  readonly port?: number;
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

/** Seconds the driver waits for a connection (the engine's default is 10). */
const CONNECT_TIMEOUT_SECONDS = 30;

export async function fetchCredentials(client: SecretsManagerClient, secretId: string, what: string): Promise<Credentials> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (out.SecretString === undefined) throw new TaskConfigError(`the ${what} secret has no SecretString`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(out.SecretString);
  } catch {
    throw new TaskConfigError(`the ${what} secret is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new TaskConfigError(`the ${what} secret is not a JSON object`);
  const record = parsed as Record<string, unknown>;
  const { username, password, host, port } = record;
  if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
    throw new TaskConfigError(`the ${what} secret has no username and password`);
  }
  const portNumber = typeof port === 'number' ? port : typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : undefined;
  return {
    username,
    password,
    ...(typeof host === 'string' && host !== '' ? { host } : {}),
    ...(portNumber !== undefined ? { port: portNumber } : {}),
  };
}

export function connectionUrl(engine: EngineName, endpoint: Endpoint, credentials: Credentials, caFile: string): string {
  const user = encodeURIComponent(credentials.username);
  const password = encodeURIComponent(credentials.password);
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  const query = new URLSearchParams(
    engine === 'postgres'
      ? { sslmode: 'verify-full', sslrootcert: caFile, connect_timeout: String(CONNECT_TIMEOUT_SECONDS) }
      : { 'ssl-mode': 'VERIFY_IDENTITY', 'ssl-ca': caFile, connect_timeout: String(CONNECT_TIMEOUT_SECONDS) },
  );
  return `${engine}://${user}:${password}@${host}:${endpoint.port}/${encodeURIComponent(endpoint.database)}?${query.toString()}`;
}
