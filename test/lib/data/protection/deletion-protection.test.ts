import * as fs from 'node:fs';
import * as path from 'node:path';
import { platformTemplates, type StackTemplate } from '../../../helpers/assemblies';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DELETION_PROTECTION_TYPE, DeletionProtection } from '../../../../lib/data/protection/deletion-protection';

/**
 * The stateful resources with fixed names are created unprotected (a rolled-back first create can
 * delete them) and protected by one custom resource per stack, created after everything else.
 */

type Json = Record<string, unknown>;
interface Resource { readonly Type: string; readonly Properties?: Json; readonly DependsOn?: string | string[] }

const resourcesOf = (stack: StackTemplate) => Object.entries((stack.template.toJSON() as { Resources: Record<string, Resource> }).Resources);
const ofType = (stack: StackTemplate, type: string) => resourcesOf(stack).filter(([, r]) => r.Type === type);

function protection(stack: StackTemplate): [string, Resource] {
  const found = ofType(stack, DELETION_PROTECTION_TYPE);
  expect(found.map(([id]) => `${stack.name}/${id}`)).toHaveLength(1);
  return found[0]!;
}

/** The statements of the policy attached to the role of the custom resource's function. */
function protectionStatements(stack: StackTemplate, [, custom]: [string, Resource]): Json[] {
  const functionId = ((custom.Properties!.ServiceToken as { 'Fn::GetAtt': string[] })['Fn::GetAtt'])[0]!;
  const fn = resourcesOf(stack).find(([id]) => id === functionId)![1];
  const roleId = ((fn.Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'])[0]!;
  const policies = ofType(stack, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties!.Roles) === JSON.stringify([{ Ref: roleId }]));
  expect(policies).toHaveLength(1);
  const role = resourcesOf(stack).find(([id]) => id === roleId)![1];
  expect(role.Properties!.ManagedPolicyArns).toBeUndefined();
  return (policies[0]![1].Properties!.PolicyDocument as { Statement: Json[] }).Statement;
}

const PROD_EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'examples', 'prod-three-regions.json'), 'utf8')) as Record<string, unknown>;

