import * as path from 'path';
import { ArnFormat, Aws, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as synthetics from 'aws-cdk-lib/aws-synthetics';
import { Construct } from 'constructs';
import { platformFunction } from '../common/node-function';
import { SERVICE_NAMES, type Profile, type ServiceName } from '../config/types';
import { RegionalKey } from '../encryption/regional-key';
import { storeUrlParameterName, topologyParameterName, type DatabaseName } from '../topology/topology';
import { STORE_PROBE_HANDLER, storeProbeCode } from './canary-code';
import { buildOverviewDashboard, buildRegionalDashboard } from './dashboards';
import {
  ROUTING_READ_METRIC,
  alarmName,
  canaryName,
  overviewDashboardName,
  platformMetricNamespace,
  regionalDashboardName,
  serviceAlarmSuffix,
  type ProbeTarget,
} from './names';
import { acknowledgeWildcardResources } from './nag';
import { ENV_METRIC_NAMESPACE, ENV_TOPOLOGY_PARAMETER } from './runtime/routing-state';

/** A member of one Aurora global database in this Region. */
export interface ObservedDatabase {
  /** Used in alarm names, and for the member identifiers of the other Regions on the overview. */
  readonly name: DatabaseName;
  readonly clusterIdentifier: string;
  /** Whether this member was deployed as the writer (see `RegionalObservability` on why every member gets an alarm). */
  readonly isPrimaryMember: boolean;
}

export interface RegionalObservabilityProps {
  readonly appName: string;
  /** This stack's Region. */
  readonly region: string;
  /** Every Region of the platform, in configuration order; the overview dashboard lives in the first. */
  readonly regions: readonly string[];
  readonly profile: Profile;
  /** With a domain, a canary also probes `https://<domainName>` (wherever ARC sends traffic). */
  readonly domainName?: string;
  /** Subscribed to the Region's alarm topic. */
  readonly alarmEmail?: string;
  readonly canaryIntervalMinutes: number;
  /** Retention of the routing-state publisher's log group (a value CloudWatch Logs accepts). */
  readonly logRetentionDays: number;
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly uiTargetGroup: elbv2.IApplicationTargetGroup;
  /** This Region's store URL (may be a token). */
  readonly storeUrl: string;
  readonly cluster: ecs.ICluster;
  readonly services: Readonly<Record<ServiceName, ecs.FargateService>>;
  readonly databases: readonly ObservedDatabase[];
  readonly cartsTableName: string;
  /** The checkout cache's replication group id (its `Ref`). */
  readonly cacheReplicationGroupId: string;
  /** Nodes of the replication group (1 + replicas): node metrics are per member cluster `<id>-00N`. */
  readonly cacheNodeCount: number;
  /** The Amazon MQ broker's name (the `Broker` dimension of `AWS/AmazonMQ`). */
  readonly brokerName: string;
  /** Routing control ARN per Region (may be tokens): the publisher may read exactly these. */
  readonly routingControlArns: Readonly<Record<string, string>>;
}

/** Thresholds, in one place so the documentation and the tests can name them. */
export const THRESHOLDS = {
  /** Canary runs are pass/fail (0 or 100): two failed runs in a row alarm. */
  canarySuccessPercent: 100,
  canaryEvaluationPeriods: 2,
  elb5xxPerMinute: 10,
  target5xxPerMinute: 10,
  /** Minutes a service may run fewer tasks than desired (deployments and task replacement take a few). */
  taskShortfallMinutes: 5,
  auroraRpoLagMs: 30_000,
  dynamodbReplicationLatencyMs: 30_000,
  cacheCpuPercent: 80,
  cacheMemoryPercent: 90,
  brokerCpuPercent: 85,
  brokerMemoryPercent: 80,
} as const;

/** The routing-state publisher runs every minute: the overview shows a switch within a minute or two. */
const ROUTING_STATE_RATE = Duration.minutes(1);

interface AlarmSpec {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm?: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
  readonly description: string;
}

/**
 * Everything an operator watches in one Region: a KMS-encrypted alarm topic, store canaries (this
 * Region, every other Region, and the global name), alarms on every tier, a "Region impaired"
 * composite alarm, a dashboard per Region, the platform overview dashboard (first Region only) and
 * a small function publishing which Region's routing control is On.
 *
 * Own KMS key rather than the Region's data key: CloudWatch must be allowed to use the topic's key,
 * and that grant does not belong on the key that encrypts the databases; a key passed in as
 * `IKey` could not have its policy changed here anyway. One key per Region costs $1/month.
 *
 * Aurora RPO lag alarms exist on every member, not only on the members deployed as secondaries:
 * the writer moves (failover, switchover), a writer publishes no `AuroraGlobalDBRPOLag`, and with
 * missing data treated as not breaching the alarm of whichever member is the writer stays quiet
 * while the others watch their lag. Alarms only on deploy-time secondaries would leave the old
 * primary unwatched after a failover until someone redeployed.
 */
export class RegionalObservability extends Construct {
  readonly key: kms.Key;
  readonly topic: sns.Topic;
  readonly artifactsBucket: s3.Bucket;
  readonly canaries: ReadonlyMap<string, synthetics.Canary>;
  /** Every metric alarm, by short name (`canary-local`, `alb-5xx`, ...). */
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;
  /** This Region's store is failing from the outside: canary, 5xx, or no healthy ui target. */
  readonly regionImpairedAlarm: cloudwatch.CompositeAlarm;
  /** Another Region's store fails as seen from here (the guardrail of chaos drills in this Region). */
  readonly peersImpairedAlarm: cloudwatch.CompositeAlarm;
  readonly dashboard: cloudwatch.Dashboard;
  readonly overviewDashboard?: cloudwatch.Dashboard;
  readonly routingStatePublisher: lambda.Function;

  private readonly props: RegionalObservabilityProps;
  private readonly alarmMap = new Map<string, cloudwatch.Alarm>();
  private readonly alarmAction: cloudwatchActions.SnsAction;

  constructor(scope: Construct, id: string, props: RegionalObservabilityProps) {
    super(scope, id);
    validate(this, props);
    this.props = props;
    const stack = Stack.of(this);
    const { appName, region } = props;

    this.key = new RegionalKey(this, 'Key', { appName, purpose: 'observability', allowCloudWatchLogs: true }).key;
    const alarmArnPattern = `arn:${stack.partition}:cloudwatch:${region}:${stack.account}:alarm:${appName}-${region}-*`;
    // CloudWatch publishes to the encrypted topic with the key: only for this account's alarms of this app.
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToUseTheTopicKey',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': alarmArnPattern },
      },
    }));

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${appName} alarms in ${region}`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // enforceSSL replaces the default topic policy, so CloudWatch's publish right is written out.
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': alarmArnPattern },
      },
    }));
    if (props.alarmEmail !== undefined) {
      this.topic.addSubscription(new snsSubscriptions.EmailSubscription(props.alarmEmail));
    }
    this.alarmAction = new cloudwatchActions.SnsAction(this.topic);

    this.artifactsBucket = this.createArtifactsBucket();
    this.canaries = this.createCanaries();
    this.createAlarms();
    this.alarms = this.alarmMap;

    const critical = ['canary-local', 'alb-5xx', 'target-5xx', 'ui-no-healthy-targets'].map((name) => this.alarm(name));
    this.regionImpairedAlarm = new cloudwatch.CompositeAlarm(this, 'RegionImpaired', {
      compositeAlarmName: alarmName(appName, region, 'region-impaired'),
      alarmDescription: `The store in ${region} fails from the outside: its canary, 5xx errors, or no healthy ui target. Consider the failover runbook.`,
      alarmRule: cloudwatch.AlarmRule.anyOf(...critical),
    });
    const peerAlarms = props.regions.filter((other) => other !== region).map((other) => this.alarm(`canary-to-${other}`));
    this.peersImpairedAlarm = new cloudwatch.CompositeAlarm(this, 'PeersImpaired', {
      compositeAlarmName: alarmName(appName, region, 'peer-region-unreachable'),
      alarmDescription: `Another Region's store fails as seen from ${region}. Chaos drills in ${region} stop on this alarm.`,
      alarmRule: cloudwatch.AlarmRule.anyOf(...peerAlarms),
    });
    for (const composite of [this.regionImpairedAlarm, this.peersImpairedAlarm]) {
      composite.addAlarmAction(this.alarmAction);
      composite.addOkAction(this.alarmAction);
    }

    this.routingStatePublisher = this.createRoutingStatePublisher();

    this.dashboard = buildRegionalDashboard(this, 'Dashboard', {
      dashboardName: regionalDashboardName(appName, region),
      appName,
      region,
      regions: props.regions,
      canaries: this.canaries,
      alarms: [...this.alarmMap.values()],
      compositeAlarms: [this.regionImpairedAlarm, this.peersImpairedAlarm],
      loadBalancer: props.loadBalancer,
      uiTargetGroup: props.uiTargetGroup,
      taskMetrics: Object.fromEntries(SERVICE_NAMES.map((name) => [name, this.taskMetrics(name)])) as Record<ServiceName, { running: cloudwatch.Metric; desired: cloudwatch.Metric }>,
      rpoLag: props.databases.map((database) => ({ label: database.name, metric: this.rpoLagMetric(database.clusterIdentifier) })),
      replicationLatency: this.peerRegions().map((peer) => ({ label: `carts → ${peer}`, metric: this.replicationLatencyMetric(peer) })),
      cacheNodes: this.cacheNodeIds().map((nodeId) => ({ nodeId, cpu: this.cacheMetric('EngineCPUUtilization', nodeId), memory: this.cacheMetric('DatabaseMemoryUsagePercentage', nodeId) })),
      brokerCpu: this.brokerMetric('SystemCpuUtilization', 'Average'),
      brokerMemory: this.brokerMemoryPercent(),
    });

    if (props.regions[0] === region) {
      this.overviewDashboard = buildOverviewDashboard(this, 'Overview', {
        dashboardName: overviewDashboardName(appName),
        appName,
        regions: props.regions,
        databases: props.databases.map((database) => database.name),
        cartsTableName: props.cartsTableName,
        hasGlobalCanary: props.domainName !== undefined,
      });
    }
  }

  /** A metric alarm by its short name; throws for an unknown name (a typo in wiring is a synth error). */
  alarm(name: string): cloudwatch.Alarm {
    const found = this.alarmMap.get(name);
    if (found === undefined) {
      throw new Error(`RegionalObservability has no alarm ${name}`);
    }
    return found;
  }

  private peerRegions(): string[] {
    return this.props.regions.filter((other) => other !== this.props.region);
  }

  private createArtifactsBucket(): s3.Bucket {
    const bucket = new s3.Bucket(this, 'CanaryArtifacts', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Retained like every bucket of the platform; the lifecycle keeps it small.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{
        expiration: Duration.days(this.props.profile === 'prod' ? 30 : 7),
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Only this Region\'s canaries write here (HTTP step reports, no customer data) and objects expire within days; the bucket is not a log source worth logging accesses of.',
    });
    return bucket;
  }

  private probeTargets(): ProbeTarget[] {
    return [
      { kind: 'local' },
      ...this.peerRegions().map((region): ProbeTarget => ({ kind: 'peer', region })),
      ...(this.props.domainName !== undefined ? [{ kind: 'global' } as const] : []),
    ];
  }

  private createCanaries(): Map<string, synthetics.Canary> {
    const { appName, canaryIntervalMinutes, profile } = this.props;
    const code = storeProbeCode();
    const canaries = new Map<string, synthetics.Canary>();
    for (const target of this.probeTargets()) {
      const name = canaryName(appName, target);
      const key = target.kind === 'peer' ? `to-${target.region}` : target.kind;
      const role = this.canaryRole(key, name, target);
      const environment: Record<string, string> = target.kind === 'peer'
        ? { STORE_URL_PARAMETER: storeUrlParameterName(appName), TARGET_REGION: target.region }
        : { STORE_URL: target.kind === 'global' ? `https://${this.props.domainName ?? ''}` : this.props.storeUrl };
      const canary = new synthetics.Canary(this, `Canary-${key}`, {
        canaryName: name,
        runtime: synthetics.Runtime.SYNTHETICS_NODEJS_PUPPETEER_13_0,
        test: synthetics.Test.custom({ code, handler: STORE_PROBE_HANDLER }),
        schedule: synthetics.Schedule.rate(Duration.minutes(canaryIntervalMinutes)),
        // A run must end before the next one starts.
        timeout: Duration.seconds(Math.min(canaryIntervalMinutes * 60, 120)),
        role,
        artifactsBucketLocation: { bucket: this.artifactsBucket, prefix: name },
        environmentVariables: { ...environment, SUBMIT_ORDER: 'true' },
        successRetentionPeriod: Duration.days(profile === 'prod' ? 7 : 2),
        failureRetentionPeriod: Duration.days(profile === 'prod' ? 30 : 7),
        startAfterCreation: true,
        provisionedResourceCleanup: true,
      });
      // Set on the resource rather than through artifactS3KmsKey, which would grant the role kms:ReEncrypt* and kms:GenerateDataKey*.
      const resource = canary.node.defaultChild as synthetics.CfnCanary;
      resource.artifactConfig = { s3Encryption: { encryptionMode: 'SSE_KMS', kmsKeyArn: this.key.keyArn } };
      canaries.set(key, canary);

      this.addAlarm(`canary-${key}`, `canary-${key}`, {
        metric: canary.metricSuccessPercent({ period: Duration.minutes(canaryIntervalMinutes), statistic: cloudwatch.Stats.AVERAGE }),
        threshold: THRESHOLDS.canarySuccessPercent,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: THRESHOLDS.canaryEvaluationPeriods,
        // A canary that stops reporting is a failed outside-in check, not a healthy store.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        description: target.kind === 'local'
          ? `The store journey against ${this.props.region} (from ${this.props.region}) failed twice in a row.`
          : target.kind === 'peer'
            ? `The store journey against ${target.region}, run from ${this.props.region}, failed twice in a row.`
            : `The store journey against https://${this.props.domainName ?? ''} (where ARC routes) failed twice in a row.`,
      });
    }
    return canaries;
  }

  /**
   * One role per canary, written by hand (no managed policies): its own artifacts prefix, its own
   * log groups, Synthetics metrics only, and for a peer canary the one parameter it reads.
   */
  private canaryRole(key: string, name: string, target: ProbeTarget): iam.Role {
    const stack = Stack.of(this);
    const role = new iam.Role(this, `CanaryRole-${key}`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Canary ${name}: writes its artifacts, logs and Synthetics metrics`,
    });
    const objects = this.artifactsBucket.arnForObjects(`${name}/*`);
    // Pseudo parameters keep the acknowledged finding identical in every Region and account.
    const logGroups = `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/lambda/cwsyn-${name}-*`;
    const statements = [
      new iam.PolicyStatement({ sid: 'WriteArtifacts', actions: ['s3:PutObject'], resources: [objects] }),
      new iam.PolicyStatement({ sid: 'LocateArtifactsBucket', actions: ['s3:GetBucketLocation'], resources: [this.artifactsBucket.bucketArn] }),
      new iam.PolicyStatement({ sid: 'ListBuckets', actions: ['s3:ListAllMyBuckets'], resources: ['*'] }),
      new iam.PolicyStatement({
        sid: 'EncryptArtifacts',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
      new iam.PolicyStatement({
        sid: 'PublishSyntheticsMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': 'CloudWatchSynthetics' } },
      }),
      new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroups] }),
    ];
    if (target.kind === 'peer') {
      statements.push(new iam.PolicyStatement({
        sid: 'ReadPeerStoreUrl',
        actions: ['ssm:GetParameter'],
        resources: [`arn:${Aws.PARTITION}:ssm:${target.region}:${Aws.ACCOUNT_ID}:parameter${storeUrlParameterName(this.props.appName)}`],
      }));
    }
    for (const statement of statements) {
      role.addToPrincipalPolicy(statement);
    }
    acknowledgeWildcardResources(role, [
      { resource: '*', reason: 's3:ListAllMyBuckets (required by the Synthetics runtime) and cloudwatch:PutMetricData have no resource-level permissions; PutMetricData is limited to the CloudWatchSynthetics namespace by condition.' },
      { resource: objects, reason: 'Run artifacts get new keys every run; the role writes only under its own canary\'s prefix.' },
      { resource: logGroups, reason: 'Synthetics names the canary\'s Lambda function (and so its log group) with a generated suffix; the pattern admits only this canary\'s log groups.' },
    ]);
    return role;
  }

  private addAlarm(key: string, what: string, spec: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `Alarm-${key}`, {
      alarmName: alarmName(this.props.appName, this.props.region, what),
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods,
      treatMissingData: spec.treatMissingData,
    });
    alarm.addAlarmAction(this.alarmAction);
    alarm.addOkAction(this.alarmAction);
    this.alarmMap.set(key, alarm);
    return alarm;
  }

  private taskMetrics(service: ServiceName): { running: cloudwatch.Metric; desired: cloudwatch.Metric } {
    const metric = (metricName: string): cloudwatch.Metric => new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName,
      dimensionsMap: { ClusterName: this.props.cluster.clusterName, ServiceName: this.props.services[service].serviceName },
      statistic: cloudwatch.Stats.AVERAGE,
      period: Duration.minutes(1),
    });
    return { running: metric('RunningTaskCount'), desired: metric('DesiredTaskCount') };
  }

  private rpoLagMetric(clusterIdentifier: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName: 'AuroraGlobalDBRPOLag',
      dimensionsMap: { DBClusterIdentifier: clusterIdentifier },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
    });
  }

  private replicationLatencyMetric(receivingRegion: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/DynamoDB',
      metricName: 'ReplicationLatency',
      dimensionsMap: { TableName: this.props.cartsTableName, ReceivingRegion: receivingRegion },
      statistic: cloudwatch.Stats.AVERAGE,
      period: Duration.minutes(1),
    });
  }

  /** Member clusters of a cluster-mode-disabled replication group are `<group id>-001`, `-002`, ... */
  private cacheNodeIds(): string[] {
    return Array.from({ length: this.props.cacheNodeCount }, (_, index) => `${this.props.cacheReplicationGroupId}-${String(index + 1).padStart(3, '0')}`);
  }

  private cacheMetric(metricName: string, cacheClusterId: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ElastiCache',
      metricName,
      dimensionsMap: { CacheClusterId: cacheClusterId },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
    });
  }

  /** The busiest node: after a cache failover the primary is another member cluster. */
  private cacheMax(metricName: string, label: string): cloudwatch.MathExpression {
    const usingMetrics = Object.fromEntries(this.cacheNodeIds().map((nodeId, index) => [`n${index + 1}`, this.cacheMetric(metricName, nodeId)]));
    return new cloudwatch.MathExpression({
      expression: `MAX([${Object.keys(usingMetrics).join(', ')}])`,
      usingMetrics,
      label,
      period: Duration.minutes(1),
    });
  }

  private brokerMetric(metricName: string, statistic: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/AmazonMQ',
      metricName,
      dimensionsMap: { Broker: this.props.brokerName },
      statistic,
      period: Duration.minutes(1),
    });
  }

  private brokerMemoryPercent(): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: '100 * used / limit',
      usingMetrics: { used: this.brokerMetric('RabbitMQMemUsed', cloudwatch.Stats.MAXIMUM), limit: this.brokerMetric('RabbitMQMemLimit', cloudwatch.Stats.MINIMUM) },
      label: 'RabbitMQ memory used (% of the high watermark)',
      period: Duration.minutes(1),
    });
  }

  private createAlarms(): void {
    const { region, loadBalancer, uiTargetGroup } = this.props;
    const minute = Duration.minutes(1);

    this.addAlarm('alb-5xx', 'alb-5xx', {
      metric: loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: minute, statistic: cloudwatch.Stats.SUM }),
      threshold: THRESHOLDS.elb5xxPerMinute,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      // The load balancer reports 5xx counts only when there are some.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description: `The load balancer in ${region} answers 5xx itself (no healthy target, timeouts).`,
    });
    this.addAlarm('target-5xx', 'ui-target-5xx', {
      metric: uiTargetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: minute, statistic: cloudwatch.Stats.SUM }),
      threshold: THRESHOLDS.target5xxPerMinute,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description: `The ui service in ${region} answers 5xx (a backend or store behind it fails).`,
    });
    this.addAlarm('ui-unhealthy-targets', 'ui-unhealthy-targets', {
      metric: uiTargetGroup.metrics.unhealthyHostCount({ period: minute, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      // Reported every minute while targets are registered; no data means nothing to be unhealthy.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description: `A ui task in ${region} fails the load balancer health check.`,
    });
    this.addAlarm('ui-no-healthy-targets', 'ui-no-healthy-targets', {
      metric: uiTargetGroup.metrics.healthyHostCount({ period: minute, statistic: cloudwatch.Stats.MINIMUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      // No data means no target registered at all: the store cannot serve.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description: `No healthy ui task behind the load balancer in ${region}.`,
    });

    for (const service of SERVICE_NAMES) {
      const { running, desired } = this.taskMetrics(service);
      this.addAlarm(`tasks-${service}`, serviceAlarmSuffix(service), {
        metric: new cloudwatch.MathExpression({
          expression: 'IF(running < desired, 1, 0)',
          usingMetrics: { running, desired },
          label: `${service}: running below desired`,
          period: minute,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: THRESHOLDS.taskShortfallMinutes,
        // Container Insights stops only when the service or cluster is gone: the canary and
        // load balancer alarms report that outage; this alarm is about missing capacity.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `The ${service} service in ${region} has run fewer tasks than desired for ${THRESHOLDS.taskShortfallMinutes} minutes (tasks failing to start or being stopped).`,
      });
    }

    for (const database of this.props.databases) {
      this.addAlarm(`rpo-lag-${database.name}`, `${database.name}-rpo-lag`, {
        metric: this.rpoLagMetric(database.clusterIdentifier),
        threshold: THRESHOLDS.auroraRpoLagMs,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        // Only secondary members publish the metric: the writer's alarm stays quiet by design.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `${database.name} member ${database.clusterIdentifier} in ${region} lags the global writer by more than ${THRESHOLDS.auroraRpoLagMs / 1000} s (${database.isPrimaryMember ? 'deployed as the writer: silent until the writer moves away from this Region' : 'deployed as a secondary'}).`,
      });
    }

    for (const peer of this.peerRegions()) {
      this.addAlarm(`replication-to-${peer}`, `carts-replication-to-${peer}`, {
        metric: this.replicationLatencyMetric(peer),
        threshold: THRESHOLDS.dynamodbReplicationLatencyMs,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        // DynamoDB reports replication latency only while there are writes to replicate.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `Carts written in ${region} reach ${peer} more than ${THRESHOLDS.dynamodbReplicationLatencyMs / 1000} s late.`,
      });
    }

    // ElastiCache and Amazon MQ report every minute while the node or broker exists: silence is
    // treated as failure, which also makes a wrong dimension visible instead of silently quiet.
    this.addAlarm('cache-cpu', 'cache-engine-cpu', {
      metric: this.cacheMax('EngineCPUUtilization', 'Busiest cache node: engine CPU %'),
      threshold: THRESHOLDS.cacheCpuPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description: `A checkout cache node in ${region} runs its engine thread above ${THRESHOLDS.cacheCpuPercent}% (or reports nothing).`,
    });
    this.addAlarm('cache-memory', 'cache-memory', {
      metric: this.cacheMax('DatabaseMemoryUsagePercentage', 'Fullest cache node: memory %'),
      threshold: THRESHOLDS.cacheMemoryPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description: `A checkout cache node in ${region} uses more than ${THRESHOLDS.cacheMemoryPercent}% of its memory (or reports nothing).`,
    });
    this.addAlarm('broker-cpu', 'broker-cpu', {
      metric: this.brokerMetric('SystemCpuUtilization', cloudwatch.Stats.AVERAGE),
      threshold: THRESHOLDS.brokerCpuPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 10,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description: `The order events broker in ${region} runs above ${THRESHOLDS.brokerCpuPercent}% CPU (or reports nothing).`,
    });
    this.addAlarm('broker-memory', 'broker-memory', {
      metric: this.brokerMemoryPercent(),
      threshold: THRESHOLDS.brokerMemoryPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description: `The order events broker in ${region} is near its memory high watermark, where RabbitMQ blocks publishers.`,
    });

    this.addAlarm('routing-state-unreadable', 'routing-state-unreadable', {
      metric: new cloudwatch.Metric({
        namespace: platformMetricNamespace(this.props.appName),
        metricName: ROUTING_READ_METRIC,
        statistic: cloudwatch.Stats.MINIMUM,
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 5,
      // No data means the publisher is not running: the overview would show stale routing.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description: `From ${region}, no ARC cluster endpoint answered for 5 minutes: the runbooks could not switch traffic from here either.`,
    });
  }

  private createRoutingStatePublisher(): lambda.Function {
    const { appName, region } = this.props;
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'RoutingStateLogs', {
      retention: this.props.logRetentionDays as logs.RetentionDays,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(this, 'RoutingStateRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Publishes the routing control states seen from ${region}`,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadTopology',
      actions: ['ssm:GetParameter'],
      resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: topologyParameterName(appName).replace(/^\//, ''), arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadRoutingControls',
      actions: ['route53-recovery-cluster:GetRoutingControlState'],
      resources: Object.values(this.props.routingControlArns),
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));

    const fn = platformFunction(this, 'RoutingStatePublisher', {
      description: 'Publishes RoutingControlOn per Region (EMF) for the overview dashboard',
      entry: path.join(__dirname, 'runtime', 'routing-state.ts'),
      // Five endpoints with a 2 s connect and 5 s request timeout each, plus the SSM read.
      timeout: Duration.seconds(45),
      role,
      logGroup,
      environment: {
        [ENV_TOPOLOGY_PARAMETER]: topologyParameterName(appName),
        [ENV_METRIC_NAMESPACE]: platformMetricNamespace(appName),
      },
    });
    new events.Rule(this, 'RoutingStateSchedule', {
      description: 'Runs the routing-state publisher every minute',
      schedule: events.Schedule.rate(ROUTING_STATE_RATE),
      // A missed minute is better than a late, stale sample.
      targets: [new eventsTargets.LambdaFunction(fn, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });
    return fn;
  }
}

function validate(scope: Construct, props: RegionalObservabilityProps): void {
  const errors: string[] = [];
  const stackRegion = Stack.of(scope).region;
  if (!Token.isUnresolved(stackRegion) && stackRegion !== props.region) {
    errors.push(`region ${props.region} is not the stack's Region ${stackRegion}`);
  }
  if (!props.regions.includes(props.region)) {
    errors.push(`region ${props.region} is not one of regions (${props.regions.join(', ')})`);
  }
  if (!Number.isInteger(props.canaryIntervalMinutes) || props.canaryIntervalMinutes < 1 || props.canaryIntervalMinutes > 60) {
    errors.push(`canaryIntervalMinutes must be an integer from 1 to 60, got ${props.canaryIntervalMinutes}`);
  }
  if (!Number.isInteger(props.cacheNodeCount) || props.cacheNodeCount < 1 || props.cacheNodeCount > 6) {
    errors.push(`cacheNodeCount must be an integer from 1 to 6, got ${props.cacheNodeCount}`);
  }
  for (const region of props.regions) {
    if (props.routingControlArns[region] === undefined) {
      errors.push(`no routing control ARN for ${region}`);
    }
  }
  if (errors.length > 0) {
    throw new Error(`RegionalObservability: ${errors.join('; ')}`);
  }
}
