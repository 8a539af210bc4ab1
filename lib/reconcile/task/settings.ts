/**
 * The comparison task's settings, from its environment. The task definition of each
 * database sets the static ones (ENGINE, DATABASE, SCHEMA, NEW_SECRET_ARN, NEW_HOST,
 * NEW_PORT, OLD_PORT, BUCKET); RunTask overrides add the run's (OLD_HOST,
 * OLD_SECRET_ARN, TABLES, PREFIX, and for a three-way verdict BASE_HOST + BASE_SECRET_ARN
 * [+ BASE_PORT, default OLD_PORT]). The runbook passes TARGETS instead: the output of its
 * WaitForNewPrimaryClone step (runtime/clone.ts), JSON with the clone of the new primary
 * (`newHost`, `newSecretArn`, replacing NEW_HOST and NEW_SECRET_ARN) and, for a three-way
 * verdict, the base (`base.host`, `base.secretArn`). No credential is ever passed in the environment:
 * both are fetched from Secrets Manager when the task starts.
 */
import type { EngineName } from '../engine';

export class TaskConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskConfigError';
  }
}

export interface TaskSettings {
  readonly engine: EngineName;
  /** The restored old primary (temporary cluster endpoint). */
  readonly oldHost: string;
  readonly oldPort: number;
  /** The temporary cluster's RDS-managed master secret. */
  readonly oldSecretArn: string;
  /** This Region's copy of the database's master secret (the new primary's credentials). */
  readonly newSecretArn: string;
  /** Host of the new primary; the secret's `host` when unset. */
  readonly newHost?: string;
  readonly newPort?: number;
  /** The new primary restored to the failover time (three-way verdict); unset: two-way. */
  readonly base?: { readonly host: string; readonly port: number; readonly secretArn: string };
  readonly database: string;
  /** PostgreSQL schema; unset for MySQL (the database is the schema). */
  readonly schema?: string;
  /** Only these tables; all when unset. */
  readonly tables?: readonly string[];
  readonly bucket: string;
  /** Key prefix without leading or trailing slash. */
  readonly prefix: string;
  /** The Amazon RDS CA bundle baked into the image. */
  readonly caFile: string;
  readonly outDir: string;
}

export const DEFAULT_CA_FILE = '/app/rds-ca.pem';
export const DEFAULT_OUT_DIR = '/data/report';

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

function required(env: Env, name: string): string {
  const found = value(env, name);
  if (found === undefined) throw new TaskConfigError(`environment variable ${name} is required`);
  return found;
}

function port(env: Env, name: string): number | undefined {
  const found = value(env, name);
  if (found === undefined) return undefined;
  const number = Number(found);
  if (!/^\d+$/.test(found) || number < 1 || number > 65535) throw new TaskConfigError(`${name} must be a TCP port, got "${found}"`);
  return number;
}

/** `postgres`/`mysql`, or the Aurora engine names RDS reports. */
export function engineOf(text: string): EngineName {
  switch (text) {
    case 'postgres':
    case 'aurora-postgresql':
      return 'postgres';
    case 'mysql':
    case 'aurora-mysql':
      return 'mysql';
    default:
      throw new TaskConfigError(`ENGINE must be postgres or mysql, got "${text}"`);
  }
}

interface Targets {
  readonly newHost: string;
  readonly newSecretArn: string;
  readonly base?: { readonly host: string; readonly secretArn: string };
}

function text(record: Record<string, unknown>, key: string, where: string): string {
  const found = record[key];
  if (typeof found !== 'string' || found.trim() === '') throw new TaskConfigError(`TARGETS.${where}${key} must be a non-empty string`);
  return found.trim();
}

/** TARGETS: the runbook's clone (and base) of the new primary; undefined when unset. */
function targets(env: Env): Targets | undefined {
  const raw = value(env, 'TARGETS');
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new TaskConfigError('TARGETS is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TaskConfigError('TARGETS must be a JSON object');
  const record = parsed as Record<string, unknown>;
  const base = record.base;
  if (base !== undefined && (typeof base !== 'object' || base === null || Array.isArray(base))) throw new TaskConfigError('TARGETS.base must be an object');
  const baseRecord = base as Record<string, unknown> | undefined;
  return {
    newHost: text(record, 'newHost', ''),
    newSecretArn: text(record, 'newSecretArn', ''),
    ...(baseRecord !== undefined ? { base: { host: text(baseRecord, 'host', 'base.'), secretArn: text(baseRecord, 'secretArn', 'base.') } } : {}),
  };
}

export function readSettings(env: Env): TaskSettings {
  const engine = engineOf(required(env, 'ENGINE'));
  const oldPort = port(env, 'OLD_PORT');
  if (oldPort === undefined) throw new TaskConfigError('environment variable OLD_PORT is required');
  const fromRunbook = targets(env);
  const newHost = fromRunbook?.newHost ?? value(env, 'NEW_HOST');
  const newPort = port(env, 'NEW_PORT');
  const schema = value(env, 'SCHEMA');
  const tablesText = value(env, 'TABLES');
  let tables: string[] | undefined;
  if (tablesText !== undefined) {
    tables = [...new Set(tablesText.split(',').map((t) => t.trim()).filter((t) => t !== ''))];
    if (tables.length === 0) tables = undefined;
  }
  const baseHost = fromRunbook !== undefined ? fromRunbook.base?.host : value(env, 'BASE_HOST');
  const baseSecretArn = fromRunbook !== undefined ? fromRunbook.base?.secretArn : value(env, 'BASE_SECRET_ARN');
  if ((baseHost === undefined) !== (baseSecretArn === undefined)) throw new TaskConfigError('BASE_HOST and BASE_SECRET_ARN go together: set both (three-way verdict) or neither');
  const basePort = port(env, 'BASE_PORT') ?? oldPort;
  const prefix = required(env, 'PREFIX').replace(/^\/+|\/+$/g, '');
  if (prefix === '') throw new TaskConfigError('PREFIX must name a key prefix');
  return {
    engine,
    oldHost: required(env, 'OLD_HOST'),
    oldPort,
    oldSecretArn: required(env, 'OLD_SECRET_ARN'),
    newSecretArn: fromRunbook?.newSecretArn ?? required(env, 'NEW_SECRET_ARN'),
    ...(newHost !== undefined ? { newHost } : {}),
    ...(newPort !== undefined ? { newPort } : {}),
    ...(baseHost !== undefined && baseSecretArn !== undefined ? { base: { host: baseHost, port: basePort, secretArn: baseSecretArn } } : {}),
    database: required(env, 'DATABASE'),
    // The engine refuses a schema for MySQL: the database named in the URL is the schema.
    ...(engine === 'postgres' && schema !== undefined ? { schema } : {}),
    ...(tables !== undefined ? { tables } : {}),
    bucket: required(env, 'BUCKET'),
    prefix,
    caFile: value(env, 'RDS_CA_FILE') ?? DEFAULT_CA_FILE,
    outDir: value(env, 'OUT_DIR') ?? DEFAULT_OUT_DIR,
  };
}
