/**
 * Configuration the construct hands every restore-and-reconcile function in one
 * environment variable (JSON), so that the functions and the document agree on names
 * and ARNs without reading any control plane at run time.
 */
import type { AuroraEngine, DatabaseName } from '../../topology/topology';
import { DATABASE_NAMES } from './names';
import { asRecord, isRecord, ReconcileStepError, readString } from './input';

export const ENV_CONFIG = 'RECONCILE_CONFIG';

export interface RuntimeDatabase {
  readonly engine: AuroraEngine;
  readonly globalClusterIdentifier: string;
  /** Member cluster ARN per Region. */
  readonly memberClusterArns: Readonly<Record<string, string>>;
  /** Port of the member (a point-in-time restore would otherwise take the engine's default port). */
  readonly port?: number;
}

/** How the clone (and base) of the new primary are created: like the restored old primary. */
export interface CloneSettings {
  readonly subnetGroupName: string;
  readonly securityGroupId: string;
  readonly instanceClass: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** Counted from CloneNewPrimary (the start of the run): the copy, the restore and the clone's own creation. */
  readonly timeoutMinutes: number;
}

export interface RuntimeConfig {
  readonly appName: string;
  /** Every Region of the platform. */
  readonly regions: readonly string[];
  /** This Region's key for the copied snapshot and the restored cluster. */
  readonly dataKeyArn: string;
  readonly bucketName: string;
  /** Receives the failure notice (the success notice is a document step). */
  readonly topicArn?: string;
  readonly cleanupTimeoutMinutes: number;
  /** Set by the construct; only the clone function needs it. */
  readonly clone?: CloneSettings;
  readonly databases: Readonly<Partial<Record<DatabaseName, RuntimeDatabase>>>;
}

const ENGINES: readonly AuroraEngine[] = ['aurora-mysql', 'aurora-postgresql'];

export function parseConfig(text: string | undefined): RuntimeConfig {
  if (text === undefined || text.trim() === '') throw new ReconcileStepError(`environment variable ${ENV_CONFIG} is not set`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ReconcileStepError(`environment variable ${ENV_CONFIG} is not JSON`);
  }
  const record = asRecord(parsed, ENV_CONFIG);
  const regions = record.regions;
  if (!Array.isArray(regions) || regions.length === 0 || !regions.every((r): r is string => typeof r === 'string')) {
    throw new ReconcileStepError(`${ENV_CONFIG}.regions must be a non-empty list of Region names`);
  }
  const databasesValue = asRecord(record.databases, `${ENV_CONFIG}.databases`);
  const databases: Partial<Record<DatabaseName, RuntimeDatabase>> = {};
  for (const name of DATABASE_NAMES) {
    const value = databasesValue[name];
    if (value === undefined) continue;
    const db = asRecord(value, `${ENV_CONFIG}.databases.${name}`);
    const engine = readString(db, 'engine');
    const knownEngine = ENGINES.find((candidate) => candidate === engine);
    if (knownEngine === undefined) throw new ReconcileStepError(`${ENV_CONFIG}.databases.${name}.engine is not an Aurora engine: ${engine}`);
    const members = db.memberClusterArns;
    if (!isRecord(members) || !Object.values(members).every((arn) => typeof arn === 'string')) {
      throw new ReconcileStepError(`${ENV_CONFIG}.databases.${name}.memberClusterArns must map Regions to ARNs`);
    }
    const port = db.port;
    databases[name] = {
      engine: knownEngine,
      globalClusterIdentifier: readString(db, 'globalClusterIdentifier'),
      memberClusterArns: members as Record<string, string>,
      ...(typeof port === 'number' && Number.isInteger(port) ? { port } : {}),
    };
  }
  const timeout = record.cleanupTimeoutMinutes;
  const topic = record.topicArn;
  return {
    appName: readString(record, 'appName'),
    regions,
    dataKeyArn: readString(record, 'dataKeyArn'),
    bucketName: readString(record, 'bucketName'),
    ...(typeof topic === 'string' && topic !== '' ? { topicArn: topic } : {}),
    cleanupTimeoutMinutes: typeof timeout === 'number' && Number.isInteger(timeout) && timeout > 0 ? timeout : 60,
    ...(record.clone !== undefined ? { clone: parseClone(record.clone) } : {}),
    databases,
  };
}

function parseClone(value: unknown): CloneSettings {
  const clone = asRecord(value, `${ENV_CONFIG}.clone`);
  const number = (key: string): number => {
    const found = clone[key];
    if (typeof found !== 'number' || !Number.isFinite(found) || found < 0) throw new ReconcileStepError(`${ENV_CONFIG}.clone.${key} must be a non-negative number`);
    return found;
  };
  return {
    subnetGroupName: readString(clone, 'subnetGroupName'),
    securityGroupId: readString(clone, 'securityGroupId'),
    instanceClass: readString(clone, 'instanceClass'),
    minCapacity: number('minCapacity'),
    maxCapacity: number('maxCapacity'),
    timeoutMinutes: number('timeoutMinutes'),
  };
}

export function databaseOf(config: RuntimeConfig, name: DatabaseName): RuntimeDatabase {
  const db = config.databases[name];
  if (db === undefined) throw new ReconcileStepError(`database ${name} is not configured for restore-and-reconcile`);
  return db;
}

/** The member cluster ARN of `database` in `region`, or a clear error naming what is known. */
export function memberArnIn(config: RuntimeConfig, name: DatabaseName, region: string): string {
  const arn = databaseOf(config, name).memberClusterArns[region];
  if (arn === undefined) {
    throw new ReconcileStepError(`database ${name} has no member in ${region} (members: ${Object.keys(databaseOf(config, name).memberClusterArns).join(', ')})`);
  }
  return arn;
}
