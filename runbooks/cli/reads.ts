/**
 * The CLI's read-only AWS calls. Every call takes an AbortSignal (the caller's deadline), so a
 * silent endpoint is cut off when the deadline passes, on top of the clients' own deadlines.
 */
import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeGlobalClustersCommand, GlobalCluster } from '@aws-sdk/client-rds';
import { GetRoutingControlStateCommand } from '@aws-sdk/client-route53-recovery-cluster';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { parseTopology } from '../../lib/runbooks/runtime/topology-source';
import { topologyParameterName, type ArcClusterEndpoint, type AuroraEngine, type DatabaseName, type GlobalDatabaseTopology, type PlatformTopology } from '../../lib/topology/topology';
import type { AwsClients } from './deps';
import { describeError } from './errors';

export async function readTopology(clients: AwsClients, region: string, app: string, signal: AbortSignal): Promise<PlatformTopology> {
  const name = topologyParameterName(app);
  const response = await clients.ssm(region).send(new GetParameterCommand({ Name: name }), { abortSignal: signal });
  const value = response.Parameter?.Value;
  if (value === undefined) throw new Error(`SSM parameter ${name} has no value`);
  return parseTopology(value);
}

export interface MemberView {
  readonly region: string;
  readonly isWriter: boolean;
  readonly synchronizationStatus?: string;
}

export interface DatabaseView {
  readonly name: DatabaseName;
  readonly engine: AuroraEngine;
  readonly globalClusterIdentifier: string;
  readonly status: string;
  readonly writerRegion?: string;
  readonly members: readonly MemberView[];
  /** A switchover/failover in flight. */
  readonly operation?: { readonly status: string; readonly fromRegion?: string; readonly toRegion?: string };
}

const IN_FLIGHT = new Set(['pending', 'failing-over', 'switching-over', 'cancelling']);

/** Region of a Regional ARN (`arn:partition:service:region:account:...`). */
export function regionOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' && parts[3] !== '' ? parts[3] : undefined;
}

export function databaseView(db: GlobalDatabaseTopology, cluster: GlobalCluster): DatabaseView {
  const members: MemberView[] = [];
  for (const member of cluster.GlobalClusterMembers ?? []) {
    const region = member.DBClusterArn !== undefined ? regionOfArn(member.DBClusterArn) : undefined;
    if (region !== undefined) {
      members.push({ region, isWriter: member.IsWriter === true, synchronizationStatus: member.SynchronizationStatus });
    }
  }
  const state = cluster.FailoverState;
  return {
    name: db.name,
    engine: db.engine,
    globalClusterIdentifier: db.globalClusterIdentifier,
    status: cluster.Status ?? 'unknown',
    writerRegion: members.find((m) => m.isWriter)?.region,
    members,
    operation:
      state?.Status !== undefined && IN_FLIGHT.has(state.Status)
        ? {
            status: state.Status,
            fromRegion: state.FromDbClusterArn ? regionOfArn(state.FromDbClusterArn) : undefined,
            toRegion: state.ToDbClusterArn ? regionOfArn(state.ToDbClusterArn) : undefined,
          }
        : undefined,
  };
}

/** Every global database as the RDS API of `region` describes it. */
export async function readDatabases(clients: AwsClients, region: string, topology: PlatformTopology, signal: AbortSignal): Promise<DatabaseView[]> {
  return Promise.all(
    topology.databases.map(async (db) => {
      const response = await clients
        .rds(region)
        .send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: db.globalClusterIdentifier }), { abortSignal: signal });
      const cluster = response.GlobalClusters?.find((c) => c.GlobalClusterIdentifier === db.globalClusterIdentifier);
      if (cluster === undefined) throw new Error(`global database ${db.globalClusterIdentifier} (${db.name}) not found in ${region}`);
      return databaseView(db, cluster);
    }),
  );
}

/**
 * Replication lag of a secondary member.
 *
 * Source: the CloudWatch metric `AuroraGlobalDBReplicationLag` (AWS/RDS, milliseconds,
 * dimension DBClusterIdentifier = the SECONDARY cluster). Aurora publishes it only in the
 * secondary's own Region; the RDS API reports no lag figure (only `connected` /
 * `pending-resync`, which the CLI shows too).
 */
export type LagReading =
  | { readonly kind: 'value'; readonly milliseconds: number }
  | { readonly kind: 'unavailable'; readonly reason: string };

