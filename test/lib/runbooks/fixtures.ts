import {
  GetRoutingControlStateCommand,
  Route53RecoveryClusterClient,
  UpdateRoutingControlStatesCommand,
  UpdateRoutingControlStatesCommandInput,
  ThrottlingException,
  InternalServerException,
} from '@aws-sdk/client-route53-recovery-cluster';
import { DescribeDBClustersCommand, DescribeGlobalClustersCommand, GlobalCluster, RDSClient } from '@aws-sdk/client-rds';
import { DescribeAutomationExecutionsCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import type { GlobalDatabaseTopology, PlatformTopology, RoutingMode } from '../../../lib/topology/topology';
import { runbookNames, topologyParameterName } from '../../../lib/topology/topology';
import type { ControlState } from '../../../lib/runbooks/runtime/arc';

/** Shared test fixtures: a two-Region topology, fake global clusters, a fake ARC cluster. */

export const ACCOUNT = '111111111111';
export const EAST = 'us-east-1';
export const WEST = 'us-west-2';
export const REGIONS = [EAST, WEST];

export const ARC_ENDPOINT_REGIONS = ['ap-northeast-1', 'ap-southeast-2', 'eu-west-1', 'us-east-1', 'us-west-2'];
export const endpointHost = (region: string): string => `abcd1234.route53-recovery-cluster.${region}.amazonaws.com`;
export const endpointUrl = (region: string): string => `https://${endpointHost(region)}/v1`;

export const CLUSTER_ARN = `arn:aws:route53-recovery-control::${ACCOUNT}:cluster/c0ffee`;
export const controlArn = (region: string): string =>
  `arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/panel1/routingcontrol/${region}`;

export const memberArn = (db: string, region: string): string => `arn:aws:rds:${region}:${ACCOUNT}:cluster:retail-${db}-${region}`;

export const DATABASES: GlobalDatabaseTopology[] = [
  {
    name: 'catalog',
    engine: 'aurora-mysql',
    globalClusterIdentifier: 'retail-catalog',
    members: Object.fromEntries(
      REGIONS.map((r) => [r, { clusterIdentifier: `retail-catalog-${r}`, clusterArn: memberArn('catalog', r) }]),
    ),
  },
  {
    name: 'orders',
    engine: 'aurora-postgresql',
    globalClusterIdentifier: 'retail-orders',
    members: Object.fromEntries(
      REGIONS.map((r) => [r, { clusterIdentifier: `retail-orders-${r}`, clusterArn: memberArn('orders', r) }]),
    ),
  },
];

export function topology(mode: RoutingMode = 'active-standby'): PlatformTopology {
  return {
    appName: 'retail',
    account: ACCOUNT,
    regions: REGIONS,
    primaryRegion: EAST,
    routingMode: mode,
    arc: {
      clusterArn: CLUSTER_ARN,
      clusterEndpoints: ARC_ENDPOINT_REGIONS.map((region) => ({ region, endpoint: endpointUrl(region) })),
      controlPanelArn: `arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/panel1`,
      routingControls: Object.fromEntries(REGIONS.map((r) => [r, controlArn(r)])),
      safetyRuleArns: [`arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/panel1/safetyrule/atleastone`],
    },
    databases: DATABASES,
    runbooks: Object.fromEntries(
      REGIONS.map((r) => [
        r,
        runbookNames('retail'),
      ]),
    ),
  };
}

export const TOPOLOGY_PARAMETER = topologyParameterName('retail');

/** Deterministic PRNG (mulberry32) so "random" endpoint orders are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ClusterState {
  writer: string;
  /**
   * Members listed as writer besides `writer`, listed FIRST: an old primary whose Region is
   * unreachable stays listed as writer after the failover promoted `writer`.
   */
  staleWriters?: string[];
  /** Each member cluster's status as DescribeDBClusters in its Region reports it (default available). */
  clusterStatus?: Partial<Record<string, string>>;
  status?: string;
  sync?: Partial<Record<string, 'connected' | 'pending-resync'>>;
  /** Member Regions present (default: all). */
  members?: string[];
  failover?: { status: 'pending' | 'failing-over' | 'cancelling'; from: string; to: string };
}

export function globalCluster(db: GlobalDatabaseTopology, state: ClusterState): GlobalCluster {
  const stale = state.staleWriters ?? [];
  const members = [...stale, ...(state.members ?? REGIONS).filter((r) => !stale.includes(r))];
  return {
    GlobalClusterIdentifier: db.globalClusterIdentifier,
    GlobalClusterArn: `arn:aws:rds::${ACCOUNT}:global-cluster:${db.globalClusterIdentifier}`,
    Engine: db.engine,
    Status: state.status ?? 'available',
    GlobalClusterMembers: members.map((region) => ({
      DBClusterArn: memberArn(db.name, region),
      IsWriter: region === state.writer || stale.includes(region),
      SynchronizationStatus: region === state.writer || stale.includes(region) ? undefined : state.sync?.[region] ?? 'connected',
    })),
    FailoverState: state.failover
      ? {
          Status: state.failover.status,
          FromDbClusterArn: memberArn(db.name, state.failover.from),
          ToDbClusterArn: memberArn(db.name, state.failover.to),
          IsDataLossAllowed: true,
        }
      : undefined,
  };
}

