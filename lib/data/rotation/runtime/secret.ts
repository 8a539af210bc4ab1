/** The `engine` values of the master secrets (see lib/data/engines.ts, `secretEngine`). */
export type SecretEngine = 'mysql' | 'postgres';

export const SECRET_ENGINES: readonly SecretEngine[] = ['mysql', 'postgres'];

/** A parsed master secret. `fields` keeps every key of the JSON so a new version changes only the password. */
export interface DatabaseSecret {
  readonly engine: SecretEngine;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly dbname?: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export function isSecretEngine(value: unknown): value is SecretEngine {
  return typeof value === 'string' && (SECRET_ENGINES as readonly string[]).includes(value);
}

function nonEmptyString(fields: Record<string, unknown>, key: string, label: string): string {
  const value = fields[key];
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`${label} has no "${key}" string`);
  }
  return value;
}

function port(fields: Record<string, unknown>, label: string): number {
  const value = fields.port;
  // Secrets written by hand sometimes carry the port as a string; both forms are accepted.
  const parsed = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535) {
    throw new Error(`${label} has no valid "port" (an integer from 1 to 65535)`);
  }
  return parsed;
}

/**
 * Parses and checks a master secret's JSON. Error messages name the version and the key but never
 * quote the text: JSON.parse's own message would echo part of it, password included.
 */
export function parseDatabaseSecret(secretString: string | undefined, label: string): DatabaseSecret {
  if (secretString === undefined) {
    throw new Error(`${label} has no SecretString`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new Error(`${label} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${label} is not a JSON object`);
  }
  const fields = parsed as Record<string, unknown>;
  const engine = fields.engine;
  if (!isSecretEngine(engine)) {
    throw new Error(`${label} has no supported "engine" (expected one of ${SECRET_ENGINES.join(', ')})`);
  }
  const dbname = fields.dbname;
  if (dbname !== undefined && (typeof dbname !== 'string' || dbname.length === 0)) {
    throw new Error(`${label} has a "dbname" that is not a non-empty string`);
  }
  return {
    engine,
    host: nonEmptyString(fields, 'host', label),
    port: port(fields, label),
    username: nonEmptyString(fields, 'username', label),
    password: nonEmptyString(fields, 'password', label),
    ...(typeof dbname === 'string' ? { dbname } : {}),
    fields,
  };
}
