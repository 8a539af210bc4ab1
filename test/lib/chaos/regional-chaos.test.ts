import { Match } from 'aws-cdk-lib/assertions';
import { FIS_ACTIONS, FIS_TARGET_TYPES } from '../../../lib/chaos/regional-chaos';
import { DEV_TWO_REGIONS, PROD_THREE_REGIONS, observedPlatform, regionalTemplate, type ObservedPlatform } from '../observability/fixture';

type Resource = { Properties: Record<string, unknown>; DeletionPolicy?: string };
type Template = {
  Description: string;
  RoleArn: unknown;
  Targets: Record<string, { ResourceType: string; ResourceArns?: unknown[]; Parameters?: Record<string, unknown>; SelectionMode: string }>;
  Actions: Record<string, { ActionId: string; Parameters?: Record<string, string>; Targets: Record<string, string> }>;
  StopConditions: { Source: string; Value: unknown }[];
  LogConfiguration: { CloudWatchLogsConfiguration: { LogGroupArn: unknown }; LogSchemaVersion: number };
  ExperimentOptions: Record<string, string>;
};

/** What each FIS action targets, and under which key (AWS FIS actions reference). */
const ACTION_TARGETS: Readonly<Record<string, { readonly key: string; readonly type: string }>> = {
  [FIS_ACTIONS.disruptConnectivity]: { key: 'Subnets', type: FIS_TARGET_TYPES.subnet },
  [FIS_ACTIONS.stopTask]: { key: 'Tasks', type: FIS_TARGET_TYPES.task },
  [FIS_ACTIONS.pauseReplication]: { key: 'Tables', type: FIS_TARGET_TYPES.globalTable },
};

