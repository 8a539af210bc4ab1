import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { RoutedGroup } from '../data/routing';
import { SUBNET_GROUPS } from './network';

/** Route tables of the given subnet groups (those that talk to a peered Region: clients out, databases back). */
export function peeredRouteTableIds(vpc: ec2.IVpc, groups: readonly RoutedGroup[]): string[] {
  const ids = groups.map((group) => SUBNET_GROUPS[group]).flatMap((group) =>
    vpc.selectSubnets({ subnetGroupName: group }).subnets.map((subnet) => subnet.routeTable.routeTableId),
  );
  return [...new Set(ids)];
}

export interface PeeringRequestProps {
  readonly vpc: ec2.IVpc;
  readonly peerRegion: string;
  readonly peerVpcId: string;
  readonly peerVpcCidr: string;
  /** This side's subnet groups that route to the peer. */
  readonly routeGroups: readonly RoutedGroup[];
}

/**
 * A VPC peering connection requested by this Region to an earlier Region (same account, so
 * CloudFormation accepts it), with this side's routes. The earlier Region's routes back are
 * created by its regional stack (PeeringReturnRoutes), which deploys after every network stack.
 */
export class PeeringRequest extends Construct {
  readonly connection: ec2.CfnVPCPeeringConnection;

  constructor(scope: Construct, id: string, props: PeeringRequestProps) {
    super(scope, id);
    this.connection = new ec2.CfnVPCPeeringConnection(this, 'Connection', {
      vpcId: props.vpc.vpcId,
      peerVpcId: props.peerVpcId,
      peerRegion: props.peerRegion,
    });
    peeredRouteTableIds(props.vpc, props.routeGroups).forEach((routeTableId, index) => {
      new ec2.CfnRoute(this, `Route${index}`, {
        routeTableId,
        destinationCidrBlock: props.peerVpcCidr,
        vpcPeeringConnectionId: this.connection.ref,
      });
    });
  }
}

export interface PeeringReturnRoutesProps {
  readonly routeTableIds: readonly string[];
  readonly peerVpcCidr: string;
  readonly connectionId: string;
}

/** This Region's routes over a connection a later Region requested. */
export class PeeringReturnRoutes extends Construct {
  constructor(scope: Construct, id: string, props: PeeringReturnRoutesProps) {
    super(scope, id);
    props.routeTableIds.forEach((routeTableId, index) => {
      new ec2.CfnRoute(this, `Route${index}`, {
        routeTableId,
        destinationCidrBlock: props.peerVpcCidr,
        vpcPeeringConnectionId: props.connectionId,
      });
    });
  }
}
