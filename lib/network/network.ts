import { Annotations, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RegionPlan } from '../config/types';

export interface NetworkProps {
  readonly plan: RegionPlan;
  readonly natGateways: number;
  readonly flowLogRetentionDays: number;
  readonly logKey: kms.IKey;
}

/** Subnet group names; the application group must come first (see RegionPlan.applicationSubnetCidrs). */
export const SUBNET_GROUPS = {
  application: 'application',
  ingress: 'ingress',
  data: 'data',
} as const;

/**
 * The Region's VPC: application subnets (private, egress through NAT) for the tasks, ingress
 * subnets (public) for the load balancer and NAT, data subnets (isolated) for the stores.
 * Gateway and interface endpoints keep image pulls, logs, secrets and DynamoDB off the NAT path,
 * so a NAT or internet problem does not stop the standby Region from scaling out.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly plan: RegionPlan;
  readonly endpointSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { plan } = props;
    this.plan = plan;
    const vpcPrefix = Number(plan.vpcCidr.split('/')[1]);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(plan.vpcCidr),
      availabilityZones: [...plan.availabilityZones],
      natGateways: props.natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: SUBNET_GROUPS.application, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: vpcPrefix + 4 },
        { name: SUBNET_GROUPS.ingress, subnetType: ec2.SubnetType.PUBLIC, cidrMask: vpcPrefix + 6, mapPublicIpOnLaunch: false },
        { name: SUBNET_GROUPS.data, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: vpcPrefix + 6 },
      ],
    });

    Validations.of(this.vpc).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason: 'AZ names come from the validated configuration on purpose: synth makes no context lookups, and accounts whose AZ mapping differs set network.availabilityZones.',
    });

    // Peering and database security groups are written from the planned CIDRs; fail the synth if the VPC disagrees.
    const actual = this.vpc.selectSubnets({ subnetGroupName: SUBNET_GROUPS.application }).subnets.map((s) => s.ipv4CidrBlock);
    if (actual.join(',') !== plan.applicationSubnetCidrs.join(',')) {
      Annotations.of(this).addError(
        `application subnets ${actual.join(', ')} differ from the address plan ${plan.applicationSubnetCidrs.join(', ')}`,
      );
    }

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetentionDays as logs.RetentionDays,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    const privateSubnets = { subnets: [
      ...this.vpc.selectSubnets({ subnetGroupName: SUBNET_GROUPS.application }).subnets,
    ] };
    this.vpc.addGatewayEndpoint('S3', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [{ subnetGroupName: SUBNET_GROUPS.application }, { subnetGroupName: SUBNET_GROUPS.data }],
    });
    this.vpc.addGatewayEndpoint('DynamoDb', {
      service: ec2.GatewayVpcEndpointAwsService.DYNAMODB,
      subnets: [{ subnetGroupName: SUBNET_GROUPS.application }],
    });

    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface endpoints: HTTPS from the application subnets',
      allowAllOutbound: false,
    });
    for (const cidr of plan.applicationSubnetCidrs) {
      this.endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'HTTPS from an application subnet');
    }
    const interfaceEndpoints: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
      EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      Ssm: ec2.InterfaceVpcEndpointAwsService.SSM,
    };
    for (const [name, service] of Object.entries(interfaceEndpoints)) {
      this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets: privateSubnets,
        securityGroups: [this.endpointSecurityGroup],
        open: false,
        privateDnsEnabled: true,
      });
    }
  }

  get applicationSubnets(): ec2.SubnetSelection {
    return { subnetGroupName: SUBNET_GROUPS.application };
  }

  get ingressSubnets(): ec2.SubnetSelection {
    return { subnetGroupName: SUBNET_GROUPS.ingress };
  }

  get dataSubnets(): ec2.SubnetSelection {
    return { subnetGroupName: SUBNET_GROUPS.data };
  }
}
