import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { resolveConfig } from '../../../lib/config/resolve';
import { bakeAlarmNames } from '../../../lib/pipeline/bake';
import { planName } from '../../../lib/region-switch/region-switch-plans';
import { rolloutOrder } from '../../../lib/platform';
import { platformTemplates } from '../../helpers/assemblies';

/** The example with both optional features, through the shared synth (the snapshots use it too). */
const EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'pipeline-region-switch.json'), 'utf8')) as Record<string, unknown>;

describe('pipeline-region-switch example', () => {
  const templates = platformTemplates(EXAMPLE);
  const byName = new Map(templates.all.map((stack) => [stack.name, stack]));

  test('the rollout order puts the writer\'s Region last', () => {
    expect(rolloutOrder(resolveConfig(EXAMPLE))).toEqual(['us-east-2', 'us-west-2', 'us-east-1']);
  });

  test('the pipeline deploys the real stacks in waves that keep every declared dependency', () => {
    const pipeline = byName.get('retail-pipeline')!.template;
    const resource = Object.values(pipeline.findResources('AWS::CodePipeline::Pipeline'))[0] as { Properties: { Stages: { Name: string; Actions: { Name: string; RunOrder: number }[] }[] } };
    const actions = resource.Properties.Stages.find((stage) => stage.Name === 'Platform')!.Actions;
    const runOrder = (name: string) => actions.find((action) => action.Name === name)!.RunOrder;
    const deployed = (stack: string) => runOrder(`${stack}.Deploy`);
    const prepared = (stack: string) => runOrder(`${stack}.Prepare`);
    // Every dependency the top-level stacks declare holds in the pipeline, except the one the
    // pipeline replaces with its guard step (secondary Regions after the writer's).
    for (const stack of templates.all.filter((entry) => entry.name !== 'retail-pipeline')) {
      for (const dependency of stack.dependencies) {
        if (stack.name.startsWith('retail-region-us') && dependency.startsWith('retail-region-us')) continue;
        expect([stack.name, prepared(stack.name) > deployed(dependency)]).toEqual([stack.name, true]);
      }
    }
    // Waves: traffic control, the networks, the global data (it uses every Region's key), then one
    // Region at a time, the writer's last.
    expect(prepared('retail-network-us-east-1')).toBeGreaterThan(deployed('retail-traffic-control'));
    expect(prepared('retail-global-data')).toBeGreaterThan(deployed('retail-network-us-west-2'));
    const regions = ['us-east-2', 'us-west-2', 'us-east-1'];
    regions.forEach((region, index) => {
      const bake = runOrder(`retail-region-${region}.Bake-${region}`);
      expect(bake).toBeGreaterThan(deployed(`retail-region-${region}`));
      if (index + 1 < regions.length) {
        expect(prepared(`retail-region-${regions[index + 1]!}`)).toBeGreaterThan(bake);
      }
    });
    expect(runOrder('retail-region-us-east-2.RequireWriterRegion-us-east-1')).toBeLessThan(prepared('retail-region-us-east-2'));
    expect(runOrder('retail-region-us-east-1.ApproveWriterRegion-us-east-1')).toBe(runOrder('retail-region-us-west-2.Bake-us-west-2') + 1);
    expect(prepared('retail-region-switch')).toBeGreaterThan(runOrder('retail-region-us-east-1.Bake-us-east-1'));
  });

  test('every alarm a bake watches exists, under that name, in its Region\'s stack', () => {
    for (const stack of templates.regionalStacks) {
      const names = [
        ...Object.values(stack.template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => (alarm as { Properties: { AlarmName: string } }).Properties.AlarmName),
        ...Object.values(stack.template.findResources('AWS::CloudWatch::CompositeAlarm')).map((alarm) => (alarm as { Properties: { AlarmName: string } }).Properties.AlarmName),
      ];
      expect(names).toEqual(expect.arrayContaining(bakeAlarmNames('retail', stack.region, true)));
    }
  });

  test('three Regions: one Region switch plan per pair, each active/passive with the configured primary where it is a member', () => {
    const plans = Object.values(byName.get('retail-region-switch')!.template.findResources('AWS::ARCRegionSwitch::Plan'))
      .map((plan) => (plan as { Properties: { Name: string; Regions: string[]; PrimaryRegion: string; Workflows: { WorkflowTargetRegion: string }[] } }).Properties);
    expect(plans.map((plan) => [plan.Name, plan.Regions, plan.PrimaryRegion])).toEqual([
      [planName('retail', 'us-east-1', 'us-east-2'), ['us-east-1', 'us-east-2'], 'us-east-1'],
      [planName('retail', 'us-east-1', 'us-west-2'), ['us-east-1', 'us-west-2'], 'us-east-1'],
      [planName('retail', 'us-east-2', 'us-west-2'), ['us-east-2', 'us-west-2'], 'us-east-2'],
    ]);
    expect(plans.map((plan) => plan.Workflows.map((workflow) => workflow.WorkflowTargetRegion))).toEqual(plans.map((plan) => plan.Regions));
  });

  test('the plans\' approver role trusts exactly the configured runbooks.approvers', () => {
    const approvers = (EXAMPLE.runbooks as { approvers: string[] }).approvers;
    const roles = byName.get('retail-region-switch')!.template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('approves Region switch') } });
    expect(Object.values(roles).map((role) => (role as { Properties: { AssumeRolePolicyDocument: { Statement: unknown[] } } }).Properties.AssumeRolePolicyDocument.Statement))
      .toEqual([approvers.map((approver) => ({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: approver } }))]);
  });

  test('the plans name each Region\'s real ECS services (from that Region\'s stack)', () => {
    const plan = Object.values(byName.get('retail-region-switch')!.template.findResources('AWS::ARCRegionSwitch::Plan'))[1]; // us-east-1 and us-west-2
    const text = JSON.stringify(plan);
    // us-west-2 is the plans' own Region: a direct import; the others arrive through cross-Region exports.
    expect(text).toMatch(/retail-region-us-west-2:ExportsOutputFnGetAttServicesUi/);
    expect(text).toMatch(/ExportsReader.*\/cdk\/exports\/retail-region-switch\/retailregionuseast1FnGetAttServicesUi/);
  });
});
