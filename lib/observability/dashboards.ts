import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as synthetics from 'aws-cdk-lib/aws-synthetics';
import type { Construct } from 'constructs';
import { SERVICE_NAMES, type ServiceName } from '../config/types';
import { memberClusterIdentifier } from '../data/engines';
import type { DatabaseName } from '../topology/topology';
import {
  ROUTING_CONTROL_DIMENSION,
  ROUTING_CONTROL_METRIC,
  canaryName,
  platformMetricNamespace,
} from './names';

const WIDTH = 24;
const HALF = 12;
const THIRD = 8;
const HEIGHT = 6;
const MINUTE = Duration.minutes(1);

export interface RegionalDashboardInput {
  readonly dashboardName: string;
  readonly appName: string;
  readonly region: string;
  readonly regions: readonly string[];
  readonly canaries: ReadonlyMap<string, synthetics.Canary>;
  readonly alarms: readonly cloudwatch.IAlarm[];
  readonly compositeAlarms: readonly cloudwatch.IAlarm[];
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly uiTargetGroup: elbv2.IApplicationTargetGroup;
  readonly taskMetrics: Readonly<Record<ServiceName, { readonly running: cloudwatch.Metric; readonly desired: cloudwatch.Metric }>>;
  readonly rpoLag: readonly { readonly label: string; readonly metric: cloudwatch.Metric }[];
  readonly replicationLatency: readonly { readonly label: string; readonly metric: cloudwatch.Metric }[];
  readonly cacheNodes: readonly { readonly nodeId: string; readonly cpu: cloudwatch.Metric; readonly memory: cloudwatch.Metric }[];
  /** The busiest node's CPU % (see metrics.ts: broker-level values are sums for a cluster). */
  readonly brokerCpu: cloudwatch.IMetric;
  readonly brokerMemory: cloudwatch.IMetric;
}

function routingControlMetric(appName: string, controlRegion: string, publisherRegion: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: platformMetricNamespace(appName),
    metricName: ROUTING_CONTROL_METRIC,
    dimensionsMap: { [ROUTING_CONTROL_DIMENSION]: controlRegion },
    statistic: cloudwatch.Stats.MINIMUM,
    period: MINUTE,
    region: publisherRegion,
    label: `${controlRegion} On`,
  });
}

/** One Region in depth: the outside view first, then each tier from the front to the stores. */
export function buildRegionalDashboard(scope: Construct, id: string, input: RegionalDashboardInput): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, id, {
    dashboardName: input.dashboardName,
    defaultInterval: Duration.hours(3),
  });
  const { loadBalancer, uiTargetGroup } = input;
  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown: `# ${input.appName} in ${input.region}\nRead-path canaries walk home → catalog → cart through the ui; the order canary (writer health) goes on to checkout and a synthetic order. Decision table: README, operator's guide; details: docs/observability.md.`,
      width: WIDTH,
      height: 2,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({
      title: 'Alarms',
      alarms: [...input.compositeAlarms, ...input.alarms],
      width: WIDTH,
      height: 5,
      sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Canary success % (journeys run from this Region; orders = writer health)',
      left: [...input.canaries.entries()].map(([key, canary]) => canary.metricSuccessPercent({ label: key, period: Duration.minutes(5) })),
      leftYAxis: { min: 0, max: 100 },
      width: HALF,
      height: HEIGHT,
    }),
    new cloudwatch.SingleValueWidget({
      title: 'Routing controls as read from this Region (1 = On)',
      metrics: input.regions.map((control) => routingControlMetric(input.appName, control, input.region)),
      width: HALF,
      height: HEIGHT,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Load balancer: requests and errors',
      left: [loadBalancer.metrics.requestCount({ period: MINUTE, label: 'requests' })],
      right: [
        loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: MINUTE, label: 'ELB 5xx' }),
        uiTargetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: MINUTE, label: 'ui 5xx' }),
      ],
      width: THIRD,
      height: HEIGHT,
    }),
    new cloudwatch.GraphWidget({
      title: 'ui response time',
      left: [
        uiTargetGroup.metrics.targetResponseTime({ period: MINUTE, statistic: 'p50', label: 'p50' }),
        uiTargetGroup.metrics.targetResponseTime({ period: MINUTE, statistic: 'p99', label: 'p99' }),
      ],
      width: THIRD,
      height: HEIGHT,
    }),
    new cloudwatch.GraphWidget({
      title: 'ui targets',
      left: [
        uiTargetGroup.metrics.healthyHostCount({ period: MINUTE, label: 'healthy' }),
        uiTargetGroup.metrics.unhealthyHostCount({ period: MINUTE, label: 'unhealthy' }),
      ],
      width: THIRD,
      height: HEIGHT,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'ECS tasks running',
      left: SERVICE_NAMES.map((name) => input.taskMetrics[name].running.with({ label: name })),
      width: HALF,
      height: HEIGHT,
    }),
    new cloudwatch.GraphWidget({
      title: 'ECS tasks desired',
      left: SERVICE_NAMES.map((name) => input.taskMetrics[name].desired.with({ label: name })),
      width: HALF,
      height: HEIGHT,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Aurora global RPO lag of this Region\'s members (ms; none while the member writes)',
      left: input.rpoLag.map((entry) => entry.metric.with({ label: entry.label })),
      width: HALF,
      height: HEIGHT,
    }),
    new cloudwatch.GraphWidget({
      title: 'Carts replication latency from this Region (ms)',
      left: input.replicationLatency.map((entry) => entry.metric.with({ label: entry.label })),
      width: HALF,
      height: HEIGHT,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Checkout cache: engine CPU and memory %',
      left: input.cacheNodes.map((node) => node.cpu.with({ label: `${node.nodeId} CPU` })),
      right: input.cacheNodes.map((node) => node.memory.with({ label: `${node.nodeId} memory` })),
      width: HALF,
      height: HEIGHT,
    }),
    new cloudwatch.GraphWidget({
      title: 'Order events broker, busiest node: CPU % and memory (% of watermark)',
      left: [input.brokerCpu],
      right: [input.brokerMemory],
      width: HALF,
      height: HEIGHT,
    }),
  );
  return dashboard;
}

