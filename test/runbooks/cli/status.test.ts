import { DescribeGlobalClustersCommand } from '@aws-sdk/client-rds';
import { run } from '../../../runbooks/cli/commands';
import { EXIT } from '../../../runbooks/cli/errors';
import { cloudWatchLagReader, LAG_METRIC, MetricQuery } from '../../../runbooks/cli/lag';
import { ARC_ENDPOINT_REGIONS, ClusterState, EAST, endpointUrl, FakeArc, mockRds, RdsMock, WEST } from '../../lib/runbooks/fixtures';
import { fakeDeps, FakeSsm, regionOf } from './helpers';

describe('status command', () => {
  let ssm: FakeSsm;
  let arc: FakeArc;
  let rds: RdsMock;
  let states: Record<string, ClusterState>;

  beforeEach(() => {
    ssm = new FakeSsm();
    arc = new FakeArc({ [EAST]: 'On', [WEST]: 'Off' });
    states = { catalog: { writer: EAST }, orders: { writer: EAST, sync: { [WEST]: 'pending-resync' } } };
    rds = mockRds(states);
  });
  afterEach(() => {
    ssm.mock.restore();
    arc.mock.restore();
    rds.restore();
  });

  it('prints routing controls, writers and replication state per Region', async () => {
    const { deps, captured } = fakeDeps();
    expect(await run(['status'], deps)).toBe(EXIT.OK);
    const text = captured.out.join('\n');
    expect(text).toMatch(/retail: routing mode active-standby; topology read in us-east-1; ARC via https:\/\//);
    expect(text).toMatch(/us-east-1\s+On\s+yes\s+catalog, orders/);
    expect(text).toMatch(/us-west-2\s+Off\s+no\s+-/);
    expect(text).toMatch(/catalog\s+aurora-mysql\s+available\s+us-east-1\s+us-west-2\s+connected\s+n\/a/);
    expect(text).toMatch(/orders\s+aurora-postgresql\s+available\s+us-east-1\s+us-west-2\s+pending-resync\s+n\/a/);
    expect(text).toContain(`lag n/a: ${LAG_METRIC} is not read in this context`);
    expect(captured.err).toEqual([]);
  });

  it('prints JSON with --json', async () => {
    const { deps, captured } = fakeDeps();
    expect(await run(['status', '--json'], deps)).toBe(EXIT.OK);
    const report = JSON.parse(captured.out.join('\n'));
    expect(report.regions).toEqual([
      { region: EAST, routingControl: 'On', serving: true, writerFor: ['catalog', 'orders'] },
      { region: WEST, routingControl: 'Off', serving: false, writerFor: [] },
    ]);
    expect(report.databases[1]).toMatchObject({
      name: 'orders',
      writerRegion: EAST,
      members: [{ region: EAST, role: 'writer' }, { region: WEST, role: 'secondary', synchronization: 'pending-resync' }],
    });
  });

  it('reads the topology from the next Region when the first does not answer', async () => {
    ssm.down.add(EAST);
    const { deps, captured } = fakeDeps();
    expect(await run(['status'], deps)).toBe(EXIT.OK);
    expect(ssm.parameterCalls).toEqual([EAST, WEST]);
    expect(captured.err.join('\n')).toMatch(/topology not read from us-east-1: Error: connect ETIMEDOUT/);
    expect(captured.out[0]).toContain('topology read in us-west-2');
    // Databases are read from the Region that answered first.
    const rdsRegions = await Promise.all(rds.commandCalls(DescribeGlobalClustersCommand).map((c) => regionOf(c.thisValue)));
    expect(new Set(rdsRegions)).toEqual(new Set([WEST]));
  });

  it('tries the preferred --region first', async () => {
    const { deps } = fakeDeps();
    await run(['status', '--region', WEST], deps);
    expect(ssm.parameterCalls).toEqual([WEST]);
  });

  it('exits 4 naming every Region when no topology can be read', async () => {
    ssm.down.add(EAST).add(WEST);
    const { deps, captured } = fakeDeps();
    expect(await run(['status'], deps)).toBe(EXIT.UNAVAILABLE);
    expect(captured.err.join('\n')).toMatch(/from any Region: us-east-1: Error: connect ETIMEDOUT.* \| us-west-2: Error: connect ETIMEDOUT/);
  });

  it('reports Unknown controls and exits 1 when every ARC endpoint fails', async () => {
    for (const region of ARC_ENDPOINT_REGIONS) arc.down(region);
    const { deps, captured } = fakeDeps();
    expect(await run(['status'], deps)).toBe(EXIT.FAILED);
    const text = captured.out.join('\n');
    expect(text).toMatch(/us-east-1\s+Unknown\s+no\s+catalog, orders/);
    for (const region of ARC_ENDPOINT_REGIONS) expect(text).toContain(endpointUrl(region));
  });

  it('shows replication lag from an injected CloudWatch reader', async () => {
    const queries: MetricQuery[] = [];
    const lagReader = cloudWatchLagReader(async (query) => {
      queries.push(query);
      return query.dimensions[0].Value === 'retail-catalog-us-west-2' ? 42.4 : undefined;
    }, () => new Date('2026-01-01T00:05:00Z'));
    const { deps, captured } = fakeDeps({ lagReader });
    expect(await run(['status'], deps)).toBe(EXIT.OK);
    const text = captured.out.join('\n');
    expect(text).toMatch(/catalog .*connected\s+42 ms/);
    expect(text).toContain(`lag n/a: no ${LAG_METRIC} datapoints in the last 5 minutes`);
    expect(queries[0]).toEqual({
      region: WEST,
      namespace: 'AWS/RDS',
      metricName: LAG_METRIC,
      dimensions: [{ Name: 'DBClusterIdentifier', Value: 'retail-catalog-us-west-2' }],
      start: new Date('2026-01-01T00:00:00Z'),
      end: new Date('2026-01-01T00:05:00Z'),
      periodSeconds: 60,
    });
  });
});
