import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SERVICE_NAMES, type ServiceName } from '../../../lib/config/types';
import { RegionSwitchPlans, planName, type RegionSwitchRegion } from '../../../lib/region-switch/region-switch-plans';
import { BLOCK, PLAN_STEP, regionPairs } from '../../../lib/region-switch/workflows';
import type { RoutingMode } from '../../../lib/topology/topology';
import { nagViolations } from '../../helpers/platform';

const ACCOUNT = '123456789012';

function region(name: string): RegionSwitchRegion {
  const services = Object.fromEntries(SERVICE_NAMES.map((service) => [service, {
    clusterArn: `arn:aws:ecs:${name}:${ACCOUNT}:cluster/retail`,
    serviceArn: `arn:aws:ecs:${name}:${ACCOUNT}:service/retail/${service}`,
  }])) as Record<ServiceName, { clusterArn: string; serviceArn: string }>;
  return { region: name, routingControlArn: `arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/p/routingcontrol/${name}`, services };
}

const APPROVERS = [`arn:aws:iam::${ACCOUNT}:role/IncidentCommander`, 'alice'];

function build(regions: readonly string[], routingMode: RoutingMode, approval: boolean, approvers: readonly string[] = approval ? APPROVERS : []): { app: App; template: Template } {
  const app = new App();
  const stack = new Stack(app, 'Plans', { env: { account: ACCOUNT, region: 'us-west-2' } });
  new RegionSwitchPlans(stack, 'RegionSwitch', {
    appName: 'retail',
    regions: regions.map(region),
    primaryRegion: regions[0]!,
    routingMode,
    clusterArn: `arn:aws:route53-recovery-control::${ACCOUNT}:cluster/c`,
    controlPanelArn: `arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/p`,
    serviceNames: SERVICE_NAMES,
    databaseNames: ['catalog', 'orders'],
    approval,
    approvers,
    reportRetentionDays: 30,
  });
  return { app, template: Template.fromStack(stack) };
}

interface Step { Name: string; ExecutionBlockType: string; ExecutionBlockConfiguration: Record<string, Record<string, unknown>> }
interface Workflow { WorkflowTargetAction: string; WorkflowTargetRegion?: string; Steps: Step[] }
interface PlanProps { Name: string; Regions: string[]; RecoveryApproach: string; PrimaryRegion?: string; Workflows: Workflow[] }

function plans(template: Template): PlanProps[] {
  return Object.values(template.findResources('AWS::ARCRegionSwitch::Plan')).map((resource) => (resource as { Properties: PlanProps }).Properties);
}

