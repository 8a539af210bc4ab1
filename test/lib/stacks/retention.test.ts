import { platformTemplates } from '../../helpers/assemblies';

/**
 * A failed first deploy can simply be retried: stateful resources are kept on update and delete
 * (RetainExceptOnCreate) but removed when their own creation rolls back, so no orphan with a fixed
 * name (cluster identifier, broker name, table name, key alias) blocks the next attempt. Databases
 * and the table are created without deletion protection, which would stop that rollback.
 */

/** Every stateful type the platform creates, and the deletion policy it must carry. */
const STATEFUL: Readonly<Record<string, string>> = {
  'AWS::RDS::GlobalCluster': 'RetainExceptOnCreate',
  'AWS::RDS::DBCluster': 'RetainExceptOnCreate',
  'AWS::RDS::DBInstance': 'RetainExceptOnCreate',
  'AWS::AmazonMQ::Broker': 'RetainExceptOnCreate',
  'AWS::DynamoDB::GlobalTable': 'RetainExceptOnCreate',
  'AWS::SecretsManager::Secret': 'RetainExceptOnCreate',
  'AWS::KMS::Key': 'RetainExceptOnCreate',
  'AWS::Logs::LogGroup': 'RetainExceptOnCreate',
  'AWS::S3::Bucket': 'RetainExceptOnCreate',
  // A final snapshot, then deleted: also on a rolled-back create, so nothing blocks a retry.
  'AWS::ElastiCache::ReplicationGroup': 'Snapshot',
};

interface Resource {
  readonly Type: string;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Properties?: { readonly DeletionProtection?: unknown; readonly DeletionProtectionEnabled?: unknown; readonly Replicas?: readonly { readonly DeletionProtectionEnabled?: unknown }[] };
}

describe.each([
  ['default', {}],
  ['three Regions, prod', { profile: 'prod', regions: ['us-east-1', 'us-west-2', 'eu-west-1'] }],
])('deletion policies (%s)', (_name, input) => {
  const resources = platformTemplates(input).all.flatMap((stack) =>
    Object.entries(stack.template.toJSON().Resources as Record<string, Resource>).map(([id, resource]) => ({ stack: stack.name, id, ...resource })));

  test.each(Object.entries(STATEFUL))('every %s is %s and kept on replacement', (type, policy) => {
    const ofType = resources.filter((resource) => resource.Type === type);
    expect(ofType.length).toBeGreaterThan(0);
    for (const resource of ofType) {
      expect({ at: `${resource.stack}/${resource.id}`, deletion: resource.DeletionPolicy, replace: resource.UpdateReplacePolicy })
        .toEqual({ at: `${resource.stack}/${resource.id}`, deletion: policy, replace: policy === 'Snapshot' ? 'Snapshot' : 'Retain' });
    }
  });

  test('no database or table is created deletion-protected (its own rollback could not delete it); each stack\'s Custom::DeletionProtection turns it on', () => {
    const protectable = resources.filter((resource) => ['AWS::RDS::DBCluster', 'AWS::RDS::GlobalCluster', 'AWS::RDS::DBInstance', 'AWS::DynamoDB::GlobalTable'].includes(resource.Type));
    expect(protectable.length).toBeGreaterThan(0);
    const protectedAtCreation = protectable.filter(({ Properties: p }) =>
      p?.DeletionProtection !== undefined || p?.DeletionProtectionEnabled !== undefined || (p?.Replicas ?? []).some((replica) => replica.DeletionProtectionEnabled !== undefined));
    expect(protectedAtCreation.map((resource) => `${resource.stack}/${resource.id}`)).toEqual([]);
    const owners = new Set(resources.filter((resource) => resource.Type === 'Custom::DeletionProtection').map((resource) => resource.stack));
    for (const stack of new Set(protectable.filter((resource) => resource.Type !== 'AWS::RDS::DBInstance').map((resource) => resource.stack))) {
      expect({ stack, protectedBy: owners.has(stack) }).toEqual({ stack, protectedBy: true });
    }
  });

  test('no resource anywhere is plain Retain (it survives its own failed creation)', () => {
    expect(resources.filter((resource) => resource.DeletionPolicy === 'Retain').map((resource) => `${resource.stack}/${resource.id} (${resource.Type})`)).toEqual([]);
  });
});
