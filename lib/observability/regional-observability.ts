import * as path from 'path';
import { ArnFormat, Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
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
import { CANARY_ENV } from './canary/contract';
import type { JourneyPath } from './canary/store-probe';
import { logServerAccess } from '../common/access-logs';
import { CANARY_RUNTIME, STORE_PROBE_HANDLER, storeProbeCode } from './canary-code';
import { buildOverviewDashboard, buildRegionalDashboard } from './dashboards';
import { severityOf, type Severity } from './decision-table';
import { REPLICATION_PERIOD, brokerMetrics, replicationHealth, replicationLatencyMetric } from './metrics';
import {
  ROUTING_READ_DIMENSION,
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
import { THRESHOLDS, type BrokerDeploymentMode } from './thresholds';

export { THRESHOLDS } from './thresholds';

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
  /** The Region's access-log bucket: the canary artifacts bucket's S3 server access logs go there. */
  readonly serverAccessLogs: s3.IBucket;
  /** With a domain, a canary also probes `https://<domainName>` (wherever ARC sends traffic). */
  readonly domainName?: string;
  /** Subscribed to both of the Region's topics (page and notify). */
  readonly alarmEmail?: string;
  /** Minutes between runs of the read-path canaries (this Region, the others, the global name). */
  readonly canaryIntervalMinutes: number;
  /** Minutes between runs of the order canary, the only one that places (synthetic) orders. */
  readonly orderCanaryIntervalMinutes: number;
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
  /** The Amazon MQ broker's name (the `Broker` dimension of `AWS/AmazonMQ`); a literal, it goes into a Metrics Insights query. */
  readonly brokerName: string;
  /** Decides what the broker-level metrics mean (one node, or the sum of three). */
  readonly brokerDeploymentMode: BrokerDeploymentMode;
  /** Routing control ARN per Region (may be tokens): the publisher may read exactly these. */
  readonly routingControlArns: Readonly<Record<string, string>>;
}

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

/** The canary of each target kind, and the journey it walks. */
interface CanarySpec {
  readonly target: ProbeTarget;
  /** Construct id suffix and (legacy) alarm key. */
  readonly key: string;
  readonly journey: JourneyPath;
  readonly intervalMinutes: number;
  /** The name suffix of its alarm. */
  readonly alarm: string;
  readonly missingData: cloudwatch.TreatMissingData;
  readonly description: string;
}

/**
 * Everything an operator watches in one Region: a KMS-encrypted page topic and alarm (notify)
 * topic, store canaries, alarms on every tier, the page-level "Region impaired" composite, the
 * writer's health, a dashboard per Region, the platform overview dashboard (first Region only) and
 * a small function publishing which Region's routing control is On.
 *
 * Two kinds of canary keep "this Region is impaired" apart from "a dependency elsewhere is":
 * read-path canaries (home, catalog, cart: nothing that writes through the Aurora global writer)
 * probe this Region, every other Region and the global name; one low-frequency order canary per
 * Region places a synthetic order through this Region's store, and its alarm is the writer's
 * health as seen from here. "Region impaired" needs two independent signals: the read-path canary
 * AND the load balancer (no healthy ui target, or 5xx).
 *
 * Own KMS key rather than the Region's data key: CloudWatch must be allowed to use the topics' key,
 * and that grant does not belong on the key that encrypts the databases. One key per Region costs
 * $1/month.
 *
 * Aurora RPO lag alarms exist on every member, not only on the members deployed as secondaries:
 * the writer moves (failover, switchover), a writer publishes no `AuroraGlobalDBRPOLag`, and with
 * missing data treated as not breaching the alarm of whichever member is the writer stays quiet
 * while the others watch their lag.
 */
export class RegionalObservability extends Construct {
  readonly key: kms.Key;
  /** Every alarm that is not a page (and the runbooks' and reconcile's notifications). */
  readonly topic: sns.Topic;
  /** The page-level alarms only: region-impaired and writer-health. Subscribe a pager here. */
  readonly pageTopic: sns.Topic;
  readonly artifactsBucket: s3.Bucket;
  /** Canaries by key: `local`, `to-<region>`, `global`, `orders`. */
  readonly canaries: ReadonlyMap<string, synthetics.Canary>;
  /** Every metric alarm, by its name suffix (`<app>-<region>-<suffix>`: `canary-local`, `writer-health`, ...). */
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;
  /**
   * `<app>-<region>-region-impaired` (page): the read-path canary against this Region AND a load
   * balancer signal. The pipeline's bake step and the drills watch it.
   */
  readonly regionImpairedAlarm: cloudwatch.CompositeAlarm;
  /** `<app>-<region>-writer-health` (page): the order canary through this Region failed twice in a row. */
  readonly writerHealthAlarm: cloudwatch.Alarm;
  /** `<app>-<region>-peer-region-unreachable`: another Region's read path fails as seen from here (the drills' guardrail). */
  readonly peersImpairedAlarm: cloudwatch.CompositeAlarm;
  /** Minutes from a Region failing to region-impaired firing, at most: what a drill must wait for its stop conditions. */
  readonly regionImpairedDetectionMinutes: number;
  readonly dashboard: cloudwatch.Dashboard;
  readonly overviewDashboard?: cloudwatch.Dashboard;
  readonly routingStatePublisher: lambda.Function;

  private readonly props: RegionalObservabilityProps;
  private readonly alarmMap = new Map<string, cloudwatch.Alarm>();
  private readonly actions: Readonly<Record<Severity, cloudwatchActions.SnsAction>>;

  constructor(scope: Construct, id: string, props: RegionalObservabilityProps) {
    super(scope, id);
    validate(this, props);
    this.props = props;

    this.key = new RegionalKey(this, 'Key', { appName: props.appName, purpose: 'observability', allowCloudWatchLogs: true }).key;
    this.allowCloudWatchToUseTheKey();
    this.topic = this.createTopic('AlarmTopic', `${props.appName} alarms in ${props.region}`);
    this.pageTopic = this.createTopic('PageTopic', `${props.appName} pages in ${props.region}`);
    this.actions = { page: new cloudwatchActions.SnsAction(this.pageTopic), notify: new cloudwatchActions.SnsAction(this.topic) };

    this.artifactsBucket = this.createArtifactsBucket();
    this.canaries = this.createCanaries();
    this.createFrontDoorAlarms();
    this.createServiceAlarms();
    this.createDataAlarms();
    this.createCacheAndBrokerAlarms();
    this.createRoutingStateAlarm();
    this.alarms = this.alarmMap;
    this.writerHealthAlarm = this.alarm('writer-health');
    this.regionImpairedDetectionMinutes = THRESHOLDS.canaryEvaluationPeriods * props.canaryIntervalMinutes;

    this.regionImpairedAlarm = this.addComposite('RegionImpaired', 'region-impaired',
      `The store in ${props.region} fails its customers: the read-path canary failed twice in a row AND the load balancer shows it (no healthy ui target, or 5xx). Decision table: README, operator's guide.`,
      cloudwatch.AlarmRule.allOf(
        cloudwatch.AlarmRule.fromAlarm(this.alarm('canary-local'), cloudwatch.AlarmState.ALARM),
        cloudwatch.AlarmRule.anyOf(...['ui-no-healthy-targets', 'alb-5xx', 'ui-target-5xx'].map((name) => cloudwatch.AlarmRule.fromAlarm(this.alarm(name), cloudwatch.AlarmState.ALARM))),
      ));
    this.peersImpairedAlarm = this.addComposite('PeersImpaired', 'peer-region-unreachable',
      `Another Region's read path fails as seen from ${props.region}. Drills that take ${props.region} down stop on this alarm.`,
      cloudwatch.AlarmRule.anyOf(...this.peerRegions().map((other) => cloudwatch.AlarmRule.fromAlarm(this.alarm(`canary-to-${other}`), cloudwatch.AlarmState.ALARM))));

    this.routingStatePublisher = this.createRoutingStatePublisher();
    this.dashboard = this.createRegionalDashboard();
    if (props.regions[0] === props.region) {
      this.overviewDashboard = buildOverviewDashboard(this, 'Overview', {
        dashboardName: overviewDashboardName(props.appName),
        appName: props.appName,
        regions: props.regions,
        databases: props.databases.map((database) => database.name),
        cartsTableName: props.cartsTableName,
        hasGlobalCanary: props.domainName !== undefined,
      });
    }
  }

  /** A metric alarm by its name suffix; throws for an unknown name (a typo in wiring is a synth error). */
  alarm(suffix: string): cloudwatch.Alarm {
    const found = this.alarmMap.get(suffix);
    if (found === undefined) {
      throw new Error(`RegionalObservability has no alarm ${suffix}`);
    }
    return found;
  }

  private peerRegions(): string[] {
    return this.props.regions.filter((other) => other !== this.props.region);
  }

  /** Alarm names start with the application and Region: the key and topic policies admit exactly those alarms. */
  private alarmArnPattern(): string {
    const stack = Stack.of(this);
    return `arn:${stack.partition}:cloudwatch:${this.props.region}:${stack.account}:alarm:${this.props.appName}-${this.props.region}-*`;
  }

  private allowCloudWatchToUseTheKey(): void {
    const stack = Stack.of(this);
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToUseTheTopicKey',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': this.alarmArnPattern() },
      },
    }));
  }

  private createTopic(id: string, displayName: string): sns.Topic {
    const topic = new sns.Topic(this, id, { displayName, masterKey: this.key, enforceSSL: true });
    // enforceSSL replaces the default topic policy, so CloudWatch's publish right is written out.
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        ArnLike: { 'aws:SourceArn': this.alarmArnPattern() },
      },
    }));
    if (this.props.alarmEmail !== undefined) {
      topic.addSubscription(new snsSubscriptions.EmailSubscription(this.props.alarmEmail));
    }
    return topic;
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
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      lifecycleRules: [{
        expiration: Duration.days(this.props.profile === 'prod' ? 30 : 7),
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
    });
    logServerAccess(bucket, this.props.serverAccessLogs, 's3/canary-artifacts');
    return bucket;
  }

  private canarySpecs(): CanarySpec[] {
    const { region, canaryIntervalMinutes, orderCanaryIntervalMinutes, domainName } = this.props;
    const read = { journey: 'read' as const, intervalMinutes: canaryIntervalMinutes };
    return [
      {
        ...read, target: { kind: 'local' }, key: 'local', alarm: 'canary-local',
        // A local canary that stops reporting is a lost outside-in check, not a healthy store.
        missingData: cloudwatch.TreatMissingData.BREACHING,
        description: `The read path (home, catalog, cart) of the store in ${region}, probed from ${region}, failed twice in a row.`,
      },
      ...this.peerRegions().map((peer): CanarySpec => ({
        ...read, target: { kind: 'peer', region: peer }, key: `to-${peer}`, alarm: `canary-to-${peer}`,
        // Failed runs are data; only a canary that does not run leaves gaps, and a gap is no
        // evidence that the other Region fails (and must not hold the drills' guardrail in ALARM).
        missingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `The read path of the store in ${peer}, probed from ${region}, failed twice in a row.`,
      })),
      ...(domainName !== undefined ? [{
        ...read, target: { kind: 'global' } as const, key: 'global', alarm: 'canary-global',
        missingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `The read path of https://${domainName} (where ARC routes customers), probed from ${region}, failed twice in a row.`,
      }] : []),
      {
        target: { kind: 'orders' }, key: 'orders', alarm: 'writer-health', journey: 'order', intervalMinutes: orderCanaryIntervalMinutes,
        missingData: cloudwatch.TreatMissingData.BREACHING,
        description: `Writer health as seen from ${region}: a synthetic order through the store in ${region} (checkout, orders, the Aurora PostgreSQL global writer, this Region's broker) failed twice in a row. In every Region at once: the writer is lost.`,
      },
    ];
  }

  private canaryEnvironment(target: ProbeTarget, journey: JourneyPath): Record<string, string> {
    const where: Record<string, string> = target.kind === 'peer'
      ? { [CANARY_ENV.storeUrlParameter]: storeUrlParameterName(this.props.appName), [CANARY_ENV.targetRegion]: target.region }
      : { [CANARY_ENV.storeUrl]: target.kind === 'global' ? `https://${this.props.domainName ?? ''}` : this.props.storeUrl };
    return { ...where, [CANARY_ENV.journey]: journey };
  }

  private createCanaries(): Map<string, synthetics.Canary> {
    const { appName, profile } = this.props;
    const code = storeProbeCode();
    const canaries = new Map<string, synthetics.Canary>();
    for (const spec of this.canarySpecs()) {
      const name = canaryName(appName, spec.target);
      const canary = new synthetics.Canary(this, `Canary-${spec.key}`, {
        canaryName: name,
        runtime: CANARY_RUNTIME,
        test: synthetics.Test.custom({ code, handler: STORE_PROBE_HANDLER }),
        schedule: synthetics.Schedule.rate(Duration.minutes(spec.intervalMinutes)),
        // A run must end before the next one starts.
        timeout: Duration.seconds(Math.min(spec.intervalMinutes * 60, 120)),
        role: this.canaryRole(spec.key, name, spec.target),
        artifactsBucketLocation: { bucket: this.artifactsBucket, prefix: name },
        environmentVariables: this.canaryEnvironment(spec.target, spec.journey),
        successRetentionPeriod: Duration.days(profile === 'prod' ? 7 : 2),
        failureRetentionPeriod: Duration.days(profile === 'prod' ? 30 : 7),
        startAfterCreation: true,
        provisionedResourceCleanup: true,
      });
      // Set on the resource rather than through artifactS3KmsKey, which would grant the role kms:ReEncrypt* and kms:GenerateDataKey*.
      const resource = canary.node.defaultChild as synthetics.CfnCanary;
      resource.artifactConfig = { s3Encryption: { encryptionMode: 'SSE_KMS', kmsKeyArn: this.key.keyArn } };
      canaries.set(spec.key, canary);

      this.addAlarm(spec.alarm === 'writer-health' ? 'writer-health' : `canary-${spec.key}`, spec.alarm, {
        // One run per period: the run of each interval is one data point, pass (100) or fail (0).
        metric: canary.metricSuccessPercent({ period: Duration.minutes(spec.intervalMinutes), statistic: cloudwatch.Stats.MINIMUM }),
        threshold: THRESHOLDS.canarySuccessPercent,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: THRESHOLDS.canaryEvaluationPeriods,
        treatMissingData: spec.missingData,
        description: spec.description,
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

  /** Page or notify by the decision table; the alarm reports both its ALARM and its recovery. */
  private addAlarm(idKey: string, suffix: string, spec: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `Alarm-${idKey}`, {
      alarmName: alarmName(this.props.appName, this.props.region, suffix),
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods,
      treatMissingData: spec.treatMissingData,
    });
    const action = this.actions[severityOf(suffix)];
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarmMap.set(suffix, alarm);
    return alarm;
  }

  private addComposite(id: string, suffix: string, description: string, rule: cloudwatch.IAlarmRule): cloudwatch.CompositeAlarm {
    const composite = new cloudwatch.CompositeAlarm(this, id, {
      compositeAlarmName: alarmName(this.props.appName, this.props.region, suffix),
      alarmDescription: description,
      alarmRule: rule,
    });
    const action = this.actions[severityOf(suffix)];
    composite.addAlarmAction(action);
    composite.addOkAction(action);
    return composite;
  }

  /** The load balancer's view: the second, independent signal of region-impaired. */
  private createFrontDoorAlarms(): void {
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
  }

  private createServiceAlarms(): void {
    for (const service of SERVICE_NAMES) {
      const { running, desired } = this.taskMetrics(service);
      this.addAlarm(`tasks-${service}`, serviceAlarmSuffix(service), {
        metric: new cloudwatch.MathExpression({
          expression: 'IF(running < desired, 1, 0)',
          usingMetrics: { running, desired },
          label: `${service}: running below desired`,
          period: Duration.minutes(1),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: THRESHOLDS.taskShortfallMinutes,
        // Container Insights stops only when the service or cluster is gone: the canary and
        // load balancer alarms report that outage; this alarm is about missing capacity.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `The ${service} service in ${this.props.region} has run fewer tasks than desired for ${THRESHOLDS.taskShortfallMinutes} minutes (tasks failing to start or being stopped).`,
      });
    }
  }

  private createDataAlarms(): void {
    const { region } = this.props;
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
        metric: replicationHealth(this.props.cartsTableName, peer, THRESHOLDS.dynamodbReplicationLatencyMs),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: THRESHOLDS.replicationEvaluationPeriods,
        // No writes and no replication (a quiet store) is healthy; a pause with writes is caught by the expression.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `Carts written in ${region} reach ${peer} more than ${THRESHOLDS.dynamodbReplicationLatencyMs / 1000} s late, or not at all (items written here, none replicated), for ${THRESHOLDS.replicationEvaluationPeriods} windows of ${REPLICATION_PERIOD.toMinutes()} minutes.`,
      });
    }
  }

  private createCacheAndBrokerAlarms(): void {
    const { region } = this.props;
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
    const broker = brokerMetrics(this.props.brokerName, this.props.brokerDeploymentMode);
    const scope = this.props.brokerDeploymentMode === 'SINGLE_INSTANCE' ? 'The order events broker' : 'The busiest node of the order events broker';
    this.addAlarm('broker-cpu', 'broker-cpu', {
      metric: broker.busiestNodeCpuPercent,
      threshold: THRESHOLDS.brokerCpuPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 10,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description: `${scope} in ${region} runs above ${THRESHOLDS.brokerCpuPercent}% CPU (or reports nothing).`,
    });
    this.addAlarm('broker-memory', 'broker-memory', {
      metric: broker.busiestNodeMemoryPercent,
      threshold: THRESHOLDS.brokerMemoryPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description: `${scope} in ${region} uses more than ${THRESHOLDS.brokerMemoryPercent}% of its memory high watermark, where RabbitMQ blocks publishers (or reports nothing).`,
    });
  }

  private createRoutingStateAlarm(): void {
    this.addAlarm('routing-state-unreadable', 'routing-state-unreadable', {
      metric: new cloudwatch.Metric({
        namespace: platformMetricNamespace(this.props.appName),
        metricName: ROUTING_READ_METRIC,
        dimensionsMap: { [ROUTING_READ_DIMENSION]: this.props.region },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 5,
      // No data means the publisher is not running: the overview would show stale routing.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description: `From ${this.props.region}, no ARC cluster endpoint answered for 5 minutes (or the publisher did not run): the runbooks could not switch traffic from here either.`,
    });
  }

  private createRegionalDashboard(): cloudwatch.Dashboard {
    const { appName, region } = this.props;
    const broker = brokerMetrics(this.props.brokerName, this.props.brokerDeploymentMode);
    return buildRegionalDashboard(this, 'Dashboard', {
      dashboardName: regionalDashboardName(appName, region),
      appName,
      region,
      regions: this.props.regions,
      canaries: this.canaries,
      alarms: [...this.alarmMap.values()],
      compositeAlarms: [this.regionImpairedAlarm, this.peersImpairedAlarm],
      loadBalancer: this.props.loadBalancer,
      uiTargetGroup: this.props.uiTargetGroup,
      taskMetrics: Object.fromEntries(SERVICE_NAMES.map((name) => [name, this.taskMetrics(name)])) as Record<ServiceName, { running: cloudwatch.Metric; desired: cloudwatch.Metric }>,
      rpoLag: this.props.databases.map((database) => ({ label: database.name, metric: this.rpoLagMetric(database.clusterIdentifier) })),
      replicationLatency: this.peerRegions().map((peer) => ({ label: `carts → ${peer}`, metric: replicationLatencyMetric(this.props.cartsTableName, peer, cloudwatch.Stats.MAXIMUM) })),
      cacheNodes: this.cacheNodeIds().map((nodeId) => ({ nodeId, cpu: this.cacheMetric('EngineCPUUtilization', nodeId), memory: this.cacheMetric('DatabaseMemoryUsagePercentage', nodeId) })),
      brokerCpu: broker.busiestNodeCpuPercent,
      brokerMemory: broker.busiestNodeMemoryPercent,
    });
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

  private createRoutingStatePublisher(): lambda.Function {
    const { appName, region } = this.props;
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'RoutingStateLogs', {
      retention: this.props.logRetentionDays as logs.RetentionDays,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
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
  for (const [name, value] of [['canaryIntervalMinutes', props.canaryIntervalMinutes], ['orderCanaryIntervalMinutes', props.orderCanaryIntervalMinutes]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 60) {
      errors.push(`${name} must be an integer from 1 to 60, got ${value}`);
    }
  }
  if (!Token.isUnresolved(props.brokerName) && !/^[A-Za-z0-9_-]{1,50}$/.test(props.brokerName)) {
    errors.push(`brokerName must be 1 to 50 letters, digits, - or _ (it goes into a Metrics Insights query), got ${JSON.stringify(props.brokerName)}`);
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
