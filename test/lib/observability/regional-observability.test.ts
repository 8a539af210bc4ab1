import { Match, type Template } from 'aws-cdk-lib/assertions';
import { severityOf } from '../../../lib/observability/decision-table';
import { breaches, evaluate, metricsRead, type AlarmProperties, type InsightsQuery, type MetricWorld, type StatQuery } from './alarm-math';
import { CONFIGURATIONS, DEV_TWO_REGIONS, PROD_THREE_REGIONS, alarmsBySuffix, observabilityNagFindings, regionalTemplates, resources, type RegionalTemplates, type Resource } from './fixture';

/**
 * What each metric an alarm reads is published with (service documentation): CloudWatch matches
 * dimensions exactly, so an alarm with a missing or extra dimension never receives data. Every
 * metric any alarm reads must be listed (an unknown metric fails the test). Amazon MQ publishes
 * its CPU and memory per broker and per node.
 */
const PUBLISHED_DIMENSIONS: Readonly<Record<string, Readonly<Record<string, readonly (readonly string[])[]>>>> = {
  CloudWatchSynthetics: { SuccessPercent: [['CanaryName']] },
  'AWS/ApplicationELB': {
    HTTPCode_ELB_5XX_Count: [['LoadBalancer']],
    HTTPCode_Target_5XX_Count: [['LoadBalancer', 'TargetGroup']],
    UnHealthyHostCount: [['LoadBalancer', 'TargetGroup']],
    HealthyHostCount: [['LoadBalancer', 'TargetGroup']],
  },
  'ECS/ContainerInsights': { RunningTaskCount: [['ClusterName', 'ServiceName']], DesiredTaskCount: [['ClusterName', 'ServiceName']] },
  'AWS/RDS': { AuroraGlobalDBRPOLag: [['DBClusterIdentifier']] },
  'AWS/DynamoDB': { ReplicationLatency: [['ReceivingRegion', 'TableName']], SuccessfulRequestLatency: [['Operation', 'TableName']] },
  'AWS/ElastiCache': { EngineCPUUtilization: [['CacheClusterId']], DatabaseMemoryUsagePercentage: [['CacheClusterId']] },
  'AWS/AmazonMQ': {
    SystemCpuUtilization: [['Broker'], ['Broker', 'Node']],
    RabbitMQMemUsed: [['Broker'], ['Broker', 'Node']],
    RabbitMQMemLimit: [['Broker'], ['Broker', 'Node']],
  },
  'retail/Platform': { RoutingControlReadSucceeded: [['Region']], RestoreValidationFailed: [['Region']] },
  'AWS/Lambda': { Errors: [['FunctionName']] },
  'AWS/Backup': {
    NumberOfBackupJobsFailed: [['BackupVaultName']],
    NumberOfBackupJobsAborted: [['BackupVaultName']],
    NumberOfBackupJobsExpired: [['BackupVaultName']],
    NumberOfCopyJobsFailed: [['BackupVaultName']],
    NumberOfRestoreJobsFailed: [['BackupVaultName']],
  },
};

function alarmProperties(resource: Resource): AlarmProperties {
  return resource.Properties as unknown as AlarmProperties;
}

