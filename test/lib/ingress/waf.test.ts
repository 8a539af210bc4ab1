import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { MANAGED_RULE_GROUPS, StoreFirewall } from '../../../lib/ingress/waf';
import type { WafMode } from '../../../lib/config/types';

const LB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/store/0123456789abcdef';

function build(mode: WafMode, rateLimitPerIp = 2000): Template {
  const stack = new Stack(new App(), 'Edge', { env: { account: '123456789012', region: 'us-east-1' } });
  new StoreFirewall(stack, 'Firewall', {
    appName: 'retail',
    region: 'us-east-1',
    mode,
    rateLimitPerIp,
    loadBalancerArn: LB_ARN,
    logKey: new kms.Key(stack, 'LogKey'),
    logRetentionDays: 90,
    alarmTopic: new sns.Topic(stack, 'Alarms'),
    dashboard: new cloudwatch.Dashboard(stack, 'Dashboard'),
  });
  return Template.fromStack(stack);
}

type Rule = { Name: string; Priority: number; Action?: unknown; OverrideAction?: unknown; Statement: Record<string, Record<string, unknown>> };

function rulesOf(t: Template): Rule[] {
  return Object.values(t.findResources('AWS::WAFv2::WebACL'))[0]!.Properties.Rules as Rule[];
}

describe.each([
  ['block', { Block: {} }, { None: {} }, 'BlockedRequests'],
  ['count', { Count: {} }, { Count: {} }, 'CountedRequests'],
] as const)('StoreFirewall in %s mode', (mode, rateAction, groupOverride, alarmMetric) => {
  const t = build(mode);

  test('a regional web ACL that allows by default, associated with the load balancer', () => {
    t.hasResourceProperties('AWS::WAFv2::WebACL', { Name: 'retail-us-east-1-store', Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    t.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: LB_ARN, WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebAcl'), 'Arn'] } });
  });

  test(`rate rule first, per client IP over 5 minutes, ${mode === 'block' ? 'blocking' : 'counting'}`, () => {
    const [rate] = rulesOf(t);
    expect(rate).toEqual(expect.objectContaining({
      Name: 'RateLimitPerIp',
      Priority: 0,
      Action: rateAction,
      Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
    }));
  });

  test(`the four managed groups in order, ${mode === 'block' ? 'with their own actions' : 'overridden to count'}`, () => {
    const groups = rulesOf(t).slice(1);
    expect(groups.map((rule) => [rule.Priority, (rule.Statement.ManagedRuleGroupStatement as { Name: string }).Name, rule.OverrideAction]))
      .toEqual(MANAGED_RULE_GROUPS.map((name, index) => [index + 1, name, groupOverride]));
    expect(MANAGED_RULE_GROUPS).toEqual(['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesBotControlRuleSet']);
    const bot = groups[3]!.Statement.ManagedRuleGroupStatement as { ManagedRuleGroupConfigs: unknown; ScopeDownStatement: unknown };
    expect(bot.ManagedRuleGroupConfigs).toEqual([{ AWSManagedRulesBotControlRuleSet: { InspectionLevel: 'COMMON' } }]);
    // The account's own canaries are exempt from Bot Control only.
    expect(JSON.stringify(bot.ScopeDownStatement)).toContain(':123456789012:canary:');
  });

  test('logs to an encrypted, retained aws-waf-logs- log group, the session cookie redacted', () => {
    t.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: 'aws-waf-logs-retail-us-east-1',
      RetentionInDays: 90,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('LogKey'), 'Arn'] },
    });
    t.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'RetainExceptOnCreate' });
    t.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      LogDestinationConfigs: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:us-east-1:123456789012:log-group:aws-waf-logs-retail-us-east-1']] }],
      RedactedFields: [{ SingleHeader: { Name: 'cookie' } }],
    });
  });

  test(`block-spike alarm on ${alarmMetric}, named for the Region's topic policy, notifying the alarm topic`, () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'retail-us-east-1-waf-block-spike',
      Namespace: 'AWS/WAFV2',
      MetricName: alarmMetric,
      Dimensions: [{ Name: 'Region', Value: 'us-east-1' }, { Name: 'Rule', Value: 'ALL' }, { Name: 'WebACL', Value: 'retail-us-east-1-store' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 10000,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Alarms') }],
    });
  });

  test('the dashboard shows allowed, blocked and counted requests and the alarm', () => {
    const body = JSON.stringify(Object.values(t.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);
    for (const metric of ['AllowedRequests', 'BlockedRequests', 'CountedRequests', 'WAF block spike']) {
      expect(body).toContain(metric);
    }
  });
});

test('the rate limit and the spike threshold follow the configuration', () => {
  const t = build('block', 500);
  expect(rulesOf(t)[0]!.Statement.RateBasedStatement).toEqual(expect.objectContaining({ Limit: 500 }));
  t.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 2500 });
});
