import { GetRoutingControlStateCommand, InternalServerException, Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createArcClientFactory } from '../../../lib/runbooks/runtime/arc';
import { emfRecord, publishRoutingStates, type PublisherDependencies } from '../../../lib/observability/runtime/routing-state';
import type { PlatformTopology } from '../../../lib/topology/topology';

const ENDPOINT_REGIONS = ['ap-northeast-1', 'ap-southeast-2', 'eu-west-1', 'us-east-1', 'us-west-2'];
const host = (region: string): string => `abcd1234.route53-recovery-cluster.${region}.amazonaws.com`;
const control = (region: string): string => `arn:aws:route53-recovery-control::123456789012:controlpanel/p/routingcontrol/${region}`;

const TOPOLOGY: PlatformTopology = {
  appName: 'retail',
  account: '123456789012',
  regions: ['us-east-1', 'us-west-2'],
  primaryRegion: 'us-east-1',
  routingMode: 'active-standby',
  arc: {
    clusterArn: 'arn:aws:route53-recovery-control::123456789012:cluster/c0ffee',
    clusterEndpoints: ENDPOINT_REGIONS.map((region) => ({ region, endpoint: `https://${host(region)}/v1` })),
    controlPanelArn: 'arn:aws:route53-recovery-control::123456789012:controlpanel/p',
    routingControls: { 'us-east-1': control('us-east-1'), 'us-west-2': control('us-west-2') },
    safetyRuleArns: ['arn:aws:route53-recovery-control::123456789012:controlpanel/p/safetyrule/s'],
  },
  databases: ['catalog', 'orders'].map((name) => ({
    name: name as 'catalog' | 'orders',
    engine: name === 'catalog' ? 'aurora-mysql' as const : 'aurora-postgresql' as const,
    globalClusterIdentifier: `retail-${name}`,
    members: Object.fromEntries(['us-east-1', 'us-west-2'].map((region) => [region, { clusterIdentifier: `retail-${name}-${region}`, clusterArn: `arn:aws:rds:${region}:123456789012:cluster:retail-${name}-${region}` }])),
  })),
  runbooks: Object.fromEntries(['us-east-1', 'us-west-2'].map((region) => [region, { failover: 'Retail-Failover', switchover: 'Retail-Switchover', failback: 'Retail-Failback', reconcile: 'Retail-RestoreAndReconcile' }])),
};

const ssm = mockClient(SSMClient);
const arc = mockClient(Route53RecoveryClusterClient);
const STATES: Record<string, 'On' | 'Off'> = { [control('us-east-1')]: 'On', [control('us-west-2')]: 'Off' };

let down: Set<string>;
let asked: string[];

beforeEach(() => {
  down = new Set();
  asked = [];
  ssm.on(GetParameterCommand, { Name: '/retail/platform/topology' }).resolves({ Parameter: { Value: JSON.stringify(TOPOLOGY) } });
  arc.on(GetRoutingControlStateCommand).callsFake(async (input: { RoutingControlArn: string }, getClient) => {
    const endpoint = await (getClient() as Route53RecoveryClusterClient).config.endpoint?.();
    const hostname = endpoint?.hostname ?? '';
    asked.push(hostname);
    if (down.has(hostname)) {
      throw new InternalServerException({ message: 'endpoint down', $metadata: {} });
    }
    return { RoutingControlArn: input.RoutingControlArn, RoutingControlState: STATES[input.RoutingControlArn] };
  });
});

afterEach(() => {
  ssm.reset();
  arc.reset();
});

function dependencies(lines: string[], random: () => number = () => 0.5): PublisherDependencies {
  return {
    ssm: new SSMClient({ region: 'us-east-1' }),
    topologyParameterName: '/retail/platform/topology',
    namespace: 'retail/Platform',
    region: 'us-west-2',
    clientFor: createArcClientFactory(),
    random,
    now: () => 1_700_000_000_000,
    writeLine: (line) => lines.push(line),
  };
}