describe.each(CONFIGURATIONS)('regional observability (%s)', (_name, input) => {
  let platform: RegionalTemplates;
  beforeAll(() => {
    platform = regionalTemplates(input);
  });
  const each = (check: (t: Template, region: string) => void): void => {
    for (const region of platform.regions) check(platform.template(region), region);
  };
  const alarm = (t: Template, region: string, suffix: string): Resource => {
    const found = alarmsBySuffix(t, 'retail', region).get(suffix);
    if (found === undefined) throw new Error(`no alarm ${suffix} in ${region}`);
    return found.alarm;
  };

  test('every alarm has dimensions, each metric exactly those it is published with', () => {
    each((t, region) => {
      const alarms = alarmsBySuffix(t, 'retail', region);
      // Front door 4, tasks 5, RPO lag 2, cache 2, broker 2, routing 1, canary-local, writer-health; per peer a canary and replication; the global canary.
      // With backup.enabled (prod): backup-jobs-failed, backup-copy-jobs-failed, restore-test-failed (lib/backup).
      expect(alarms.size).toBe(18 + (region === platform.config.primaryRegion ? 1 : 0 /* rotation-redeploy-failed */) + 2 * (platform.regions.length - 1) + (platform.config.domainName !== undefined ? 1 : 0) + (platform.config.backup.restoreTests ? 3 : platform.config.backup.enabled ? 2 : 0));
      for (const [suffix, { alarm: resource }] of alarms) {
        const read = metricsRead(alarmProperties(resource));
        expect([suffix, read.length > 0]).toEqual([suffix, true]);
        for (const metric of read) {
          const published = PUBLISHED_DIMENSIONS[metric.namespace]?.[metric.metricName];
          expect([suffix, metric.namespace, metric.metricName, published === undefined ? 'unlisted metric' : 'listed']).toEqual([suffix, metric.namespace, metric.metricName, 'listed']);
          expect([suffix, metric.metricName, metric.dimensions.length > 0]).toEqual([suffix, metric.metricName, true]);
          expect([suffix, metric.metricName, (published ?? []).some((set) => JSON.stringify([...set].sort()) === JSON.stringify(metric.dimensions))]).toEqual([suffix, metric.metricName, true]);
        }
      }
    });
  });

  test('the routing read alarm watches this Region\'s publisher: dimension Region, no successful read in a minute, for 5 minutes', () => {
    each((t, region) => {
      expect(alarm(t, region, 'routing-state-unreadable').Properties).toMatchObject({
        Namespace: 'retail/Platform',
        MetricName: 'RoutingControlReadSucceeded',
        Dimensions: [{ Name: 'Region', Value: region }],
        Statistic: 'Maximum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 5,
        TreatMissingData: 'breaching',
      });
    });
  });

  test('every alarm decides deliberately on missing data and reports ALARM and OK to the topic of its severity', () => {
    each((t, region) => {
      const topics = resources(t, 'AWS::SNS::Topic');
      const topicId = (severity: 'page' | 'notify'): string => Object.keys(topics).find((id) => id.startsWith(severity === 'page' ? 'ObservabilityPageTopic' : 'ObservabilityAlarmTopic')) ?? 'missing';
      for (const [suffix, { alarm: resource }] of alarmsBySuffix(t, 'retail', region)) {
        expect([suffix, resource.Properties.TreatMissingData]).toEqual([suffix, expect.stringMatching(/^(breaching|notBreaching)$/)]);
        const expected = [{ Ref: topicId(severityOf(suffix)) }];
        expect([suffix, resource.Properties.AlarmActions, resource.Properties.OKActions]).toEqual([suffix, expected, expected]);
      }
      for (const composite of Object.values(resources(t, 'AWS::CloudWatch::CompositeAlarm'))) {
        const suffix = String(composite.Properties.AlarmName).slice(`retail-${region}-`.length);
        const expected = [{ Ref: topicId(severityOf(suffix)) }];
        expect([suffix, composite.Properties.AlarmActions, composite.Properties.OKActions]).toEqual([suffix, expected, expected]);
      }
    });
  });

  test('only region-impaired, writer-health and (where secrets rotate) rotation-redeploy-failed page', () => {
    each((t, region) => {
      const pageTopic = Object.keys(resources(t, 'AWS::SNS::Topic')).find((id) => id.startsWith('ObservabilityPageTopic'));
      const paging = [...Object.values(resources(t, 'AWS::CloudWatch::Alarm')), ...Object.values(resources(t, 'AWS::CloudWatch::CompositeAlarm'))]
        .filter((resource) => JSON.stringify(resource.Properties.AlarmActions) === JSON.stringify([{ Ref: pageTopic }]))
        .map((resource) => resource.Properties.AlarmName)
        .sort();
      const rotatesSecrets = region === platform.config.primaryRegion;
      expect(paging).toEqual([
        `retail-${region}-region-impaired`,
        ...(rotatesSecrets ? [`retail-${region}-rotation-redeploy-failed`] : []),
        `retail-${region}-writer-health`,
      ]);
    });
  });

  test('"Region impaired" needs two independent signals: the read-path canary AND a load balancer signal', () => {
    each((t, region) => {
      const ids = alarmsBySuffix(t, 'retail', region);
      const ref = (suffix: string): string => `ALARM(\\"",{"Fn::GetAtt":["${ids.get(suffix)?.id ?? 'missing'}","Arn"]},"\\")`;
      const composite = Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm', { Properties: { AlarmName: `retail-${region}-region-impaired` } }))[0] as Resource;
      const rule = JSON.stringify(composite.Properties.AlarmRule);
      const expected = `(${ref('canary-local')} AND (${ref('ui-no-healthy-targets')} OR ${ref('alb-5xx')} OR ${ref('ui-target-5xx')}))`;
      expect(rule).toContain(expected.replace(/^\(ALARM\(\\"",/, '(ALARM(\\"",'));
      expect(rule.match(/ALARM\(/g)).toHaveLength(4);
      expect(rule.match(/ AND /g)).toHaveLength(1);
    });
  });

  test('peer-region-unreachable is any of this Region\'s peer canaries', () => {
    each((t, region) => {
      const ids = alarmsBySuffix(t, 'retail', region);
      const composite = Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm', { Properties: { AlarmName: `retail-${region}-peer-region-unreachable` } }))[0] as Resource;
      const rule = JSON.stringify(composite.Properties.AlarmRule);
      const peers = platform.regions.filter((other) => other !== region);
      for (const peer of peers) expect(rule).toContain(`"${ids.get(`canary-to-${peer}`)?.id ?? 'missing'}","Arn"`);
      expect(rule.match(/ALARM\(/g)).toHaveLength(peers.length);
    });
  });

  test('canaries: the read path to this Region, every other Region and the global name; one order canary, the only one placing orders', () => {
    const withDomain = platform.config.domainName !== undefined;
    const { canaryIntervalMinutes, orderCanaryIntervalMinutes } = platform.config.observability;
    const rate = (minutes: number): string => `rate(${minutes} minute${minutes === 1 ? '' : 's'})`;
    each((t, region) => {
      const canaries = Object.values(resources(t, 'AWS::Synthetics::Canary'));
      const summary = canaries.map((canary) => {
        const p = canary.Properties as { Name: string; Schedule: { Expression: string }; RunConfig: { EnvironmentVariables: Record<string, string> } };
        return [p.Name, p.RunConfig.EnvironmentVariables.JOURNEY, p.Schedule.Expression];
      }).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      const peers = platform.regions.filter((other) => other !== region);
      const codes: Record<string, string> = { 'us-east-1': 'use1', 'us-west-2': 'usw2', 'eu-west-1': 'euw1' };
      expect(summary).toEqual([
        ...(withDomain ? [['retail-global', 'read', rate(canaryIntervalMinutes)]] : []),
        ['retail-local', 'read', rate(canaryIntervalMinutes)],
        ['retail-orders', 'order', rate(orderCanaryIntervalMinutes)],
        ...peers.map((peer) => [`retail-to-${codes[peer] ?? peer}`, 'read', rate(canaryIntervalMinutes)]),
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    });
  });

  test('canaries run the current Puppeteer runtime, the bundled handler, encrypted artifacts, and end before their next run', () => {
    each((t) => {
      for (const canary of Object.values(resources(t, 'AWS::Synthetics::Canary'))) {
        const p = canary.Properties as { Name: string; RuntimeVersion: string; Code: { Handler: string }; ArtifactConfig: unknown; Schedule: { Expression: string }; RunConfig: { TimeoutInSeconds: number; EnvironmentVariables: Record<string, string> } };
        expect(p.Name.length).toBeLessThanOrEqual(21);
        expect(p.RuntimeVersion).toBe('syn-nodejs-puppeteer-15.0');
        expect(p.Code.Handler).toBe('store-probe.handler');
        expect(p.ArtifactConfig).toEqual({ S3Encryption: { EncryptionMode: 'SSE_KMS', KmsKeyArn: { 'Fn::GetAtt': [expect.stringMatching(/^ObservabilityKey/), 'Arn'] } } });
        const minutes = Number(/rate\((\d+) minutes?\)/.exec(p.Schedule.Expression)?.[1]);
        expect(p.RunConfig.TimeoutInSeconds).toBeLessThanOrEqual(minutes * 60);
      }
    });
  });

  test('peer canaries read the other Region\'s store URL at run time; the others are given theirs', () => {
    each((t, region) => {
      const env = Object.values(resources(t, 'AWS::Synthetics::Canary')).map((canary) => (canary.Properties.RunConfig as { EnvironmentVariables: Record<string, unknown> }).EnvironmentVariables);
      const peerEnv = env.filter((variables) => variables.TARGET_REGION !== undefined).sort((a, b) => String(a.TARGET_REGION).localeCompare(String(b.TARGET_REGION)));
      expect(peerEnv).toEqual(platform.regions.filter((other) => other !== region).sort().map((other) => ({ STORE_URL_PARAMETER: '/retail/platform/store-url', TARGET_REGION: other, JOURNEY: 'read' })));
      expect(env.filter((variables) => variables.TARGET_REGION === undefined).every((variables) => variables.STORE_URL !== undefined)).toBe(true);
    });
  });

  test.each([
    ['canary-local', 'breaching', 'a local canary that stops is a lost check'],
    ['writer-health', 'breaching', 'the order canary that stops is a lost check'],
    ['canary-to-*', 'notBreaching', 'a gap is no evidence that another Region fails (and must not block the drills)'],
  ])('canary alarm %s: two failed runs in a row; missing data %s (%s)', (pattern, missing) => {
    const { canaryIntervalMinutes, orderCanaryIntervalMinutes } = platform.config.observability;
    each((t, region) => {
      const matching = [...alarmsBySuffix(t, 'retail', region)].filter(([suffix]) => new RegExp(`^${pattern.replace('*', '.+')}$`).test(suffix));
      expect(matching.length).toBeGreaterThan(0);
      for (const [suffix, { alarm: resource }] of matching) {
        const interval = suffix === 'writer-health' ? orderCanaryIntervalMinutes : canaryIntervalMinutes;
        expect([suffix, resource.Properties]).toEqual([suffix, expect.objectContaining({
          Namespace: 'CloudWatchSynthetics',
          MetricName: 'SuccessPercent',
          Statistic: 'Minimum',
          Period: interval * 60,
          Threshold: 100,
          ComparisonOperator: 'LessThanThreshold',
          EvaluationPeriods: 2,
          DatapointsToAlarm: 2,
          TreatMissingData: missing,
        })]);
      }
    });
  });

  test('writer-health reads the order canary, region-impaired\'s canary the read-path canary', () => {
    each((t, region) => {
      const canaryOf = (suffix: string): unknown => (alarm(t, region, suffix).Properties.Dimensions as { Value: unknown }[])[0]?.Value;
      const names = Object.fromEntries(Object.entries(resources(t, 'AWS::Synthetics::Canary')).map(([id, canary]) => [id, canary.Properties.Name]));
      expect(canaryOf('writer-health')).toEqual({ Ref: Object.keys(names).find((id) => names[id] === 'retail-orders') });
      expect(canaryOf('canary-local')).toEqual({ Ref: Object.keys(names).find((id) => names[id] === 'retail-local') });
    });
  });

  test('task shortfall alarms compare running and desired tasks of each service', () => {
    each((t, region) => {
      for (const service of ['ui', 'catalog', 'carts', 'checkout', 'orders']) {
        t.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: `retail-${region}-${service}-tasks-below-desired`,
          Metrics: Match.arrayWith([Match.objectLike({ Expression: 'IF(running < desired, 1, 0)' })]),
          TreatMissingData: 'notBreaching',
        });
      }
    });
  });

  test('RPO lag alarms on both members in every Region (the writer moves)', () => {
    each((t, region) => {
      for (const database of ['catalog', 'orders']) {
        expect(alarm(t, region, `${database}-rpo-lag`).Properties).toMatchObject({
          MetricName: 'AuroraGlobalDBRPOLag',
          Dimensions: [{ Name: 'DBClusterIdentifier', Value: `retail-${database}-${region}` }],
          Statistic: 'Maximum',
          TreatMissingData: 'notBreaching',
        });
      }
    });
  });

  test('cache alarms watch every node of the replication group', () => {
    const nodes = 1 + platform.config.cache.replicasPerShard;
    each((t, region) => {
      const metrics = (alarm(t, region, 'cache-memory').Properties.Metrics as { MetricStat?: unknown }[]).filter((m) => m.MetricStat !== undefined);
      expect(metrics).toHaveLength(nodes);
      expect(JSON.stringify(metrics)).toContain('-001');
    });
  });

  test('dashboards: one per Region, the overview only in the first Region, with the writer\'s health per Region', () => {
    const first = platform.regions[0] ?? '';
    each((t, region) => {
      const names = Object.values(resources(t, 'AWS::CloudWatch::Dashboard')).map((d) => d.Properties.DashboardName).sort();
      expect(names).toEqual(region === first ? [`retail-${region}`, 'retail-overview'].sort() : [`retail-${region}`]);
    });
    const overview = JSON.stringify((Object.values(platform.template(first).findResources('AWS::CloudWatch::Dashboard', { Properties: { DashboardName: 'retail-overview' } }))[0] as Resource).Properties.DashboardBody);
    for (const region of platform.regions) {
      expect(overview).toContain(`\\"region\\":\\"${region}\\"`);
    }
    for (const fragment of ['RoutingControlOn', 'AuroraGlobalDBRPOLag', 'ReplicationLatency', 'RequestCount', 'Writer health', 'retail-orders']) {
      expect(overview).toContain(fragment);
    }
  });

  test('the routing-state publisher: every minute, Node.js 24, reads only the topology and the routing controls', () => {
    const t = platform.template(platform.regions[0] ?? '');
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Environment: { Variables: Match.objectLike({ TOPOLOGY_PARAMETER_NAME: '/retail/platform/topology', METRIC_NAMESPACE: 'retail/Platform' }) },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^ObservabilityRoutingStateLogs') } },
    });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    const policy = Object.values(t.findResources('AWS::IAM::Policy', { Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'ReadRoutingControls' })]) } } }))[0] as Resource;
    const statements = (policy.Properties.PolicyDocument as { Statement: { Sid: string; Resource: unknown }[] }).Statement;
    expect(statements.find((s) => s.Sid === 'ReadRoutingControls')?.Resource).toHaveLength(platform.regions.length);
  });

  test('topics: page and alarm topics KMS-encrypted with the observability key, SSL-only, open to this app\'s alarms only, both mailed', () => {
    each((t, region) => {
      const topics = resources(t, 'AWS::SNS::Topic');
      expect(Object.keys(topics).map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['ObservabilityAlarmTopic', 'ObservabilityPageTopic']);
      for (const topic of Object.values(topics)) {
        expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ObservabilityKey/), 'Arn'] });
      }
      const policies = Object.values(resources(t, 'AWS::SNS::TopicPolicy')).filter((policy) => JSON.stringify(policy.Properties.Topics).includes('Observability'));
      expect(policies).toHaveLength(2);
      for (const policy of policies.map((p) => JSON.stringify(p))) {
        expect(policy).toContain('"aws:SecureTransport":"false"');
        expect(policy).toContain(`:alarm:retail-${region}-*`);
      }
      const subscriptions = Object.values(resources(t, 'AWS::SNS::Subscription'));
      expect(subscriptions.map((s) => s.Properties.Endpoint)).toEqual(platform.config.alarmEmail !== undefined ? [platform.config.alarmEmail, platform.config.alarmEmail] : []);
    });
  });

  test('the artifacts bucket: KMS, SSL only, no public access, versioned, expiring, retained', () => {
    const t = platform.template(platform.regions[0] ?? '');
    const artifacts = Object.entries(resources(t, 'AWS::S3::Bucket')).filter(([logicalId]) => logicalId.startsWith('ObservabilityCanaryArtifacts'));
    expect(artifacts).toHaveLength(1);
    const [, bucket] = artifacts[0] as [string, Resource];
    expect(bucket.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: platform.config.profile === 'prod' ? 30 : 7, Status: 'Enabled' })] },
    });
  });

  test('cdk-nag: no unacknowledged finding on the observability and chaos resources', () => {
    expect(observabilityNagFindings(input)).toEqual([]);
  });
});

