import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCostArgs } from '../../lib/cost/args';
import { resolveConfig } from '../../lib/config/resolve';
import { main, minimumLine, priceConfiguration } from '../../scripts/cost';
import { countComponents, markdownTable, priceCounts, runsPerMonth, totalOf, type CfnTemplate, type PriceList } from '../../lib/cost/count';

const HOURS = 730;
const prices = JSON.parse(readFileSync(join(__dirname, '..', '..', 'scripts', 'prices.json'), 'utf8')) as PriceList;

function counted(template: CfnTemplate): Record<string, number> {
  return Object.fromEntries(countComponents([template], HOURS));
}

describe('counting priced components', () => {
  test('NAT gateways, EIPs, and an internet-facing load balancer\'s address per subnet', () => {
    expect(counted({
      Resources: {
        Nat1: { Type: 'AWS::EC2::NatGateway' },
        Nat2: { Type: 'AWS::EC2::NatGateway' },
        Eip1: { Type: 'AWS::EC2::EIP' },
        Alb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Scheme: 'internet-facing', Subnets: [{ Ref: 'A' }, { Ref: 'B' }, { Ref: 'C' }] } },
        Nlb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Type: 'network' } },
      },
    })).toEqual({ 'nat-gateway': 2, 'public-ipv4': 4, alb: 1 });
  });

  test('interface endpoints count once per subnet (AZ); gateway endpoints are free', () => {
    expect(counted({
      Resources: {
        Logs: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Interface', SubnetIds: ['a', 'b', 'c'] } },
        Ecr: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Interface', SubnetIds: ['a', 'b'] } },
        S3: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Gateway' } },
      },
    })).toEqual({ 'interface-endpoint-az': 5 });
  });

  test('Aurora: provisioned instances by class, Serverless v2 by the cluster\'s minimum ACUs per instance', () => {
    expect(counted({
      Resources: {
        Serverless: { Type: 'AWS::RDS::DBCluster', Properties: { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 } } },
        S1: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.serverless', DBClusterIdentifier: { Ref: 'Serverless' } } },
        S2: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.serverless', DBClusterIdentifier: { Ref: 'Serverless' } } },
        Provisioned: { Type: 'AWS::RDS::DBCluster', Properties: {} },
        P1: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.r6g.large', DBClusterIdentifier: { Ref: 'Provisioned' } } },
      },
    })).toEqual({ 'aurora-acu': 1, 'aurora-db.r6g.large': 1 });
  });

  test('cache nodes by type; broker nodes by type and mode (a RabbitMQ cluster is three nodes)', () => {
    expect(counted({
      Resources: {
        Cache: { Type: 'AWS::ElastiCache::ReplicationGroup', Properties: { CacheNodeType: 'cache.m7g.large', NumCacheClusters: 2 } },
        Sharded: { Type: 'AWS::ElastiCache::ReplicationGroup', Properties: { CacheNodeType: 'cache.m7g.large', NumNodeGroups: 2, ReplicasPerNodeGroup: 1 } },
        Single: { Type: 'AWS::AmazonMQ::Broker', Properties: { HostInstanceType: 'mq.t3.micro', DeploymentMode: 'SINGLE_INSTANCE' } },
        Cluster: { Type: 'AWS::AmazonMQ::Broker', Properties: { HostInstanceType: 'mq.m5.large', DeploymentMode: 'CLUSTER_MULTI_AZ' } },
      },
    })).toEqual({ 'cache-cache.m7g.large': 6, 'mq-mq.t3.micro': 1, 'mq-mq.m5.large': 3 });
  });

  test('Fargate: vCPU and GB of each task definition times the service\'s desired count', () => {
    expect(counted({
      Resources: {
        Task: { Type: 'AWS::ECS::TaskDefinition', Properties: { Cpu: '512', Memory: '2048' } },
        Service: { Type: 'AWS::ECS::Service', Properties: { DesiredCount: 3, TaskDefinition: { Ref: 'Task' } } },
      },
    })).toEqual({ 'fargate-vcpu': 1.5, 'fargate-gb': 6 });
  });

  test('canary runs from the schedule; alarms per metric; keys, secrets with replicas, advanced parameters, dashboards', () => {
    expect(counted({
      Resources: {
        C1: { Type: 'AWS::Synthetics::Canary', Properties: { Schedule: { Expression: 'rate(5 minutes)' } } },
        C2: { Type: 'AWS::Synthetics::Canary', Properties: { Schedule: { Expression: 'rate(1 hour)' } } },
        A1: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'X' } },
        A2: { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [{ Expression: 'a+b' }, { MetricStat: {} }, { MetricStat: {} }] } },
        Composite: { Type: 'AWS::CloudWatch::CompositeAlarm' },
        Key: { Type: 'AWS::KMS::Key' },
        Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { ReplicaRegions: [{ Region: 'us-west-2' }] } },
        Advanced: { Type: 'AWS::SSM::Parameter', Properties: { Tier: 'Advanced' } },
        Standard: { Type: 'AWS::SSM::Parameter', Properties: { Tier: 'Standard' } },
        Dashboard: { Type: 'AWS::CloudWatch::Dashboard' },
        Arc: { Type: 'AWS::Route53RecoveryControl::Cluster' },
      },
    })).toEqual({
      'canary-run': 8760 + 730,
      'alarm-metric': 3,
      'composite-alarm': 1,
      'kms-key': 1,
      secret: 2,
      'ssm-advanced-parameter': 1,
      dashboard: 1,
      'arc-cluster': 1,
    });
  });

  test('routing-state publishers emit one series per routing control plus one', () => {
    const controls: CfnTemplate = { Resources: { R1: { Type: 'AWS::Route53RecoveryControl::RoutingControl' }, R2: { Type: 'AWS::Route53RecoveryControl::RoutingControl' } } };
    const publisher: CfnTemplate = { Resources: { F: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { METRIC_NAMESPACE: 'retail/Platform' } } } } } };
    expect(Object.fromEntries(countComponents([controls, publisher, publisher], HOURS))).toEqual({ 'custom-metric': 6 });
  });

  test('a value that is not a literal fails loudly instead of being guessed', () => {
    expect(() => counted({ Resources: { Cache: { Type: 'AWS::ElastiCache::ReplicationGroup', Properties: { CacheNodeType: { Ref: 'P' } } } } })).toThrow('CacheNodeType is not a literal string');
    expect(() => runsPerMonth('cron(0 * * * ? *)', HOURS)).toThrow('Unsupported canary schedule');
    expect(runsPerMonth('rate(0 minutes)', HOURS)).toBe(0);
  });
});