describe.each([
  ['dev, two Regions', DEV_TWO_REGIONS],
  ['prod, three Regions', PROD_THREE_REGIONS],
])('chaos drills (%s)', (_name, input) => {
  let observed: ObservedPlatform;
  beforeAll(() => {
    observed = observedPlatform(input);
  });

  function templates(region: string): Record<string, Template> {
    const t = regionalTemplate(observed, region);
    return Object.fromEntries(Object.entries(t.findResources('AWS::FIS::ExperimentTemplate')).map(([id, r]) => [id, (r as Resource).Properties as unknown as Template]));
  }

  test('region, network, carts replication and one stop-tasks drill per service in every Region', () => {
    for (const plan of observed.config.regions) {
      const t = regionalTemplate(observed, plan.region);
      const names = (Object.values(t.findResources('AWS::FIS::ExperimentTemplate')) as Resource[]).map((r) => (r.Properties.Tags as Record<string, string>).Name).sort();
      expect(names).toEqual(['carts-replication', 'network', 'region', ...['carts', 'catalog', 'checkout', 'orders', 'ui'].map((s) => `stop-${s}-tasks`)].map((n) => `retail-${plan.region}-${n}`).sort());
    }
  });

  test('every template has alarm stop conditions, the peers guardrail always, and the Region alarm on task drills', () => {
    for (const plan of observed.config.regions) {
      const t = regionalTemplate(observed, plan.region);
      const [peers] = Object.keys(t.findResources('AWS::CloudWatch::CompositeAlarm', { Properties: { AlarmName: `retail-${plan.region}-peer-region-unreachable` } }));
      const [impaired] = Object.keys(t.findResources('AWS::CloudWatch::CompositeAlarm', { Properties: { AlarmName: `retail-${plan.region}-region-impaired` } }));
      for (const template of Object.values(templates(plan.region))) {
        expect(template.StopConditions.length).toBeGreaterThan(0);
        expect(template.StopConditions.every((condition) => condition.Source === 'aws:cloudwatch:alarm')).toBe(true);
        const values = template.StopConditions.map((condition) => condition.Value);
        expect(values).toContainEqual({ 'Fn::GetAtt': [peers, 'Arn'] });
        const stopsTasks = Object.values(template.Actions).some((action) => action.ActionId === FIS_ACTIONS.stopTask);
        expect(values.some((value) => JSON.stringify(value) === JSON.stringify({ 'Fn::GetAtt': [impaired, 'Arn'] }))).toBe(stopsTasks);
      }
    }
  });

  test('actions name their documented target key and resource type; targets are explicit', () => {
    const region = observed.config.regions[0]?.region ?? '';
    const applicationSubnets = observed.config.regions[0]?.availabilityZones.length ?? 0;
    for (const template of Object.values(templates(region))) {
      for (const action of Object.values(template.Actions)) {
        const expected = ACTION_TARGETS[action.ActionId];
        expect(expected).toBeDefined();
        const targetName = action.Targets[expected?.key ?? ''];
        expect(targetName).toBeDefined();
        const target = template.Targets[targetName ?? ''];
        expect(target?.ResourceType).toBe(expected?.type);
        expect(target?.SelectionMode).toBe('ALL');
        if (action.ActionId === FIS_ACTIONS.disruptConnectivity) {
          expect(action.Parameters).toEqual({ duration: 'PT10M', scope: 'all' });
          expect(target?.ResourceArns).toHaveLength(applicationSubnets);
          expect(JSON.stringify(target?.ResourceArns)).toContain(':subnet/');
        }
        if (action.ActionId === FIS_ACTIONS.pauseReplication) {
          expect(action.Parameters).toEqual({ duration: 'PT10M' });
          expect(JSON.stringify(target?.ResourceArns)).toContain(':table/retail-carts');
        }
        if (action.ActionId === FIS_ACTIONS.stopTask) {
          expect(Object.keys(target?.Parameters ?? {}).sort()).toEqual(['cluster', 'service']);
          expect(target?.ResourceArns).toBeUndefined();
        }
      }
      expect(template.ExperimentOptions).toEqual({ AccountTargeting: 'single-account', EmptyTargetResolutionMode: 'fail' });
    }
  });

  test('experiments log to a KMS-encrypted, retained log group', () => {
    const region = observed.config.regions[0]?.region ?? '';
    const t = regionalTemplate(observed, region);
    const [logGroupId] = Object.keys(t.findResources('AWS::Logs::LogGroup', { Properties: { KmsKeyId: Match.anyValue() } })).filter((id) => id.startsWith('ChaosExperimentLogs'));
    expect(logGroupId).toBeDefined();
    expect((t.findResources('AWS::Logs::LogGroup')[logGroupId ?? ''] as Resource).DeletionPolicy).toBe('Retain');
    for (const template of Object.values(templates(region))) {
      expect(template.LogConfiguration).toEqual({ CloudWatchLogsConfiguration: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } }, LogSchemaVersion: 2 });
    }
  });

  test('roles: assumed by FIS of this account only, no managed policy, no wildcard action', () => {
    const region = observed.config.regions[0]?.region ?? '';
    const t = regionalTemplate(observed, region);
    const roles = t.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'fis.amazonaws.com' } })] } } });
    expect(Object.keys(roles)).toHaveLength(4);
    for (const role of Object.values(roles) as Resource[]) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const trust = JSON.stringify(role.Properties.AssumeRolePolicyDocument);
      expect(trust).toContain('aws:SourceAccount');
      expect(trust).toContain(`:fis:${region}:123456789012:experiment/*`);
    }
    const policies = Object.values(t.findResources('AWS::IAM::Policy')) as Resource[];
    const fisPolicies = policies.filter((policy) => JSON.stringify(policy.Properties.Roles).includes('ChaosRole'));
    expect(fisPolicies).toHaveLength(4);
    for (const policy of fisPolicies) {
      for (const statement of (policy.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement) {
        for (const action of ([] as string[]).concat(statement.Action)) {
          expect(action).not.toContain('*');
        }
      }
    }
    const all = JSON.stringify(fisPolicies);
    expect(all).toContain('"aws:RequestTag/managedByFIS":"true"');
    expect(all).toContain('"ec2:ResourceTag/managedByFIS":"true"');
    expect(all).toContain('dynamodb:PutResourcePolicy');
    expect(all).toContain('"ecs:cluster"');
  });
});