/** A RabbitMQ broker as Amazon MQ reports it: per node, and per broker (a cluster's broker-level values are sums). */
function brokerWorld(brokerName: string, nodes: readonly { cpu: number; memUsed: number; memLimit: number }[]): MetricWorld {
  const sum = (pick: (node: { cpu: number; memUsed: number; memLimit: number }) => number): number => nodes.reduce((total, node) => total + pick(node), 0);
  const perNode: Record<string, (node: { cpu: number; memUsed: number; memLimit: number }) => number> = {
    SystemCpuUtilization: (node) => node.cpu,
    RabbitMQMemUsed: (node) => node.memUsed,
    RabbitMQMemLimit: (node) => node.memLimit,
  };
  return {
    stat: (query: StatQuery) => {
      const pick = perNode[query.metricName];
      const brokerLevel = query.namespace === 'AWS/AmazonMQ' && JSON.stringify(query.dimensions) === JSON.stringify({ Broker: brokerName });
      return pick !== undefined && brokerLevel ? sum(pick) : undefined;
    },
    insights: (query: InsightsQuery) => {
      const pick = perNode[query.metricName];
      const nodeLevel = query.namespace === 'AWS/AmazonMQ' && JSON.stringify([...query.schemaDimensions].sort()) === JSON.stringify(['Broker', 'Node']) && query.where.Broker === brokerName && nodes.length > 1;
      if (pick === undefined || !nodeLevel) return undefined;
      const values = nodes.map(pick);
      return query.aggregate === 'MAX' ? Math.max(...values) : undefined;
    },
  };
}

