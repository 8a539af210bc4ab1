import { Match } from 'aws-cdk-lib/assertions';
import { platformTemplates } from '../../helpers/assemblies';

type ContainerDefinition = {
  Name: string;
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
  PortMappings: { ContainerPort: number; Name: string }[];
  HealthCheck: { Command: string[] };
  Image: unknown;
};

function containers(stackIndex = 1): Map<string, ContainerDefinition> {
  const t = platformTemplates({}).regional[stackIndex]!;
  const result = new Map<string, ContainerDefinition>();
  for (const [id, resource] of Object.entries(t.findResources('AWS::ECS::TaskDefinition'))) {
    const service = /^Services(Ui|Catalog|Carts|Checkout|Orders)TaskDefinition/.exec(id)?.[1]?.toLowerCase();
    if (service !== undefined) {
      result.set(service, (resource.Properties.ContainerDefinitions as ContainerDefinition[])[0]!);
    }
  }
  return result;
}

const envNames = (c: ContainerDefinition) => (c.Environment ?? []).map((e) => e.Name).sort();
const secretNames = (c: ContainerDefinition) => (c.Secrets ?? []).map((s) => s.Name).sort();
const env = (c: ContainerDefinition, name: string) => c.Environment?.find((e) => e.Name === name)?.Value;

describe('wiring of the 1.x images', () => {
  const defs = containers();

  test('five services, each on port 8080 with its health path', () => {
    expect([...defs.keys()].sort()).toEqual(['carts', 'catalog', 'checkout', 'orders', 'ui']);
    const health: Record<string, string> = { ui: '/actuator/health', catalog: '/health', carts: '/actuator/health', checkout: '/health', orders: '/actuator/health' };
    for (const [name, def] of defs) {
      expect(def.PortMappings).toEqual([expect.objectContaining({ ContainerPort: 8080, Name: 'http' })]);
      expect(def.HealthCheck.Command).toEqual(['CMD-SHELL', `curl -fs http://localhost:8080${health[name]} || exit 1`]);
    }
  });

  test('ui calls the backends through Service Connect names', () => {
    const ui = defs.get('ui')!;
    expect(envNames(ui)).toEqual(['RETAIL_UI_ENDPOINTS_CARTS', 'RETAIL_UI_ENDPOINTS_CATALOG', 'RETAIL_UI_ENDPOINTS_CHECKOUT', 'RETAIL_UI_ENDPOINTS_ORDERS']);
    expect(env(ui, 'RETAIL_UI_ENDPOINTS_CATALOG')).toBe('http://catalog');
    expect(secretNames(ui)).toEqual([]);
  });

  test('catalog: MySQL provider, endpoint and credentials as ECS secrets', () => {
    const catalog = defs.get('catalog')!;
    expect(env(catalog, 'RETAIL_CATALOG_PERSISTENCE_PROVIDER')).toBe('mysql');
    expect(env(catalog, 'RETAIL_CATALOG_PERSISTENCE_DB_NAME')).toBe('catalog');
    expect(secretNames(catalog)).toEqual(['RETAIL_CATALOG_PERSISTENCE_ENDPOINT', 'RETAIL_CATALOG_PERSISTENCE_PASSWORD', 'RETAIL_CATALOG_PERSISTENCE_USER']);
  });

  test('carts: DynamoDB provider and the table name', () => {
    const carts = defs.get('carts')!;
    expect(env(carts, 'RETAIL_CART_PERSISTENCE_PROVIDER')).toBe('dynamodb');
    expect(env(carts, 'RETAIL_CART_PERSISTENCE_DYNAMODB_TABLE_NAME')).toBe('retail-carts');
  });

  test('checkout: redis provider, the rediss URL as a secret, orders endpoint', () => {
    const checkout = defs.get('checkout')!;
    expect(env(checkout, 'RETAIL_CHECKOUT_PERSISTENCE_PROVIDER')).toBe('redis');
    expect(env(checkout, 'RETAIL_CHECKOUT_ENDPOINTS_ORDERS')).toBe('http://orders');
    expect(secretNames(checkout)).toEqual(['RETAIL_CHECKOUT_PERSISTENCE_REDIS_URL']);
  });

  test('orders: postgres provider (the ORDERS variable, not the README typo) and RabbitMQ through secrets', () => {
    const orders = defs.get('orders')!;
    expect(env(orders, 'RETAIL_ORDERS_PERSISTENCE_PROVIDER')).toBe('postgres');
    expect(env(orders, 'RETAIL_ORDERS_PERSISTENCE_NAME')).toBe('orders');
    expect(env(orders, 'RETAIL_ORDERS_MESSAGING_PROVIDER')).toBe('rabbitmq');
    expect(envNames(orders)).not.toContain('RETAIL_CHECKOUT_PERSISTENCE_PROVIDER');
    expect(secretNames(orders)).toEqual([
      'RETAIL_ORDERS_MESSAGING_RABBITMQ_ADDRESSES',
      'RETAIL_ORDERS_MESSAGING_RABBITMQ_PASSWORD',
      'RETAIL_ORDERS_MESSAGING_RABBITMQ_USERNAME',
      'RETAIL_ORDERS_PERSISTENCE_ENDPOINT',
      'RETAIL_ORDERS_PERSISTENCE_PASSWORD',
      'RETAIL_ORDERS_PERSISTENCE_USERNAME',
    ]);
  });

  test('images come through the Region\'s ECR pull-through cache of Amazon ECR Public', () => {
    const image = JSON.stringify(defs.get('carts')!.Image);
    expect(image).toContain('retail-public/aws-containers/retail-store-sample-cart:1.6.2');
    const t = platformTemplates({}).regional[1]!;
    t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', { EcrRepositoryPrefix: 'retail-public', UpstreamRegistryUrl: 'public.ecr.aws' });
  });
});