/** Mocks DescribeGlobalClusters to answer from a mutable map of states. */
export type RdsMock = AwsClientStub<RDSClient>;
export type SsmMock = AwsClientStub<SSMClient>;

export function mockRds(states: Record<string, ClusterState>): RdsMock {
  const rds = mockClient(RDSClient);
  rds.on(DescribeGlobalClustersCommand).callsFake((input: { GlobalClusterIdentifier?: string }) => {
    const db = DATABASES.find((d) => d.globalClusterIdentifier === input.GlobalClusterIdentifier);
    if (db === undefined || states[db.name] === undefined) {
      return { GlobalClusters: [] };
    }
    return { GlobalClusters: [globalCluster(db, states[db.name])] };
  });
  rds.on(DescribeDBClustersCommand).callsFake((input: { DBClusterIdentifier?: string }) => {
    for (const db of DATABASES) {
      for (const [region, member] of Object.entries(db.members)) {
        if (member.clusterIdentifier === input.DBClusterIdentifier) {
          const status = states[db.name]?.clusterStatus?.[region] ?? 'available';
          return { DBClusters: [{ DBClusterIdentifier: member.clusterIdentifier, DBClusterArn: member.clusterArn, Status: status }] };
        }
      }
    }
    return { DBClusters: [] };
  });
  return rds;
}

/** Topology from GetParameter; no other runbook execution running unless a test says so. */
export function mockSsmTopology(value: PlatformTopology = topology()): SsmMock {
  const ssm = mockClient(SSMClient);
  ssm.on(GetParameterCommand, { Name: TOPOLOGY_PARAMETER }).resolves({ Parameter: { Name: TOPOLOGY_PARAMETER, Value: JSON.stringify(value) } });
  ssm.on(DescribeAutomationExecutionsCommand).resolves({ AutomationExecutionMetadataList: [] });
  return ssm;
}

/** An RDS throttling error as the query protocol delivers it (no modelled class). */
export function rdsThrottling(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
}

/** Hostname of the endpoint a mocked client was built for. */
export async function hostOf(client: Route53RecoveryClusterClient): Promise<string> {
  const endpoint = client.config.endpoint ? await client.config.endpoint() : undefined;
  return endpoint?.hostname ?? 'unknown';
}

export function throttling(): ThrottlingException {
  return new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
}

export function internalError(): InternalServerException {
  return new InternalServerException({ message: 'endpoint unavailable', $metadata: {} });
}

/**
 * A fake ARC cluster behind a class-level mock (covers every per-endpoint client):
 * shared control states, endpoints that fail with a given error, and a log of which
 * endpoint served each call.
 */
export class FakeArc {
  public readonly states = new Map<string, ControlState>();
  public readonly failing = new Map<string, () => Error>();
  public readonly calls: { readonly host: string; readonly command: 'Get' | 'Update'; readonly ok: boolean }[] = [];
  public readonly updates: UpdateRoutingControlStatesCommandInput[] = [];
  public readonly mock = mockClient(Route53RecoveryClusterClient);

  constructor(initial: Record<string, ControlState>) {
    for (const [region, state] of Object.entries(initial)) this.states.set(controlArn(region), state);
    this.mock.on(GetRoutingControlStateCommand).callsFake(async (input: { RoutingControlArn: string }, getClient) => {
      const host = await hostOf(getClient() as Route53RecoveryClusterClient);
      this.fail(host, 'Get');
      const state = this.states.get(input.RoutingControlArn);
      if (state === undefined) throw new Error(`unknown control ${input.RoutingControlArn}`);
      return { RoutingControlArn: input.RoutingControlArn, RoutingControlState: state };
    });
    this.mock.on(UpdateRoutingControlStatesCommand).callsFake(async (input: UpdateRoutingControlStatesCommandInput, getClient) => {
      const host = await hostOf(getClient() as Route53RecoveryClusterClient);
      this.fail(host, 'Update');
      this.updates.push(input);
      for (const entry of input.UpdateRoutingControlStateEntries ?? []) {
        if (entry.RoutingControlArn && entry.RoutingControlState) this.states.set(entry.RoutingControlArn, entry.RoutingControlState);
      }
      return {};
    });
  }

  down(region: string, error: () => Error = internalError): this {
    this.failing.set(endpointHost(region), error);
    return this;
  }

  stateOf(region: string): ControlState | undefined {
    return this.states.get(controlArn(region));
  }

  private fail(host: string, command: 'Get' | 'Update'): void {
    const error = this.failing.get(host);
    this.calls.push({ host, command, ok: error === undefined });
    if (error) throw error();
  }
}
