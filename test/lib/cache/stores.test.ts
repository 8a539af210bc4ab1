import { platformTemplates } from '../../helpers/assemblies';

const PROD = { profile: 'prod', regions: ['us-east-1', 'us-west-2', 'eu-west-1'] };

describe('checkout cache', () => {
  test('TLS required, encrypted at rest with the Region key, AUTH token from Secrets Manager', () => {
    const t = platformTemplates({}).regional[0]!;
    const group = Object.values(t.findResources('AWS::ElastiCache::ReplicationGroup'))[0]!;
    expect(group.Properties).toEqual(expect.objectContaining({
      Engine: 'valkey',
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      Port: 6380,
      NumCacheClusters: 1,
    }));
    expect(JSON.stringify(group.Properties.AuthToken)).toContain('{{resolve:secretsmanager:');
    expect(group.Properties.KmsKeyId).toBeDefined();
  });

  test('prod: a replica, Multi-AZ and automatic failover', () => {
    const t = platformTemplates(PROD).regional[0]!;
    const group = Object.values(t.findResources('AWS::ElastiCache::ReplicationGroup'))[0]!;
    expect(group.Properties).toEqual(expect.objectContaining({ NumCacheClusters: 2, MultiAZEnabled: true, AutomaticFailoverEnabled: true }));
  });

  test('reachable only from the checkout service', () => {
    const t = platformTemplates({}).regional[0]!;
    const rules = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress'))
      .map((r) => r.Properties)
      .filter((p) => JSON.stringify(p.GroupId).includes('CheckoutCacheSecurityGroup'));
    expect(rules).toHaveLength(1);
    expect(JSON.stringify(rules[0]!.SourceSecurityGroupId)).toContain('ServicesCheckoutSecurityGroup');
    expect(rules[0]!.FromPort).toBe(6380);
  });
});

describe('order events broker', () => {
  test('dev: private single-instance RabbitMQ with logs and generated credentials', () => {
    const t = platformTemplates({}).regional[0]!;
    const broker = Object.values(t.findResources('AWS::AmazonMQ::Broker'))[0]!;
    expect(broker.Properties).toEqual(expect.objectContaining({
      EngineType: 'RABBITMQ',
      DeploymentMode: 'SINGLE_INSTANCE',
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
      Logs: { General: true },
    }));
    expect(broker.Properties.SubnetIds).toHaveLength(1);
    expect(JSON.stringify(broker.Properties.Users)).toContain('{{resolve:secretsmanager:');
  });

  test('prod: a Multi-AZ cluster', () => {
    const t = platformTemplates(PROD).regional[0]!;
    const broker = Object.values(t.findResources('AWS::AmazonMQ::Broker'))[0]!;
    expect(broker.Properties.DeploymentMode).toBe('CLUSTER_MULTI_AZ');
    expect(broker.Properties.SubnetIds).toHaveLength(3);
  });

  test('the AMQPS address comes from the broker resource itself', () => {
    const t = platformTemplates({}).regional[0]!;
    const values = Object.values(t.findResources('AWS::SSM::Parameter')).map((p) => JSON.stringify(p.Properties.Value));
    expect(values).toContainEqual(expect.stringMatching(/^\{"Fn::Select":\[0,\{"Fn::GetAtt":\["OrderEventsBroker\w+","AmqpEndpoints"\]\}\]\}$/));
  });

  test('reachable only from the orders service on AMQPS', () => {
    const t = platformTemplates({}).regional[0]!;
    const rules = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress'))
      .map((r) => r.Properties)
      .filter((p) => JSON.stringify(p.GroupId).includes('OrderEventsSecurityGroup'));
    expect(rules).toHaveLength(1);
    expect(JSON.stringify(rules[0]!.SourceSecurityGroupId)).toContain('ServicesOrdersSecurityGroup');
    expect(rules[0]!.FromPort).toBe(5671);
  });
});
