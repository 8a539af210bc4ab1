import { synthesize } from '../../helpers/platform';
import { platformTemplates } from '../../helpers/assemblies';

const PROD_THREE_REGIONS = { profile: 'prod', regions: ['us-east-1', 'us-west-2', 'eu-west-1'] };

type Resource = { Type: string; Properties: Record<string, unknown> };

const resolvedJoin = (value: unknown): string => {
  // Fn::Join of literals and pseudo parameters, rendered the way a reader would write the ARN.
  const join = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return join[1].map((part) => (typeof part === 'string' ? part : `{${Object.values(part as Record<string, string>)[0]}}`)).join(join[0]);
};

describe('every secret is encrypted with a customer-managed key: its Region\'s data key', () => {
  const platform = platformTemplates(PROD_THREE_REGIONS);

  test('the master secrets use the primary Region\'s data key, each replica its own Region\'s key (by alias)', () => {
    const secrets = Object.values(platform.globalData.findResources('AWS::SecretsManager::Secret')) as Resource[];
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) {
      expect(resolvedJoin(secret.Properties.KmsKeyId)).toBe('arn:{AWS::Partition}:kms:us-east-1:123456789012:alias/retail/data');
      const replicas = secret.Properties.ReplicaRegions as { Region: string; KmsKeyId: unknown }[];
      expect(replicas.map((replica) => [replica.Region, resolvedJoin(replica.KmsKeyId)])).toEqual([
        ['us-west-2', 'arn:{AWS::Partition}:kms:us-west-2:123456789012:alias/retail/data'],
        ['eu-west-1', 'arn:{AWS::Partition}:kms:eu-west-1:123456789012:alias/retail/data'],
      ]);
    }
  });

  test('each Region\'s network stack owns the data key whose alias the global data stack names', () => {
    for (const network of platform.networks) {
      network.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/retail/data' });
      network.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    }
    for (const regional of platform.regional) {
      // Moved, not duplicated: two keys with one alias cannot exist in a Region.
      expect(Object.keys(regional.findResources('AWS::KMS::Alias', { Properties: { AliasName: 'alias/retail/data' } }))).toEqual([]);
    }
  });

  test('the global data stack deploys after every network stack (the keys must exist)', () => {
    const { platform: stacks } = synthesize(PROD_THREE_REGIONS);
    expect(stacks.globalData.dependencies.map((stack) => stack.stackName).sort()).toEqual([
      'retail-network-eu-west-1', 'retail-network-us-east-1', 'retail-network-us-west-2',
    ]);
  });

  test('every secret of every regional stack names the data key its network stack exports', () => {
    platform.regionalStacks.forEach((stack) => {
      const secrets = Object.values(stack.template.findResources('AWS::SecretsManager::Secret')) as Resource[];
      expect(secrets.length).toBeGreaterThanOrEqual(3); // cache token, cache URL, broker user
      for (const secret of secrets) {
        expect(JSON.stringify(secret.Properties.KmsKeyId)).toMatch(new RegExp(`retail-network-${stack.region}:ExportsOutputFnGetAttDataKey`));
      }
    });
  });

  test('services can decrypt the master secret\'s local copy with the data key, through Secrets Manager only', () => {
    const regional = platform.regional[1]!;
    const policies = Object.values(regional.findResources('AWS::IAM::Policy')) as Resource[];
    const decrypts = policies.flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown; Condition?: unknown }[] }).Statement)
      .filter((statement) => JSON.stringify(statement.Action).includes('kms:Decrypt') && JSON.stringify(statement.Resource).includes('ExportsOutputFnGetAttDataKey'));
    const viaSecretsManager = decrypts.filter((statement) => JSON.stringify(statement.Condition ?? {}).includes('secretsmanager.us-west-2.amazonaws.com'));
    // The execution roles of catalog and orders (database), orders (broker) and checkout (cache URL).
    expect(viaSecretsManager.length).toBeGreaterThanOrEqual(3);
  });
});