describe('services', () => {
  const t = platformTemplates({ profile: 'prod' }).regional[0]!;

  test('circuit breaker with rollback, 100% minimum healthy in prod, Service Connect', () => {
    const services = t.findResources('AWS::ECS::Service');
    expect(Object.keys(services)).toHaveLength(5);
    for (const service of Object.values(services)) {
      expect(service.Properties.DeploymentConfiguration).toEqual(expect.objectContaining({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
      }));
      expect(service.Properties.DesiredCount).toBe(2);
      expect(service.Properties.ServiceConnectConfiguration.Enabled).toBe(true);
    }
  });

  test('CPU target tracking per service', () => {
    expect(Object.keys(t.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'))).toHaveLength(5);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 8 });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, TargetValue: 60 }),
    });
  });

  test('log groups are encrypted with the Region\'s key and have a retention', () => {
    for (const group of Object.values(t.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.KmsKeyId).toBeDefined();
      expect(group.Properties.RetentionInDays).toBe(90);
    }
  });

  test('only ui is reachable from the load balancer; backends only from their callers', () => {
    const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties as Record<string, unknown>);
    const from = (target: RegExp) =>
      ingress
        .filter((rule) => target.test(JSON.stringify(rule.GroupId)) && rule.FromPort === 8080)
        .map((rule) => JSON.stringify(rule.SourceSecurityGroupId).match(/"(Services\w+?SecurityGroup|Entry\w*SecurityGroup)\w*"/)?.[1])
        .sort();
    expect(from(/ServicesUiSecurityGroup/)).toEqual(['EntrySecurityGroup']);
    expect(from(/ServicesCatalogSecurityGroup/)).toEqual(['ServicesUiSecurityGroup']);
    expect(from(/ServicesCartsSecurityGroup/)).toEqual(['ServicesUiSecurityGroup']);
    expect(from(/ServicesOrdersSecurityGroup/)).toEqual(['ServicesCheckoutSecurityGroup', 'ServicesUiSecurityGroup']);
  });

  test('carts task role reaches only its own Region\'s table', () => {
    const policies = Object.entries(t.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('ServicesCartsTaskRole'));
    expect(policies).toHaveLength(1);
    const document = JSON.stringify(policies[0]![1].Properties.PolicyDocument);
    expect(document).toContain(':dynamodb:us-east-1:123456789012:table/retail-carts');
    expect(document).not.toMatch(/dynamodb:(us-west-2|eu-west-1)/);
    expect(document).not.toContain('"dynamodb:*"');
  });

  test('other task roles hold no permissions', () => {
    const policies = Object.keys(t.findResources('AWS::IAM::Policy')).filter((id) => /^Services\w+TaskRole/.test(id));
    expect(policies.map((id) => id.replace(/TaskRole.*/, ''))).toEqual(['ServicesCarts']);
  });
});

describe('hardened containers (read-only root, non-root user, hard memory limits)', () => {
  type Hardened = {
    Name: string;
    User?: string;
    ReadonlyRootFilesystem?: boolean;
    Memory?: number;
    Essential?: boolean;
    EntryPoint?: string[];
    MountPoints?: { SourceVolume: string; ContainerPath: string; ReadOnly: boolean }[];
    DependsOn?: { ContainerName: string; Condition: string }[];
    LinuxParameters?: { Capabilities?: { Drop?: string[] } };
  };
  const t = platformTemplates({}).regional[0]!;
  const tasks = Object.entries(t.findResources('AWS::ECS::TaskDefinition')).filter(([id]) => /^Services\w+TaskDefinition/.test(id));

  test('the application runs as the images\' appuser (1000) on a read-only root, /tmp on a task volume, within the task\'s memory', () => {
    expect(tasks).toHaveLength(5);
    for (const [, task] of tasks) {
      const [app, init] = task.Properties.ContainerDefinitions as Hardened[];
      expect(app).toMatchObject({ Name: 'app', User: '1000:1000', ReadonlyRootFilesystem: true });
      expect(app!.MountPoints).toEqual([{ SourceVolume: 'scratch-tmp', ContainerPath: '/tmp', ReadOnly: false }]);
      expect(task.Properties.Volumes).toEqual([{ Name: 'scratch-tmp' }]);
      // Init container + application + headroom for the Service Connect proxy fit in the task.
      expect(app!.Memory! + init!.Memory! + 64).toBe(Number(task.Properties.Memory));
      expect(app!.DependsOn).toEqual([{ ContainerName: 'scratch-permissions', Condition: 'SUCCESS' }]);
    }
  });

  test('the one-shot container only opens the scratch volume: no capabilities, read-only root, not essential', () => {
    for (const [, task] of tasks) {
      const init = (task.Properties.ContainerDefinitions as Hardened[])[1]!;
      expect(init).toMatchObject({ Name: 'scratch-permissions', Essential: false, ReadonlyRootFilesystem: true, Memory: 32, EntryPoint: ['chmod', '1777', '/tmp'] });
      expect(init.LinuxParameters?.Capabilities?.Drop).toEqual(['ALL']);
      expect(init.MountPoints).toEqual([{ SourceVolume: 'scratch-tmp', ContainerPath: '/tmp', ReadOnly: false }]);
    }
  });

  test('ECS clusters run Container Insights with enhanced observability', () => {
    const clusters = Object.values(t.findResources('AWS::ECS::Cluster'));
    expect(clusters.length).toBeGreaterThanOrEqual(2);
    for (const cluster of clusters) {
      expect(cluster.Properties.ClusterSettings).toEqual([{ Name: 'containerInsights', Value: 'enhanced' }]);
    }
  });
});
