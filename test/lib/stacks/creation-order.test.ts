import type { Template } from 'aws-cdk-lib/assertions';
import { platformTemplates } from '../../helpers/assemblies';

/**
 * What a first deploy needs: every service starts only after what it uses exists. Each
 * dependency is asserted on the service's own DependsOn, so removing the line that declares it
 * (lib/stacks/regional-stack.ts, startServicesAfterWhatTheyUse) fails exactly one test.
 */

function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}

function logicalIds(template: Template, type: string, prefix: string): string[] {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length === 0) throw new Error(`no ${type} named ${prefix}*`);
  return ids;
}

function dependsOn(template: Template, service: string): string[] {
  const id = logicalId(template, 'AWS::ECS::Service', `Services${service}Service`);
  return (template.toJSON().Resources[id].DependsOn as string[] | undefined) ?? [];
}

const SERVICES = ['Ui', 'Catalog', 'Carts', 'Checkout', 'Orders'];

describe.each([
  ['primary', 0],
  ['secondary', 1],
])('services of the %s Region start after what they use', (_role, index) => {
  const t = platformTemplates({}).regional[index]!;

  test.each(SERVICES)('%s after the ECR pull-through cache rule', (service) => {
    expect(dependsOn(t, service)).toContain(logicalId(t, 'AWS::ECR::PullThroughCacheRule', 'ComputeEcrPublicCache'));
  });

  test('catalog after every instance of its database member (the writer among them)', () => {
    const instances = logicalIds(t, 'AWS::RDS::DBInstance', 'CatalogDatabaseInstance');
    expect(dependsOn(t, 'Catalog')).toEqual(expect.arrayContaining(instances));
  });

  test('orders after every instance of its database member', () => {
    const instances = logicalIds(t, 'AWS::RDS::DBInstance', 'OrdersDatabaseInstance');
    expect(dependsOn(t, 'Orders')).toEqual(expect.arrayContaining(instances));
  });

  test('orders after its broker and the broker credentials', () => {
    expect(dependsOn(t, 'Orders')).toEqual(expect.arrayContaining([
      logicalId(t, 'AWS::AmazonMQ::Broker', 'OrderEventsBroker'),
      logicalId(t, 'AWS::SecretsManager::Secret', 'OrderEventsCredentials'),
    ]));
  });

  test('checkout after its cache and the cache URL secret', () => {
    expect(dependsOn(t, 'Checkout')).toEqual(expect.arrayContaining([
      logicalId(t, 'AWS::ElastiCache::ReplicationGroup', 'CheckoutCacheReplicationGroup'),
      logicalId(t, 'AWS::SecretsManager::Secret', 'CheckoutCacheUrlSecret'),
    ]));
  });
});

describe('first rotation before the services first start (primary Region)', () => {
  const t = platformTemplates({}).regional[0]!;

  test('catalog after the catalog master secret rotation schedule', () => {
    expect(dependsOn(t, 'Catalog')).toContain(logicalId(t, 'AWS::SecretsManager::RotationSchedule', 'CatalogSecretRotationSchedule'));
  });

  test('orders after the orders master secret rotation schedule', () => {
    expect(dependsOn(t, 'Orders')).toContain(logicalId(t, 'AWS::SecretsManager::RotationSchedule', 'OrdersSecretRotationSchedule'));
  });
});

describe('stack order', () => {
  const platform = platformTemplates({});

  test('every regional stack deploys after global data (master secrets, carts table) and traffic control', () => {
    for (const stack of platform.regionalStacks) {
      expect(stack.dependencies).toEqual(expect.arrayContaining(['retail-global-data', 'retail-traffic-control']));
    }
  });

  test('a secondary Region deploys after the primary, whose writer its services use', () => {
    const [primary, secondary] = platform.regionalStacks;
    expect(secondary!.dependencies).toContain(primary!.name);
  });
});
