import { ModelFault, World } from './global-database';

/** The drill's global database model: what a failover looks like over time, and what survives what. */

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const arn = (region: string) => `arn:aws:rds:${region}:111111111111:cluster:orders-${region}`;

function setup() {
  let now = 0;
  const world = new World([EAST, WEST], () => now);
  const db = world.addDatabase({
    name: 'orders',
    globalClusterIdentifier: 'orders',
    engine: 'aurora-postgresql',
    writerRegion: EAST,
    members: [EAST, WEST].map((region) => ({ region, clusterIdentifier: `orders-${region}`, clusterArn: arn(region) })),
  });
  return { world, db, at: (ms: number) => (now = ms) };
}

describe('global database model', () => {
  it('fails over over time: target writer at 60 s, available at 90 s, old primary demoted and resynchronised', () => {
    const { db, at } = setup();
    db.failover(arn(WEST), true);
    expect(db.describeGlobalCluster()).toMatchObject({ Status: 'failing-over', FailoverState: { Status: 'pending', IsDataLossAllowed: true } });
    at(59_999);
    expect(db.listedWriterRegions()).toEqual([EAST]);
    at(60_000);
    expect(db.listedWriterRegions()).toEqual([WEST]);
    expect(db.describeCluster(WEST, `orders-${WEST}`)?.Status).toBe('modifying');
    expect(db.writableIn(WEST)).toBe(false);
    at(90_000);
    expect(db.describeCluster(WEST, `orders-${WEST}`)?.Status).toBe('available');
    expect(db.describeGlobalCluster()).toMatchObject({ Status: 'available', FailoverState: undefined });
    expect(db.writableIn(WEST)).toBe(true);
    expect(db.describeGlobalCluster().GlobalClusterMembers?.find((m) => m.DBClusterArn === arn(EAST))?.SynchronizationStatus).toBe('pending-resync');
    at(120_000);
    expect(db.describeGlobalCluster().GlobalClusterMembers?.find((m) => m.DBClusterArn === arn(EAST))?.SynchronizationStatus).toBe('connected');
  });

  it('keeps an unreachable old primary listed first as writer until its Region is back, then rejoins it', () => {
    const { world, db, at } = setup();
    world.isolate(EAST);
    db.failover(arn(WEST), true);
    at(100_000);
    const listed = db.describeGlobalCluster();
    expect(listed.GlobalClusterMembers?.map((m) => [m.DBClusterArn, m.IsWriter])).toEqual([
      [arn(EAST), true],
      [arn(WEST), true],
    ]);
    expect(listed).toMatchObject({ Status: 'failing-over', FailoverState: { Status: 'failing-over' } });
    expect(db.writerRegion()).toBe(WEST);
    expect(db.readableIn(EAST)).toBe(false);
    world.restore(EAST);
    at(219_999);
    expect(db.busy()).toBe(true);
    at(220_000);
    expect(db.busy()).toBe(false);
    expect(db.listedWriterRegions()).toEqual([WEST]);
    expect(db.readableIn(EAST)).toBe(true);
  });

  it('refuses a switchover while a member is unreachable or not in sync, and a second operation while one runs', () => {
    const { world, db, at } = setup();
    world.isolate(WEST);
    expect(() => db.switchover(arn(WEST))).toThrow(ModelFault);
    world.restore(WEST);
    db.switchover(arn(WEST));
    expect(() => db.failover(arn(WEST), true)).toThrow(/already being failed over/);
    at(90_000);
    expect(db.writerRegion()).toBe(WEST);
    expect(() => db.switchover(arn(WEST))).toThrow(/already the primary/);
  });

  it('injects an operation that never completes and one that is refused', () => {
    const { db, at } = setup();
    db.rejectNextOperation('InvalidGlobalClusterStateFault', 'no');
    expect(() => db.switchover(arn(WEST))).toThrow('no');
    db.stallNextOperation();
    db.failover(arn(WEST), true);
    at(3_600_000);
    expect(db.listedWriterRegions()).toEqual([EAST]);
    expect(db.busy()).toBe(true);
  });
});
