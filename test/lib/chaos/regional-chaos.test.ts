import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { FIS_ACTIONS, FIS_TARGET_TYPES, INSTANT_ACTIONS, RegionalChaos, type RegionalChaosProps } from '../../../lib/chaos/regional-chaos';
import { SERVICE_NAMES, type ServiceName } from '../../../lib/config/types';
import { CONFIGURATIONS, regionalTemplates, resources, type RegionalTemplates, type Resource } from '../observability/fixture';

type Target = { ResourceType: string; ResourceArns?: unknown[]; Parameters?: Record<string, unknown>; SelectionMode: string };
type Action = { ActionId: string; Parameters?: Record<string, string>; Targets?: Record<string, string>; StartAfter?: string[] };
type ExperimentTemplate = {
  Description: string;
  RoleArn: { 'Fn::GetAtt': [string, string] };
  Targets: Record<string, Target>;
  Actions: Record<string, Action>;
  StopConditions: { Source: string; Value: unknown }[];
  LogConfiguration: { CloudWatchLogsConfiguration: { LogGroupArn: unknown }; LogSchemaVersion: number };
  ExperimentOptions: Record<string, string>;
  Tags: { Name: string };
};

/** What each FIS action targets, and under which key (AWS FIS actions reference). */
const ACTION_TARGETS: Readonly<Record<string, { readonly key: string; readonly type: string } | null>> = {
  [FIS_ACTIONS.disruptConnectivity]: { key: 'Subnets', type: FIS_TARGET_TYPES.subnet },
  [FIS_ACTIONS.stopTask]: { key: 'Tasks', type: FIS_TARGET_TYPES.task },
  [FIS_ACTIONS.pauseReplication]: { key: 'Tables', type: FIS_TARGET_TYPES.globalTable },
  [FIS_ACTIONS.rebootDbInstances]: { key: 'DBInstances', type: FIS_TARGET_TYPES.dbInstance },
  [FIS_ACTIONS.wait]: null,
};

/** Which alarm stops each drill, and why (the decision the drills are built on). */
const STOP_CONDITIONS: Readonly<Record<string, 'peer-region-unreachable' | 'region-impaired'>> = {
  // Meant to impair this Region: only the failover target's health may stop them.
  'lose-writer': 'peer-region-unreachable',
  'lose-application-tier': 'peer-region-unreachable',
  // Must not impair the Region; independent of other Regions being deployed.
  'carts-replication': 'region-impaired',
  ...Object.fromEntries(SERVICE_NAMES.map((service) => [`stop-${service}-tasks`, 'region-impaired'])),
};

function minutesOf(duration: string | undefined): number {
  const match = /^PT(\d+)M$/.exec(duration ?? '');
  if (match === null) throw new Error(`unexpected duration ${String(duration)}`);
  return Number(match[1]);
}

