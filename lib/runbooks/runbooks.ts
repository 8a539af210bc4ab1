import * as path from 'path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { platformFunction } from '../common/node-function';
import { runbookNames, type AuroraEngine, type DatabaseName, type RoutingMode } from '../topology/topology';
import {
  ApprovalSettings,
  AutomationDocument,
  failbackDocument,
  failoverDocument,
  RunbookDocumentOptions,
  switchoverDocument,
} from './documents';
import { FUNCTION_TIMEOUT_SECONDS } from './runtime/contract';
import { ENV_ARC_CLUSTER_ARN, ENV_TOPOLOGY_PARAMETER } from './runtime/handlers/environment';

/** A global database the runbooks may promote; IAM is limited to exactly these ARNs. */
export interface RunbookGlobalDatabase {
  readonly name: DatabaseName;
  readonly engine: AuroraEngine;
  readonly globalClusterIdentifier: string;
  /** Member DB cluster ARN per Region (may be tokens). */
  readonly memberClusterArns: Readonly<Record<string, string>>;
}

export interface RegionalRunbooksProps {
  /** Application name; also the default document name prefix. */
  readonly appName: string;
  /** Every Region of the platform (the documents' allowed values). */
  readonly regions: readonly string[];
  readonly routingMode: RoutingMode;
  /** Name of the SSM parameter holding the PlatformTopology JSON in this Region. */
  readonly topologyParameterName: string;
  /**
   * Adds an `aws:approve` step (skipped for dry runs) after preflight. Approvers come
   * from the document parameter `Approvers`, defaulting to `approvers` when given;
   * without defaults every execution must pass them.
   */
  readonly requireApproval: boolean;
  /** Default approvers: IAM user names or ARNs, IAM role ARNs (max 10). */
  readonly approvers?: readonly string[];
  /** @default 1 */
  readonly minRequiredApprovals?: number;
  /** @default 60 */
  readonly approvalTimeoutMinutes?: number;
  /** Topic SSM notifies when an approval is pending; its name must start with "Automation" (SSM rule). */
  readonly approvalNotificationTopic?: sns.ITopic;
  /** Receives the report of every execution, or a failure notice naming the execution. */
  readonly notificationTopic?: sns.ITopic;
  readonly globalDatabases: readonly RunbookGlobalDatabase[];
  /** Every Region's routing control ARN (may be tokens). */
  readonly routingControlArns: readonly string[];
  /** The ARC cluster; handlers refuse a topology that names another (stale parameter). */
  readonly clusterArn: string;
  /** @default - the stack's account */
  readonly account?: string;
  /**
   * Document names become `${prefix}-Failover|Switchover|Failback`.
   * @default - `runbookNames(appName)` from the topology contract (e.g. `Retail-Failover`)
   */
  readonly documentNamePrefix?: string;
  /** Default of the DatabaseTimeoutMinutes document parameter. @default 20 */
  readonly databaseTimeoutMinutes?: number;
  /** @default ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Customer-managed key for the functions' log groups (the Region's logs key). */
  readonly logKey?: kms.IKey;
}

export interface RunbookDocumentNames {
  readonly failover: string;
  readonly switchover: string;
  readonly failback: string;
}

export interface RunbookFunctions {
  readonly preflight: lambda.IFunction;
  readonly traffic: lambda.IFunction;
  readonly databases: lambda.IFunction;
  readonly report: lambda.IFunction;
}

const RUNTIME_DIR = path.join(__dirname, 'runtime', 'handlers');
const DOCUMENT_NAME_PATTERN = /^[a-zA-Z0-9_.-]{3,128}$/;

/**
 * The failover, switchover and failback runbooks of ONE Region: Lambda functions with
 * least-privilege roles and their own log groups, the automation execution role and
 * three SSM Automation documents. Instantiate it in every regional stack: documents
 * are Regional and a runbook must be startable in the Region that survives.
 */
