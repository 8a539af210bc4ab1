import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { WafMode } from '../config/types';

export interface StoreFirewallProps {
  readonly appName: string;
  readonly region: string;
  readonly mode: WafMode;
  /** Requests one client IP may send in 5 minutes. */
  readonly rateLimitPerIp: number;
  readonly loadBalancerArn: string;
  readonly logKey: kms.IKey;
  readonly logRetentionDays: number;
  /** Where the block-spike alarm notifies (the Region's alarm topic). */
  readonly alarmTopic: sns.ITopic;
  /** The Region's dashboard: the firewall adds its row. */
  readonly dashboard: cloudwatch.Dashboard;
}

/** The AWS managed rule groups, in evaluation order after the rate rule. */
export const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesBotControlRuleSet',
] as const;

export const RATE_RULE_NAME = 'RateLimitPerIp';
/** WAF evaluates the rate rule over this window. */
export const RATE_WINDOW_SECONDS = 300;

/** The names WAF and CloudWatch use for this Region's web ACL (the alarm name admits the Region's topic policy). */
export const firewallNames = (appName: string, region: string) => ({
  webAcl: `${appName}-${region}-store`,
  // WAF delivers only to log groups whose names start with aws-waf-logs-.
  logGroup: `aws-waf-logs-${appName}-${region}`,
  blockSpikeAlarm: `${appName}-${region}-waf-block-spike`,
});

/**
 * An AWS WAF web ACL on the Region's load balancer against bots and floods: a per-IP rate rule,
 * then the IP reputation list, the common rule set, known bad inputs and Bot Control (common
 * level). In `count` mode nothing is blocked: every rule only counts (and labels), to learn
 * what `block` would stop before switching. Logs go to an encrypted log group (the session cookie
 * redacted); the Region's dashboard gets the web ACL's traffic and an alarm fires on a spike of
 * blocked (or, in count mode, would-be-blocked) requests.
 */
export class StoreFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly logGroup: logs.LogGroup;
  readonly blockSpikeAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: StoreFirewallProps) {
    super(scope, id);
    const names = firewallNames(props.appName, props.region);
    const counting = props.mode === 'count';

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: names.webAcl,
      scope: 'REGIONAL',
      // WAF descriptions allow letters, digits, spaces and = : # @ / - , . only.
      description: `Bots and floods in front of the ${props.appName} store in ${props.region}, ${props.mode} mode`,
      defaultAction: { allow: {} },
      visibilityConfig: visibility(names.webAcl),
      rules: [this.rateRule(props, counting), ...MANAGED_RULE_GROUPS.map((group, index) => this.managedRule(group, index + 1, counting))],
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.loadBalancerArn,
      webAclArn: this.webAcl.attrArn,
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: names.logGroup,
      retention: props.logRetentionDays as logs.RetentionDays,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // The log group's ARN without the trailing :* that logGroupArn carries (WAF refuses it).
      logDestinationConfigs: [Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: names.logGroup, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      // The session cookie identifies a shopper's cart: keep it out of the logs.
      redactedFields: [{ singleHeader: { Name: 'cookie' } }],
    }).node.addDependency(this.logGroup);

    const metric = (name: string, label?: string) => new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName: name,
      dimensionsMap: { WebACL: names.webAcl, Region: props.region, Rule: 'ALL' },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...(label !== undefined ? { label } : {}),
    });
    const blocked = metric('BlockedRequests', 'blocked');
    const counted = metric('CountedRequests', 'counted (would be blocked in block mode)');
    const allowed = metric('AllowedRequests', 'allowed');

    // A spike: as many blocked requests in 5 minutes as five clients at the rate limit would send.
    const threshold = 5 * props.rateLimitPerIp;
    this.blockSpikeAlarm = new cloudwatch.Alarm(this, 'BlockSpike', {
      alarmName: names.blockSpikeAlarm,
      alarmDescription: `${counting ? 'Counted (count mode: would be blocked)' : 'Blocked'} requests at the ${props.region} load balancer above ${threshold} per 5 minutes in 2 of 3 periods: a bot wave or flood, or a rule blocking real customers. Read the WAF logs (${names.logGroup}) for the rule and client.`,
      // Without a label, so the alarm reads the metric directly.
      metric: metric(counting ? 'CountedRequests' : 'BlockedRequests'),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.blockSpikeAlarm.addAlarmAction(new cloudwatchActions.SnsAction(props.alarmTopic));

    props.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `WAF ${names.webAcl} (${props.mode} mode): requests per 5 minutes`,
        width: 16,
        height: 6,
        left: [allowed, blocked, counted],
      }),
      new cloudwatch.AlarmWidget({ title: 'WAF block spike', alarm: this.blockSpikeAlarm, width: 8, height: 6 }),
    );
  }

  private rateRule(props: StoreFirewallProps, counting: boolean): wafv2.CfnWebACL.RuleProperty {
    return {
      name: RATE_RULE_NAME,
      priority: 0,
      action: counting ? { count: {} } : { block: {} },
      statement: {
        rateBasedStatement: { limit: props.rateLimitPerIp, aggregateKeyType: 'IP', evaluationWindowSec: RATE_WINDOW_SECONDS },
      },
      visibilityConfig: visibility(RATE_RULE_NAME),
    };
  }

  private managedRule(group: (typeof MANAGED_RULE_GROUPS)[number], priority: number, counting: boolean): wafv2.CfnWebACL.RuleProperty {
    const account = Stack.of(this).account;
    const bot = group === 'AWSManagedRulesBotControlRuleSet';
    return {
      name: group,
      priority,
      // Count mode overrides every rule of the group to count; block mode keeps the group's own actions.
      overrideAction: counting ? { count: {} } : { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name: group,
          ...(bot
            ? {
                managedRuleGroupConfigs: [{ awsManagedRulesBotControlRuleSet: { inspectionLevel: 'COMMON' } }],
                // The platform's own Synthetics canaries (their user agent names this account's canary ARN)
                // are not bots to stop; the rate rule and the other groups still apply to them.
                scopeDownStatement: { notStatement: { statement: { andStatement: { statements: [
                  userAgentContains('CloudWatchSynthetics/arn:aws:synthetics:'),
                  userAgentContains(`:${account}:canary:`),
                ] } } } },
              }
            : {}),
        },
      },
      visibilityConfig: visibility(group),
    };
  }
}

function userAgentContains(text: string): wafv2.CfnWebACL.StatementProperty {
  return {
    byteMatchStatement: {
      fieldToMatch: { singleHeader: { Name: 'user-agent' } },
      positionalConstraint: 'CONTAINS',
      searchString: text,
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  };
}

function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true };
}