export interface OverviewDashboardInput {
  readonly dashboardName: string;
  readonly appName: string;
  readonly regions: readonly string[];
  readonly databases: readonly DatabaseName[];
  readonly cartsTableName: string;
  readonly hasGlobalCanary: boolean;
}

/**
 * Every Region of the account's load balancers, by SEARCH: the first Region deploys before the
 * others exist, so their load balancer names cannot be known here. The platform assumes an account
 * per environment; in a shared account the totals include other applications' load balancers.
 */
function albSearch(region: string, metricName: string, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SUM(SEARCH('{AWS/ApplicationELB,LoadBalancer} MetricName="${metricName}"', 'Sum', 60))`,
    usingMetrics: {},
    searchRegion: region,
    label,
    period: MINUTE,
  });
}

/**
 * The platform at a glance, every Region side by side. Dashboards are account-wide resources (no
 * Region in their ARN): one overview is created, by the first Region's stack, and every metric on
 * it names the Region it comes from, so it keeps working when that Region is the impaired one.
 */
export function buildOverviewDashboard(scope: Construct, id: string, input: OverviewDashboardInput): cloudwatch.Dashboard {
  const { appName, regions } = input;
  const dashboard = new cloudwatch.Dashboard(scope, id, {
    dashboardName: input.dashboardName,
    defaultInterval: Duration.hours(3),
  });
  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown: `# ${appName}: all Regions\nTraffic follows the routing control that is On (1). Per-Region detail: dashboards \`${appName}-<region>\`. Rehearsal and failover: docs/observability.md.`,
      width: WIDTH,
      height: 2,
    }),
  );
  dashboard.addWidgets(
    ...regions.map((publisher) => new cloudwatch.SingleValueWidget({
      title: `Routing controls read from ${publisher} (1 = On)`,
      metrics: regions.map((control) => routingControlMetric(appName, control, publisher)),
      width: Math.max(Math.floor(WIDTH / regions.length), 6),
      height: 4,
    })),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Requests per Region (load balancers)',
      left: regions.map((region) => albSearch(region, 'RequestCount', region)),
      width: HALF,
      height: HEIGHT,
    }),
    new cloudwatch.GraphWidget({
      title: '5xx per Region (load balancer and targets)',
      left: regions.flatMap((region) => [
        albSearch(region, 'HTTPCode_ELB_5XX_Count', `${region} ELB`),
        albSearch(region, 'HTTPCode_Target_5XX_Count', `${region} targets`),
      ]),
      width: HALF,
      height: HEIGHT,
    }),
  );
  const canaryMetric = (region: string, name: string, label: string): cloudwatch.Metric => new cloudwatch.Metric({
    namespace: 'CloudWatchSynthetics',
    metricName: 'SuccessPercent',
    dimensionsMap: { CanaryName: name },
    statistic: cloudwatch.Stats.AVERAGE,
    period: Duration.minutes(5),
    region,
    label,
  });
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Read path success % (each Region probing itself, and the global name)',
      left: [
        ...regions.map((region) => canaryMetric(region, canaryName(appName, { kind: 'local' }), region)),
        ...(input.hasGlobalCanary ? regions.map((region) => canaryMetric(region, canaryName(appName, { kind: 'global' }), `global from ${region}`)) : []),
      ],
      leftYAxis: { min: 0, max: 100 },
      width: HALF,
      height: HEIGHT,
    }),
    new cloudwatch.GraphWidget({
      title: 'Writer health: order canary success % per Region (all down = writer lost)',
      left: regions.map((region) => canaryMetric(region, canaryName(appName, { kind: 'orders' }), region)),
      leftYAxis: { min: 0, max: 100 },
      width: HALF,
      height: HEIGHT,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Aurora global RPO lag per member (ms)',
      left: regions.flatMap((region) => input.databases.map((database) => new cloudwatch.Metric({
        namespace: 'AWS/RDS',
        metricName: 'AuroraGlobalDBRPOLag',
        dimensionsMap: { DBClusterIdentifier: memberClusterIdentifier(appName, database, region) },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: MINUTE,
        region,
        label: `${database} ${region}`,
      }))),
      width: HALF,
      height: HEIGHT,
    }),
    new cloudwatch.GraphWidget({
      title: 'Carts replication latency (ms)',
      left: regions.flatMap((source) => regions.filter((target) => target !== source).map((target) => new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName: 'ReplicationLatency',
        dimensionsMap: { TableName: input.cartsTableName, ReceivingRegion: target },
        statistic: cloudwatch.Stats.AVERAGE,
        period: MINUTE,
        region: source,
        label: `${source} → ${target}`,
      }))),
      width: HALF,
      height: HEIGHT,
    }),
  );
  return dashboard;
}