/** The load balancer of a regional stack: [logical id, resource]. */
function loadBalancer(stack: StackTemplate): [string, Resource] {
  const found = ofType(stack, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  expect(found).toHaveLength(1);
  return found[0]!;
}

const protectionAttribute = ([, alb]: [string, Resource]) =>
  (alb.Properties!.LoadBalancerAttributes as { Key: string; Value: string }[]).filter((a) => a.Key === 'deletion_protection.enabled');

describe.each<[string, Record<string, unknown>, boolean]>([
  ['default', {}, false],
  ['examples/prod-three-regions.json', PROD_EXAMPLE, true],
])('deletion protection (%s)', (_name, input, protectsLoadBalancer) => {
  const platform = platformTemplates(input);
  const globalData = platform.all.find((stack) => stack.template === platform.globalData)!;
  const regions = platform.config.regions.map((plan) => plan.region);

  test('clusters, global clusters and the carts table synthesize without deletion protection (absent, never false)', () => {
    const clusters = platform.all.flatMap((stack) => ofType(stack, 'AWS::RDS::DBCluster').concat(ofType(stack, 'AWS::RDS::GlobalCluster')));
    expect(clusters.length).toBe(2 + 2 * regions.length);
    for (const [id, cluster] of clusters) {
      expect({ id, protection: 'DeletionProtection' in cluster.Properties! }).toEqual({ id, protection: false });
    }
    const [, table] = ofType(globalData, 'AWS::DynamoDB::GlobalTable')[0]!;
    expect('DeletionProtectionEnabled' in table.Properties!).toBe(false);
    for (const replica of table.Properties!.Replicas as Json[]) {
      expect({ region: replica.Region, protection: 'DeletionProtectionEnabled' in replica }).toEqual({ region: replica.Region, protection: false });
    }
  });

  test('the global-data stack protects both global clusters and every replica of the carts table', () => {
    const [, custom] = protection(globalData);
    expect(custom.Properties).toEqual({
      ServiceToken: expect.anything(),
      Fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
      DbClusters: [],
      GlobalClusters: ['retail-catalog', 'retail-orders'],
      Tables: [{ TableName: 'retail-carts', Regions: regions }],
    });
  });

  test(protectsLoadBalancer
    ? 'the load balancer is created without the deletion protection attribute (absent, not false)'
    : 'the load balancer says deletion protection false, as before (nothing turns it on later)', () => {
    for (const stack of platform.regionalStacks) {
      expect({ stack: stack.name, attribute: protectionAttribute(loadBalancer(stack)) })
        .toEqual({ stack: stack.name, attribute: protectsLoadBalancer ? [] : [{ Key: 'deletion_protection.enabled', Value: 'false' }] });
    }
  });

  test(`each regional stack protects its own two members${protectsLoadBalancer ? ' and its load balancer' : ' (no load balancer)'}`, () => {
    for (const stack of platform.regionalStacks) {
      const [, custom] = protection(stack);
      expect(custom.Properties).toEqual({
        ServiceToken: expect.anything(),
        Fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
        DbClusters: ofType(stack, 'AWS::RDS::DBCluster').map(([, c]) => c.Properties!.DBClusterIdentifier),
        GlobalClusters: [],
        Tables: [],
        ...(protectsLoadBalancer ? { LoadBalancers: [{ Ref: loadBalancer(stack)[0] }] } : {}),
      });
      expect(custom.Properties!.DbClusters).toEqual([`retail-catalog-${stack.region}`, `retail-orders-${stack.region}`]);
    }
  });

  test('the custom resource is created last: it depends on every other resource of its stack', () => {
    for (const stack of [globalData, ...platform.regionalStacks]) {
      const [customId, custom] = protection(stack);
      const dependsOn = new Set([custom.DependsOn ?? []].flat());
      const protectedTypes = ['AWS::RDS::DBCluster', 'AWS::RDS::GlobalCluster', 'AWS::DynamoDB::GlobalTable', 'AWS::ECS::Service', 'AWS::RDS::DBInstance'];
      for (const [id] of resourcesOf(stack).filter(([, r]) => protectedTypes.includes(r.Type))) {
        expect({ stack: stack.name, id, dependedOn: dependsOn.has(id) }).toEqual({ stack: stack.name, id, dependedOn: true });
      }
      // Only its own function, role, policy and log group are left out: they come first anyway (GetAtt).
      const notDependedOn = resourcesOf(stack).map(([id]) => id).filter((id) => id !== customId && !dependsOn.has(id));
      expect({ stack: stack.name, notDependedOn: notDependedOn.filter((id) => !id.startsWith('DeletionProtection')) }).toEqual({ stack: stack.name, notDependedOn: [] });
    }
  });

  test('IAM: exactly the named clusters, global clusters, table replicas and load balancer, the owning stack and its own logs', () => {
    const statements = protectionStatements(globalData, protection(globalData));
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid as string, s]));
    expect(Object.keys(bySid).sort()).toEqual(['ReadOwningStackStatus', 'SetGlobalClusterProtection', 'SetTableProtection', 'WriteOwnLogs']);
    expect(bySid.ReadOwningStackStatus).toMatchObject({ Action: 'cloudformation:DescribeStacks', Resource: { Ref: 'AWS::StackId' } });
    expect(bySid.SetGlobalClusterProtection!.Action).toBe('rds:ModifyGlobalCluster');
    expect(JSON.stringify(bySid.SetGlobalClusterProtection!.Resource)).toMatch(/rds::123456789012:global-cluster:retail-catalog".*rds::123456789012:global-cluster:retail-orders"/);
    expect(bySid.SetTableProtection!.Action).toEqual(['dynamodb:DescribeTable', 'dynamodb:UpdateTable']);
    expect((bySid.SetTableProtection!.Resource as unknown[]).map((r) => JSON.stringify(r))).toEqual(regions.map((region) => expect.stringContaining(`:dynamodb:${region}:123456789012:table/retail-carts"`)));

    const all = [...statements];
    for (const stack of platform.regionalStacks) {
      const regionalStatements = protectionStatements(stack, protection(stack));
      all.push(...regionalStatements);
      const regional = Object.fromEntries(regionalStatements.map((s) => [s.Sid as string, s]));
      expect(Object.keys(regional).sort()).toEqual(['ReadOwningStackStatus', 'SetClusterProtection', ...(protectsLoadBalancer ? ['SetLoadBalancerProtection'] : []), 'WriteOwnLogs']);
      if (protectsLoadBalancer) {
        expect(regional.SetLoadBalancerProtection).toEqual({
          Sid: 'SetLoadBalancerProtection',
          Effect: 'Allow',
          Action: 'elasticloadbalancing:ModifyLoadBalancerAttributes',
          Resource: { Ref: loadBalancer(stack)[0] },
        });
      }
      expect(regional.SetClusterProtection!.Action).toBe('rds:ModifyDBCluster');
      expect((regional.SetClusterProtection!.Resource as unknown[]).map((r) => JSON.stringify(r))).toEqual([
        expect.stringContaining(`:rds:${stack.region}:123456789012:cluster:retail-catalog-${stack.region}"`),
        expect.stringContaining(`:rds:${stack.region}:123456789012:cluster:retail-orders-${stack.region}"`),
      ]);
    }
    for (const statement of all) {
      expect(JSON.stringify(statement.Action)).not.toContain('*');
      expect(JSON.stringify(statement.Resource)).not.toContain('*');
    }
  });
});

