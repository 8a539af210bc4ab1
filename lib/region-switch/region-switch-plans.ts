import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as arcregionswitch from 'aws-cdk-lib/aws-arcregionswitch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { APPROVER_PATTERN } from '../config/resolve';
import type { ServiceName } from '../config/types';
import { globalClusterIdentifier, memberClusterIdentifier } from '../data/engines';
import { acknowledgeWildcardResources } from '../observability/nag';
import { alarmName, regionCode } from '../observability/names';
import type { DatabaseName, RoutingMode } from '../topology/topology';
import { planWorkflows, regionPairs, type PlanRegion } from './workflows';

export interface RegionSwitchService {
  readonly clusterArn: string;
  readonly serviceArn: string;
}

export interface RegionSwitchRegion {
  readonly region: string;
  readonly routingControlArn: string;
  readonly services: Readonly<Record<ServiceName, RegionSwitchService>>;
}

export interface RegionSwitchPlansProps {
  readonly appName: string;
  /** In configuration order; one plan per pair. */
  readonly regions: readonly RegionSwitchRegion[];
  readonly primaryRegion: string;
  readonly routingMode: RoutingMode;
  readonly clusterArn: string;
  readonly controlPanelArn: string;
  readonly serviceNames: readonly ServiceName[];
  readonly databaseNames: readonly DatabaseName[];
  /** An execution approval step first in every workflow, approved through the approver role. */
  readonly approval: boolean;
  /**
   * Who may assume the approver role (with `approval`: 1 to 10, the runbooks' `runbooks.approvers`):
   * IAM user names of this account, or IAM user or role ARNs. The role's trust policy admits exactly these.
   */
  readonly approvers: readonly string[];
  readonly reportRetentionDays: number;
}

/** `<app>-use1-usw2`: at most 20 + 1 + 5 + 1 + 5 = 32 characters, the plan name limit. */
export function planName(appName: string, first: string, second: string): string {
  return `${appName}-${regionCode(first)}-${regionCode(second)}`;
}

/**
 * ARC Region switch plans for the platform: one per pair of Regions (a plan spans exactly two),
 * each with the workflows of `planWorkflows`, the Regions' "Region impaired" alarms as application
 * health, and reports written to a bucket of this stack. The execution role can change only these
 * routing controls, global databases and services.
 */
export class RegionSwitchPlans extends Construct {
  readonly plans: ReadonlyMap<string, arcregionswitch.CfnPlan>;
  readonly executionRole: iam.Role;
  readonly approverRole?: iam.Role;
  readonly reportBucket: s3.Bucket;

  constructor(scope: Construct, id: string, private readonly props: RegionSwitchPlansProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.reportBucket = this.createReportBucket();
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('arc-region-switch.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `${props.appName}: Region switch plans change routing controls, global databases and ECS services`,
    });
    this.grantExecution();
    if (props.approval) {
      this.approverRole = this.createApproverRole(this.approverPrincipals());
    } else if (props.approvers.length > 0) {
      throw new Error(`RegionSwitchPlans: approvers (${props.approvers.join(', ')}) are only used with approval true`);
    }

