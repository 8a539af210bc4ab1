import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PeeringReturnRoutes } from '../network/peering';

export interface PeeringRoutesStackProps extends StackProps {
  readonly routeTableIds: readonly string[];
  /** Connections later Regions requested to this Region's VPC. */
  readonly connections: readonly { readonly region: string; readonly vpcCidr: string; readonly connectionId: string }[];
}

/**
 * A Region's routes back over the peering connections that later Regions requested. A separate
 * stack because the connection belongs to the later Region's stack, which itself needs this
 * Region's VPC: routes in this Region's own stack would make the two stacks depend on each other.
 */
export class PeeringRoutesStack extends Stack {
  constructor(scope: Construct, id: string, props: PeeringRoutesStackProps) {
    super(scope, id, props);
    for (const connection of props.connections) {
      new PeeringReturnRoutes(this, `To-${connection.region}`, {
        routeTableIds: props.routeTableIds,
        peerVpcCidr: connection.vpcCidr,
        connectionId: connection.connectionId,
      });
    }
  }
}