describe('deletion protection fingerprint', () => {
  /** The Fingerprint of a stack with one protected table whose billing mode and stream are given, and an unrelated bucket. */
  function fingerprintOf(table: { billing: string; stream?: string }, bucketVersioned = false): string {
    const app = new App();
    const stack = new Stack(app, 'Fingerprint', { env: { account: '111111111111', region: 'us-east-1' } });
    const carts = new dynamodb.CfnGlobalTable(stack, 'Table', {
      tableName: 'retail-carts',
      billingMode: table.billing,
      attributeDefinitions: [{ attributeName: 'id', attributeType: 'S' }],
      keySchema: [{ attributeName: 'id', keyType: 'HASH' }],
      replicas: [{ region: 'us-east-1' }],
      ...(table.stream ? { streamSpecification: { streamViewType: table.stream } } : {}),
    });
    new CfnBucket(stack, 'Unrelated', bucketVersioned ? { versioningConfiguration: { status: 'Enabled' } } : {});
    new DeletionProtection(stack, 'Protection', {
      tables: [{ identifier: 'retail-carts', resource: carts, regions: ['us-east-1'] }],
      logKey: new kms.Key(stack, 'LogKey'),
      logRetentionDays: 30,
    });
    const [, custom] = Object.entries(Template.fromStack(stack).findResources(DELETION_PROTECTION_TYPE))[0]!;
    return (custom as { Properties: { Fingerprint: string } }).Properties.Fingerprint;
  }

  test('changes with the protected resource\'s definition (so an update of it is followed by protection again), not with the rest of the stack', () => {
    const base = fingerprintOf({ billing: 'PAY_PER_REQUEST' });
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintOf({ billing: 'PAY_PER_REQUEST' })).toBe(base);
    expect(fingerprintOf({ billing: 'PAY_PER_REQUEST', stream: 'NEW_AND_OLD_IMAGES' })).not.toBe(base);
    expect(fingerprintOf({ billing: 'PROVISIONED' })).not.toBe(base);
    expect(fingerprintOf({ billing: 'PAY_PER_REQUEST' }, true)).toBe(base);
  });

  test('refuses a protected construct without a CloudFormation resource to fingerprint', () => {
    const stack = new Stack(new App(), 'NoResource');
    new DeletionProtection(stack, 'Protection', { clusters: [{ identifier: 'x', resource: new Construct(stack, 'Empty') }], logKey: new kms.Key(stack, 'LogKey'), logRetentionDays: 30 });
    expect(() => Template.fromStack(stack)).toThrow('NoResource/Empty: no CloudFormation resource to fingerprint');
  });
});
