import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { PlatformConfig, RegionPlan } from '../config/types';
import type { RoutedGroup } from '../data/routing';
import { DATA_KEY_PURPOSE, RegionalKey } from '../encryption/regional-key';
import { Network } from '../network/network';
import { PeeringRequest } from '../network/peering';

export interface NetworkStackProps extends StackProps {
  readonly config: PlatformConfig;
  readonly plan: RegionPlan;
  /** Earlier Regions' network stacks this Region requests peering to, with this side's routed subnet groups. */
  readonly peers: readonly { readonly stack: NetworkStack; readonly routeGroups: readonly RoutedGroup[] }[];
}

/**
 * A Region's network: VPC, endpoints, flow logs, and the VPC peering the database routing needs
 * (lib/data/routing.ts: to the primary Region only for master secret rotation, or a full mesh when
 * orders uses the global writer endpoint), requested to earlier Regions with this side's routes.
 * It is its own stack so that both sides of a peering exist before the clients that use it
 * start: the earlier Region's routes back are created by its regional stack, which deploys after
 * every network stack.
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
    for (const { stack: earlier, routeGroups } of props.peers) {
      this.peerings.set(earlier.region, new PeeringRequest(this, `Peering-${earlier.region}`, {
        vpc: this.network.vpc,
        peerRegion: earlier.region,
        peerVpcId: earlier.network.vpc.vpcId,
        peerVpcCidr: earlier.plan.vpcCidr,
        routeGroups,
      }));
    }
    new CfnOutput(this, 'VpcId', { value: this.network.vpc.vpcId });
  }

  /** The configured AZs: no context lookup, so synth needs no credentials. */
  override get availabilityZones(): string[] {
    return [...this.plan.availabilityZones];
  }
}