describe.each(CONFIGURATIONS)('chaos drills (%s)', (_name, input) => {
  let platform: RegionalTemplates;
  beforeAll(() => {
    platform = regionalTemplates(input);
  });
  const detectionMinutes = (): number => 2 * platform.config.observability.canaryIntervalMinutes;

  function templates(t: Template): Record<string, ExperimentTemplate> {
    return Object.fromEntries(Object.values(resources(t, 'AWS::FIS::ExperimentTemplate')).map((r) => {
      const template = r.Properties as unknown as ExperimentTemplate;
      return [template.Tags.Name.replace(/^retail-[a-z]+-[a-z]+-\d-/, ''), template];
    }));
  }
  const each = (check: (t: Template, region: string, byName: Record<string, ExperimentTemplate>) => void): void => {
    for (const region of platform.regions) {
      const t = platform.template(region);
      check(t, region, templates(t));
    }
  };

  test('lose-writer, lose-application-tier, carts-replication and one stop-tasks drill per service, in every Region', () => {
    each((_t, _region, byName) => {
      expect(Object.keys(byName).sort()).toEqual(Object.keys(STOP_CONDITIONS).sort());
    });
  });

  test('each drill stops on its alarm, and on nothing else', () => {
    each((t, region, byName) => {
      const composite = (suffix: string): string => Object.keys(t.findResources('AWS::CloudWatch::CompositeAlarm', { Properties: { AlarmName: `retail-${region}-${suffix}` } }))[0] ?? 'missing';
      for (const [name, template] of Object.entries(byName)) {
        expect([name, template.StopConditions]).toEqual([name, [{ Source: 'aws:cloudwatch:alarm', Value: { 'Fn::GetAtt': [composite(STOP_CONDITIONS[name] ?? 'none'), 'Arn'] } }]]);
      }
    });
  });

  test('stop conditions can fire during the faults: every drill runs at least as long as the alarms need, and an instant action is followed by a watch before the next wave', () => {
    each((_t, _region, byName) => {
      for (const [name, template] of Object.entries(byName)) {
        const actions = Object.entries(template.Actions);
        const longest = Math.max(0, ...actions.filter(([, action]) => !INSTANT_ACTIONS.has(action.ActionId)).map(([, action]) => minutesOf(action.Parameters?.duration)));
        expect([name, longest >= detectionMinutes()]).toEqual([name, true]);
        const instant = actions.filter(([, action]) => INSTANT_ACTIONS.has(action.ActionId)).map(([key]) => key);
        for (const [key, action] of actions) {
          // Whatever starts after an instant action starts after a watch window, never directly.
          if ((action.StartAfter ?? []).some((before) => instant.includes(before))) {
            expect([name, key, action.ActionId]).toEqual([name, key, FIS_ACTIONS.wait]);
          }
        }
      }
    });
  });

  test('actions name their documented target key and resource type; targets are explicit; nothing "succeeds" empty', () => {
    each((_t, _region, byName) => {
      for (const [name, template] of Object.entries(byName)) {
        for (const [key, action] of Object.entries(template.Actions)) {
          const expected = ACTION_TARGETS[action.ActionId];
          expect([name, key, expected === undefined ? 'unknown action' : 'known']).toEqual([name, key, 'known']);
          if (expected === null || expected === undefined) {
            expect(action.Targets).toBeUndefined();
            continue;
          }
          const target = template.Targets[action.Targets?.[expected.key] ?? ''];
          expect([name, key, target?.ResourceType]).toEqual([name, key, expected.type]);
          expect(target?.ResourceArns !== undefined || target?.Parameters !== undefined).toBe(true);
        }
        expect(template.ExperimentOptions).toEqual({ AccountTargeting: 'single-account', EmptyTargetResolutionMode: 'fail' });
      }
    });
  });

  test('lose-writer cuts the application AND the data subnets, pauses carts replication and reboots every Aurora instance of the Region', () => {
    const azs = (region: string): number => platform.config.regions.find((plan) => plan.region === region)?.availabilityZones.length ?? 0;
    const instancesPerMember = 1 + platform.config.database.readers;
    each((t, region, byName) => {
      const drill = byName['lose-writer'];
      expect(drill).toBeDefined();
      if (drill === undefined) return;
      const subnets = (target: string): string => JSON.stringify(drill.Targets[target]?.ResourceArns);
      expect(drill.Targets.applicationSubnets?.ResourceArns).toHaveLength(azs(region));
      expect(drill.Targets.dataSubnets?.ResourceArns).toHaveLength(azs(region));
      expect(subnets('applicationSubnets')).toMatch(/NetworkVpcapplicationSubnet/);
      expect(subnets('dataSubnets')).toMatch(/NetworkVpcdataSubnet/);
      const cuts = Object.values(drill.Actions).filter((action) => action.ActionId === FIS_ACTIONS.disruptConnectivity);
      expect(cuts.map((action) => action.Targets?.Subnets).sort()).toEqual(['applicationSubnets', 'dataSubnets']);
      expect(cuts.every((action) => action.Parameters?.scope === 'all')).toBe(true);
      expect(JSON.stringify(drill.Targets.table?.ResourceArns)).toContain(':table/retail-carts');
      const instances = JSON.stringify(drill.Targets.databaseInstances?.ResourceArns);
      const dbInstances = Object.keys(resources(t, 'AWS::RDS::DBInstance'));
      expect(dbInstances).toHaveLength(2 * instancesPerMember);
      for (const instance of dbInstances) expect(instances).toContain(`{"Ref":"${instance}"}`);
      expect(drill.Targets.databaseInstances?.ResourceArns).toHaveLength(dbInstances.length);
    });
  });

  test('lose-application-tier cuts only the application subnets', () => {
    each((_t, _region, byName) => {
      const drill = byName['lose-application-tier'];
      expect(Object.keys(drill?.Targets ?? {})).toEqual(['applicationSubnets']);
      expect(JSON.stringify(drill?.Targets)).not.toMatch(/dataSubnet/);
    });
  });

  test('task drills: one task, a watch as long as the alarms need, then every other task that was running', () => {
    each((_t, _region, byName) => {
      for (const service of SERVICE_NAMES) {
        const drill = byName[`stop-${service}-tasks`];
        expect(drill?.Targets.oneTask?.SelectionMode).toBe('COUNT(1)');
        expect(drill?.Targets.allTasks?.SelectionMode).toBe('ALL');
        expect(Object.keys(drill?.Targets.allTasks?.Parameters ?? {}).sort()).toEqual(['cluster', 'service']);
        expect(drill?.Actions.observe).toEqual(expect.objectContaining({ ActionId: FIS_ACTIONS.wait, StartAfter: ['stopOneTask'], Parameters: { duration: `PT${detectionMinutes()}M` } }));
        expect(drill?.Actions.stopOtherTasks).toEqual(expect.objectContaining({ ActionId: FIS_ACTIONS.stopTask, StartAfter: ['observe'] }));
      }
    });
  });

  test('experiments log to a KMS-encrypted, retained log group', () => {
    const t = platform.template(platform.regions[0] ?? '');
    const [logGroupId] = Object.keys(t.findResources('AWS::Logs::LogGroup', { Properties: { KmsKeyId: Match.anyValue() } })).filter((id) => id.startsWith('ChaosExperimentLogs'));
    expect((resources(t, 'AWS::Logs::LogGroup')[logGroupId ?? ''] as Resource).DeletionPolicy).toBe('RetainExceptOnCreate');
    for (const template of Object.values(templates(t))) {
      expect(template.LogConfiguration).toEqual({ CloudWatchLogsConfiguration: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } }, LogSchemaVersion: 2 });
    }
  });

  test('roles: assumed by FIS of this account only, no managed policy, no wildcard action; each may touch only its drill\'s resources', () => {
    const region = platform.regions[0] ?? '';
    const t = platform.template(region);
    const roles = t.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'fis.amazonaws.com' } })] } } }) as Record<string, Resource>;
    expect(Object.keys(roles).map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['ChaosRoleNetwork', 'ChaosRoleNetworkReplicationDatabase', 'ChaosRoleReplication', 'ChaosRoleTasks']);
    for (const role of Object.values(roles)) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const trust = JSON.stringify(role.Properties.AssumeRolePolicyDocument);
      expect(trust).toContain('aws:SourceAccount');
      expect(trust).toContain(`:fis:${region}:123456789012:experiment/*`);
    }
    const policyOf = (rolePrefix: string): { Sid: string; Action: string | string[]; Resource: unknown }[] => {
      const roleId = Object.keys(roles).find((id) => id.replace(/[0-9A-F]{8}$/, '') === rolePrefix) ?? '';
      const policy = Object.values(resources(t, 'AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]));
      return (policy?.Properties.PolicyDocument as { Statement: { Sid: string; Action: string | string[]; Resource: unknown }[] }).Statement;
    };
    for (const rolePrefix of ['ChaosRoleNetwork', 'ChaosRoleNetworkReplicationDatabase', 'ChaosRoleReplication', 'ChaosRoleTasks']) {
      for (const statement of policyOf(rolePrefix)) {
        for (const action of ([] as string[]).concat(statement.Action)) expect(action).not.toContain('*');
      }
    }
    const swap = (rolePrefix: string): string => JSON.stringify(policyOf(rolePrefix).find((s) => s.Sid === 'SwapNetworkAclOfTheDrilledSubnets')?.Resource);
    expect(swap('ChaosRoleNetwork')).toMatch(/applicationSubnet/);
    expect(swap('ChaosRoleNetwork')).not.toMatch(/dataSubnet/);
    expect(swap('ChaosRoleNetworkReplicationDatabase')).toMatch(/dataSubnet/);
    const reboot = policyOf('ChaosRoleNetworkReplicationDatabase').find((s) => s.Sid === 'RebootThisRegionsAuroraInstances');
    expect(reboot?.Action).toBe('rds:RebootDBInstance');
    expect(JSON.stringify(reboot?.Resource)).toMatch(/:db:/);
    expect(JSON.stringify(policyOf('ChaosRoleTasks'))).toContain('"ecs:cluster"');
    expect(JSON.stringify(policyOf('ChaosRoleNetwork'))).toContain('"ec2:ResourceTag/managedByFIS":"true"');
  });
});

