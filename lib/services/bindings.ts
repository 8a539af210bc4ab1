import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as ssm from 'aws-cdk-lib/aws-ssm';

/**
 * Seams between the services and the stores they use. Each store's construct implements its
 * binding and owns the grants and network rules; the services only consume them.
 */

/** A relational database a service reaches with an endpoint and credentials. */
export interface DatabaseBinding {
  readonly databaseName: string;
  /** `host:port` of the writer the service must use (non-secret, injected through ECS secrets). */
  readonly endpointParameter: ssm.IStringParameter;
  /** JSON secret with `username` and `password`. */
  readonly credentials: secretsmanager.ISecret;
  /** Admit the service's tasks to the database (security group rule on the database side). */
  allowFrom(peer: ec2.IConnectable, description: string): void;
}

/** The checkout cache: a `rediss://` URL with the AUTH token, as a secret. */
export interface CacheBinding {
  readonly urlSecret: secretsmanager.ISecret;
  allowFrom(peer: ec2.IConnectable, description: string): void;
}

/** The order-events broker: AMQPS addresses and credentials. */
export interface BrokerBinding {
  readonly addressesParameter: ssm.IStringParameter;
  /** JSON secret with `username` and `password`. */
  readonly credentials: secretsmanager.ISecret;
  allowFrom(peer: ec2.IConnectable, description: string): void;
}

/** The carts table: the Region's own replica of the global table. */
export interface TableBinding {
  readonly tableName: string;
  grantReadWriteData(grantee: iam.IGrantable): void;
}

export interface ServiceBindings {
  readonly catalogDatabase: DatabaseBinding;
  readonly ordersDatabase: DatabaseBinding;
  readonly cartsTable: TableBinding;
  readonly checkoutCache: CacheBinding;
  readonly orderEvents: BrokerBinding;
}
