import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { ImageRef, ServiceName, ServiceSizing } from '../config/types';
import type { ServiceBindings } from './bindings';
import type { ComputeCluster } from './compute-cluster';
import { CONTAINER_PORT, RetailService } from './retail-service';

export interface RetailServicesProps {
  readonly compute: ComputeCluster;
  readonly subnets: ec2.SubnetSelection;
  readonly images: Readonly<Record<ServiceName, ImageRef>>;
  readonly sizing: Readonly<Record<ServiceName, ServiceSizing>>;
  readonly bindings: ServiceBindings;
  readonly listener: elbv2.ApplicationListener;
  readonly logKey: kms.IKey;
  readonly logRetentionDays: number;
  readonly minHealthyPercent: number;
}

/** Health paths of the 1.x images. */
export const HEALTH_PATHS: Readonly<Record<ServiceName, string>> = {
  ui: '/actuator/health',
  catalog: '/health',
  carts: '/actuator/health',
  checkout: '/health',
  orders: '/actuator/health',
};

/** Service Connect URL of a backend as the other services call it. */
function url(service: ServiceName): string {
  return `http://${service}`;
}

/**
 * The five services of the retail store, wired as the 1.x images expect (variable names from
 * the sample application's own configuration classes). Who may call whom is explicit:
 * the load balancer reaches only ui; ui reaches the four backends; checkout reaches orders.
 */
export class RetailServices extends Construct {
  readonly services: Readonly<Record<ServiceName, RetailService>>;
  readonly uiTargetGroup: elbv2.ApplicationTargetGroup;

  constructor(scope: Construct, id: string, props: RetailServicesProps) {
    super(scope, id);
    const { bindings } = props;

    const make = (
      name: ServiceName,
      environment: Record<string, string>,
      secrets: Record<string, ecs.Secret>,
      serveThroughServiceConnect: boolean,
    ): RetailService =>
      new RetailService(this, capitalize(name), {
        name,
        compute: props.compute,
        subnets: props.subnets,
        repository: props.images[name].repository,
        tag: props.images[name].tag,
        sizing: props.sizing[name],
        healthPath: HEALTH_PATHS[name],
        environment,
        secrets,
        serveThroughServiceConnect,
        logKey: props.logKey,
        logRetentionDays: props.logRetentionDays,
        minHealthyPercent: props.minHealthyPercent,
      });

    const catalog = make(
      'catalog',
      {
        RETAIL_CATALOG_PERSISTENCE_PROVIDER: 'mysql',
        RETAIL_CATALOG_PERSISTENCE_DB_NAME: bindings.catalogDatabase.databaseName,
      },
      {
        RETAIL_CATALOG_PERSISTENCE_ENDPOINT: ecs.Secret.fromSsmParameter(bindings.catalogDatabase.endpointParameter),
        RETAIL_CATALOG_PERSISTENCE_USER: ecs.Secret.fromSecretsManager(bindings.catalogDatabase.credentials, 'username'),
        RETAIL_CATALOG_PERSISTENCE_PASSWORD: ecs.Secret.fromSecretsManager(bindings.catalogDatabase.credentials, 'password'),
      },
      true,
    );

    const carts = make(
      'carts',
      {
        RETAIL_CART_PERSISTENCE_PROVIDER: 'dynamodb',
        RETAIL_CART_PERSISTENCE_DYNAMODB_TABLE_NAME: bindings.cartsTable.tableName,
      },
      {},
      true,
    );

    const orders = make(
      'orders',
      {
        RETAIL_ORDERS_PERSISTENCE_PROVIDER: 'postgres',
        RETAIL_ORDERS_PERSISTENCE_NAME: bindings.ordersDatabase.databaseName,
        RETAIL_ORDERS_MESSAGING_PROVIDER: 'rabbitmq',
      },
      {
        RETAIL_ORDERS_PERSISTENCE_ENDPOINT: ecs.Secret.fromSsmParameter(bindings.ordersDatabase.endpointParameter),
        RETAIL_ORDERS_PERSISTENCE_USERNAME: ecs.Secret.fromSecretsManager(bindings.ordersDatabase.credentials, 'username'),
        RETAIL_ORDERS_PERSISTENCE_PASSWORD: ecs.Secret.fromSecretsManager(bindings.ordersDatabase.credentials, 'password'),
        RETAIL_ORDERS_MESSAGING_RABBITMQ_ADDRESSES: ecs.Secret.fromSsmParameter(bindings.orderEvents.addressesParameter),
        RETAIL_ORDERS_MESSAGING_RABBITMQ_USERNAME: ecs.Secret.fromSecretsManager(bindings.orderEvents.credentials, 'username'),
        RETAIL_ORDERS_MESSAGING_RABBITMQ_PASSWORD: ecs.Secret.fromSecretsManager(bindings.orderEvents.credentials, 'password'),
      },
      true,
    );

    const checkout = make(
      'checkout',
      {
        RETAIL_CHECKOUT_PERSISTENCE_PROVIDER: 'redis',
        RETAIL_CHECKOUT_ENDPOINTS_ORDERS: url('orders'),
      },
      {
        // A rediss:// URL carrying the AUTH token, so it is a secret.
        RETAIL_CHECKOUT_PERSISTENCE_REDIS_URL: ecs.Secret.fromSecretsManager(bindings.checkoutCache.urlSecret),
      },
      true,
    );

    const ui = make(
      'ui',
      {
        RETAIL_UI_ENDPOINTS_CATALOG: url('catalog'),
        RETAIL_UI_ENDPOINTS_CARTS: url('carts'),
        RETAIL_UI_ENDPOINTS_CHECKOUT: url('checkout'),
        RETAIL_UI_ENDPOINTS_ORDERS: url('orders'),
      },
      {},
      false,
    );

    // Backends start before ui so that ui's first health checks can reach them.
    for (const backend of [catalog, carts, checkout, orders]) {
      ui.service.node.addDependency(backend.service);
      backend.allowCallsFrom(ui);
    }
    orders.allowCallsFrom(checkout);
    checkout.service.node.addDependency(orders.service);

    // Each service reaches only its own stores.
    bindings.catalogDatabase.allowFrom(catalog.securityGroup, 'catalog service');
    bindings.ordersDatabase.allowFrom(orders.securityGroup, 'orders service');
    bindings.orderEvents.allowFrom(orders.securityGroup, 'orders service');
    bindings.checkoutCache.allowFrom(checkout.securityGroup, 'checkout service');
    bindings.cartsTable.grantReadWriteData(carts.taskRole);

    this.uiTargetGroup = props.listener.addTargets('Ui', {
      port: CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [ui.service.loadBalancerTarget({ containerName: 'app', containerPort: CONTAINER_PORT })],
      healthCheck: {
        path: HEALTH_PATHS.ui,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      deregistrationDelay: Duration.seconds(30),
    });

    this.services = { ui, catalog, carts, checkout, orders };
  }
}

function capitalize(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
