import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { BrokerDeploymentMode } from './thresholds';

/**
 * The metrics the alarms and dashboards read, with the namespace, dimensions and statistic each
 * service publishes them with (CloudWatch matches dimensions exactly: a metric asked for with a
 * missing or extra dimension returns no data).
 */

const MINUTE = Duration.minutes(1);

/** Nodes of an Amazon MQ for RabbitMQ `CLUSTER_MULTI_AZ` broker (Amazon MQ developer guide: "all three RabbitMQ nodes"). */
export const RABBITMQ_CLUSTER_NODES = 3;

/**
 * Broker CPU and memory, meaning the same for a single-instance broker and a cluster: the busiest
 * node. Amazon MQ publishes `SystemCpuUtilization`, `RabbitMQMemUsed` and `RabbitMQMemLimit` twice
 * (Amazon MQ developer guide, "Available CloudWatch metrics for Amazon MQ for RabbitMQ brokers"):
 *
 * - per broker (dimension `Broker`): for a cluster, the *sum* over its three nodes, so 85 % CPU
 *   would mean nodes averaging ~28 %, and one node at its memory watermark (where RabbitMQ blocks
 *   publishers) hides behind the other two;
 * - per node (dimensions `Broker`, `Node`), where `Node` is `rabbit@<host name>`, unknown until
 *   the broker runs.
 *
 * A single-instance broker's broker-level values are its one node's. For a cluster, a Metrics
 * Insights query takes the MAX over whatever nodes the broker has; the memory limit per node is the
 * broker-level limit (the sum of three equal nodes, same instance type) divided by three.
 */
export interface BrokerMetrics {
  /** CPU % of the busiest node. */
  readonly busiestNodeCpuPercent: cloudwatch.IMetric;
  /** Memory used by the busiest node, in % of that node's high watermark. */
  readonly busiestNodeMemoryPercent: cloudwatch.IMetric;
}

function brokerLevel(brokerName: string, metricName: string, statistic: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/AmazonMQ',
    metricName,
    dimensionsMap: { Broker: brokerName },
    statistic,
    period: MINUTE,
  });
}

/** `SELECT MAX(<metric>) FROM SCHEMA("AWS/AmazonMQ", Broker, Node) WHERE Broker = '<name>'`: the busiest node's value. */
export function busiestNodeQuery(brokerName: string, metricName: string): string {
  return `SELECT MAX(${metricName}) FROM SCHEMA("AWS/AmazonMQ", Broker, Node) WHERE Broker = '${brokerName}'`;
}

export function brokerMetrics(brokerName: string, mode: BrokerDeploymentMode): BrokerMetrics {
  if (mode === 'SINGLE_INSTANCE') {
    return {
      busiestNodeCpuPercent: brokerLevel(brokerName, 'SystemCpuUtilization', cloudwatch.Stats.MAXIMUM).with({ label: 'Broker CPU %' }),
      busiestNodeMemoryPercent: new cloudwatch.MathExpression({
        expression: '100 * used / limit',
        usingMetrics: {
          used: brokerLevel(brokerName, 'RabbitMQMemUsed', cloudwatch.Stats.MAXIMUM),
          limit: brokerLevel(brokerName, 'RabbitMQMemLimit', cloudwatch.Stats.MINIMUM),
        },
        label: 'Broker memory (% of the high watermark)',
        period: MINUTE,
      }),
    };
  }
  return {
    busiestNodeCpuPercent: new cloudwatch.MathExpression({
      expression: busiestNodeQuery(brokerName, 'SystemCpuUtilization'),
      label: 'Busiest broker node: CPU %',
      period: MINUTE,
    }),
    busiestNodeMemoryPercent: new cloudwatch.MathExpression({
      expression: `100 * busiest / (limits / ${RABBITMQ_CLUSTER_NODES})`,
      usingMetrics: {
        busiest: new cloudwatch.MathExpression({ expression: busiestNodeQuery(brokerName, 'RabbitMQMemUsed'), label: 'Busiest node: memory used', period: MINUTE }),
        limits: brokerLevel(brokerName, 'RabbitMQMemLimit', cloudwatch.Stats.MINIMUM),
      },
      label: 'Busiest broker node: memory (% of its high watermark)',
      period: MINUTE,
    }),
  };
}

/** The carts service writes with PutItem, UpdateItem and DeleteItem (retail-store-sample-app 1.6.2, DynamoDBCartService). */
export const CART_WRITE_OPERATIONS = ['PutItem', 'UpdateItem', 'DeleteItem'] as const;

/** Replication is judged over 5-minute windows: long enough for a canary's cart write to fall in each. */
export const REPLICATION_PERIOD = Duration.minutes(5);

export function replicationLatencyMetric(tableName: string, receivingRegion: string, statistic: string, period: Duration = MINUTE): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/DynamoDB',
    metricName: 'ReplicationLatency',
    dimensionsMap: { TableName: tableName, ReceivingRegion: receivingRegion },
    statistic,
    period,
  });
}

/**
 * 1 when carts written in this Region reach `receivingRegion` late (the slowest item of the window
 * took longer than `lateMs`) or not at all (this Region wrote items but DynamoDB reported no
 * replication towards that Region in the window), else 0.
 *
 * `ReplicationLatency` has data points only for items that replicated (DynamoDB developer guide,
 * "Monitoring global tables"): while replication is paused (FIS
 * `aws:dynamodb:global-table-pause-replication`, or a real stall) the metric is simply absent, and
 * an alarm on it alone stays quiet. The write side comes from `SuccessfulRequestLatency`, whose
 * sample count is the number of successful requests per operation (dimensions TableName, Operation).
 */
export function replicationHealth(tableName: string, receivingRegion: string, lateMs: number): cloudwatch.MathExpression {
  const period = REPLICATION_PERIOD;
  const writes = Object.fromEntries(CART_WRITE_OPERATIONS.map((operation) => [
    operation.charAt(0).toLowerCase() + operation.slice(1),
    new cloudwatch.Metric({
      namespace: 'AWS/DynamoDB',
      metricName: 'SuccessfulRequestLatency',
      dimensionsMap: { TableName: tableName, Operation: operation },
      statistic: cloudwatch.Stats.SAMPLE_COUNT,
      period,
    }),
  ]));
  const writeSum = Object.keys(writes).map((id) => `FILL(${id}, 0)`).join(' + ');
  return new cloudwatch.MathExpression({
    expression: 'MAX([late, stalled])',
    usingMetrics: {
      late: new cloudwatch.MathExpression({
        expression: `IF(FILL(slowest, 0) > ${lateMs}, 1, 0)`,
        usingMetrics: { slowest: replicationLatencyMetric(tableName, receivingRegion, cloudwatch.Stats.MAXIMUM, period) },
        period,
      }),
      stalled: new cloudwatch.MathExpression({
        expression: `IF(${writeSum} > 0, IF(FILL(replicated, 0) < 1, 1, 0), 0)`,
        usingMetrics: { replicated: replicationLatencyMetric(tableName, receivingRegion, cloudwatch.Stats.SAMPLE_COUNT, period), ...writes },
        period,
      }),
    },
    label: `Carts to ${receivingRegion}: late or stalled (1)`,
    period,
  });
}