export class RegionalRunbooks extends Construct {
  public readonly documentNames: RunbookDocumentNames;
  public readonly failoverDocumentName: string;
  public readonly switchoverDocumentName: string;
  public readonly failbackDocumentName: string;
  /** The role SSM Automation assumes (documents default AutomationAssumeRole to it). */
  public readonly executionRole: iam.IRole;
  public readonly functions: RunbookFunctions;
  private readonly logKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: RegionalRunbooksProps) {
    super(scope, id);
    validateProps(this, props);
    this.logKey = props.logKey;

    const stack = Stack.of(this);
    const account = props.account ?? stack.account;
    this.documentNames = documentNamesFor(props);
    this.failoverDocumentName = this.documentNames.failover;
    this.switchoverDocumentName = this.documentNames.switchover;
    this.failbackDocumentName = this.documentNames.failback;

    const topologyParameterArn = stack.formatArn({
      service: 'ssm',
      account,
      resource: 'parameter',
      resourceName: props.topologyParameterName.replace(/^\//, ''),
    });
    const globalClusterArns = props.globalDatabases.map((db) =>
      stack.formatArn({
        service: 'rds',
        region: '',
        account,
        resource: 'global-cluster',
        resourceName: db.globalClusterIdentifier,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    const memberClusterArns = props.globalDatabases.flatMap((db) => Object.values(db.memberClusterArns));
    const readTopology = new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [topologyParameterArn] });
    // DescribeGlobalClusters supports the global-cluster resource type; we always pass the identifier.
    const describeDatabases = new iam.PolicyStatement({ actions: ['rds:DescribeGlobalClusters'], resources: globalClusterArns });
    const environment = { [ENV_TOPOLOGY_PARAMETER]: props.topologyParameterName };
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;

    const preflight = this.runtimeFunction('Preflight', 'preflight.ts', {
      description: 'Runbook preflight: read-only checks of the topology, the global databases and running executions',
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.preflight),
      environment,
      retention,
      statements: [
        readTopology,
        describeDatabases,
        // Refuses a second runbook while one runs. This action has no resource type: it only takes "*".
        new iam.PolicyStatement({ actions: ['ssm:DescribeAutomationExecutions'], resources: ['*'] }),
      ],
    });
    Validations.of(preflight.role ?? preflight).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ssm:DescribeAutomationExecutions supports no resource-level permission (Service Authorization Reference); it is read-only and is the only action granted on "*".',
    });

    const traffic = this.runtimeFunction('Traffic', 'traffic.ts', {
      description: 'Runbook traffic: reads and sets ARC routing controls through the cluster data plane',
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.traffic),
      environment: { ...environment, [ENV_ARC_CLUSTER_ARN]: props.clusterArn },
      retention,
      statements: [
        readTopology,
        new iam.PolicyStatement({
          actions: ['route53-recovery-cluster:GetRoutingControlState', 'route53-recovery-cluster:UpdateRoutingControlStates'],
          resources: [...props.routingControlArns],
        }),
        // Break-glass safety-rule overrides are an operator decision, never this function's.
        new iam.PolicyStatement({
          effect: iam.Effect.DENY,
          actions: ['route53-recovery-cluster:UpdateRoutingControlStates', 'route53-recovery-cluster:UpdateRoutingControlState'],
          resources: [...props.routingControlArns],
          conditions: { Bool: { 'route53-recovery-cluster:AllowSafetyRulesOverrides': 'true' } },
        }),
      ],
    });

    const databases = this.runtimeFunction('Databases', 'databases.ts', {
      description: 'Runbook databases: starts and tracks Aurora global database failover/switchover',
      // One SSM Lambda step may last 300 s; the step's timeout is this plus a margin, and the handler returns before it.
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.databases),
      environment,
      retention,
      statements: [
        readTopology,
        describeDatabases,
        // Completion is read from the target cluster itself, in its own Region.
        new iam.PolicyStatement({ actions: ['rds:DescribeDBClusters'], resources: memberClusterArns }),
        // Both resource types are required for these actions (service authorization reference).
        new iam.PolicyStatement({
          actions: ['rds:FailoverGlobalCluster', 'rds:SwitchoverGlobalCluster'],
          resources: [...globalClusterArns, ...memberClusterArns],
        }),
      ],
    });

    const report = this.runtimeFunction('Report', 'report.ts', {
      description: 'Runbook report: merges step outputs (no AWS calls)',
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.report),
      environment: {},
      retention,
      statements: [],
    });
    this.functions = { preflight, traffic, databases, report };

    const executionRole = new iam.Role(this, 'AutomationRole', {
      description: `${props.appName} runbooks: SSM Automation execution role`,
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:ssm:${stack.region}:${account}:automation-execution/*` },
        },
      }),
    });
    executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [preflight, traffic, databases, report].map((fn) => fn.functionArn),
      }),
    );
    // Explicit actions instead of grantPublish, whose KMS grant uses wildcard actions.
    for (const topic of [props.notificationTopic, props.approvalNotificationTopic]) {
      if (topic === undefined) {
        continue;
      }
      executionRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
      if (topic.masterKey !== undefined) {
        executionRole.addToPrincipalPolicy(new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [topic.masterKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `sns.${stack.region}.amazonaws.com` } },
        }));
      }
    }
    this.executionRole = executionRole;

    const approval: ApprovalSettings | undefined = props.requireApproval
      ? {
          approvers: props.approvers,
          minRequiredApprovals: props.minRequiredApprovals ?? 1,
          timeoutSeconds: (props.approvalTimeoutMinutes ?? 60) * 60,
          notificationArn: props.approvalNotificationTopic?.topicArn,
        }
      : undefined;
    const options: RunbookDocumentOptions = {
      appName: props.appName,
      regions: props.regions,
      routingMode: props.routingMode,
      executionRoleArn: executionRole.roleArn,
      functions: {
        preflight: preflight.functionName,
        traffic: traffic.functionName,
        databases: databases.functionName,
        report: report.functionName,
      },
      databaseTimeoutMinutes: props.databaseTimeoutMinutes ?? 20,
      approval,
      notificationTopicArn: props.notificationTopic?.topicArn,
    };
    this.document('FailoverDocument', this.documentNames.failover, failoverDocument(options));
    this.document('SwitchoverDocument', this.documentNames.switchover, switchoverDocument(options));
    this.document('FailbackDocument', this.documentNames.failback, failbackDocument(options));
  }

  private document(id: string, name: string, content: AutomationDocument): ssm.CfnDocument {
    return new ssm.CfnDocument(this, id, {
      name,
      documentType: 'Automation',
      documentFormat: 'JSON',
      content,
      // Fixed names: updates must create a new version instead of replacing the document.
      updateMethod: 'NewVersion',
    });
  }

  private runtimeFunction(
    id: string,
    entry: string,
    options: {
      readonly description: string;
      readonly timeout: Duration;
      readonly environment: Record<string, string>;
      readonly retention: logs.RetentionDays;
      readonly statements: readonly iam.PolicyStatement[];
    },
  ): lambda.Function {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: options.retention,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      ...(this.logKey !== undefined ? { encryptionKey: this.logKey } : {}),
    });
    const role = new iam.Role(this, `${id}Role`, {
      description: options.description,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    for (const statement of options.statements) {
      role.addToPolicy(statement);
    }
    // Written by hand instead of AWSLambdaBasicExecutionRole: only this function's log group.
    logGroup.grantWrite(role);
    return platformFunction(this, id, {
      description: options.description,
      entry: path.join(RUNTIME_DIR, entry),
      timeout: options.timeout,
      role,
      logGroup,
      environment: options.environment,
    });
  }
}

/** The topology contract's names unless a prefix is given (the topology must publish the same). */
function documentNamesFor(props: RegionalRunbooksProps): RunbookDocumentNames {
  if (props.documentNamePrefix !== undefined) {
    const prefix = props.documentNamePrefix;
    return { failover: `${prefix}-Failover`, switchover: `${prefix}-Switchover`, failback: `${prefix}-Failback` };
  }
  const names = runbookNames(props.appName);
  return { failover: names.failover, switchover: names.switchover, failback: names.failback };
}

function validateProps(scope: Construct, props: RegionalRunbooksProps): void {
  const errors: string[] = [];
  const region = Stack.of(scope).region;
  if (props.regions.length === 0) errors.push('regions must not be empty');
  if (!Token.isUnresolved(region) && !props.regions.includes(region)) {
    errors.push(`the stack Region ${region} is not one of regions (${props.regions.join(', ')})`);
  }
  for (const name of Object.values(documentNamesFor(props))) {
    if (!DOCUMENT_NAME_PATTERN.test(name)) {
      errors.push(`document name "${name}" must be 3-128 characters of letters, digits, _ . -`);
    }
    // SSM reserves these prefixes for AWS-owned documents.
    if (/^(aws|amazon|amzn)/i.test(name)) {
      errors.push(`document name "${name}" must not start with aws, amazon or amzn`);
    }
  }
  if (props.routingControlArns.length === 0) errors.push('routingControlArns must not be empty');
  for (const db of props.globalDatabases) {
    for (const r of props.regions) {
      if (db.memberClusterArns[r] === undefined) errors.push(`global database ${db.name} has no member cluster ARN for ${r}`);
    }
  }
  if (props.requireApproval) {
    const approvers = props.approvers ?? [];
    const min = props.minRequiredApprovals ?? 1;
    if (approvers.length > 10) errors.push('at most 10 approvers are allowed');
    if (!Number.isInteger(min) || min < 1) errors.push('minRequiredApprovals must be a positive integer');
    if (approvers.length > 0 && min > approvers.length) errors.push('minRequiredApprovals exceeds the number of approvers');
    const topicName = props.approvalNotificationTopic ? knownTopicName(props.approvalNotificationTopic) : undefined;
    if (topicName !== undefined && !topicName.startsWith('Automation')) {
      errors.push(`approvalNotificationTopic "${topicName}" must have a name starting with "Automation" (SSM requirement)`);
    }
  }
  const timeout = props.databaseTimeoutMinutes ?? 20;
  if (!Number.isInteger(timeout) || timeout < 1) errors.push('databaseTimeoutMinutes must be a positive integer');
  if (errors.length > 0) {
    throw new Error(`RegionalRunbooks: ${errors.join('; ')}`);
  }
}

/** The topic's name when known at synth time (imported by ARN, or a named topic in this app). */
function knownTopicName(topic: sns.ITopic): string | undefined {
  if (!Token.isUnresolved(topic.topicName)) return topic.topicName;
  const cfn = topic.node.defaultChild;
  if (cfn instanceof sns.CfnTopic && typeof cfn.topicName === 'string' && !Token.isUnresolved(cfn.topicName)) {
    return cfn.topicName;
  }
  return undefined;
}
