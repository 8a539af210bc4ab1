import type { DBCluster, GlobalCluster } from '@aws-sdk/client-rds';
import { Backend, errorReply, escapeXml, FaultyEndpoint, RDS_PROTOCOL, Reply } from './fault';
import { ModelFault, World } from './model/global-database';

/**
 * The RDS API of one Region (query protocol, XML), served from the global database
 * model: DescribeGlobalClusters, DescribeDBClusters, FailoverGlobalCluster,
 * SwitchoverGlobalCluster. moto has global clusters but neither failover API nor a
 * failover that takes time, so this part is ours.
 */

const NS = 'http://rds.amazonaws.com/doc/2014-10-31/';

function element(name: string, value: string | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

function globalClusterXml(tag: string, cluster: GlobalCluster): string {
  const members = (cluster.GlobalClusterMembers ?? [])
    .map(
      (m) =>
        `<GlobalClusterMember>${element('DBClusterArn', m.DBClusterArn)}${element('IsWriter', m.IsWriter)}${element(
          'SynchronizationStatus',
          m.SynchronizationStatus,
        )}</GlobalClusterMember>`,
    )
    .join('');
  const state = cluster.FailoverState;
  const failover =
    state === undefined
      ? ''
      : `<FailoverState>${element('Status', state.Status)}${element('FromDbClusterArn', state.FromDbClusterArn)}${element(
          'ToDbClusterArn',
          state.ToDbClusterArn,
        )}${element('IsDataLossAllowed', state.IsDataLossAllowed)}</FailoverState>`;
  return `<${tag}>${element('GlobalClusterIdentifier', cluster.GlobalClusterIdentifier)}${element('GlobalClusterArn', cluster.GlobalClusterArn)}${element(
    'Status',
    cluster.Status,
  )}${element('Engine', cluster.Engine)}<GlobalClusterMembers>${members}</GlobalClusterMembers>${failover}</${tag}>`;
}

function dbClusterXml(cluster: DBCluster): string {
  return `<DBCluster>${element('DBClusterIdentifier', cluster.DBClusterIdentifier)}${element('DBClusterArn', cluster.DBClusterArn)}${element(
    'Status',
    cluster.Status,
  )}${element('Engine', cluster.Engine)}${element('GlobalClusterIdentifier', cluster.GlobalClusterIdentifier)}</DBCluster>`;
}

function ok(action: string, result: string): Reply {
  return {
    status: 200,
    contentType: RDS_PROTOCOL.contentType,
    body: `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>drill</RequestId></ResponseMetadata></${action}Response>`,
  };
}

function fault(error: ModelFault): Reply {
  return errorReply(RDS_PROTOCOL, { status: error.status, code: error.code }, error.message);
}

export function rdsBackend(worldOf: () => World, region: string): Backend {
  return async ({ operation, body }) => {
    const world = worldOf();
    const params = new URLSearchParams(body);
    const find = (id: string | null) => {
      const db = id === null ? undefined : world.database(id);
      if (db === undefined) throw new ModelFault('GlobalClusterNotFoundFault', `GlobalCluster ${id ?? ''} not found`, 404);
      return db;
    };
    try {
      switch (operation) {
        case 'DescribeGlobalClusters': {
          const id = params.get('GlobalClusterIdentifier');
          const dbs = id === null ? world.databases : [find(id)];
          return ok(operation, `<GlobalClusters>${dbs.map((d) => globalClusterXml('GlobalClusterMember', d.describeGlobalCluster())).join('')}</GlobalClusters>`);
        }
        case 'DescribeDBClusters': {
          const id = params.get('DBClusterIdentifier') ?? '';
          const found = world.databases.map((d) => d.describeCluster(region, id)).find((c) => c !== undefined);
          if (found === undefined) throw new ModelFault('DBClusterNotFoundFault', `DBCluster ${id} not found`, 404);
          return ok(operation, `<DBClusters>${dbClusterXml(found)}</DBClusters>`);
        }
        case 'FailoverGlobalCluster': {
          const db = find(params.get('GlobalClusterIdentifier'));
          const cluster = db.failover(params.get('TargetDbClusterIdentifier') ?? '', params.get('AllowDataLoss') === 'true');
          return ok(operation, globalClusterXml('GlobalCluster', cluster));
        }
        case 'SwitchoverGlobalCluster': {
          const db = find(params.get('GlobalClusterIdentifier'));
          return ok(operation, globalClusterXml('GlobalCluster', db.switchover(params.get('TargetDbClusterIdentifier') ?? '')));
        }
        default:
          throw new ModelFault('InvalidAction', `${operation} is not served by the drill's RDS`);
      }
    } catch (error) {
      if (error instanceof ModelFault) return fault(error);
      throw error;
    }
  };
}

export async function startFakeRds(
  worldOf: () => World,
  region: string,
  onEvent: (endpoint: string, message: string) => void,
): Promise<FaultyEndpoint> {
  return FaultyEndpoint.start(`rds ${region}`, RDS_PROTOCOL, rdsBackend(worldOf, region), onEvent);
}
