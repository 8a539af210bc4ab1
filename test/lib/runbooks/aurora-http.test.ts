import { INCIDENT_DEADLINES, worstCaseCallMs } from '../../../lib/common/aws-client';
import { describeMoveProgress, waitForMoves } from '../../../lib/runbooks/runtime/aurora';
import { createRunbookClients, RunbookClients } from '../../../lib/runbooks/runtime/clients';
import type { GlobalDatabaseTopology } from '../../../lib/topology/topology';
import { DrillClock } from '../../drill/clock';
import { startFakeRds } from '../../drill/fake-rds';
import type { FaultyEndpoint } from '../../drill/fault';
import { World } from '../../drill/model/global-database';

/**
 * The database wait over real HTTP: the runbooks' RDS client (deadlines, SDK retries)
 * against the drill's fake RDS endpoint on loopback, serving the global database model.
 */

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const arn = (region: string) => `arn:aws:rds:${region}:111111111111:cluster:retail-orders-${region}`;
const ORDERS: GlobalDatabaseTopology = {
  name: 'orders',
  engine: 'aurora-postgresql',
  globalClusterIdentifier: 'retail-orders',
  members: Object.fromEntries([EAST, WEST].map((r) => [r, { clusterIdentifier: `retail-orders-${r}`, clusterArn: arn(r) }])),
};

describe('database wait over HTTP', () => {
  let clock: DrillClock;
  let world: World;
  let rds: FaultyEndpoint;
  let clients: RunbookClients;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    clock = new DrillClock();
    rds = await startFakeRds(() => world, WEST, () => undefined);
    clients = createRunbookClients((service, region) => (service === 'rds' && region === WEST ? rds.url : undefined));
  });
  beforeEach(() => {
    rds.heal();
    rds.resetCounts();
    world = new World([EAST, WEST], () => clock.nowMs());
    world.addDatabase({
      name: 'orders',
      globalClusterIdentifier: 'retail-orders',
      engine: 'aurora-postgresql',
      writerRegion: EAST,
      members: [EAST, WEST].map((region) => ({ region, clusterIdentifier: `retail-orders-${region}`, clusterArn: arn(region) })),
    });
  });
  afterAll(async () => {
    clock.stop();
    await rds.close();
  });

  const wait = () =>
    waitForMoves({ rds: clients.rds(WEST), now: () => clock.now(), sleep: (ms) => clock.sleep(ms) }, [ORDERS], WEST, {
      deadline: new Date(clock.nowMs() + 20 * 60_000),
      budgetMs: 250_000,
      pollIntervalMs: 15_000,
      pollWorstCaseMs: worstCaseCallMs(INCIDENT_DEADLINES),
    });

  it('completes while the unreachable old primary stays listed as writer', async () => {
    world.isolate(EAST);
    world.database('retail-orders')?.failover(arn(WEST), true);
    const outcome = await wait();
    expect(outcome.kind).toBe('complete');
    expect(outcome.progress?.[0]).toMatchObject({ targetIsWriter: true, targetClusterStatus: 'available', globalStatus: 'failing-over' });
    expect([...(outcome.progress?.[0].writerRegions ?? [])].sort()).toEqual([EAST, WEST]);
  });

  it('polls through throttling and 5xx answers (SDK retries first, then the next poll)', async () => {
    world.database('retail-orders')?.failover(arn(WEST), true);
    rds.inject('throttle', { operations: ['DescribeGlobalClusters'], times: 4 });
    rds.inject('server-error', { operations: ['DescribeDBClusters'], times: 3 });
    const outcome = await wait();
    expect(outcome.kind).toBe('complete');
    expect(rds.requests.filter((r) => r.fault !== undefined)).toHaveLength(7);
  }, 30_000);

  it('a silent answer costs one request deadline, then the SDK retries', async () => {
    rds.inject('silent', { operations: ['DescribeDBClusters'], times: 1 });
    const started = Date.now();
    const progress = await describeMoveProgress(clients.rds(WEST), ORDERS, WEST);
    const elapsed = Date.now() - started;
    expect(progress.targetClusterStatus).toBe('available');
    expect(elapsed).toBeGreaterThanOrEqual(INCIDENT_DEADLINES.requestMs - 100);
    expect(elapsed).toBeLessThan(INCIDENT_DEADLINES.requestMs + 3_000);
    expect(rds.count('DescribeDBClusters')).toBe(2);
  }, 15_000);
});
