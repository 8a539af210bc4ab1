import { Match, type Template } from 'aws-cdk-lib/assertions';
import { DEV_TWO_REGIONS, PROD_THREE_REGIONS, nagFindingsUnder, observedPlatform, regionalTemplate, type ObservedPlatform } from './fixture';

type Resource = { Properties: Record<string, unknown>; DeletionPolicy?: string };

/**
 * What each metric an alarm uses must be published with: CloudWatch matches dimensions exactly,
 * so an alarm with a missing or extra dimension never receives data. Every metric used by any
 * alarm must be listed here (an unknown metric fails the test).
 */
const REQUIRED_DIMENSIONS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  CloudWatchSynthetics: { SuccessPercent: ['CanaryName'] },
  'AWS/ApplicationELB': {
    HTTPCode_ELB_5XX_Count: ['LoadBalancer'],
    HTTPCode_Target_5XX_Count: ['LoadBalancer', 'TargetGroup'],
    UnHealthyHostCount: ['LoadBalancer', 'TargetGroup'],
    HealthyHostCount: ['LoadBalancer', 'TargetGroup'],
  },
  'ECS/ContainerInsights': { RunningTaskCount: ['ClusterName', 'ServiceName'], DesiredTaskCount: ['ClusterName', 'ServiceName'] },
  'AWS/RDS': { AuroraGlobalDBRPOLag: ['DBClusterIdentifier'] },
  'AWS/DynamoDB': { ReplicationLatency: ['ReceivingRegion', 'TableName'] },
  'AWS/ElastiCache': { EngineCPUUtilization: ['CacheClusterId'], DatabaseMemoryUsagePercentage: ['CacheClusterId'] },
  'AWS/AmazonMQ': { SystemCpuUtilization: ['Broker'], RabbitMQMemUsed: ['Broker'], RabbitMQMemLimit: ['Broker'] },
  'retail/Platform': { RoutingControlReadSucceeded: [] },
};

interface AlarmMetric {
  readonly alarm: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly string[];
}

function alarmMetrics(t: Template): AlarmMetric[] {
  const result: AlarmMetric[] = [];
  for (const [id, alarm] of Object.entries(t.findResources('AWS::CloudWatch::Alarm')) as [string, Resource][]) {
    const p = alarm.Properties as {
      Namespace?: string; MetricName?: string; Dimensions?: { Name: string }[];
      Metrics?: { MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string }[] } } }[];
    };
    if (p.MetricName !== undefined) {
      result.push({ alarm: id, namespace: p.Namespace ?? '', metricName: p.MetricName, dimensions: (p.Dimensions ?? []).map((d) => d.Name).sort() });
    }
    for (const entry of p.Metrics ?? []) {
      if (entry.MetricStat !== undefined) {
        const m = entry.MetricStat.Metric;
        result.push({ alarm: id, namespace: m.Namespace, metricName: m.MetricName, dimensions: (m.Dimensions ?? []).map((d) => d.Name).sort() });
      }
    }
  }
  return result;
}

