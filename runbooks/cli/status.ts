import type { PlatformTopology, RoutingMode } from '../../lib/topology/topology';
import { ControlState, EndpointFailure, readRoutingControlStates } from '../../lib/runbooks/runtime/arc';
import { describeGlobalDatabases, GlobalDatabaseSnapshot } from '../../lib/runbooks/runtime/aurora';
import { summarizeError } from '../../lib/runbooks/runtime/errors';
import type { CliDeps } from './deps';
import type { LagReading } from './lag';

export interface RegionStatus {
  readonly region: string;
  readonly routingControl: ControlState | 'Unknown';
  /** The Region receives traffic (its routing control is On). */
  readonly serving: boolean;
  readonly writerFor: readonly string[];
}

export interface MemberStatus {
  readonly region: string;
  readonly role: 'writer' | 'secondary';
  readonly synchronization?: string;
  readonly lag?: LagReading;
}

export interface DatabaseStatus {
  readonly name: string;
  readonly engine: string;
  readonly globalClusterIdentifier: string;
  readonly status: string;
  readonly writerRegion?: string;
  readonly operation?: string;
  readonly members: readonly MemberStatus[];
}

export interface StatusReport {
  readonly app: string;
  readonly topologyRegion: string;
  readonly routingMode: RoutingMode;
  readonly regions: readonly RegionStatus[];
  readonly databases: readonly DatabaseStatus[];
  readonly arc: { readonly endpoint?: string; readonly endpointFailures: readonly EndpointFailure[] };
  readonly databasesReadFrom?: string;
  /** Anything that could not be read; non-empty means exit code 1. */
  readonly errors: readonly string[];
}

/** Reads the databases from the first Region (in `order`) whose RDS answers. */
export async function readDatabases(
  deps: CliDeps,
  topology: PlatformTopology,
  order: readonly string[],
): Promise<{ readonly snapshots: GlobalDatabaseSnapshot[]; readonly region: string } | { readonly error: string }> {
  const errors: string[] = [];
  for (const region of order) {
    try {
      return { snapshots: await describeGlobalDatabases(deps.rds(region), topology.databases), region };
    } catch (error) {
      const summary = summarizeError(error);
      errors.push(`${region}: ${summary.name}: ${summary.message}`);
    }
  }
  return { error: `Could not describe the global databases from any Region: ${errors.join(' | ')}` };
}

export async function collectStatus(
  deps: CliDeps,
  topology: PlatformTopology,
  topologyRegion: string,
  order: readonly string[],
): Promise<StatusReport> {
  const errors: string[] = [];

  let states: Record<string, ControlState> | undefined;
  let arcEndpoint: string | undefined;
  let endpointFailures: readonly EndpointFailure[] = [];
  try {
    const read = await readRoutingControlStates(
      { endpoints: topology.arc.clusterEndpoints, clientFor: deps.arcClientFor, random: deps.random },
      topology.arc.routingControls,
    );
    states = read.value;
    arcEndpoint = read.endpoint.endpoint;
    endpointFailures = read.failures;
  } catch (error) {
    errors.push(summarizeError(error).message);
  }

  const dbRead = await readDatabases(deps, topology, order);
  const snapshots = 'snapshots' in dbRead ? dbRead.snapshots : [];
  if ('error' in dbRead) errors.push(dbRead.error);

  const databases: DatabaseStatus[] = [];
  for (const snapshot of snapshots) {
    const db = topology.databases.find((d) => d.name === snapshot.name);
    const members: MemberStatus[] = [];
    for (const member of snapshot.members) {
      if (member.isWriter) {
        members.push({ region: member.region, role: 'writer' });
      } else {
        const lag = db ? await deps.lagReader.read(db, member.region) : undefined;
        members.push({ region: member.region, role: 'secondary', synchronization: member.synchronizationStatus, lag });
      }
    }
    databases.push({
      name: snapshot.name,
      engine: snapshot.engine,
      globalClusterIdentifier: snapshot.globalClusterIdentifier,
      status: snapshot.status,
      writerRegion: snapshot.writerRegion,
      operation: snapshot.operation?.status,
      members,
    });
  }

  const regions: RegionStatus[] = topology.regions.map((region) => {
    const state = states?.[region];
    return {
      region,
      routingControl: state ?? 'Unknown',
      serving: state === 'On',
      writerFor: snapshots.filter((s) => s.writerRegion === region).map((s) => s.name),
    };
  });

  return {
    app: topology.appName,
    topologyRegion,
    routingMode: topology.routingMode,
    regions,
    databases,
    arc: { endpoint: arcEndpoint, endpointFailures },
    databasesReadFrom: 'region' in dbRead ? dbRead.region : undefined,
    errors,
  };
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());
}

function lagText(lag: LagReading | undefined): string {
  if (lag === undefined) return '-';
  return lag.kind === 'value' ? `${Math.round(lag.milliseconds)} ms` : 'n/a';
}

export function formatStatus(report: StatusReport): string[] {
  const lines: string[] = [
    `${report.app}: routing mode ${report.routingMode}; topology read in ${report.topologyRegion}` +
      (report.arc.endpoint ? `; ARC via ${report.arc.endpoint}` : ''),
    '',
    ...table([
      ['REGION', 'ROUTING CONTROL', 'SERVING', 'WRITER FOR'],
      ...report.regions.map((r) => [r.region, r.routingControl, r.serving ? 'yes' : 'no', r.writerFor.join(', ') || '-']),
    ]),
    '',
  ];
  const rows: string[][] = [['DATABASE', 'ENGINE', 'STATUS', 'WRITER', 'SECONDARY', 'SYNC', 'LAG']];
  const lagNotes = new Set<string>();
  for (const db of report.databases) {
    const secondaries = db.members.filter((m) => m.role === 'secondary');
    const status = db.operation ? `${db.status} (${db.operation})` : db.status;
    if (secondaries.length === 0) {
      rows.push([db.name, db.engine, status, db.writerRegion ?? 'none', '-', '-', '-']);
    }
    secondaries.forEach((m, index) => {
      if (m.lag?.kind === 'unavailable') lagNotes.add(m.lag.reason);
      rows.push(
        index === 0
          ? [db.name, db.engine, status, db.writerRegion ?? 'none', m.region, m.synchronization ?? 'unknown', lagText(m.lag)]
          : ['', '', '', '', m.region, m.synchronization ?? 'unknown', lagText(m.lag)],
      );
    });
  }
  lines.push(...table(rows));
  for (const note of lagNotes) lines.push(`lag n/a: ${note}`);
  for (const failure of report.arc.endpointFailures) {
    lines.push(`warning: ARC endpoint ${failure.endpoint} (${failure.region}) failed: ${failure.errorName}: ${failure.message}`);
  }
  for (const error of report.errors) lines.push(`error: ${error}`);
  return lines;
}
