import { Stack, Stage, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PipelineConfig, PlatformConfig } from '../config/types';
import { DeliveryPipeline } from '../pipeline/delivery-pipeline';

/** What the pipeline's stage needs from the platform it deploys. */
export interface StagedPlatform {
  /** Regional stacks in rollout order, the writer's Region last. */
  readonly rollout: readonly { readonly region: string; readonly stack: Stack }[];
}

export interface PipelineStackProps extends StackProps {
  readonly config: PlatformConfig;
  readonly pipeline: PipelineConfig;
  /** Builds the platform's stacks inside the given stage (lib/platform.ts), in the pipeline's order. */
  readonly buildStage: (stage: Stage) => StagedPlatform;
  readonly configFile?: string;
}

/**
 * `<app>-pipeline`: the optional staggered delivery pipeline. Its stage holds the same stacks,
 * under the same names, that `cdk deploy --all` creates, so the pipeline updates them in place.
 */
export class PipelineStack extends Stack {
  readonly delivery: DeliveryPipeline;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    const stage = new Stage(this, 'Platform');
    const staged = props.buildStage(stage);
    this.delivery = new DeliveryPipeline(this, 'Delivery', {
      appName: config.appName,
      pipeline: props.pipeline,
      stage,
      rollout: staged.rollout,
      hasDomain: config.domainName !== undefined,
      approveWriter: config.profile === 'prod',
      ...(props.configFile !== undefined ? { configFile: props.configFile } : {}),
    });
  }
}
