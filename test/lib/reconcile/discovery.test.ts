import {
  DBClusterNotFoundFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceNotFoundFault,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeGlobalClustersCommand,
  RDSClient,
  type DBClusterSnapshot,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { createDiscovery, type SnapshotPlan } from '../../../lib/reconcile/runtime/discovery';
import { parseConfig } from '../../../lib/reconcile/runtime/config';
import { ACCOUNT, CONFIG, EAST, EXECUTION, memberArn, WEST } from './runtime-fixtures';

const OLD_MEMBER = 'retail-orders-us-east-1';

function snapshot(id: string, created: string, overrides: Partial<DBClusterSnapshot> = {}): DBClusterSnapshot {
  return {
    DBClusterSnapshotIdentifier: id,
    DBClusterSnapshotArn: `arn:aws:rds:${EAST}:${ACCOUNT}:cluster-snapshot:${id}`,
    DBClusterIdentifier: OLD_MEMBER,
    SnapshotCreateTime: new Date(created),
    Status: 'available',
    Engine: 'aurora-postgresql',
    EngineVersion: '16.6',
    SnapshotType: 'automated',
    ...overrides,
  };
}

describe('FindFailoverSnapshot', () => {
  const east = new RDSClient({ region: EAST });
  const west = new RDSClient({ region: WEST });
  const eastMock = mockClient(east);
  const westMock = mockClient(west);

  const discover = (event: Record<string, unknown>): Promise<SnapshotPlan> =>
    createDiscovery({ config: CONFIG, region: WEST, rdsIn: (region) => (region === EAST ? east : west) })({
      database: 'orders',
      oldPrimaryRegion: EAST,
      snapshotArn: '',
      executionId: EXECUTION,
      dryRun: 'false',
      ...event,
    });

  function writerIs(region: string): void {
    westMock.on(DescribeGlobalClustersCommand).resolves({
      GlobalClusters: [
        {
          GlobalClusterIdentifier: 'retail-orders',
          GlobalClusterMembers: [
            { DBClusterArn: memberArn('orders', EAST), IsWriter: region === EAST },
            { DBClusterArn: memberArn('orders', WEST), IsWriter: region === WEST },
          ],
        },
      ],
    });
  }

  beforeEach(() => {
    eastMock.reset();
    westMock.reset();
    writerIs(WEST);
    westMock.on(DescribeDBClustersCommand).rejects(new DBClusterNotFoundFault({ message: 'not found', $metadata: {} }));
    westMock.on(DescribeDBInstancesCommand).rejects(new DBInstanceNotFoundFault({ message: 'not found', $metadata: {} }));
    westMock.on(DescribeDBClusterSnapshotsCommand).rejects(new DBClusterSnapshotNotFoundFault({ message: 'not found', $metadata: {} }));
  });

  it('picks the NEWEST available failover snapshot of the old member, across pages, ignoring everything else', async () => {
    eastMock
      .on(DescribeDBClusterSnapshotsCommand)
      .resolvesOnce({
        DBClusterSnapshots: [
          snapshot('rds:unplanned-global-failover-retail-orders-us-east-1-2026-01-01-10-00', '2026-01-01T10:00:00Z'),
          // Newer, but still being created.
          snapshot('rds:unplanned-global-failover-retail-orders-us-east-1-2026-01-03-10-00', '2026-01-03T10:00:00Z', { Status: 'creating' }),
          // Newer, but the daily automated backup, not a failover snapshot.
          snapshot('rds:retail-orders-us-east-1-2026-01-04-02-00', '2026-01-04T02:00:00Z'),
          // Newer, matching prefix, but another cluster's.
          snapshot('rds:unplanned-global-failover-retail-catalog-us-east-1-2026-01-05', '2026-01-05T00:00:00Z', { DBClusterIdentifier: 'retail-catalog-us-east-1' }),
        ],
        Marker: 'page-2',
      })
      .resolvesOnce({
        DBClusterSnapshots: [
          snapshot('rds:unplanned-global-failover-retail-orders-us-east-1-2026-01-02-10-00', '2026-01-02T10:00:00Z'),
          snapshot('manual-before-maintenance', '2026-01-06T00:00:00Z', { SnapshotType: 'manual' }),
        ],
      });

    const plan = await discover({});

    expect(plan).toMatchObject({
      database: 'orders',
      region: WEST,
      oldPrimaryRegion: EAST,
      sourceClusterIdentifier: OLD_MEMBER,
      sourceSnapshotIdentifier: 'rds:unplanned-global-failover-retail-orders-us-east-1-2026-01-02-10-00',
      sourceSnapshotArn: `arn:aws:rds:${EAST}:${ACCOUNT}:cluster-snapshot:rds:unplanned-global-failover-retail-orders-us-east-1-2026-01-02-10-00`,
      snapshotCreateTime: '2026-01-02T10:00:00.000Z',
      engine: 'aurora-postgresql',
      engineVersion: '16.6',
      selectedBy: 'newest',
      candidates: 2,
      temporaryName: 'retail-reconcile-orders',
      reportPrefix: `reports/orders/${EXECUTION}`,
      dryRun: false,
    });
    const calls = eastMock.commandCalls(DescribeDBClusterSnapshotsCommand).map((c) => c.args[0].input);
    // In the OLD primary's Region, for that Region's member, no SnapshotType filter (automated and manual).
    expect(calls).toEqual([
      { DBClusterIdentifier: OLD_MEMBER, MaxRecords: 100 },
      { DBClusterIdentifier: OLD_MEMBER, MaxRecords: 100, Marker: 'page-2' },
    ]);
  });

  it('fails clearly when no failover snapshot is available, saying what was searched', async () => {
    eastMock.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [
        snapshot('rds:retail-orders-us-east-1-2026-01-04-02-00', '2026-01-04T02:00:00Z'),
        snapshot('rds:unplanned-global-failover-retail-orders-us-east-1-2026-01-03-10-00', '2026-01-03T10:00:00Z', { Status: 'creating' }),
      ],
    });
    await expect(discover({})).rejects.toThrow(
      /no available snapshot named rds:unplanned-global-failover-\* of cluster retail-orders-us-east-1 in us-east-1: searched 2 snapshot\(s\) of that cluster, 1 with that prefix \(rds:unplanned-global-failover-retail-orders-us-east-1-2026-01-03-10-00 \(creating\)\)/,
    );
  });

  it('uses the SnapshotArn given instead of discovering, after the same checks', async () => {
    const older = snapshot('rds:unplanned-global-failover-retail-orders-us-east-1-2026-01-01-10-00', '2026-01-01T10:00:00Z');
    eastMock.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [older, snapshot('rds:unplanned-global-failover-retail-orders-us-east-1-2026-01-02-10-00', '2026-01-02T10:00:00Z')],
    });
    const plan = await discover({ snapshotArn: older.DBClusterSnapshotArn });
    expect(plan).toMatchObject({ sourceSnapshotArn: older.DBClusterSnapshotArn, selectedBy: 'SnapshotArn' });
  });

  it.each([
    ['in another Region', `arn:aws:rds:${WEST}:${ACCOUNT}:cluster-snapshot:rds:unplanned-global-failover-x`, /must be a DB cluster snapshot in OldPrimaryRegion us-east-1/],
    ['not a snapshot of the old member', `arn:aws:rds:${EAST}:${ACCOUNT}:cluster-snapshot:rds:unplanned-global-failover-other`, /is not a rds:unplanned-global-failover-\* snapshot of cluster retail-orders-us-east-1/],
  ])('refuses a SnapshotArn %s', async (_, arn, message) => {
    eastMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snapshot('rds:unplanned-global-failover-retail-orders-us-east-1-1', '2026-01-01T00:00:00Z')] });
    await expect(discover({ snapshotArn: arn })).rejects.toThrow(message);
  });

  it('refuses a SnapshotArn that is not available yet', async () => {
    const creating = snapshot('rds:unplanned-global-failover-retail-orders-us-east-1-1', '2026-01-01T00:00:00Z', { Status: 'creating' });
    eastMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [creating] });
    await expect(discover({ snapshotArn: creating.DBClusterSnapshotArn })).rejects.toThrow(/is creating, not available/);
  });

  it('refuses to run unless this Region holds the writer', async () => {
    writerIs(EAST);
    await expect(discover({})).rejects.toThrow(/this Region's orders member .* is not the writer of global database retail-orders \(writer: arn:aws:rds:us-east-1:/);
    expect(eastMock.commandCalls(DescribeDBClusterSnapshotsCommand)).toHaveLength(0);
  });

  it('refuses while temporary resources of an earlier run remain', async () => {
    westMock.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'retail-reconcile-orders' }).resolves({
      DBClusters: [{ DBClusterIdentifier: 'retail-reconcile-orders', Status: 'available', TagList: [{ Key: 'reconcile:execution-id', Value: 'earlier-run' }] }],
    });
    await expect(discover({})).rejects.toThrow(/temporary resources of an earlier run remain in us-west-2: cluster retail-reconcile-orders \(available, execution earlier-run\)/);
  });

  it.each([
    [{ oldPrimaryRegion: WEST }, /OldPrimaryRegion is this Region/],
    [{ oldPrimaryRegion: 'eu-west-1' }, /not a Region of this platform/],
    [{ database: 'inventory' }, /"database" must be one of catalog, orders/],
  ])('rejects bad input %j', async (event, message) => {
    await expect(discover(event)).rejects.toThrow(message);
  });

  it('reads its configuration from the environment JSON', () => {
    expect(parseConfig(JSON.stringify(CONFIG))).toEqual(CONFIG);
    expect(() => parseConfig(undefined)).toThrow(/RECONCILE_CONFIG is not set/);
    expect(() => parseConfig(JSON.stringify({ ...CONFIG, databases: { orders: { ...CONFIG.databases.orders, engine: 'oracle' } } }))).toThrow(/not an Aurora engine/);
  });

  describe('FailoverTime (three-way) and the clone of the new primary', () => {
    const member = `retail-orders-${WEST}`;
    beforeEach(() => {
      westMock.on(DescribeDBClustersCommand, { DBClusterIdentifier: member }).resolves({
        DBClusters: [{ DBClusterIdentifier: member, EarliestRestorableTime: new Date('2026-01-01T00:00:00Z'), LatestRestorableTime: new Date('2026-01-02T12:00:00Z') }],
      });
      eastMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [snapshot('rds:unplanned-global-failover-retail-orders-us-east-1-2026-01-02-10-00', '2026-01-02T10:00:00Z')] });
    });

    it('refuses a FailoverTime before the new primary\'s earliest restorable time, before anything is created (dry run included)', async () => {
      await expect(discover({ failoverTime: '2025-12-30T00:00:00Z', dryRun: 'true' })).rejects.toThrow(
        /FailoverTime 2025-12-30T00:00:00.000Z is before the earliest restorable time of retail-orders-us-west-2 \(2026-01-01T00:00:00.000Z\)/,
      );
    });

    it('accepts a FailoverTime in the restore window and reports it in the plan', async () => {
      await expect(discover({ failoverTime: '2026-01-02T09:00:00Z' })).resolves.toMatchObject({ failoverTime: '2026-01-02T09:00:00.000Z' });
      await expect(discover({ failoverTime: '' })).resolves.not.toHaveProperty('failoverTime');
    });

    it('refuses to start while a clone of an earlier run remains, naming it', async () => {
      westMock.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'retail-reconcile-orders-clone' }).resolves({
        DBClusters: [{ DBClusterIdentifier: 'retail-reconcile-orders-clone', Status: 'creating', TagList: [{ Key: 'reconcile:execution-id', Value: 'old-run' }] }],
      });
      await expect(discover({})).rejects.toThrow(/cluster retail-reconcile-orders-clone \(creating, execution old-run\)/);
    });
  });
});