describe('pricing', () => {
  test('every price in the reviewed list has exactly one rate', () => {
    for (const price of Object.values(prices.prices)) {
      expect([price.hourly, price.each, price.monthly].filter((rate) => rate !== undefined)).toHaveLength(1);
    }
    expect(prices.reviewed).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test('hourly prices are multiplied by the hours of a month, per-run prices by the runs', () => {
    const lines = priceCounts(new Map([['nat-gateway', 2], ['canary-run', 1000]]), prices);
    expect(lines.map((line) => [line.key, Number(line.monthly.toFixed(2))])).toEqual([['canary-run', 1.2], ['nat-gateway', 65.7]]);
    expect(totalOf(lines)).toBeCloseTo(66.9, 5);
    const table = markdownTable('Example', lines);
    expect(table).toContain('| NAT gateway (hours only) | 2 × gateway | $0.045/h = $32.85/month | $65.70 |');
    expect(table).toContain('| **Total** | | | **$66.90** |');
  });

  test('a component without a reviewed price is an error', () => {
    expect(() => priceCounts(new Map([['aurora-db.x99.huge', 1]]), prices)).toThrow('No price for aurora-db.x99.huge');
  });
});

describe('npm run cost arguments', () => {
  test.each([
    [[], { kind: 'reference' }],
    [['-c', 'config=examples/active-active.json'], { kind: 'file', path: 'examples/active-active.json' }],
    [['--context', 'config=my.json'], { kind: 'file', path: 'my.json' }],
    [['--config', 'my.json'], { kind: 'file', path: 'my.json' }],
    [['--config=my.json'], { kind: 'file', path: 'my.json' }],
    [['-c', 'config=x.json', '--help'], { kind: 'help' }],
  ])('%j', (argv, expected) => {
    expect(parseCostArgs(argv)).toEqual(expected);
  });

  test.each([
    [['-c', 'profile=prod'], /-c takes config=<file>/],
    [['-c'], /-c needs a value: config=<file>/],
    [['--bogus'], /unknown argument "--bogus"/],
    [['-c', 'config=a.json', '--config', 'b.json'], /one configuration file at a time/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCostArgs(argv)).toThrow(message);
  });
});

describe('npm run cost -- -c config=<file>', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cost-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function runCost(argv: string[]): { code: number; out: string; err: string } {
    let out = '';
    let err = '';
    const code = main(argv, (text) => {
      out += text;
    }, (text) => {
      err += text;
    });
    return { code, out, err };
  }

  test('an invalid configuration lists every problem, prices nothing and exits 1', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ profile: 'gold', regions: ['us-east-1'] }));
    const { code, out, err } = runCost(['-c', `config=${path}`]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain('profile: got "gold"');
    expect(err).toContain('regions: got ["us-east-1"]');
    expect(err).toContain('Nothing was priced.');
  });

  test('a missing file is named', () => {
    const { code, err } = runCost(['-c', `config=${join(dir, 'absent.json')}`]);
    expect(code).toBe(1);
    expect(err).toMatch(/config: got ".*absent.json"; must name a readable JSON file/);
  });

  test('bad arguments exit 2 with the usage; --help exits 0', () => {
    expect(runCost(['-c', 'profile=prod'])).toMatchObject({ code: 2, out: '', err: expect.stringContaining('Usage: npm run -s cost') });
    expect(runCost(['--help'])).toMatchObject({ code: 0, out: expect.stringContaining('-c config=<file>') });
  });

  test('prices the file\'s own configuration, synthesized like cdk synth: a shared ARC cluster is not counted', () => {
    const path = join(dir, 'shared-arc.json');
    writeFileSync(path, JSON.stringify({ profile: 'dev', regions: ['us-east-1', 'us-west-2'], arcClusterArn: 'arn:aws:route53-recovery-control::123456789012:cluster/0123abcd-4567-89ab-cdef-0123456789ab' }));
    const { code, out } = runCost(['-c', `config=${path}`]);
    expect(code).toBe(0);
    // The figure is this configuration's own (the reference table has no shared-ARC row), priced by the same code.
    const own = minimumLine(priceConfiguration(resolveConfig(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>), prices));
    expect(own).toMatch(/^monthly minimum \$[0-9,.]+ \(ARC cluster shared through "arcClusterArn": not counted here\)$/);
    expect(out).toContain(`${path}: dev, 2 Regions (us-east-1, us-west-2), shared ARC cluster: ${own}.`);
    expect(out).not.toContain('Route 53 ARC cluster');
    expect(out).toContain('| Aurora Serverless v2 minimum capacity (Aurora Standard) | 2 × ACU |');
  }, 300_000);
});

describe('the minimum line', () => {
  test('names the ARC share and how to drop it', () => {
    const lines = priceCounts(new Map([['arc-cluster', 1], ['nat-gateway', 2]]), prices);
    expect(minimumLine(lines)).toBe('monthly minimum $1,890.70, of which $1,825.00 (97%) is the ARC cluster: share an existing one with "arcClusterArn" to drop it');
  });
});
