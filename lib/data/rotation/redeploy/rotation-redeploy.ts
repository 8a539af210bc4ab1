import * as path from 'path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { functionLogsAndRole, platformFunction } from '../../../common/node-function';

/** Where each Region publishes its cluster and services for the redeploy (JSON, see runtime/redeploy.ts). */
export function redeployTargetsParameterName(appName: string): string {
  return `/${appName}/platform/redeploy-targets`;
}

export interface RotationRedeployProps {
  readonly appName: string;
  /** Every platform Region: each runs services that read a replica of the secrets. */
  readonly regions: readonly string[];
  /** Each rotated secret (in this, its primary Region) and the names of the services that read it. */
  readonly secrets: readonly { readonly secret: secretsmanager.ISecret; readonly services: readonly string[] }[];
  readonly logKey: kms.IKey;
  readonly logRetentionDays: number;
}

/**
 * Redeploys, in every Region, the services that use a master secret after each successful
 * rotation (EventBridge `RotationSucceeded` in the secret's primary Region, this one). One
 * Region's failure never stops the others; it makes the invocation fail, which `failureAlarm`
 * watches (the composing stack routes it to the page topic). Create it before the rotation
 * schedule, so that the first rotation is caught too.
 */
export class RotationRedeploy extends Construct {
  readonly function: lambda.Function;
  readonly rule: events.Rule;
  readonly failureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: RotationRedeployProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const parameterName = redeployTargetsParameterName(props.appName);

    const { logGroup, role } = functionLogsAndRole(this, {
      logKey: props.logKey,
      logRetentionDays: props.logRetentionDays,
      roleDescription: 'Redeploys the services of every Region after a master secret rotation',
    });
    const policy = new iam.Policy(this, 'Policy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadEachRegionsTargets',
          actions: ['ssm:GetParameter'],
          resources: props.regions.map((region) => stack.formatArn({ service: 'ssm', region, resource: 'parameter', resourceName: parameterName.slice(1) })),
        }),
        new iam.PolicyStatement({
          sid: 'ForceNewDeployments',
          actions: ['ecs:UpdateService'],
          resources: props.regions.map((region) => stack.formatArn({ service: 'ecs', region, resource: 'service', resourceName: '*' })),
        }),
        new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      ],
    });
    for (const region of props.regions) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:${region}:${stack.account}:service/*]`,
        reason: 'ecs:UpdateService on service/* of each platform Region: the services are created by the other Regions\' stacks with generated names (published at run time in each Region\'s redeploy-targets parameter); the only action is a forced redeployment.',
      });
    }

    this.function = platformFunction(this, 'Function', {
      description: 'Redeploys the services that use a rotated master secret, in every Region',
      entry: path.join(__dirname, 'runtime', 'index.ts'),
      // Regions in parallel: two attempts of 7 s per call, two calls per Region at most in sequence.
      timeout: Duration.seconds(60),
      role,
      logGroup,
      environment: {
        REGIONS: props.regions.join(','),
        SERVICES_BY_SECRET: stack.toJsonString(Object.fromEntries(props.secrets.map(({ secret, services }) => [secret.secretArn, services]))),
        TARGETS_PARAMETER: parameterName,
      },
    });
    this.function.node.addDependency(policy);

    this.rule = new events.Rule(this, 'RotationSucceeded', {
      description: 'A master secret rotated: redeploy the services that read it, in every Region',
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS Service Event via CloudTrail'],
        detail: {
          eventName: ['RotationSucceeded'],
          additionalEventData: { SecretId: props.secrets.map(({ secret }) => secret.secretArn) },
        },
      },
    });
    this.rule.addTarget(new targets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.hours(1) }));

    // Lambda retries a failed asynchronous invocation twice; any failed attempt pages.
    this.failureAlarm = new cloudwatch.Alarm(this, 'FailureAlarm', {
      alarmName: `${props.appName}-${stack.region}-rotation-redeploy-failed`,
      alarmDescription: 'Services were not redeployed after a master secret rotation in at least one Region: tasks there hold the old password. See the function\'s log for the Region and the error.',
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
