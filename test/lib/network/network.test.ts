import { Match } from 'aws-cdk-lib/assertions';
import { platformTemplates } from '../../helpers/assemblies';

describe('network', () => {
  test('dev: two AZs, one NAT gateway; prod: three AZs, a NAT gateway per AZ', () => {
    const dev = platformTemplates({}).networks[0]!;
    dev.resourceCountIs('AWS::EC2::NatGateway', 1);
    dev.resourceCountIs('AWS::EC2::Subnet', 6);
    const prod = platformTemplates({ profile: 'prod', regions: ['us-east-1', 'us-west-2', 'eu-west-1'] }).networks[0]!;
    prod.resourceCountIs('AWS::EC2::NatGateway', 3);
    prod.resourceCountIs('AWS::EC2::Subnet', 9);
  });

  test('application subnets are the planned CIDRs', () => {
    const { config, ...platform } = platformTemplates({});
    const t = platform.networks[1]!;
    const cidrs = Object.values(t.findResources('AWS::EC2::Subnet')).map((s) => s.Properties.CidrBlock as string);
    expect(cidrs).toEqual(expect.arrayContaining([...config.regions[1]!.applicationSubnetCidrs]));
    t.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: config.regions[1]!.vpcCidr });
  });

  test('endpoints keep image pulls, logs, secrets and DynamoDB off the NAT path', () => {
    const t = platformTemplates({}).networks[0]!;
    const services = Object.values(t.findResources('AWS::EC2::VPCEndpoint')).map((e) => JSON.stringify(e.Properties.ServiceName));
    for (const name of ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'ssm', '.s3', '.dynamodb']) {
      expect(services.some((s) => s.includes(name))).toBe(true);
    }
  });

  test('flow logs of all traffic to an encrypted log group with retention', () => {
    const t = platformTemplates({}).networks[0]!;
    t.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 14, KmsKeyId: Match.anyValue() });
  });

  test('later Regions request peering to the primary Region only (master secret rotation) and route to it', () => {
    const platform = platformTemplates({ regions: ['us-east-1', 'us-west-2', 'eu-west-1'] });
    const third = platform.networks[2]!;
    third.resourceCountIs('AWS::EC2::VPCPeeringConnection', 1);
    third.hasResourceProperties('AWS::EC2::VPCPeeringConnection', { PeerRegion: 'us-east-1' });
    third.hasResourceProperties('AWS::EC2::Route', { DestinationCidrBlock: '10.64.0.0/16', VpcPeeringConnectionId: Match.anyValue() });
    platform.networks[0]!.resourceCountIs('AWS::EC2::VPCPeeringConnection', 0);
    // The primary's routes back are in its regional stack, which deploys after every network.
    const back = platform.regional[0]!;
    back.hasResourceProperties('AWS::EC2::Route', { DestinationCidrBlock: '10.66.0.0/16' });
    back.hasResourceProperties('AWS::EC2::Route', { DestinationCidrBlock: '10.65.0.0/16' });
  });
});

describe('entry', () => {
  test('without a domain: plain HTTP listener, access logs to an encrypted bucket', () => {
    const t = platformTemplates({}).regional[0]!;
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'access_logs.s3.enabled', Value: 'true' },
      ]),
    });
    const attributes = JSON.stringify(Object.values(t.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0]!.Properties.LoadBalancerAttributes);
    expect(attributes).not.toContain('"deletion_protection.enabled","Value":"true"');
    t.hasResourceProperties('AWS::S3::Bucket', { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } });
  });

  test('prod: deletion protection is left out of the template (turned on at the end of creation, test/lib/data/protection)', () => {
    const t = platformTemplates({ profile: 'prod', regions: ['us-east-1', 'us-west-2', 'eu-west-1'] }).regional[0]!;
    const attributes = Object.values(t.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0]!.Properties.LoadBalancerAttributes as { Key: string }[];
    expect(attributes.map((a) => a.Key)).not.toContain('deletion_protection.enabled');
    expect(attributes.map((a) => a.Key)).toContain('access_logs.s3.enabled');
  });
});