const GIB = 1024 ** 3;

describe('broker alarms mean "the busiest node", for a single-instance broker (dev) and a three-node cluster (prod)', () => {
  const brokerAlarm = (input: Record<string, unknown>, suffix: string): AlarmProperties => {
    const platform = regionalTemplates(input);
    const region = platform.regions[0] ?? '';
    const found = alarmsBySuffix(platform.template(region), 'retail', region).get(suffix);
    if (found === undefined) throw new Error(`no ${suffix}`);
    return alarmProperties(found.alarm);
  };

  test.each([
    ['cluster: every node at 30 % CPU (broker-level sum 90 %)', PROD_THREE_REGIONS, [30, 30, 30], false],
    ['cluster: one node at 90 % CPU, two idle', PROD_THREE_REGIONS, [90, 5, 5], true],
    ['cluster: every node at 80 % CPU', PROD_THREE_REGIONS, [80, 80, 80], false],
    ['single instance at 90 % CPU', DEV_TWO_REGIONS, [90], true],
    ['single instance at 50 % CPU', DEV_TWO_REGIONS, [50], false],
  ] as const)('broker-cpu, %s: alarms %s', (_case, input, cpus, alarms) => {
    const alarm = brokerAlarm(input, 'broker-cpu');
    const world = brokerWorld('retail-order-events', cpus.map((cpu) => ({ cpu, memUsed: 0, memLimit: 2 * GIB })));
    expect(breaches(alarm, evaluate(alarm, world))).toBe(alarms);
  });

  test.each([
    ['cluster: one node at its watermark, two nearly empty', PROD_THREE_REGIONS, [1.9, 0.1, 0.1], true],
    ['cluster: every node at half its watermark', PROD_THREE_REGIONS, [1, 1, 1], false],
    ['single instance at 90 % of its watermark', DEV_TWO_REGIONS, [1.8], true],
    ['single instance at 40 % of its watermark', DEV_TWO_REGIONS, [0.8], false],
  ] as const)('broker-memory, %s: alarms %s', (_case, input, usedGib, alarms) => {
    const alarm = brokerAlarm(input, 'broker-memory');
    const world = brokerWorld('retail-order-events', usedGib.map((used) => ({ cpu: 0, memUsed: used * GIB, memLimit: 2 * GIB })));
    expect(breaches(alarm, evaluate(alarm, world))).toBe(alarms);
  });

  test('a cluster alarm never reads the broker-level CPU or memory used (sums over the nodes)', () => {
    for (const suffix of ['broker-cpu', 'broker-memory']) {
      const read = metricsRead(brokerAlarm(PROD_THREE_REGIONS, suffix));
      const sums = read.filter((metric) => ['SystemCpuUtilization', 'RabbitMQMemUsed'].includes(metric.metricName) && JSON.stringify(metric.dimensions) === '["Broker"]');
      expect([suffix, sums]).toEqual([suffix, []]);
    }
  });
});