describe('RegionalChaos on its own', () => {
  function build(overrides: Partial<RegionalChaosProps>): () => RegionalChaos {
    return () => {
      const stack = new Stack(new App(), 'Drills', { env: { account: '123456789012', region: 'us-east-1' } });
      const vpc = new ec2.Vpc(stack, 'Vpc', {
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        subnetConfiguration: [
          { name: 'application', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
          { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        ],
      });
      const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
      const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
      taskDefinition.addContainer('app', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:1.36') });
      const service = new ecs.FargateService(stack, 'Service', { cluster, taskDefinition });
      const alarm = (id: string): cloudwatch.Alarm => new cloudwatch.Alarm(stack, id, { metric: new cloudwatch.Metric({ namespace: 'N', metricName: id, dimensionsMap: { D: 'd' } }), threshold: 1, evaluationPeriods: 1 });
      return new RegionalChaos(stack, 'Chaos', {
        appName: 'retail',
        region: 'us-east-1',
        vpc,
        applicationSubnets: { subnetGroupName: 'application' },
        dataSubnets: { subnetGroupName: 'data' },
        cluster,
        services: Object.fromEntries(SERVICE_NAMES.map((name) => [name, service])) as Record<ServiceName, ecs.FargateService>,
        cartsTableName: 'retail-carts',
        databaseInstanceIds: ['catalog-1', 'orders-1'],
        regionImpairedAlarm: alarm('Impaired'),
        peersImpairedAlarm: alarm('Peers'),
        detectionMinutes: 10,
        logKey: new kms.Key(stack, 'Key'),
        logRetentionDays: 14,
        ...overrides,
      });
    };
  }

  test('drills last long enough to detect, fail over and watch: at least 30 minutes, detection plus 20', () => {
    expect(build({})().drillDurationMinutes).toBe(30);
    expect(build({ detectionMinutes: 60 })().drillDurationMinutes).toBe(80);
  });

  test('fails on every bad input at once, naming each setting, value and range', () => {
    expect(build({ region: 'eu-west-1', detectionMinutes: 0, drillDurationMinutes: 5, databaseInstanceIds: [] })).toThrow(
      /region eu-west-1 is not the stack's Region us-east-1; detectionMinutes must be an integer from 1 to 120, got 0; .*databaseInstanceIds must name at least one/,
    );
    expect(build({ detectionMinutes: 20, drillDurationMinutes: 10 })).toThrow('drillDurationMinutes must be an integer from detectionMinutes (20, so the stop conditions can fire during the faults) to 720, got 10');
  });
});
