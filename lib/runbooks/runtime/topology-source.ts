import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type {
  ArcClusterEndpoint,
  AuroraEngine,
  DatabaseMember,
  DatabaseName,
  GlobalDatabaseTopology,
  PlatformTopology,
  RoutingMode,
  RunbookNames,
} from '../../topology/topology';
import { InvalidInputError } from './errors';
import { isRecord, JsonRecord } from './events';

/**
 * Reads and validates the `PlatformTopology` JSON published in SSM by every regional
 * stack. Validation is strict because a malformed or stale parameter must stop a
 * runbook before it touches anything.
 */

const ROUTING_MODES: readonly RoutingMode[] = ['active-standby', 'active-active'];
const DATABASE_NAMES: readonly DatabaseName[] = ['catalog', 'orders'];
const ENGINES: readonly AuroraEngine[] = ['aurora-mysql', 'aurora-postgresql'];

function fail(path: string, expectation: string): never {
  throw new InvalidInputError(`Invalid platform topology: ${path} ${expectation}`);
}

function record(value: unknown, path: string): JsonRecord {
  if (!isRecord(value)) fail(path, 'must be an object');
  return value;
}

function str(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') fail(path, 'must be a non-empty string');
  return value;
}

function strList(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) fail(path, 'must be an array');
  return value.map((item, index) => str(item, `${path}[${index}]`));
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) fail(path, `must be one of ${allowed.join(', ')}`);
  return match;
}

function strMap(value: unknown, path: string): Record<string, string> {
  const source = record(value, path);
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(source)) {
    result[key] = str(item, `${path}.${key}`);
  }
  return result;
}

function endpoints(value: unknown, path: string): ArcClusterEndpoint[] {
  if (!Array.isArray(value) || value.length === 0) fail(path, 'must be a non-empty array');
  return value.map((item, index) => {
    const entry = record(item, `${path}[${index}]`);
    return {
      region: str(entry.region, `${path}[${index}].region`),
      endpoint: str(entry.endpoint, `${path}[${index}].endpoint`),
    };
  });
}

function database(value: unknown, path: string): GlobalDatabaseTopology {
  const entry = record(value, path);
  const membersSource = record(entry.members, `${path}.members`);
  const members: Record<string, DatabaseMember> = {};
  for (const [region, memberValue] of Object.entries(membersSource)) {
    const member = record(memberValue, `${path}.members.${region}`);
    members[region] = {
      clusterIdentifier: str(member.clusterIdentifier, `${path}.members.${region}.clusterIdentifier`),
      clusterArn: str(member.clusterArn, `${path}.members.${region}.clusterArn`),
    };
  }
  return {
    name: oneOf(entry.name, DATABASE_NAMES, `${path}.name`),
    engine: oneOf(entry.engine, ENGINES, `${path}.engine`),
    globalClusterIdentifier: str(entry.globalClusterIdentifier, `${path}.globalClusterIdentifier`),
    members,
  };
}

function runbookNames(value: unknown, path: string): RunbookNames {
  const entry = record(value, path);
  return {
    failover: str(entry.failover, `${path}.failover`),
    switchover: str(entry.switchover, `${path}.switchover`),
    failback: str(entry.failback, `${path}.failback`),
    reconcile: str(entry.reconcile, `${path}.reconcile`),
  };
}

/** Validates an already-parsed value and returns a typed copy. */
export function validateTopology(value: unknown): PlatformTopology {
  const root = record(value, 'topology');
  const arc = record(root.arc, 'arc');
  const regions = strList(root.regions, 'regions');
  if (regions.length === 0) fail('regions', 'must not be empty');

  const runbooksSource = record(root.runbooks, 'runbooks');
  const runbooks: Record<string, RunbookNames> = {};
  for (const [region, names] of Object.entries(runbooksSource)) {
    runbooks[region] = runbookNames(names, `runbooks.${region}`);
  }

  if (!Array.isArray(root.databases)) fail('databases', 'must be an array');
  const topology: PlatformTopology = {
    appName: str(root.appName, 'appName'),
    account: str(root.account, 'account'),
    regions,
    primaryRegion: str(root.primaryRegion, 'primaryRegion'),
    routingMode: oneOf(root.routingMode, ROUTING_MODES, 'routingMode'),
    arc: {
      clusterArn: str(arc.clusterArn, 'arc.clusterArn'),
      clusterEndpoints: endpoints(arc.clusterEndpoints, 'arc.clusterEndpoints'),
      controlPanelArn: str(arc.controlPanelArn, 'arc.controlPanelArn'),
      routingControls: strMap(arc.routingControls, 'arc.routingControls'),
      safetyRuleArns: strList(arc.safetyRuleArns, 'arc.safetyRuleArns'),
    },
    databases: root.databases.map((item, index) => database(item, `databases[${index}]`)),
    runbooks,
  };

  // Cross-checks: every Region the runbooks act on must be fully described.
  for (const region of topology.regions) {
    if (topology.arc.routingControls[region] === undefined) fail(`arc.routingControls.${region}`, 'is missing');
    for (const db of topology.databases) {
      if (db.members[region] === undefined) fail(`databases(${db.name}).members.${region}`, 'is missing');
    }
  }
  return topology;
}

export function parseTopology(json: string): PlatformTopology {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new InvalidInputError('Invalid platform topology: the parameter value is not JSON');
  }
  return validateTopology(parsed);
}

/** Reads the topology parameter with one SSM client (one Region). */
export async function readTopologyParameter(ssm: SSMClient, parameterName: string): Promise<PlatformTopology> {
  const response = await ssm.send(new GetParameterCommand({ Name: parameterName }));
  const value = response.Parameter?.Value;
  if (value === undefined) {
    throw new InvalidInputError(`SSM parameter ${parameterName} has no value`);
  }
  return parseTopology(value);
}

export type TopologyLoader = () => Promise<PlatformTopology>;

/**
 * Caches the topology per Lambda container so a burst of invocations (the wait loop)
 * does not hammer SSM, while still picking up a re-published topology after `ttlMs`.
 */
export function createTopologyLoader(
  ssm: SSMClient,
  parameterName: string,
  options: { readonly ttlMs?: number; readonly now?: () => number } = {},
): TopologyLoader {
  const ttlMs = options.ttlMs ?? 5 * 60 * 1000;
  const now = options.now ?? Date.now;
  let cached: { readonly value: PlatformTopology; readonly at: number } | undefined;
  return async () => {
    if (cached !== undefined && now() - cached.at < ttlMs) {
      return cached.value;
    }
    const value = await readTopologyParameter(ssm, parameterName);
    cached = { value, at: now() };
    return value;
  };
}
