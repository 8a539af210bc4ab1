import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { CartsConsistency } from '../config/types';
import type { TableBinding } from '../services/bindings';

export interface CartsTableProps {
  readonly tableName: string;
  /** Every Region other than the one the table is created in. */
  readonly replicaRegions: readonly string[];
  readonly consistency: CartsConsistency;
  readonly witnessRegion?: string;
}

/** The carts service's key and index (the 1.x image's DynamoDB repository). */
export const CARTS_PARTITION_KEY = 'id';
export const CARTS_CUSTOMER_INDEX = 'idx_global_customerId';

/**
 * The carts DynamoDB global table, created in the primary Region with a replica in every other
 * Region. Point-in-time recovery on every replica, deletion protection turned on by the stack's
 * DeletionProtection resource once the stack exists (not by the template); encrypted with the
 * AWS managed key, which every Region has (a customer-managed key per replica would make this
 * stack depend on every regional stack). Multi-Region strong consistency when configured (the
 * configuration only allows it for three Regions of one Region set, or two plus a witness).
 */
export class CartsTable extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: CartsTableProps) {
    super(scope, id);
    const strong = props.consistency === 'strong';
    this.table = new dynamodb.TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: CARTS_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Deletion protection (table and replicas) is left out on purpose, never `false`: the
      // stack's DeletionProtection custom resource turns it on once the stack exists.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      globalSecondaryIndexes: [
        {
          indexName: CARTS_CUSTOMER_INDEX,
          partitionKey: { name: 'customerId', type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.ALL,
        },
      ],
      replicas: props.replicaRegions.map((region) => ({
        region,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      })),
      ...(strong ? { multiRegionConsistency: dynamodb.MultiRegionConsistency.STRONG } : {}),
      ...(strong && props.witnessRegion !== undefined ? { witnessRegion: props.witnessRegion } : {}),
    });
  }
}

/**
 * A Region's view of the carts table: the local replica, by name and ARN, so that the Region's
 * stack needs no reference to the primary Region and grants reach that replica only.
 */
export class LocalCartsReplica extends Construct implements TableBinding {
  readonly tableName: string;
  readonly tableArn: string;

  constructor(scope: Construct, id: string, tableName: string) {
    super(scope, id);
    this.tableName = tableName;
    this.tableArn = Stack.of(this).formatArn({ service: 'dynamodb', resource: 'table', resourceName: tableName });
  }

  grantReadWriteData(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
          'dynamodb:DescribeTable',
        ],
        resources: [this.tableArn, `${this.tableArn}/index/${CARTS_CUSTOMER_INDEX}`],
      }),
    );
  }
}
