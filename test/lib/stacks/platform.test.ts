import { Match } from 'aws-cdk-lib/assertions';
import { stackNames } from '../../../lib/platform';
import { platformTemplates, sharedNagViolations } from '../../helpers/assemblies';
import { allStacks, synthesize } from '../../helpers/platform';

const DEFAULT = {};
const PROD_THREE_REGIONS = { profile: 'prod', regions: ['us-east-1', 'us-west-2', 'eu-west-1'], domainName: 'shop.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', alarmEmail: 'oncall@example.com' };
const ACTIVE_ACTIVE = { routingMode: 'active-active', domainName: 'shop.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' };

describe('stacks and deploy order', () => {
  test('one regional stack per Region with explicit account and Region, plus global-data and traffic-control', () => {
    const { platform } = synthesize(PROD_THREE_REGIONS);
    expect(allStacks(platform).map((s) => `${s.stackName}@${s.region}`)).toEqual([
      'retail-global-data@us-east-1',
      'retail-traffic-control@us-west-2',
      'retail-network-us-east-1@us-east-1',
      'retail-network-us-west-2@us-west-2',
      'retail-network-eu-west-1@eu-west-1',
      'retail-region-us-east-1@us-east-1',
      'retail-region-us-west-2@us-west-2',
      'retail-region-eu-west-1@eu-west-1',
    ]);
    expect(allStacks(platform).every((s) => s.account === '123456789012')).toBe(true);
  });

  test('every network (with its peering) deploys before any Region\'s services; the primary Region before the others', () => {
    const { platform } = synthesize(PROD_THREE_REGIONS);
    const names = (stack: { dependencies: { stackName: string }[] }) => stack.dependencies.map((d) => d.stackName).sort();
    const networks = ['retail-network-eu-west-1', 'retail-network-us-east-1', 'retail-network-us-west-2'];
    expect(names(platform.networks[0]!)).toEqual([]);
    expect(names(platform.networks[2]!)).toEqual(['retail-network-us-east-1', 'retail-network-us-west-2']);
    expect(names(platform.regional[0]!)).toEqual(['retail-global-data', ...networks, 'retail-traffic-control'].sort());
    expect(names(platform.regional[1]!)).toEqual(['retail-global-data', ...networks, 'retail-region-us-east-1', 'retail-traffic-control'].sort());
    expect(names(platform.regional[2]!)).toEqual(expect.arrayContaining(['retail-region-us-east-1', 'retail-region-us-west-2']));
    expect(stackNames.regional('retail', 'eu-west-1')).toBe('retail-region-eu-west-1');
  });

  test('the dependency graph has no cycle', () => {
    const { platform } = synthesize(PROD_THREE_REGIONS);
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (stack: { stackName: string; dependencies: { stackName: string; dependencies: never[] }[] }): void => {
      if (done.has(stack.stackName)) return;
      expect(visiting.has(stack.stackName)).toBe(false);
      visiting.add(stack.stackName);
      stack.dependencies.forEach((dependency) => visit(dependency as never));
      visiting.delete(stack.stackName);
      done.add(stack.stackName);
    };
    allStacks(platform).forEach((stack) => visit(stack as never));
    expect(done.size).toBe(8);
  });
});

describe.each([
  ['default', DEFAULT],
  ['prod three Regions', PROD_THREE_REGIONS],
  ['active/active', ACTIVE_ACTIVE],
])('cdk-nag AwsSolutions (%s)', (_name, input) => {
  test('has no unacknowledged finding', () => {
    expect(sharedNagViolations(input)).toEqual([]);
  });
});

describe('stateful resources keep their logical ids', () => {
  test('regional databases, cache and broker', () => {
    const t = platformTemplates(DEFAULT).regional[0]!;
    const ids = (type: string) => Object.keys(t.findResources(type)).sort();
    expect(ids('AWS::RDS::DBCluster')).toEqual([expect.stringMatching(/^CatalogDatabaseCluster/), expect.stringMatching(/^OrdersDatabaseCluster/)]);
    expect(ids('AWS::ElastiCache::ReplicationGroup')).toEqual([expect.stringMatching(/^CheckoutCacheReplicationGroup/)]);
    expect(ids('AWS::AmazonMQ::Broker')).toEqual([expect.stringMatching(/^OrderEventsBroker/)]);
  });

  test('global clusters and the carts table', () => {
    const t = platformTemplates(DEFAULT).globalData;
    expect(Object.keys(t.findResources('AWS::RDS::GlobalCluster')).sort()).toEqual([
      expect.stringMatching(/^CatalogGlobalCluster/),
      expect.stringMatching(/^OrdersGlobalCluster/),
    ]);
    expect(Object.keys(t.findResources('AWS::DynamoDB::GlobalTable'))).toEqual([expect.stringMatching(/^CartsTable/)]);
  });

  test('every stateful resource is retained on stack deletion (and removed when its own creation rolls back)', () => {
    for (const stack of platformTemplates(DEFAULT).all) {
      const t = stack.template;
      for (const type of ['AWS::RDS::DBCluster', 'AWS::RDS::GlobalCluster', 'AWS::DynamoDB::GlobalTable', 'AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::AmazonMQ::Broker']) {
        for (const [id, resource] of Object.entries(t.findResources(type))) {
          expect([id, resource.DeletionPolicy]).toEqual([id, 'RetainExceptOnCreate']);
        }
      }
    }
  });
});

describe('regional stack outputs', () => {
  test('publishes the store URL and the topology parameter name', () => {
    const t = platformTemplates(DEFAULT).regional[1]!;
    t.hasOutput('TopologyParameter', { Value: '/retail/platform/topology' });
    t.hasOutput('StoreUrl', { Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
  });
});