export const LAG_METRIC = 'AuroraGlobalDBReplicationLag';
export const LAG_WINDOW_MINUTES = 5;

/** Maximum lag of `region`'s member of `db` over the last 5 minutes, read in `region`. */
export async function readLag(clients: AwsClients, db: GlobalDatabaseTopology, region: string, now: Date, signal: AbortSignal): Promise<LagReading> {
  const member = db.members[region];
  if (member === undefined) return { kind: 'unavailable', reason: `${db.name} has no member in ${region}` };
  const response = await clients.cloudwatch(region).send(
    new GetMetricStatisticsCommand({
      Namespace: 'AWS/RDS',
      MetricName: LAG_METRIC,
      Dimensions: [{ Name: 'DBClusterIdentifier', Value: member.clusterIdentifier }],
      StartTime: new Date(now.getTime() - LAG_WINDOW_MINUTES * 60_000),
      EndTime: now,
      Period: 60,
      Statistics: ['Maximum'],
    }),
    { abortSignal: signal },
  );
  const values = (response.Datapoints ?? []).map((point) => point.Maximum).filter((v): v is number => v !== undefined);
  return values.length === 0
    ? { kind: 'unavailable', reason: `no ${LAG_METRIC} datapoints in ${region} in the last ${LAG_WINDOW_MINUTES} minutes` }
    : { kind: 'value', milliseconds: Math.max(...values) };
}

export type ControlState = 'On' | 'Off';

export interface EndpointFailure {
  readonly endpoint: string;
  readonly region: string;
  readonly error: string;
}

export interface RoutingRead {
  readonly states: Record<string, ControlState>;
  readonly endpoint: ArcClusterEndpoint;
  readonly failures: readonly EndpointFailure[];
}

export class ArcUnreadableError extends Error {
  constructor(public readonly failures: readonly EndpointFailure[]) {
    super(`no ARC cluster endpoint answered: ${failures.map((f) => `${f.endpoint} (${f.region}): ${f.error}`).join(' | ') || 'no endpoint in the topology'}`);
    this.name = 'ArcUnreadable';
  }
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j], result[i]];
  }
  return result;
}

/**
 * Every Region's routing control, all read from ONE cluster endpoint (a consistent snapshot),
 * endpoints in random order, the next one after any error (AWS's guidance for the ARC data plane).
 * The runtime's rotation (lib/runbooks/runtime/arc.ts) takes no AbortSignal; the CLI needs one.
 */
export async function readRoutingControls(
  clients: AwsClients,
  topology: PlatformTopology,
  random: () => number,
  signal: AbortSignal,
  progress: RotationProgress = { failures: [] },
): Promise<RoutingRead> {
  const failures = progress.failures;
  for (const endpoint of shuffled(topology.arc.clusterEndpoints, random)) {
    progress.current = endpoint;
    if (signal.aborted) {
      failures.push({ endpoint: endpoint.endpoint, region: endpoint.region, error: 'not tried: deadline passed' });
      continue;
    }
    try {
      const client = clients.arcClientFor(endpoint);
      const states: Record<string, ControlState> = {};
      for (const [region, arn] of Object.entries(topology.arc.routingControls)) {
        const response = await client.send(new GetRoutingControlStateCommand({ RoutingControlArn: arn }), { abortSignal: signal });
        const state = response.RoutingControlState;
        if (state !== 'On' && state !== 'Off') throw new Error(`unexpected state ${String(state)} for ${arn}`);
        states[region] = state;
      }
      progress.current = undefined;
      return { states, endpoint, failures };
    } catch (error) {
      failures.push({ endpoint: endpoint.endpoint, region: endpoint.region, error: describeError(error) });
    }
  }
  progress.current = undefined;
  throw new ArcUnreadableError(failures);
}

/** What the rotation has seen so far, for a caller that stops waiting before it ends. */
export interface RotationProgress {
  readonly failures: EndpointFailure[];
  current?: ArcClusterEndpoint;
}

export function describeRotation(progress: RotationProgress): string {
  const waiting = progress.current !== undefined ? `waiting on ${progress.current.endpoint} (${progress.current.region})` : 'no endpoint in flight';
  const failed = progress.failures.map((f) => `${f.endpoint} (${f.region}): ${f.error}`).join(' | ');
  return failed === '' ? waiting : `${waiting}; failed before: ${failed}`;
}
