import { App, Stack, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DeliveryPipeline, PIPELINE_STEP } from '../../../lib/pipeline/delivery-pipeline';
import { BAKE_SCRIPT, bakeAlarmNames } from '../../../lib/pipeline/bake';
import { nagViolations } from '../../helpers/platform';

/**
 * The pipeline around a small stage (one topic per stack) with the platform's shape: a global
 * stack, then Regions in rollout order, each depending on the one before, the writer's last.
 */
const ACCOUNT = '123456789012';
const SETTINGS = {
  connectionArn: `arn:aws:codeconnections:us-east-1:${ACCOUNT}:connection/0123abcd-4567-89ab-cdef-0123456789ab`,
  repository: 'acme/retail',
  branch: 'main',
  bakeMinutes: 30,
};

function build(rolloutRegions: readonly string[], approveWriter: boolean): { app: App; template: Template } {
  const app = new App();
  const pipelineStack = new Stack(app, 'retail-pipeline', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const stage = new Stage(pipelineStack, 'Platform');
  const global = new Stack(stage, 'retail-global-data', { stackName: 'retail-global-data', env: { account: ACCOUNT, region: 'us-east-1' } });
  new sns.Topic(global, 'Topic', { enforceSSL: true, masterKey: undefined });
  const rollout = rolloutRegions.map((region) => {
    const stack = new Stack(stage, `retail-region-${region}`, { stackName: `retail-region-${region}`, env: { account: ACCOUNT, region } });
    new sns.Topic(stack, 'Topic', { enforceSSL: true });
    stack.addStackDependency(global);
    return { region, stack };
  });
  rollout.forEach((entry, index) => index > 0 && entry.stack.addStackDependency(rollout[index - 1]!.stack));
  new DeliveryPipeline(pipelineStack, 'Delivery', { appName: 'retail', pipeline: SETTINGS, stage, rollout, hasDomain: true, approveWriter, configFile: 'examples/x.json' });
  return { app, template: Template.fromStack(pipelineStack) };
}

interface Action { Name: string; RunOrder: number; ActionTypeId: { Provider: string }; Region?: string; Configuration?: Record<string, unknown> }
function stageActions(template: Template, stageName: string): Action[] {
  const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as { Properties: { Stages: { Name: string; Actions: Action[] }[] } };
  return pipeline.Properties.Stages.find((stage) => stage.Name === stageName)!.Actions;
}
const order = (actions: Action[]) => [...actions].sort((a, b) => a.RunOrder - b.RunOrder || a.Name.localeCompare(b.Name)).map((action) => `${action.RunOrder} ${action.Name}`);

describe('prod: three Regions, the writer (us-east-1) last', () => {
  const { app, template } = build(['us-east-2', 'us-west-2', 'us-east-1'], true);

  test('one Region at a time: guard, deploy, bake; approval before the writer', () => {
    expect(order(stageActions(template, 'Platform'))).toEqual([
      '1 retail-global-data.Prepare',
      '2 retail-global-data.Deploy',
      `3 retail-region-us-east-2.${PIPELINE_STEP.requireWriter('us-east-1')}`,
      '4 retail-region-us-east-2.Prepare',
      '5 retail-region-us-east-2.Deploy',
      `6 retail-region-us-east-2.${PIPELINE_STEP.bake('us-east-2')}`,
      '7 retail-region-us-west-2.Prepare',
      '8 retail-region-us-west-2.Deploy',
      `9 retail-region-us-west-2.${PIPELINE_STEP.bake('us-west-2')}`,
      `10 retail-region-us-east-1.${PIPELINE_STEP.approveWriter('us-east-1')}`,
      '11 retail-region-us-east-1.Prepare',
      '12 retail-region-us-east-1.Deploy',
      `13 retail-region-us-east-1.${PIPELINE_STEP.bake('us-east-1')}`,
    ]);
    expect(stageActions(template, 'Platform').find((action) => action.Name.endsWith(PIPELINE_STEP.approveWriter('us-east-1')))?.ActionTypeId.Provider).toBe('Manual');
  });

  test('source, build, self-mutation before the deployment', () => {
    const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as { Properties: { Stages: { Name: string }[] } };
    expect(pipeline.Properties.Stages.map((stage) => stage.Name)).toEqual(['Source', 'Build', 'UpdatePipeline', 'Platform']);
    expect(stageActions(template, 'Source')[0]!.Configuration).toMatchObject({ ConnectionArn: SETTINGS.connectionArn, FullRepositoryId: 'acme/retail', BranchName: 'main' });
  });

  test('the build runs the project\'s checks before synthesizing with the same configuration file', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Source: { BuildSpec: Match.serializedJson(Match.objectLike({
        phases: Match.objectLike({ build: { commands: ['npm ci --no-audit --no-fund', 'npm test', 'npx cdk synth --quiet -c config=examples/x.json'] } }),
      })) },
    });
  });

  test('each bake watches its own Region\'s Region impaired and canary alarms for bakeMinutes', () => {
    for (const region of ['us-east-2', 'us-west-2', 'us-east-1']) {
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Environment: Match.objectLike({ EnvironmentVariables: [
          { Name: 'BAKE_REGION', Type: 'PLAINTEXT', Value: region },
          { Name: 'BAKE_ALARMS', Type: 'PLAINTEXT', Value: bakeAlarmNames('retail', region, true).join(' ') },
          { Name: 'BAKE_SECONDS', Type: 'PLAINTEXT', Value: '1800' },
        ] }),
        Source: { Type: 'CODEPIPELINE', BuildSpec: Match.serializedJson(Match.objectLike({
          phases: Match.objectLike({ build: { commands: [`bash ${BAKE_SCRIPT}`] } }),
        })) },
        TimeoutInMinutes: 45,
      });
    }
    expect(bakeAlarmNames('retail', 'us-east-2', true)).toEqual([
      'retail-us-east-2-region-impaired', 'retail-us-east-2-canary-local', 'retail-us-east-2-writer-health', 'retail-us-east-2-canary-global',
    ]);
  });

  test('a bake may only read its Region\'s alarms', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{
        Sid: 'ReadBakeAlarms', Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms',
        Resource: bakeAlarmNames('retail', 'us-west-2', true).map((name) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:us-west-2:${ACCOUNT}:alarm:${name}`]] })),
      }]) },
    });
  });

  test('cdk-nag: every finding acknowledged, each on its resource', () => {
    expect(nagViolations(app)).toEqual([]);
  });
});

describe('dev: no approval', () => {
  const { template } = build(['us-west-2', 'us-east-1'], false);

  test('the writer\'s Region still deploys last, after the other baked, without an approval', () => {
    const names = order(stageActions(template, 'Platform'));
    expect(names.filter((name) => /Approve/.test(name))).toEqual([]);
    expect(names.slice(-4)).toEqual([
      `6 retail-region-us-west-2.${PIPELINE_STEP.bake('us-west-2')}`,
      '7 retail-region-us-east-1.Prepare',
      '8 retail-region-us-east-1.Deploy',
      `9 retail-region-us-east-1.${PIPELINE_STEP.bake('us-east-1')}`,
    ]);
  });
});
