import type { FailoverStatus, GlobalCluster } from '@aws-sdk/client-rds';
import { runbookNames, type GlobalDatabaseTopology, type PlatformTopology, type RoutingMode } from '../../../lib/topology/topology';

/** The CLI tests' own platform: two (or three) Regions, two global databases, five ARC endpoints. */

export const ACCOUNT = '111111111111';
export const EAST = 'us-east-1';
export const WEST = 'us-west-2';
export const EU = 'eu-west-1';
export const NAMES = runbookNames('retail');
export const EXECUTION_ID = '0123abcd-4567-89ab-cdef-0123456789ab';
export const OTHER_EXECUTION_ID = 'fedcba98-7654-3210-fedc-ba9876543210';

export const ARC_ENDPOINT_REGIONS = ['ap-northeast-1', 'ap-southeast-2', 'eu-west-1', 'us-east-1', 'us-west-2'];
export const endpointHost = (region: string): string => `abcd1234.route53-recovery-cluster.${region}.amazonaws.com`;
export const controlArn = (region: string): string => `arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/panel1/routingcontrol/${region}`;
export const memberArn = (db: string, region: string): string => `arn:aws:rds:${region}:${ACCOUNT}:cluster:retail-${db}-${region}`;
export const clusterIdentifier = (db: string, region: string): string => `retail-${db}-${region}`;

function databases(regions: readonly string[]): GlobalDatabaseTopology[] {
  return [
    { name: 'catalog', engine: 'aurora-mysql', globalClusterIdentifier: 'retail-catalog' },
    { name: 'orders', engine: 'aurora-postgresql', globalClusterIdentifier: 'retail-orders' },
  ].map((db) => ({
    ...(db as Omit<GlobalDatabaseTopology, 'members'>),
    members: Object.fromEntries(regions.map((r) => [r, { clusterIdentifier: clusterIdentifier(db.name, r), clusterArn: memberArn(db.name, r) }])),
  }));
}

export function topology(options: { regions?: readonly string[]; mode?: RoutingMode; arcEndpoint?: (region: string) => string } = {}): PlatformTopology {
  const regions = options.regions ?? [EAST, WEST];
  const endpoint = options.arcEndpoint ?? ((region: string) => `https://${endpointHost(region)}/v1`);
  return {
    appName: 'retail',
    account: ACCOUNT,
    regions,
    primaryRegion: EAST,
    routingMode: options.mode ?? 'active-standby',
    arc: {
      clusterArn: `arn:aws:route53-recovery-control::${ACCOUNT}:cluster/c0ffee`,
      clusterEndpoints: ARC_ENDPOINT_REGIONS.map((region) => ({ region, endpoint: endpoint(region) })),
      controlPanelArn: `arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/panel1`,
      routingControls: Object.fromEntries(regions.map((r) => [r, controlArn(r)])),
      safetyRuleArns: [`arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/panel1/safetyrule/atleastone`],
    },
    databases: databases(regions),
    runbooks: Object.fromEntries(regions.map((r) => [r, runbookNames('retail')])),
  };
}

export interface ClusterState {
  writer: string;
  status?: string;
  sync?: Partial<Record<string, 'connected' | 'pending-resync'>>;
  members?: readonly string[];
  operation?: { status: FailoverStatus; from: string; to: string };
}

export function globalCluster(name: string, state: ClusterState, regions: readonly string[] = [EAST, WEST]): GlobalCluster {
  const members = state.members ?? regions;
  return {
    GlobalClusterIdentifier: `retail-${name}`,
    Status: state.status ?? 'available',
    GlobalClusterMembers: members.map((region) => ({
      DBClusterArn: memberArn(name, region),
      IsWriter: region === state.writer,
      SynchronizationStatus: region === state.writer ? undefined : (state.sync?.[region] ?? 'connected'),
    })),
    FailoverState: state.operation
      ? { Status: state.operation.status, FromDbClusterArn: memberArn(name, state.operation.from), ToDbClusterArn: memberArn(name, state.operation.to), IsDataLossAllowed: true }
      : undefined,
  };
}

/** An error the way the SDK reports a connection that timed out. */
export function unreachable(host: string): Error {
  return Object.assign(new Error(`connect ETIMEDOUT ${host}:443`), { name: 'TimeoutError', code: 'ETIMEDOUT' });
}

export function serviceError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client' });
}
