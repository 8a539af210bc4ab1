import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { PlatformConfig, RegionPlan } from '../config/types';
import { DATA_KEY_PURPOSE, RegionalKey } from '../encryption/regional-key';
import { Network } from '../network/network';
import { PeeringRequest } from '../network/peering';

export interface NetworkStackProps extends StackProps {
  readonly config: PlatformConfig;
  readonly plan: RegionPlan;
  /** Network stacks of the Regions deployed before this one: this Region requests peering to each. */
  readonly earlier: readonly NetworkStack[];
}

/**
 * A Region's network: VPC, endpoints, flow logs, and VPC peering requested to every earlier
 * Region with this side's routes. It is its own stack because the peering must exist on both
 * sides before any Region's services start (they reach the global writer endpoint, which may be
 * in another Region): the earlier Region's routes back are created by its regional stack, which
 * deploys after every network stack.
 */
export class NetworkStack extends Stack {
  readonly network: Network;
  readonly logsKey: kms.Key;
  /**
   * The Region's data key (databases, cache, secrets, backups). It lives here, in the Region's
   * first stack, because the global data stack encrypts the master secrets' replicas with it
   * (by alias) and deploys after every network stack.
   */
  readonly dataKey: kms.Key;
  readonly plan: RegionPlan;
  /** Peering connections this Region requested, by peer Region. */
  readonly peerings = new Map<string, PeeringRequest>();

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    this.plan = props.plan;
    this.logsKey = new RegionalKey(this, 'LogsKey', { appName: props.config.appName, purpose: 'logs', allowCloudWatchLogs: true }).key;
    this.dataKey = new RegionalKey(this, 'DataKey', { appName: props.config.appName, purpose: DATA_KEY_PURPOSE }).key;
    this.network = new Network(this, 'Network', {
      plan: props.plan,
      natGateways: props.config.network.natGateways,
      flowLogRetentionDays: props.config.network.flowLogRetentionDays,
      logKey: this.logsKey,
    });
    for (const earlier of props.earlier) {
      this.peerings.set(earlier.region, new PeeringRequest(this, `Peering-${earlier.region}`, {
        vpc: this.network.vpc,
        peerRegion: earlier.region,
        peerVpcId: earlier.network.vpc.vpcId,
        peerVpcCidr: earlier.plan.vpcCidr,
      }));
    }
    new CfnOutput(this, 'VpcId', { value: this.network.vpc.vpcId });
  }

  /** The configured AZs: no context lookup, so synth needs no credentials. */
  override get availabilityZones(): string[] {
    return [...this.plan.availabilityZones];
  }
}