type Emf = { _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } } & Record<string, unknown>;

describe('routing-state publisher', () => {
  test('writes RoutingControlOn 1 for the Region that is On and 0 for the others, as EMF', async () => {
    const lines: string[] = [];
    const result = await publishRoutingStates(dependencies(lines));
    expect(result.states).toEqual({ 'us-east-1': 'On', 'us-west-2': 'Off' });
    const records = lines.map((line) => JSON.parse(line) as Emf);
    expect(records).toHaveLength(3);
    expect(records.slice(0, 2).map((record) => [record.ControlRegion, record.RoutingControlOn])).toEqual([['us-east-1', 1], ['us-west-2', 0]]);
    for (const record of records.slice(0, 2)) {
      expect(record._aws.CloudWatchMetrics).toEqual([{ Namespace: 'retail/Platform', Dimensions: [['ControlRegion']], Metrics: [{ Name: 'RoutingControlOn', Unit: 'None' }] }]);
      expect(record._aws.Timestamp).toBe(1_700_000_000_000);
    }
    expect(records[2]?.RoutingControlReadSucceeded).toBe(1);
  });

  test('the read metric carries the publisher\'s Region as its dimension, as its alarm expects', async () => {
    const lines: string[] = [];
    await publishRoutingStates(dependencies(lines));
    const read = JSON.parse(lines[2] ?? '{}') as Emf;
    expect(read._aws.CloudWatchMetrics).toEqual([{ Namespace: 'retail/Platform', Dimensions: [['Region']], Metrics: [{ Name: 'RoutingControlReadSucceeded', Unit: 'None' }] }]);
    expect(read.Region).toBe('us-west-2');
  });

  test('reads all controls from one endpoint', async () => {
    const lines: string[] = [];
    await publishRoutingStates(dependencies(lines));
    expect(new Set(asked).size).toBe(1);
    expect(asked).toHaveLength(2);
  });

  test('endpoints are tried in random order and a failing one is skipped', async () => {
    const firsts = new Set<string>();
    for (const seed of [0.01, 0.3, 0.6, 0.99]) {
      asked = [];
      await publishRoutingStates(dependencies([], () => seed));
      firsts.add(asked[0] ?? '');
    }
    expect(firsts.size).toBeGreaterThan(1);

    for (const region of ENDPOINT_REGIONS.slice(0, 4)) down.add(host(region));
    asked = [];
    const lines: string[] = [];
    const result = await publishRoutingStates(dependencies(lines, () => 0));
    expect(result.endpoint).toBe(`https://${host('us-west-2')}/v1`);
    const failedHosts = asked.filter((hostname) => down.has(hostname));
    expect(failedHosts.length).toBeGreaterThan(0);
    // One endpoint is one failure, however many of its parallel control reads were asked.
    expect(result.failedEndpoints).toBe(new Set(failedHosts).size);
    expect(asked[asked.length - 1]).toBe(host('us-west-2'));
    expect(lines.map((line) => (JSON.parse(line) as Emf).RoutingControlOn).slice(0, 2)).toEqual([1, 0]);
  });

  test('when every endpoint fails: no state is published, the failed read is, and the run fails', async () => {
    for (const region of ENDPOINT_REGIONS) down.add(host(region));
    const lines: string[] = [];
    await expect(publishRoutingStates(dependencies(lines))).rejects.toThrow(/failed on all 5 ARC cluster endpoints/);
    expect(lines.map((line) => JSON.parse(line) as Emf)).toEqual([
      expect.objectContaining({ RoutingControlReadSucceeded: 0, Region: 'us-west-2' }),
    ]);
  });

  test('an EMF record without dimensions declares an empty dimension set', () => {
    const record = JSON.parse(emfRecord('ns', 5, {}, { M: 1 })) as Emf;
    expect(record._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([[]]);
    expect(record.M).toBe(1);
  });
});