describe.each([
  ['dev, two Regions', DEV_TWO_REGIONS],
  ['prod, three Regions with a domain', PROD_THREE_REGIONS],
])('regional observability (%s)', (_name, input) => {
  let observed: ObservedPlatform;
  beforeAll(() => {
    observed = observedPlatform(input);
  });
  const regions = (): string[] => observed.config.regions.map((plan) => plan.region);

  test('every alarm metric carries exactly the dimensions it is published with', () => {
    for (const region of regions()) {
      const metrics = alarmMetrics(regionalTemplate(observed, region));
      expect(metrics.length).toBeGreaterThan(20);
      for (const metric of metrics) {
        const required = REQUIRED_DIMENSIONS[metric.namespace]?.[metric.metricName];
        expect([metric.alarm, metric.namespace, metric.metricName, required === undefined ? 'unlisted metric' : 'listed']).toEqual([metric.alarm, metric.namespace, metric.metricName, 'listed']);
        expect([metric.alarm, metric.metricName, metric.dimensions]).toEqual([metric.alarm, metric.metricName, [...(required ?? [])].sort()]);
      }
    }
  });

  test('every alarm decides deliberately on missing data and notifies the Region\'s topic on alarm and recovery', () => {
    for (const region of regions()) {
      const t = regionalTemplate(observed, region);
      const topics = Object.keys(t.findResources('AWS::SNS::Topic'));
      expect(topics).toHaveLength(1);
      for (const alarm of Object.values(t.findResources('AWS::CloudWatch::Alarm')) as Resource[]) {
        expect(['breaching', 'notBreaching']).toContain(alarm.Properties.TreatMissingData);
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topics[0] }]);
        expect(alarm.Properties.OKActions).toEqual([{ Ref: topics[0] }]);
        expect(String(alarm.Properties.AlarmName)).toMatch(new RegExp(`^retail-${region}-`));
      }
    }
  });

  test('one canary per target: this Region, each other Region, and the global name when there is a domain', () => {
    const withDomain = observed.config.domainName !== undefined;
    for (const region of regions()) {
      const t = regionalTemplate(observed, region);
      const canaries = Object.values(t.findResources('AWS::Synthetics::Canary')) as Resource[];
      expect(canaries).toHaveLength(regions().length + (withDomain ? 1 : 0));
      const names = canaries.map((canary) => canary.Properties.Name as string).sort();
      expect(names).toContain('retail-local');
      expect(names.includes('retail-global')).toBe(withDomain);
      for (const canary of canaries) {
        const p = canary.Properties as { Name: string; RuntimeVersion: string; Schedule: { Expression: string }; Code: { Handler: string }; ArtifactConfig: unknown; ArtifactS3Location: unknown; RunConfig: { EnvironmentVariables: Record<string, string>; TimeoutInSeconds: number } };
        expect(p.Name.length).toBeLessThanOrEqual(21);
        expect(p.RuntimeVersion).toBe('syn-nodejs-puppeteer-13.0');
        const interval = observed.config.observability.canaryIntervalMinutes;
        expect(p.Schedule.Expression).toBe(`rate(${interval} minute${interval === 1 ? '' : 's'})`);
        expect(p.Code.Handler).toBe('store-probe.handler');
        expect(p.ArtifactConfig).toEqual({ S3Encryption: { EncryptionMode: 'SSE_KMS', KmsKeyArn: { 'Fn::GetAtt': [expect.stringMatching(/^ObservabilityKey/), 'Arn'] } } });
        expect(p.RunConfig.EnvironmentVariables.SUBMIT_ORDER).toBe('true');
        expect(p.RunConfig.TimeoutInSeconds).toBeLessThanOrEqual(interval * 60);
      }
      const peers = canaries.filter((canary) => (canary.Properties.Name as string).includes('-to-'));
      expect(peers.map((canary) => (canary.Properties.RunConfig as { EnvironmentVariables: Record<string, string> }).EnvironmentVariables).sort((a, b) => (a.TARGET_REGION ?? '').localeCompare(b.TARGET_REGION ?? ''))).toEqual(
        regions().filter((other) => other !== region).sort().map((other) => ({ STORE_URL_PARAMETER: '/retail/platform/store-url', TARGET_REGION: other, SUBMIT_ORDER: 'true' })),
      );
    }
  });

  test('peer canaries may read exactly the other Region\'s store URL parameter; no canary role has managed policies', () => {
    const t = regionalTemplate(observed, regions()[0] ?? '');
    const roles = t.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('^Canary ') } });
    expect(Object.keys(roles)).toHaveLength(observed.config.regions.length + (observed.config.domainName !== undefined ? 1 : 0));
    for (const role of Object.values(roles) as Resource[]) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    const policies = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    for (const other of regions().slice(1)) {
      expect(policies).toContain(`:ssm:${other}:`);
      expect(policies).toContain(':parameter/retail/platform/store-url');
    }
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'CloudWatchSynthetics' } } })]) },
    });
  });

  test('the artifacts bucket: KMS, SSL only, no public access, versioned, expiring, retained', () => {
    const t = regionalTemplate(observed, regions()[0] ?? '');
    const buckets = t.findResources('AWS::S3::Bucket', { Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } })] } } });
    const artifacts = Object.entries(buckets).filter(([logicalId]) => logicalId.startsWith('ObservabilityCanaryArtifacts'));
    expect(artifacts).toHaveLength(1);
    const [id, bucket] = artifacts[0] as [string, Resource];
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: observed.config.profile === 'prod' ? 30 : 7, Status: 'Enabled' })] },
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('the alarm topic is KMS-encrypted, SSL-only, and open to this app\'s CloudWatch alarms only', () => {
    const region = regions()[0] ?? '';
    const t = regionalTemplate(observed, region);
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ObservabilityKey'), 'Arn'] } });
    const policy = JSON.stringify(Object.values(t.findResources('AWS::SNS::TopicPolicy'))[0]);
    expect(policy).toContain('"aws:SecureTransport":"false"');
    expect(policy).toContain('cloudwatch.amazonaws.com');
    expect(policy).toContain(`:alarm:retail-${region}-*`);
    t.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] })]) },
    });
    const subscriptions = Object.values(t.findResources('AWS::SNS::Subscription')) as Resource[];
    expect(subscriptions.map((s) => s.Properties.Endpoint)).toEqual(observed.config.alarmEmail !== undefined ? [observed.config.alarmEmail] : []);
  });

  test('the composite "Region impaired" alarm is any of the local canary, 5xx and no healthy target', () => {
    const region = regions()[0] ?? '';
    const obs = observed.observability.get(region);
    const t = regionalTemplate(observed, region);
    const composite = Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm', { Properties: { AlarmName: `retail-${region}-region-impaired` } }))[0] as Resource;
    const rule = JSON.stringify(composite.Properties.AlarmRule);
    for (const name of ['canary-local', 'alb-5xx', 'ui-target-5xx', 'ui-no-healthy-targets']) {
      const [logicalId] = Object.keys(t.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `retail-${region}-${name}` } }));
      expect(rule).toContain(`"${logicalId ?? 'missing'}","Arn"`);
    }
    expect(rule.match(/ALARM\(/g)).toHaveLength(4);
    expect(composite.Properties.AlarmActions).toHaveLength(1);
    expect(obs?.peersImpairedAlarm).toBeDefined();
  });

  test('task shortfall alarms compare running and desired tasks of each service', () => {
    const t = regionalTemplate(observed, regions()[0] ?? '');
    for (const service of ['ui', 'catalog', 'carts', 'checkout', 'orders']) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `retail-${regions()[0] ?? ''}-${service}-tasks-below-desired`,
        Metrics: Match.arrayWith([Match.objectLike({ Expression: 'IF(running < desired, 1, 0)' })]),
        TreatMissingData: 'notBreaching',
      });
    }
  });

  test('RPO lag alarms on both members in every Region (the writer moves), replication latency towards every other Region', () => {
    for (const region of regions()) {
      const t = regionalTemplate(observed, region);
      for (const database of ['catalog', 'orders']) {
        t.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'AuroraGlobalDBRPOLag',
          Dimensions: [{ Name: 'DBClusterIdentifier', Value: `retail-${database}-${region}` }],
          TreatMissingData: 'notBreaching',
        });
      }
      for (const other of regions().filter((candidate) => candidate !== region)) {
        t.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'ReplicationLatency',
          Dimensions: Match.arrayWith([{ Name: 'ReceivingRegion', Value: other }, { Name: 'TableName', Value: 'retail-carts' }]),
        });
      }
    }
  });

  test('cache alarms watch every node of the replication group', () => {
    const t = regionalTemplate(observed, regions()[0] ?? '');
    const nodes = 1 + observed.config.cache.replicasPerShard;
    const alarm = Object.values(t.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `retail-${regions()[0] ?? ''}-cache-memory` } }))[0] as Resource;
    const metrics = (alarm.Properties.Metrics as { MetricStat?: { Metric: { Dimensions: { Value: unknown }[] } } }[]).filter((m) => m.MetricStat !== undefined);
    expect(metrics).toHaveLength(nodes);
    expect(JSON.stringify(metrics)).toContain('-001');
  });

  test('dashboards: one per Region, the overview only in the first Region', () => {
    const first = regions()[0];
    for (const region of regions()) {
      const t = regionalTemplate(observed, region);
      const names = (Object.values(t.findResources('AWS::CloudWatch::Dashboard')) as Resource[]).map((d) => d.Properties.DashboardName).sort();
      expect(names).toEqual(region === first ? [`retail-${region}`, 'retail-overview'].sort() : [`retail-${region}`]);
    }
    const overview = JSON.stringify((Object.values(regionalTemplate(observed, first ?? '').findResources('AWS::CloudWatch::Dashboard', { Properties: { DashboardName: 'retail-overview' } }))[0] as Resource).Properties.DashboardBody);
    for (const region of regions()) {
      expect(overview).toContain(`\\"region\\":\\"${region}\\"`);
    }
    expect(overview).toContain('RoutingControlOn');
    expect(overview).toContain('AuroraGlobalDBRPOLag');
    expect(overview).toContain('ReplicationLatency');
    expect(overview).toContain('RequestCount');
  });

  test('the routing-state publisher: every minute, Node.js 24, reads only the topology and the routing controls', () => {
    const t = regionalTemplate(observed, regions()[0] ?? '');
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Environment: { Variables: Match.objectLike({ TOPOLOGY_PARAMETER_NAME: '/retail/platform/topology', METRIC_NAMESPACE: 'retail/Platform' }) },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^ObservabilityRoutingStateLogs') } },
    });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    const policy = Object.values(t.findResources('AWS::IAM::Policy', { Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'ReadRoutingControls' })]) } } }))[0] as Resource;
    const statements = (policy.Properties.PolicyDocument as { Statement: { Sid: string; Resource: unknown }[] }).Statement;
    expect(statements.find((s) => s.Sid === 'ReadRoutingControls')?.Resource).toHaveLength(regions().length);
    t.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ObservabilityKey'), 'Arn'] } });
  });

  test('cdk-nag: no unacknowledged finding on the observability and chaos resources', () => {
    expect(nagFindingsUnder(observed.app, ['/Observability/', '/Chaos/'])).toEqual([]);
  });
});
