import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import { PeakCapacity } from '../../../lib/capacity/peak-capacity';
import { planEvents } from '../../../lib/capacity/plan';
import { resolveConfig } from '../../../lib/config/resolve';
import { SERVICE_NAMES, type PlatformConfig, type ServiceName } from '../../../lib/config/types';

const LB_ARN = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/store/0123456789abcdef';

function build(config: PlatformConfig, member: 'primary' | 'secondary' = 'primary'): Template {
  const stack = new Stack(new App(), 'Peak', { env: { account: '123456789012', region: 'us-west-2' } });
  const services = Object.fromEntries(SERVICE_NAMES.map((name) => [name, {
    scaling: new appscaling.ScalableTarget(stack, `${name}Target`, {
      serviceNamespace: appscaling.ServiceNamespace.ECS,
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/cluster/${name}`,
      minCapacity: config.services[name].minCount,
      maxCapacity: config.services[name].maxCount,
    }),
    sizing: config.services[name],
  }])) as Record<ServiceName, { scaling: appscaling.ScalableTarget; sizing: PlatformConfig['services'][ServiceName] }>;
  new PeakCapacity(stack, 'PeakCapacity', {
    events: planEvents(config),
    services,
    loadBalancerArn: LB_ARN,
    serverlessDatabases: config.database.instanceClass !== 'serverless' ? [] : [
      { name: 'catalog', clusterIdentifier: 'retail-catalog-us-west-2', minCapacity: config.database.serverlessMinCapacity, maxCapacity: config.database.serverlessMaxCapacity },
      { name: 'orders', clusterIdentifier: 'retail-orders-us-west-2', minCapacity: config.database.serverlessMinCapacity, maxCapacity: config.database.serverlessMaxCapacity },
    ],
    // As the regional stack passes them: provisioned primary members only, with their instances.
    readerScaling: config.database.instanceClass === 'serverless' || member === 'secondary' ? [] : (['catalog', 'orders'] as const).map((name) => ({
      name,
      clusterIdentifier: `retail-${name}-us-west-2`,
      readers: config.database.readers,
      instances: [new CfnWaitConditionHandle(stack, `${name}Writer`), new CfnWaitConditionHandle(stack, `${name}Reader`)],
    })),
  });
  return Template.fromStack(stack);
}

// dev, Serverless v2: 300 requests/s. ui 300 / 75 per 0.5-vCPU task = 4; catalog 307.5 / 100 = 3.075 -> 4; carts 157.5 / 125 = 1.26 -> 2;
// catalog 615 statements / 500 = 1.23 -> 1.5 ACUs; orders 18.75 / 100 -> 0.5; LCUs 20.6 GiB/h -> 21.
const DEV = resolveConfig({
  services: { ui: { maxCount: 6 }, catalog: { maxCount: 4 }, carts: { maxCount: 4 } },
  capacity: {
    peakRequestsPerSecond: 300,
    leadMinutes: 60,
    events: [
      { name: 'spring-sale', start: '2027-03-01T09:00:00Z', end: '2027-03-01T12:00:00Z' },
      { name: 'black-friday', start: '2027-11-26T13:00:00Z', end: '2027-11-26T17:00:00Z', peakRequestsPerSecond: 100 },
    ],
  },
});

describe('PeakCapacity', () => {
  const t = build(DEV);

  test('each service: minimum raised at start - lead, back to minCount at end + release, maximum kept', () => {
    const actions = (resourceId: string) => Object.values(t.findResources('AWS::ApplicationAutoScaling::ScalableTarget', { Properties: { ResourceId: resourceId } }))[0]!.Properties.ScheduledActions as unknown[];
    expect(actions('service/cluster/ui')).toEqual([
      { ScheduledActionName: 'peak-spring-sale-raise', Schedule: 'at(2027-03-01T08:00:00)', ScalableTargetAction: { MinCapacity: 4, MaxCapacity: 6 } },
      { ScheduledActionName: 'peak-spring-sale-release', Schedule: 'at(2027-03-01T12:30:00)', ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 6 } },
      // 100 requests/s: 100 / 75 = 1.3 -> 2
      { ScheduledActionName: 'peak-black-friday-raise', Schedule: 'at(2027-11-26T12:00:00)', ScalableTargetAction: { MinCapacity: 2, MaxCapacity: 6 } },
      { ScheduledActionName: 'peak-black-friday-release', Schedule: 'at(2027-11-26T17:30:00)', ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 6 } },
    ]);
    expect((actions('service/cluster/carts')[0] as { ScalableTargetAction: unknown }).ScalableTargetAction).toEqual({ MinCapacity: 2, MaxCapacity: 4 });
    expect((actions('service/cluster/orders')[0] as { ScalableTargetAction: unknown }).ScalableTargetAction).toEqual({ MinCapacity: 1, MaxCapacity: 2 });
  });

  test('load balancer: LCUs reserved at start - lead, the reservation reset at end + release', () => {
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'at(2027-03-01T08:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:::aws-sdk:elasticloadbalancingv2:modifyCapacityReservation']] },
        Input: JSON.stringify({ LoadBalancerArn: LB_ARN, MinimumLoadBalancerCapacity: { CapacityUnits: 21 } }),
      }),
    });
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'at(2027-03-01T12:30:00)',
      Target: Match.objectLike({ Input: JSON.stringify({ LoadBalancerArn: LB_ARN, ResetCapacityReservation: true }) }),
    });
  });

  test('Serverless v2: each database\'s minimum ACUs raised for the window and restored after', () => {
    const inputs = Object.values(t.findResources('AWS::Scheduler::Schedule'))
      .map((r) => r.Properties as { ScheduleExpression: string; Target: { Arn: unknown; Input: string } })
      .filter((p) => JSON.stringify(p.Target.Arn).includes('rds:modifyDBCluster') && p.ScheduleExpression.startsWith('at(2027-03-01'))
      .map((p) => [p.ScheduleExpression, JSON.parse(p.Target.Input) as unknown]);
    expect(inputs).toEqual([
      ['at(2027-03-01T08:00:00)', { DBClusterIdentifier: 'retail-catalog-us-west-2', ServerlessV2ScalingConfiguration: { MinCapacity: 1.5, MaxCapacity: 4 }, ApplyImmediately: true }],
      ['at(2027-03-01T12:30:00)', { DBClusterIdentifier: 'retail-catalog-us-west-2', ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 }, ApplyImmediately: true }],
      ['at(2027-03-01T08:00:00)', { DBClusterIdentifier: 'retail-orders-us-west-2', ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 }, ApplyImmediately: true }],
      ['at(2027-03-01T12:30:00)', { DBClusterIdentifier: 'retail-orders-us-west-2', ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 }, ApplyImmediately: true }],
    ]);
    t.resourceCountIs('AWS::Scheduler::Schedule', 2 * (2 + 4));
  });

  test('the schedules\' role: only the two calls, only on this load balancer and these clusters, only for this account', () => {
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      })] },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [
        { Effect: 'Allow', Action: 'elasticloadbalancing:ModifyCapacityReservation', Resource: LB_ARN },
        { Effect: 'Allow', Action: 'rds:ModifyDBCluster', Resource: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds:us-west-2:123456789012:cluster:retail-catalog-us-west-2']] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds:us-west-2:123456789012:cluster:retail-orders-us-west-2']] },
        ] },
      ] },
    });
  });

  test('provisioned Aurora: no ACU schedules and no RDS permission', () => {
    const p = build(resolveConfig({ profile: 'prod', capacity: { peakRequestsPerSecond: 600, events: [{ name: 'bf', start: '2027-11-26T13:00:00Z', end: '2027-11-26T17:00:00Z' }] } }));
    p.resourceCountIs('AWS::Scheduler::Schedule', 2);
    expect(JSON.stringify(p.toJSON())).not.toContain('rds:ModifyDBCluster');
  });
});

// prod, db.r6g.large (2 vCPUs x 4 ACUs x statements per ACU), 1 reader declared, lead 120, release 30.
// 4,000 requests/s: catalog 4000 x 2.05 = 8200 statements / (500 x 8 = 4000 per reader) = 2.05 -> 3, + 1 spare = 4;
// orders 4000 x 0.0625 = 250 / (100 x 8 = 800) = 0.3 -> 1, + 1 spare = 2.
// 300 requests/s: catalog 615 / 4000 -> 1 + 1 = 2; orders 18.75 / 800 -> 1 + 1 = 2.
const PROVISIONED = resolveConfig({
  profile: 'prod',
  services: { ui: { maxCount: 30 }, catalog: { maxCount: 30 }, carts: { maxCount: 30 }, checkout: { maxCount: 30 }, orders: { maxCount: 30 } },
  capacity: {
    events: [
      { name: 'launch', start: '2027-03-01T09:00:00Z', end: '2027-03-01T12:00:00Z', peakRequestsPerSecond: 4000 },
      { name: 'small', start: '2027-06-01T09:00:00Z', end: '2027-06-01T10:00:00Z', peakRequestsPerSecond: 300 },
    ],
  },
});

describe('PeakCapacity: provisioned Aurora readers (primary member)', () => {
  const t = build(PROVISIONED);
  const target = (cluster: string) => {
    const found = Object.entries(t.findResources('AWS::ApplicationAutoScaling::ScalableTarget', { Properties: { ResourceId: `cluster:${cluster}` } }));
    expect(found).toHaveLength(1);
    return { logicalId: found[0]![0], resource: found[0]![1] as { Properties: Record<string, unknown>; DependsOn?: string[] } };
  };

  test('each cluster\'s reader count is a scalable target held at database.readers, with the service-linked role', () => {
    for (const cluster of ['retail-catalog-us-west-2', 'retail-orders-us-west-2']) {
      const { Properties } = target(cluster).resource;
      expect(Properties).toMatchObject({ ServiceNamespace: 'rds', ScalableDimension: 'rds:cluster:ReadReplicaCount', MinCapacity: 1, MaxCapacity: 1 });
      // App Auto Scaling's service-linked role for Aurora, not a role of ours.
      expect(Properties.RoleARN).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:role/aws-service-role/rds.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_RDSCluster']] });
    }
  });

  test('readers raised (minimum and maximum) at start - lead and set back to database.readers at end + release', () => {
    expect(target('retail-catalog-us-west-2').resource.Properties.ScheduledActions).toEqual([
      { ScheduledActionName: 'peak-launch-raise', Schedule: 'at(2027-03-01T07:00:00)', ScalableTargetAction: { MinCapacity: 4, MaxCapacity: 4 } },
      { ScheduledActionName: 'peak-launch-release', Schedule: 'at(2027-03-01T12:30:00)', ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 1 } },
      { ScheduledActionName: 'peak-small-raise', Schedule: 'at(2027-06-01T07:00:00)', ScalableTargetAction: { MinCapacity: 2, MaxCapacity: 2 } },
      { ScheduledActionName: 'peak-small-release', Schedule: 'at(2027-06-01T10:30:00)', ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 1 } },
    ]);
    expect((target('retail-orders-us-west-2').resource.Properties.ScheduledActions as unknown[])[0]).toEqual(
      { ScheduledActionName: 'peak-launch-raise', Schedule: 'at(2027-03-01T07:00:00)', ScalableTargetAction: { MinCapacity: 2, MaxCapacity: 2 } },
    );
  });

  test('registered only after the member\'s instances exist (the cluster must be available)', () => {
    expect(target('retail-catalog-us-west-2').resource.DependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/^catalogWriter/), expect.stringMatching(/^catalogReader/),
    ]));
  });

  test('no reader permission on the schedules\' role: App Auto Scaling acts with its own service-linked role', () => {
    expect(JSON.stringify(t.toJSON())).not.toContain('rds:CreateDBInstance');
    t.resourceCountIs('AWS::Scheduler::Schedule', 2 * 2);
  });

  test('no events: nothing is created', () => {
    const p = build(resolveConfig({}));
    p.resourceCountIs('AWS::Scheduler::Schedule', 0);
    expect(JSON.stringify(p.toJSON())).not.toContain('scheduler.amazonaws.com');
    for (const target of Object.values(p.findResources('AWS::ApplicationAutoScaling::ScalableTarget'))) {
      expect(target.Properties.ScheduledActions).toBeUndefined();
    }
  });
});
