import { ArnFormat, Duration, Stack, type Stage } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CodeBuildStep, CodePipeline, CodePipelineSource, ManualApprovalStep, ShellStep, type StackSteps, type Step } from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import type { PipelineConfig } from '../config/types';
import { acknowledgeArtifactBucketLogging, acknowledgePipelineWildcards } from './nag';
import { BAKE_SCRIPT, BAKE_TIMEOUT_MARGIN_MINUTES, REQUIRE_STACK_SCRIPT, bakeAlarmNames } from './bake';

/** A Region as the pipeline rolls it out. */
export interface RolloutRegion {
  readonly region: string;
  readonly stack: Stack;
}

export interface DeliveryPipelineProps {
  readonly appName: string;
  readonly pipeline: PipelineConfig;
  /** The stage holding every platform stack, with the pipeline's order between them. */
  readonly stage: Stage;
  /** Regional stacks in rollout order: the writer's Region last. */
  readonly rollout: readonly RolloutRegion[];
  readonly hasDomain: boolean;
  /** A manual approval before the writer's Region (prod). */
  readonly approveWriter: boolean;
  /** `-c config=<file>` for the synth step; undefined = the default configuration. */
  readonly configFile?: string;
}

/** Step ids, shared with the tests and the README. */
export const PIPELINE_STEP = {
  synth: 'Synth',
  bake: (region: string) => `Bake-${region}`,
  requireWriter: (region: string) => `RequireWriterRegion-${region}`,
  approveWriter: (region: string) => `ApproveWriterRegion-${region}`,
} as const;

/**
 * CDK Pipelines with self-mutation: the build runs the project's own checks and synth, then one
 * stage deploys the platform's stacks in the order their dependencies give (global data and
 * traffic control; networks; each Region in turn, the writer's last), with a bake after every
 * Region, a guard before the first and an approval before the writer's.
 */
export class DeliveryPipeline extends Construct {
  readonly pipeline: CodePipeline;

  constructor(scope: Construct, id: string, private readonly props: DeliveryPipelineProps) {
    super(scope, id);
    const { pipeline: settings } = props;
    const source = CodePipelineSource.connection(settings.repository, settings.branch, {
      connectionArn: settings.connectionArn,
      // Every push to the branch is a release: that is what the bakes and approval gate.
      triggerOnPush: true,
    });
    const synthCommand = props.configFile !== undefined ? `npx cdk synth --quiet -c config=${props.configFile}` : 'npx cdk synth --quiet';
    this.pipeline = new CodePipeline(this, 'Pipeline', {
      pipelineName: `${props.appName}-platform`,
      selfMutation: true,
      // A KMS key for the artifacts (about $1 a month): every CodeBuild project encrypts with it.
      crossAccountKeys: true,
      enableKeyRotation: true,
      pipelineType: codepipeline.PipelineType.V2,
      synth: new ShellStep(PIPELINE_STEP.synth, {
        input: source,
        commands: ['npm ci --no-audit --no-fund', 'npm test', synthCommand],
        primaryOutputDirectory: 'cdk.out',
      }),
      codeBuildDefaults: {
        buildEnvironment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.MEDIUM },
        timeout: Duration.minutes(60),
        // The project needs Node.js 20 (package.json engines).
        partialBuildSpec: codebuild.BuildSpec.fromObject({ phases: { install: { 'runtime-versions': { nodejs: '20' } } } }),
      },
    });

    const stackSteps: StackSteps[] = props.rollout.map((entry, index) => {
      const pre: Step[] = [];
      if (index === 0 && props.rollout.length > 1) {
        const writer = props.rollout[props.rollout.length - 1]!;
        pre.push(this.requireStackStep(source, writer));
      }
      if (index === props.rollout.length - 1 && props.approveWriter) {
        pre.push(new ManualApprovalStep(PIPELINE_STEP.approveWriter(entry.region), {
          comment: `Every other Region baked ${settings.bakeMinutes} minutes without alarms. Approve to deploy ${entry.region}, the writer's Region.`,
        }));
      }
      return { stack: entry.stack, pre, post: [this.bakeStep(source, entry)] };
    });
    this.pipeline.addStage(props.stage, { stackSteps });

    // Build now so the generated roles and buckets exist to be acknowledged (see ./nag.ts).
    this.pipeline.buildPipeline();
    acknowledgePipelineWildcards(Stack.of(this));
    acknowledgeArtifactBucketLogging(this.pipeline.pipeline.artifactBucket);
    for (const support of Object.values(this.pipeline.pipeline.crossRegionSupport)) {
      acknowledgePipelineWildcards(support.stack);
      acknowledgeArtifactBucketLogging(support.replicationBucket);
    }
  }

  private bakeStep(source: CodePipelineSource, entry: RolloutRegion): CodeBuildStep {
    const { appName, pipeline: settings } = this.props;
    const names = bakeAlarmNames(appName, entry.region, this.props.hasDomain);
    const stack = Stack.of(this);
    return new CodeBuildStep(PIPELINE_STEP.bake(entry.region), {
      input: source,
      commands: [`bash ${BAKE_SCRIPT}`],
      env: { BAKE_REGION: entry.region, BAKE_ALARMS: names.join(' '), BAKE_SECONDS: String(settings.bakeMinutes * 60) },
      timeout: Duration.minutes(settings.bakeMinutes + BAKE_TIMEOUT_MARGIN_MINUTES),
      rolePolicyStatements: [new iam.PolicyStatement({
        sid: 'ReadBakeAlarms',
        actions: ['cloudwatch:DescribeAlarms'],
        resources: names.map((name) => stack.formatArn({ service: 'cloudwatch', region: entry.region, resource: 'alarm', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
      })],
    });
  }

  private requireStackStep(source: CodePipelineSource, writer: RolloutRegion): CodeBuildStep {
    const stack = Stack.of(this);
    return new CodeBuildStep(PIPELINE_STEP.requireWriter(writer.region), {
      input: source,
      commands: [`bash ${REQUIRE_STACK_SCRIPT}`],
      env: { REQUIRE_REGION: writer.region, REQUIRE_STACK: writer.stack.stackName },
      timeout: Duration.minutes(10),
      rolePolicyStatements: [new iam.PolicyStatement({
        sid: 'ReadWriterRegionStack',
        actions: ['cloudformation:DescribeStacks'],
        resources: [stack.formatArn({ service: 'cloudformation', region: writer.region, resource: 'stack', resourceName: `${writer.stack.stackName}/*` })],
      })],
    });
  }
}