/** Carts in one Region: writes per operation, and what DynamoDB reports about their replication to the peer. */
function cartsWorld(writes: Readonly<Record<string, number>>, replication: { readonly items: number; readonly slowestMs: number } | undefined): MetricWorld {
  return {
    stat: (query: StatQuery) => {
      if (query.namespace !== 'AWS/DynamoDB' || query.dimensions.TableName !== 'retail-carts') return undefined;
      if (query.metricName === 'SuccessfulRequestLatency' && query.stat === 'SampleCount') {
        return writes[query.dimensions.Operation ?? ''];
      }
      if (query.metricName === 'ReplicationLatency' && replication !== undefined && query.dimensions.ReceivingRegion !== undefined) {
        return query.stat === 'SampleCount' ? replication.items : query.stat === 'Maximum' ? replication.slowestMs : undefined;
      }
      return undefined;
    },
    insights: () => undefined,
  };
}

describe('the carts replication alarm fires while replication is paused, not only when items arrive late', () => {
  const replicationAlarm = (): AlarmProperties => {
    const platform = regionalTemplates(DEV_TWO_REGIONS);
    const [region, peer] = platform.regions as [string, string];
    const found = alarmsBySuffix(platform.template(region), 'retail', region).get(`carts-replication-to-${peer}`);
    if (found === undefined) throw new Error('no replication alarm');
    return alarmProperties(found.alarm);
  };

  test.each([
    ['paused: items written here, nothing replicated (no ReplicationLatency data at all)', { PutItem: 3 }, undefined, true],
    ['paused: only deletes and updates written', { UpdateItem: 1, DeleteItem: 1 }, undefined, true],
    ['healthy: items written and replicated within a second', { PutItem: 3 }, { items: 3, slowestMs: 800 }, false],
    ['late: an item took 45 s to arrive', { PutItem: 3 }, { items: 3, slowestMs: 45_000 }, true],
    ['quiet store: no writes, no replication', {}, undefined, false],
  ] as const)('%s: alarms %s', (_case, writes, replication, alarms) => {
    const alarm = replicationAlarm();
    expect(breaches(alarm, evaluate(alarm, cartsWorld(writes, replication)))).toBe(alarms);
  });

  test('judged over two 5-minute windows', () => {
    const alarm = replicationAlarm() as unknown as { EvaluationPeriods: number; DatapointsToAlarm: number; Metrics: { MetricStat?: { Period: number } }[] };
    expect([alarm.EvaluationPeriods, alarm.DatapointsToAlarm]).toEqual([2, 2]);
    expect(new Set(alarm.Metrics.filter((m) => m.MetricStat !== undefined).map((m) => m.MetricStat?.Period))).toEqual(new Set([300]));
  });
});