describe('two Regions, active-standby, with approval', () => {
  const { app, template } = build(['us-east-1', 'us-west-2'], 'active-standby', true);
  const [plan] = plans(template);

  test('one active/passive plan over both Regions, the configured primary first', () => {
    expect(plans(template)).toHaveLength(1);
    expect(plan).toMatchObject({ Name: 'retail-use1-usw2', Regions: ['us-east-1', 'us-west-2'], RecoveryApproach: 'activePassive', PrimaryRegion: 'us-east-1' });
  });

  test('one activate workflow per Region, each in the failover runbook\'s order', () => {
    expect(plan!.Workflows.map((workflow) => [workflow.WorkflowTargetAction, workflow.WorkflowTargetRegion])).toEqual([['activate', 'us-east-1'], ['activate', 'us-west-2']]);
    for (const workflow of plan!.Workflows) {
      expect(workflow.Steps.map((step) => [step.Name, step.ExecutionBlockType])).toEqual([
        [PLAN_STEP.approve, BLOCK.approval],
        [PLAN_STEP.traffic, BLOCK.routing],
        [PLAN_STEP.databases, BLOCK.parallel],
        [PLAN_STEP.capacity, BLOCK.parallel],
      ]);
    }
  });

  test('the approval step names the approver role, which may approve only this application\'s plans', () => {
    const approval = plan!.Workflows[0]!.Steps[0]!.ExecutionBlockConfiguration.ExecutionApprovalConfig;
    expect(approval).toEqual({ ApprovalRole: { 'Fn::GetAtt': [expect.stringMatching(/^RegionSwitchApproverRole/), 'Arn'] }, TimeoutMinutes: 60 });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^RegionSwitchApproverRole') }],
      PolicyDocument: { Statement: [Match.objectLike({
        Action: Match.arrayWith(['arc-region-switch:ApprovePlanExecutionStep']),
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:arc-region-switch::${ACCOUNT}:plan/retail-*`]] },
      })] },
    });
  });

  test('the approver role trusts exactly the configured approvers (user names as users of this account), nobody else', () => {
    const roles = template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('approves Region switch') } });
    expect(Object.values(roles).map((role) => (role as { Properties: { AssumeRolePolicyDocument: unknown } }).Properties.AssumeRolePolicyDocument)).toEqual([{
      Version: '2012-10-17',
      Statement: [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: APPROVERS[0] } },
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:user/alice`]] } } },
      ],
    }]);
  });

  test('both global databases: switchover when graceful, failover when ungraceful, members of both Regions', () => {
    const parallel = plan!.Workflows[0]!.Steps[2]!.ExecutionBlockConfiguration.ParallelConfig as { Steps: Step[] };
    expect(parallel.Steps.map((step) => step.ExecutionBlockConfiguration.GlobalAuroraConfig)).toEqual(['catalog', 'orders'].map((database) => ({
      GlobalClusterIdentifier: `retail-${database}`,
      DatabaseClusterArns: ['us-east-1', 'us-west-2'].map((name) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:rds:${name}:${ACCOUNT}:cluster:retail-${database}-${name}`]] })),
      Behavior: 'switchoverOnly',
      Ungraceful: { Ungraceful: 'failover' },
      TimeoutMinutes: 30,
    })));
  });

  test('every service scaled with its counterpart in the other Region (the block takes exactly two)', () => {
    const parallel = plan!.Workflows[1]!.Steps[3]!.ExecutionBlockConfiguration.ParallelConfig as { Steps: Step[] };
    expect(parallel.Steps.map((step) => step.ExecutionBlockType)).toEqual(SERVICE_NAMES.map(() => BLOCK.ecs));
    const ui = parallel.Steps[0]!.ExecutionBlockConfiguration.EcsCapacityIncreaseConfig as { Services: { ServiceArn: string }[] };
    expect(ui.Services.map((service) => service.ServiceArn)).toEqual([
      `arn:aws:ecs:us-east-1:${ACCOUNT}:service/retail/ui`, `arn:aws:ecs:us-west-2:${ACCOUNT}:service/retail/ui`,
    ]);
  });

  test('routing controls of both Regions, and the Region impaired alarms as application health', () => {
    const routing = plan!.Workflows[0]!.Steps[1]!.ExecutionBlockConfiguration.ArcRoutingControlConfig as { RegionAndRoutingControls: Record<string, unknown> };
    expect(Object.keys(routing.RegionAndRoutingControls)).toEqual(['us-east-1', 'us-west-2']);
    template.hasResourceProperties('AWS::ARCRegionSwitch::Plan', {
      AssociatedAlarms: {
        'retail-us-east-1-region-impaired': { AlarmType: 'applicationHealth', ResourceIdentifier: Match.anyValue() },
        'retail-us-west-2-region-impaired': { AlarmType: 'applicationHealth', ResourceIdentifier: Match.anyValue() },
      },
      ReportConfiguration: { ReportOutput: [{ S3Configuration: { BucketOwner: ACCOUNT, BucketPath: Match.anyValue() } }] },
    });
  });

  test('the execution role is trusted only by Region switch from this account, and changes only named resources', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'arc-region-switch.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }] },
    });
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^RegionSwitchExecutionRole') }] } }))[0] as { Properties: { PolicyDocument: { Statement: { Sid: string; Action: string | string[]; Resource: unknown }[] } } };
    const statements = policy.Properties.PolicyDocument.Statement;
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) {
        expect(action).not.toMatch(/\*/);
      }
    }
    // Only the scalable-target statement has a bare wildcard resource.
    expect(statements.filter((statement) => [statement.Resource].flat().includes('*')).map((statement) => statement.Sid)).toEqual(['ServiceScalingTargets']);
    const writes = statements.find((statement) => statement.Sid === 'GlobalDatabases');
    expect(writes?.Action).toEqual(['rds:DescribeGlobalClusters', 'rds:SwitchoverGlobalCluster', 'rds:FailoverGlobalCluster']);
  });

  test('cdk-nag finds nothing unacknowledged', () => {
    expect(nagViolations(app)).toEqual([]);
  });
});

describe('two Regions, active-active, without approval', () => {
  const { template } = build(['us-east-1', 'us-east-2'], 'active-active', false);
  const [plan] = plans(template);

  test('an active/active plan: deactivate moves the writers away, activate only returns traffic and capacity', () => {
    expect(plan).toMatchObject({ RecoveryApproach: 'activeActive' });
    expect(plan!.PrimaryRegion).toBeUndefined();
    expect(plan!.Workflows.map((workflow) => [workflow.WorkflowTargetAction, workflow.Steps.map((step) => step.Name)])).toEqual([
      ['deactivate', [PLAN_STEP.traffic, PLAN_STEP.databases, PLAN_STEP.capacity]],
      ['activate', [PLAN_STEP.traffic, PLAN_STEP.capacity]],
    ]);
    const off = plan!.Workflows[0]!.Steps[0]!.ExecutionBlockConfiguration.ArcRoutingControlConfig as { RegionAndRoutingControls: Record<string, { State: string }[]> };
    expect(Object.values(off.RegionAndRoutingControls).flat().map((control) => control.State)).toEqual(['Off', 'Off']);
  });

  test('no approver role without approval', () => {
    expect(Object.keys(template.findResources('AWS::IAM::Role'))).toEqual([expect.stringMatching(/^RegionSwitchExecutionRole/)]);
  });
});

describe('approvers', () => {
  test('approval without approvers is refused, naming the setting and what is allowed', () => {
    expect(() => build(['us-east-1', 'us-west-2'], 'active-standby', true, [])).toThrow('RegionSwitchPlans: approvers: 0 given, 1 to 10 allowed (approval is true)');
  });

  test('every approver that is neither a user name nor a user or role ARN is named, with a count beyond 10', () => {
    const approvers = ['arn:aws:s3:::bucket', 'no spaces', ...Array.from({ length: 9 }, (_, index) => `user${index}`)];
    expect(() => build(['us-east-1', 'us-west-2'], 'active-standby', true, approvers)).toThrow(
      'RegionSwitchPlans: approvers: 11 given, 1 to 10 allowed (approval is true); approvers: "arn:aws:s3:::bucket" is neither an IAM user name nor an IAM user or role ARN; approvers: "no spaces" is neither an IAM user name nor an IAM user or role ARN');
  });

  test('approvers without approval are refused rather than ignored', () => {
    expect(() => build(['us-east-1', 'us-west-2'], 'active-standby', false, ['alice'])).toThrow('RegionSwitchPlans: approvers (alice) are only used with approval true');
  });
});

describe('plan names and pairs', () => {
  test('every pair once, in configuration order', () => {
    expect(regionPairs(['a', 'b', 'c'])).toEqual([['a', 'b'], ['a', 'c'], ['b', 'c']]);
    expect(regionPairs(['a', 'b'])).toEqual([['a', 'b']]);
  });

  test('the longest application name and Region codes fit the 32-character limit', () => {
    expect(planName('a'.repeat(20), 'ap-southeast-2', 'ap-northeast-3')).toHaveLength(32);
  });
});