    const plans = new Map<string, arcregionswitch.CfnPlan>();
    for (const [first, second] of regionPairs(props.regions)) {
      const name = planName(props.appName, first.region, second.region);
      const plan = new arcregionswitch.CfnPlan(this, `Plan-${first.region}-${second.region}`, {
        name,
        description: `${props.appName}: switch between ${first.region} and ${second.region} (the managed counterpart of the failover and switchover runbooks)`,
        regions: [first.region, second.region],
        ...(props.routingMode === 'active-standby'
          ? { recoveryApproach: 'activePassive', primaryRegion: [first.region, second.region].includes(props.primaryRegion) ? props.primaryRegion : first.region }
          : { recoveryApproach: 'activeActive' }),
        executionRole: this.executionRole.roleArn,
        workflows: planWorkflows({
          regions: [this.planRegion(first), this.planRegion(second)],
          routingMode: props.routingMode,
          globalClusterIdentifiers: this.byDatabase((database) => globalClusterIdentifier(props.appName, database)),
          serviceNames: props.serviceNames,
          databaseNames: props.databaseNames,
          ...(this.approverRole !== undefined ? { approvalRoleArn: this.approverRole.roleArn } : {}),
        }),
        associatedAlarms: Object.fromEntries([first, second].map((entry) => [
          alarmName(props.appName, entry.region, 'region-impaired'),
          { alarmType: 'applicationHealth', resourceIdentifier: this.alarmArn(entry.region) },
        ])),
        reportConfiguration: {
          reportOutput: [{ s3Configuration: { bucketPath: `${this.reportBucket.bucketName}/${name}`, bucketOwner: stack.account } }],
        },
      });
      // The service evaluates the plan against its role on creation: the grants come first.
      plan.node.addDependency(this.executionRole);
      plans.set(name, plan);
    }
    this.plans = plans;
  }

  private byDatabase(value: (database: DatabaseName) => string): Record<DatabaseName, string> {
    return Object.fromEntries(this.props.databaseNames.map((database) => [database, value(database)])) as Record<DatabaseName, string>;
  }

  private planRegion(entry: RegionSwitchRegion): PlanRegion {
    return {
      region: entry.region,
      routingControlArn: entry.routingControlArn,
      services: entry.services,
      databaseClusterArns: this.byDatabase((database) => this.memberClusterArn(database, entry.region)),
    };
  }

  private memberClusterArn(database: DatabaseName, region: string): string {
    return Stack.of(this).formatArn({ service: 'rds', region, resource: 'cluster', resourceName: memberClusterIdentifier(this.props.appName, database, region), arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  private globalClusterArn(database: DatabaseName): string {
    return Stack.of(this).formatArn({ service: 'rds', region: '', resource: 'global-cluster', resourceName: globalClusterIdentifier(this.props.appName, database), arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  private alarmArn(region: string): string {
    return Stack.of(this).formatArn({ service: 'cloudwatch', region, resource: 'alarm', resourceName: alarmName(this.props.appName, region, 'region-impaired'), arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  private planArnPattern(): string {
    return Stack.of(this).formatArn({ service: 'arc-region-switch', region: '', resource: 'plan', resourceName: `${this.props.appName}-*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  }

  private createReportBucket(): s3.Bucket {
    const bucket = new s3.Bucket(this, 'Reports', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Execution reports are audit evidence: kept when the stack goes, expired by the lifecycle.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      lifecycleRules: [{
        expiration: Duration.days(this.props.reportRetentionDays),
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Only the Region switch service writes here (one report per plan execution); who reads the reports is visible in CloudTrail, and access logs would need a second bucket for a handful of objects.',
    });
    return bucket;
  }

  /** Least privilege: only this platform's routing controls, global databases, services and alarms. */
  private grantExecution(): void {
    const { regions, databaseNames } = this.props;
    const role = this.executionRole;
    const routingControls = regions.map((entry) => entry.routingControlArn);
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'RoutingControls',
      actions: ['route53-recovery-cluster:GetRoutingControlState', 'route53-recovery-cluster:UpdateRoutingControlState', 'route53-recovery-cluster:UpdateRoutingControlStates'],
      resources: routingControls,
    }));
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'RoutingControlConfiguration',
      actions: ['route53-recovery-control-config:DescribeCluster', 'route53-recovery-control-config:DescribeControlPanel', 'route53-recovery-control-config:DescribeRoutingControl'],
      resources: [this.props.clusterArn, this.props.controlPanelArn, ...routingControls],
    }));
    const memberClusters = databaseNames.flatMap((database) => regions.map((entry) => this.memberClusterArn(database, entry.region)));
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'GlobalDatabases',
      actions: ['rds:DescribeGlobalClusters', 'rds:SwitchoverGlobalCluster', 'rds:FailoverGlobalCluster'],
      resources: [...databaseNames.map((database) => this.globalClusterArn(database)), ...memberClusters],
    }));
    role.addToPolicy(new iam.PolicyStatement({ sid: 'DatabaseMembers', actions: ['rds:DescribeDBClusters'], resources: memberClusters }));
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'Services',
      actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
      resources: regions.flatMap((entry) => this.props.serviceNames.map((service) => entry.services[service].serviceArn)),
    }));
    // Application Auto Scaling names scalable targets by random ids: no narrower resource exists.
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'ServiceScalingTargets',
      actions: ['application-autoscaling:DescribeScalableTargets', 'application-autoscaling:RegisterScalableTarget'],
      resources: ['*'],
    }));
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'ApplicationHealthAlarms',
      actions: ['cloudwatch:DescribeAlarms'],
      resources: regions.map((entry) => this.alarmArn(entry.region)),
    }));
    const reports = this.reportBucket.arnForObjects(`${this.props.appName}-*`);
    role.addToPolicy(new iam.PolicyStatement({ sid: 'Reports', actions: ['s3:PutObject'], resources: [reports] }));
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy === undefined) {
      throw new Error('RegionSwitchPlans: the execution role has no default policy');
    }
    acknowledgeWildcardResources(policy, [
      { resource: '*', reason: 'Application Auto Scaling offers no resource-level permission for DescribeScalableTargets, and scalable target ARNs are random ids unknown at synth time; the role has no other use.' },
      { resource: reports, reason: 'Each execution writes a new report object under its plan\'s prefix of this stack\'s own bucket.' },
    ]);
  }

  /** The configured approvers as principals: user names become user ARNs of this account. */
  private approverPrincipals(): iam.IPrincipal[] {
    const { approvers } = this.props;
    const invalid = approvers.filter((approver) => !APPROVER_PATTERN.test(approver));
    const problems = [
      ...(approvers.length === 0 || approvers.length > 10 ? [`approvers: ${approvers.length} given, 1 to 10 allowed (approval is true)`] : []),
      ...invalid.map((approver) => `approvers: "${approver}" is neither an IAM user name nor an IAM user or role ARN`),
    ];
    if (problems.length > 0) {
      throw new Error(`RegionSwitchPlans: ${problems.join('; ')}`);
    }
    return approvers.map((approver) => new iam.ArnPrincipal(approver.startsWith('arn:')
      ? approver
      : Stack.of(this).formatArn({ service: 'iam', region: '', resource: 'user', resourceName: approver, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })));
  }

  /** Only the configured approvers (the runbooks' approvers) may assume this role and approve executions of these plans. */
  private createApproverRole(approvers: readonly iam.IPrincipal[]): iam.Role {
    const role = new iam.Role(this, 'ApproverRole', {
      assumedBy: new iam.CompositePrincipal(...approvers),
      description: `${this.props.appName}: approves Region switch plan executions (the approval step)`,
      maxSessionDuration: Duration.hours(1),
    });
    const plans = this.planArnPattern();
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'ApprovePlanExecutions',
      actions: ['arc-region-switch:ApprovePlanExecutionStep', 'arc-region-switch:GetPlan', 'arc-region-switch:GetPlanExecution', 'arc-region-switch:ListPlanExecutionEvents'],
      resources: [plans],
    }));
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy !== undefined) {
      acknowledgeWildcardResources(policy, [
        { resource: plans, reason: 'Plan ARNs end in a suffix the service chooses at creation; the pattern admits only this platform\'s plans (named after the application).' },
      ]);
    }
    return role;
  }
}
