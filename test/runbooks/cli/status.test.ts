import { GetMetricStatisticsCommand, GetMetricStatisticsCommandInput } from '@aws-sdk/client-cloudwatch';
import { run } from '../../../runbooks/cli/commands';
import { EXIT } from '../../../runbooks/cli/errors';
import { LAG_METRIC } from '../../../runbooks/cli/reads';
import { EAST, EU, topology, WEST } from './fixtures';
import { FakeAws, fakeDeps, onlyJson } from './helpers';

describe('status', () => {
  let aws: FakeAws;

  beforeEach(() => {
    aws = new FakeAws({ catalog: { writer: EAST }, orders: { writer: EAST, sync: { [WEST]: 'pending-resync' } } });
    aws.lag.set(WEST, { catalog: 120, orders: 4500 });
  });
  afterEach(() => aws.restore());

  it('asks every Region at once and shows routing controls, writers, sync and lag', async () => {
    const { deps, captured } = fakeDeps();
    expect(await run(['status'], deps)).toBe(EXIT.OK);
    const text = captured.out.join('\n');
    // Both Regions were asked for the topology without waiting for each other.
    expect(aws.callsTo('ssm', 'GetParameter').sort()).toEqual([EAST, WEST]);
    expect(text).toMatch(/^retail status at 2026-01-01 03:00:00 UTC: asking us-east-1, us-west-2 in parallel \(timeout 20 s\)/);
    expect(text).toMatch(/us-east-1\s+ok\s+On\s+yes\s+catalog, orders/);
    expect(text).toMatch(/us-west-2\s+ok\s+Off\s+no\s+-/);
    expect(text).toMatch(/catalog\s+aurora-mysql\s+available\s+us-east-1\s+us-west-2\s+connected\s+120 ms\s+us-east-1/);
    expect(text).toMatch(/orders\s+aurora-postgresql\s+available\s+us-east-1\s+us-west-2\s+pending-resync\s+4500 ms/);
    expect(text).toContain('exit 0 (complete)');
    expect(captured.err).toEqual([]);
  });

  it('reads lag in each secondary\'s own Region, where Aurora publishes it', async () => {
    const { deps } = fakeDeps();
    await run(['status'], deps);
    const queries = aws.cloudwatch.commandCalls(GetMetricStatisticsCommand).map((call) => call.args[0].input as GetMetricStatisticsCommandInput);
    const west = queries.filter((q) => q.Dimensions?.[0]?.Value?.endsWith(WEST));
    expect(west.map((q) => [q.Namespace, q.MetricName, q.Dimensions?.[0]?.Name, q.Dimensions?.[0]?.Value]).sort()).toEqual([
      ['AWS/RDS', LAG_METRIC, 'DBClusterIdentifier', 'retail-catalog-us-west-2'],
      ['AWS/RDS', LAG_METRIC, 'DBClusterIdentifier', 'retail-orders-us-west-2'],
    ]);
  });

  it('after a failover, takes each database from the writer\'s own Region and lag from the Regions that answer', async () => {
    // us-east-1 is down; us-west-2 writes; the routing control follows.
    aws.down.add(EAST);
    aws.states = { catalog: { writer: WEST }, orders: { writer: WEST } };
    aws.arcStates.set(EAST, 'Off');
    aws.arcStates.set(WEST, 'On');
    const { deps, captured } = fakeDeps();
    expect(await run(['status'], deps)).toBe(EXIT.INCOMPLETE);
    const text = captured.out.join('\n');
    expect(text).toMatch(/us-east-1\s+NO ANSWER\s+Off\s+no\s+-/);
    expect(text).toMatch(/us-west-2\s+ok\s+On\s+yes\s+catalog, orders/);
    expect(text).toMatch(/catalog\s+aurora-mysql\s+available\s+us-west-2\s+us-east-1\s+connected\s+n\/a\s+us-west-2/);
    expect(text).toContain('lag n/a: us-east-1: CloudWatch GetMetricStatistics: TimeoutError: connect ETIMEDOUT');
    expect(text).toMatch(/NO ANSWER: us-east-1: SSM GetParameter: TimeoutError: connect ETIMEDOUT ssm\.us-east-1/);
    expect(text).toContain('exit 5 (incomplete)');
  });

  it('when the Regions disagree on the writer, the serving Region\'s own view wins and the disagreement is shown', async () => {
    // us-east-1 was cut off and still describes itself as the writer.
    aws.views.set(EAST, { catalog: { writer: EAST }, orders: { writer: EAST } });
    aws.views.set(WEST, { catalog: { writer: WEST }, orders: { writer: WEST } });
    aws.arcStates.set(EAST, 'Off');
    aws.arcStates.set(WEST, 'On');
    const { deps, captured } = fakeDeps();
    await run(['status', '--json'], deps);
    const report = onlyJson(captured);
    expect(report.databases).toEqual([
      expect.objectContaining({ name: 'catalog', writerRegion: WEST, seenFrom: WEST }),
      expect.objectContaining({ name: 'orders', writerRegion: WEST, seenFrom: WEST }),
    ]);
    expect(report.notes).toContain('Regions disagree on the writer of catalog (us-west-2 says us-west-2, us-east-1 says us-east-1); shown as seen from us-west-2');
  });

  it('prints each Region\'s line as it answers, before the tables', async () => {
    aws.down.add(EAST);
    const { deps, captured } = fakeDeps();
    await run(['status'], deps);
    const westLine = captured.out.findIndex((l) => /^ {2}us-west-2\s+answered \(/.test(l));
    const eastLine = captured.out.findIndex((l) => /^ {2}us-east-1\s+NO ANSWER \(/.test(l));
    const arcLine = captured.out.findIndex((l) => /^ {2}ARC\s+answered \(.*\) via .* endpoint: us-east-1 On, us-west-2 Off/.test(l));
    const table = captured.out.findIndex((l) => l.startsWith('REGION'));
    expect(Math.min(westLine, eastLine, arcLine)).toBeGreaterThan(0);
    expect(Math.max(westLine, eastLine, arcLine)).toBeLessThan(table);
    expect(captured.out[westLine]).toContain('catalog: writer us-east-1, available; orders: writer us-east-1, available');
  });

  it('needs no --region to find a survivor: any Region that answers gives the topology, which adds the rest', async () => {
    aws.published = topology({ regions: [EAST, WEST, EU] });
    aws.down.add(EAST);
    const { deps } = fakeDeps();
    await run(['status'], deps);
    // eu-west-1 is not in --regions: the topology from us-west-2 named it.
    expect(aws.callsTo('ssm', 'GetParameter')).toContain(EU);
    expect(aws.callsTo('rds', 'DescribeGlobalClusters')).toContain(EU);
  });

  it('JSON: one document on stdout, nothing else, with every Region and the reason it did not answer', async () => {
    aws.down.add(EAST);
    const { deps, captured } = fakeDeps();
    expect(await run(['status', '--json'], deps)).toBe(EXIT.INCOMPLETE);
    const report = onlyJson(captured);
    expect(report).toMatchObject({ command: 'status', outcome: 'incomplete', exitCode: EXIT.INCOMPLETE, topologyFrom: WEST, routingMode: 'active-standby' });
    expect(report.regions).toEqual([
      expect.objectContaining({ region: EAST, answered: false, complete: false, routingControl: 'On', problems: expect.arrayContaining([expect.stringMatching(/^SSM GetParameter: TimeoutError/)]) }),
      expect.objectContaining({ region: WEST, answered: true, complete: true, routingControl: 'Off' }),
    ]);
    expect(captured.err).toEqual([]);
  });

  it('exits 4 when no Region answers', async () => {
    aws.down.add(EAST).add(WEST);
    const { deps, captured } = fakeDeps();
    expect(await run(['status', '--json'], deps)).toBe(EXIT.NOTHING_REACHABLE);
    expect(onlyJson(captured)).toMatchObject({ outcome: 'nothing-reachable', exitCode: EXIT.NOTHING_REACHABLE });
  });

  it('exits 6, not 4, without credentials', async () => {
    aws.credentialsMissing = true;
    const { deps, captured } = fakeDeps();
    expect(await run(['status'], deps)).toBe(EXIT.NO_CREDENTIALS);
    expect(captured.out.join('\n')).toMatch(/no usable AWS credentials: sign in/);
  });

  it('exits 2 naming --app when no Region has the topology', async () => {
    aws.notDeployed.add(EAST).add(WEST);
    const { deps, captured } = fakeDeps();
    expect(await run(['status', '--app', 'shop'], deps)).toBe(EXIT.BAD_INPUT);
    expect(captured.out.join('\n')).toMatch(/\/shop\/platform\/topology: not found in us-east-1, us-west-2; check --app and --regions/);
  });

  it('exits 5 when ARC does not answer, with every endpoint\'s error', async () => {
    ['ap-northeast-1', 'ap-southeast-2', 'eu-west-1', 'us-east-1', 'us-west-2'].forEach((r) => aws.arcDown.add(r));
    const { deps, captured } = fakeDeps();
    expect(await run(['status'], deps)).toBe(EXIT.INCOMPLETE);
    const text = captured.out.join('\n');
    expect(text).toMatch(/ARC routing controls unknown: ArcUnreadable: no ARC cluster endpoint answered: .*\(ap-northeast-1\): TimeoutError/);
    expect(text).toMatch(/us-east-1\s+ok\s+Unknown/);
  });

  it('tries the next ARC endpoint after any failure, in random order, and says which ones failed', async () => {
    ['ap-southeast-2', 'eu-west-1', 'us-east-1'].forEach((r) => aws.arcDown.add(r));
    const { deps, captured } = fakeDeps();
    // random() = 0 shuffles the five endpoints into ap-southeast-2, eu-west-1, us-east-1, us-west-2, ap-northeast-1.
    expect(await run(['status'], { ...deps, random: () => 0 })).toBe(EXIT.OK);
    expect(aws.callsTo('arc').map((host) => host.split('.')[2])).toEqual(['ap-southeast-2', 'eu-west-1', 'us-east-1', 'us-west-2', 'us-west-2']);
    const notes = captured.out.filter((l) => l.startsWith('note: ARC endpoint'));
    expect(notes).toHaveLength(3);
    expect(notes[0]).toMatch(/^note: ARC endpoint https:\/\/abcd1234\.route53-recovery-cluster\.ap-southeast-2\.amazonaws\.com\/v1 \(ap-southeast-2\) failed first: TimeoutError/);
  });
});
