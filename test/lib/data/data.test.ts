import { Match } from 'aws-cdk-lib/assertions';
import { platformTemplates } from '../../helpers/assemblies';
import { resolveConfig } from '../../../lib/config/resolve';
import { CATALOG_ENGINE, ORDERS_ENGINE, tlsParameters } from '../../../lib/data/engines';

describe('Aurora global databases', () => {
  const platform = platformTemplates({ profile: 'prod', regions: ['us-east-1', 'us-west-2', 'eu-west-1'] });
  const global = platform.globalData;

  test('two encrypted global clusters with pinned engines, protected by the stack\'s DeletionProtection resource rather than the template', () => {
    global.hasResourceProperties('AWS::RDS::GlobalCluster', { GlobalClusterIdentifier: 'retail-catalog', Engine: 'aurora-mysql', EngineVersion: Match.stringLikeRegexp('^8\\.0\\.mysql_aurora\\.3\\.'), StorageEncrypted: true, DeletionProtection: Match.absent() });
    global.hasResourceProperties('AWS::RDS::GlobalCluster', { GlobalClusterIdentifier: 'retail-orders', Engine: 'aurora-postgresql', StorageEncrypted: true, DeletionProtection: Match.absent() });
  });

  test('master secrets are generated and replicated to every other Region', () => {
    const secrets = Object.values(global.findResources('AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) {
      expect((secret.Properties.ReplicaRegions as { Region: string }[]).map((replica) => replica.Region)).toEqual(['us-west-2', 'eu-west-1']);
      expect(secret.Properties.GenerateSecretString.GenerateStringKey).toBe('password');
    }
  });

  test('the primary member carries master credentials and the database name', () => {
    const primary = platform.regional[0]!;
    primary.hasResourceProperties('AWS::RDS::DBCluster', {
      DBClusterIdentifier: 'retail-catalog-us-east-1',
      GlobalClusterIdentifier: 'retail-catalog',
      MasterUsername: Match.anyValue(),
      MasterUserPassword: Match.anyValue(),
      DatabaseName: 'catalog',
      StorageEncrypted: true,
      DeletionProtection: Match.absent(),
      EnableIAMDatabaseAuthentication: true,
      KmsKeyId: Match.anyValue(),
    });
  });

  test('secondaries carry no master credentials and no database name', () => {
    for (const stack of platform.regionalStacks.slice(1)) {
      for (const cluster of Object.values(stack.template.findResources('AWS::RDS::DBCluster'))) {
        expect(cluster.Properties.MasterUsername).toBeUndefined();
        expect(cluster.Properties.MasterUserPassword).toBeUndefined();
        expect(cluster.Properties.DatabaseName).toBeUndefined();
        expect(cluster.Properties.GlobalClusterIdentifier).toMatch(/^retail-(catalog|orders)$/);
        expect(cluster.Properties.KmsKeyId).toBeDefined();
      }
    }
  });

  test('no burstable instance classes; prod has a writer and a reader per cluster', () => {
    const instances = Object.values(platform.regional[1]!.findResources('AWS::RDS::DBInstance'));
    expect(instances).toHaveLength(4);
    expect(instances.every((i) => i.Properties.DBInstanceClass === 'db.r6g.large')).toBe(true);
  });

  test('database security groups: the writer\'s Region admits nothing from outside; others only the primary Region\'s application subnets (rotation)', () => {
    const ingress = (t: typeof global) => {
      const groups = t.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('^orders database') } });
      const rules = (Object.values(groups)[0]!.Properties.SecurityGroupIngress ?? []) as { CidrIp: string; FromPort: number }[];
      return rules.map((r) => `${r.CidrIp}:${r.FromPort}`).sort();
    };
    expect(ingress(platform.regional[0]!)).toEqual([]);
    expect(ingress(platform.regional[2]!)).toEqual(['10.64.0.0/20:5433', '10.64.16.0/20:5433', '10.64.32.0/20:5433']);
  });

  test('services reach their own Region\'s member through the Region\'s own parameter', () => {
    const t = platform.regional[2]!;
    t.hasResourceProperties('AWS::SSM::Parameter', { Description: 'host:port of this Region\'s orders member (reader endpoint) for the orders service', Value: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':5433']) ]) }) });
  });
});

describe('carts global table', () => {
  test('a replica per Region with PITR; deletion protection left to the stack\'s DeletionProtection resource', () => {
    const t = platformTemplates({ regions: ['us-east-1', 'us-west-2', 'eu-west-1'] }).globalData;
    const table = Object.values(t.findResources('AWS::DynamoDB::GlobalTable'))[0]!;
    expect(table.Properties.TableName).toBe('retail-carts');
    expect(table.Properties.Replicas.map((r: { Region: string }) => r.Region).sort()).toEqual(['eu-west-1', 'us-east-1', 'us-west-2']);
    for (const replica of table.Properties.Replicas) {
      expect(replica.DeletionProtectionEnabled).toBeUndefined();
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
    expect(table.Properties.SSESpecification).toEqual(expect.objectContaining({ SSEEnabled: true }));
    expect(table.Properties.MultiRegionConsistency).toBeUndefined();
  });

  test('multi-Region strong consistency when the configuration qualifies', () => {
    const t = platformTemplates({ regions: ['us-east-1', 'us-east-2', 'us-west-2'], cartsConsistency: 'strong' }).globalData;
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { MultiRegionConsistency: 'STRONG' });
  });
});

describe('TLS switch of the catalog database', () => {
  test('orders always forces TLS; catalog requires it only when database.catalogRequireTls is set', () => {
    expect(tlsParameters(ORDERS_ENGINE, false)).toEqual({ 'rds.force_ssl': '1' });
    expect(tlsParameters(CATALOG_ENGINE, false)).toEqual({ require_secure_transport: 'OFF' });
    expect(tlsParameters(CATALOG_ENGINE, true)).toEqual({ require_secure_transport: 'ON' });
  });

  test('the switch is off unless configured, and must be a boolean', () => {
    expect(resolveConfig({}).database.catalogRequireTls).toBe(false);
    expect(resolveConfig({ database: { catalogRequireTls: true } }).database.catalogRequireTls).toBe(true);
    expect(() => resolveConfig({ database: { catalogRequireTls: 'yes' } })).toThrow(/database\.catalogRequireTls/);
  });

  test('Database Insights advanced mode is on in prod, off in dev, and can be set either way', () => {
    expect(resolveConfig({ profile: 'prod' }).database.advancedInsights).toBe(true);
    expect(resolveConfig({}).database.advancedInsights).toBe(false);
    expect(resolveConfig({ profile: 'prod', database: { advancedInsights: false } }).database.advancedInsights).toBe(false);
  });
});
