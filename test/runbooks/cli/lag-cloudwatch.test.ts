import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudWatchLagReader, cloudWatchMaxFetcher, LAG_METRIC } from '../../../runbooks/cli/lag';
import type { GlobalDatabaseTopology } from '../../../lib/topology/topology';

const cloudwatch = mockClient(CloudWatchClient);
const database: GlobalDatabaseTopology = {
  name: 'orders',
  engine: 'aurora-postgresql',
  globalClusterIdentifier: 'retail-orders',
  members: {
    'us-east-1': { clusterIdentifier: 'retail-orders-us-east-1', clusterArn: 'arn:aws:rds:us-east-1:123456789012:cluster:retail-orders-us-east-1' },
    'us-west-2': { clusterIdentifier: 'retail-orders-us-west-2', clusterArn: 'arn:aws:rds:us-west-2:123456789012:cluster:retail-orders-us-west-2' },
  },
};
const now = () => new Date('2026-11-23T10:00:00Z');

beforeEach(() => cloudwatch.reset());

test('reads the Maximum of the secondary\'s lag metric in the secondary\'s Region', async () => {
  cloudwatch.on(GetMetricStatisticsCommand).resolves({ Datapoints: [{ Maximum: 120 }, { Maximum: 870 }, { Average: 5 }] });
  const regions: string[] = [];
  const reader = cloudWatchLagReader(cloudWatchMaxFetcher((region) => { regions.push(region); return new CloudWatchClient({ region }); }), now);
  await expect(reader.read(database, 'us-west-2')).resolves.toEqual({ kind: 'value', milliseconds: 870, metric: LAG_METRIC });
  expect(regions).toEqual(['us-west-2']);
  const input = cloudwatch.commandCalls(GetMetricStatisticsCommand)[0]!.args[0].input;
  expect(input).toEqual(expect.objectContaining({
    Namespace: 'AWS/RDS',
    MetricName: LAG_METRIC,
    Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'retail-orders-us-west-2' }],
    Statistics: ['Maximum'],
    Period: 60,
  }));
});

test('no datapoints and API errors are reported as unavailable with the reason', async () => {
  const reader = cloudWatchLagReader(cloudWatchMaxFetcher((region) => new CloudWatchClient({ region })), now);
  cloudwatch.on(GetMetricStatisticsCommand).resolves({ Datapoints: [] });
  await expect(reader.read(database, 'us-west-2')).resolves.toEqual({ kind: 'unavailable', reason: expect.stringContaining('no AuroraGlobalDBReplicationLag datapoints') });
  cloudwatch.on(GetMetricStatisticsCommand).rejects(Object.assign(new Error('Region down'), { name: 'ServiceUnavailable' }));
  await expect(reader.read(database, 'us-west-2')).resolves.toEqual({ kind: 'unavailable', reason: expect.stringContaining('Region down') });
});
