import { Aws, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as fis from 'aws-cdk-lib/aws-fis';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SERVICE_NAMES, type ServiceName } from '../config/types';
import { acknowledgeWildcardResources } from '../observability/nag';

export interface RegionalChaosProps {
  readonly appName: string;
  /** This stack's Region. */
  readonly region: string;
  readonly vpc: ec2.IVpc;
  /** The tasks' subnets. */
  readonly applicationSubnets: ec2.SubnetSelection;
  /** The databases', cache's and broker's subnets: the lose-writer drill cuts them too. */
  readonly dataSubnets: ec2.SubnetSelection;
  readonly cluster: ecs.ICluster;
  readonly services: Readonly<Record<ServiceName, ecs.FargateService>>;
  /** The carts global table: its replica in this Region is the one whose replication is paused. */
  readonly cartsTableName: string;
  /** Identifiers of this Region's Aurora instances (both global databases' members): rebooted by the lose-writer drill. */
  readonly databaseInstanceIds: readonly string[];
  /** This Region's "Region impaired" composite alarm: stops the drills that must not impair the Region. */
  readonly regionImpairedAlarm: cloudwatch.IAlarm;
  /** "Another Region's read path fails as seen from here": stops the drills that take this Region down. */
  readonly peersImpairedAlarm: cloudwatch.IAlarm;
  /**
   * Minutes the stop-condition alarms need to fire (two canary runs): the task drills observe this
   * long between their waves, and the Region drills last at least this long plus the time to fail over.
   */
  readonly detectionMinutes: number;
  /** Encrypts the experiment log group; its policy must admit CloudWatch Logs (RegionalKey allowCloudWatchLogs). */
  readonly logKey: kms.IKey;
  /** A value CloudWatch Logs accepts. */
  readonly logRetentionDays: number;
  /** How long the network and replication faults last. @default max(30, detectionMinutes + 20) */
  readonly drillDurationMinutes?: number;
}

/** FIS action ids (AWS FIS actions reference). */
export const FIS_ACTIONS = {
  disruptConnectivity: 'aws:network:disrupt-connectivity',
  stopTask: 'aws:ecs:stop-task',
  pauseReplication: 'aws:dynamodb:global-table-pause-replication',
  rebootDbInstances: 'aws:rds:reboot-db-instances',
  wait: 'aws:fis:wait',
} as const;

/** FIS target resource types (AWS FIS targets reference). */
export const FIS_TARGET_TYPES = {
  subnet: 'aws:ec2:subnet',
  task: 'aws:ecs:task',
  globalTable: 'aws:dynamodb:global-table',
  dbInstance: 'aws:rds:db',
} as const;

/** Actions that act once and end at once: a stop condition cannot interrupt them, only what follows them. */
export const INSTANT_ACTIONS: ReadonlySet<string> = new Set([FIS_ACTIONS.stopTask, FIS_ACTIONS.rebootDbInstances]);

/** Time for the failover runbook to run after detection, on top of the detection time. */
const FAILOVER_ALLOWANCE_MINUTES = 20;
const MINIMUM_DRILL_MINUTES = 30;
const MAXIMUM_DRILL_MINUTES = 12 * 60;

/** The tag FIS puts on the network ACL it creates; the role may modify and delete only ACLs carrying it. */
const FIS_ACL_TAG = 'aws:RequestTag/managedByFIS';
const FIS_ACL_RESOURCE_TAG = 'ec2:ResourceTag/managedByFIS';

type Fault = 'network' | 'replication' | 'database' | 'tasks';

interface TemplateSpec {
  readonly targets: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty>;
  readonly actions: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateActionProperty>;
  readonly stopOn: readonly cloudwatch.IAlarm[];
  /** The subnets the template cuts (its role may swap the network ACLs of exactly these). */
  readonly subnetIds?: readonly string[];
}

/**
 * AWS FIS experiment templates that rehearse what the runbooks are for:
 *
 * - `lose-writer`: the Region as a whole, writer included. The application AND data subnets lose
 *   all connectivity (Aurora, the cache and the broker become unreachable, from this Region and over
 *   the peering), this Region's Aurora instances reboot (FIS has no Aurora global-database action;
 *   `aws:rds:failover-db-cluster` needs a reader, which dev members lack), and the carts replica
 *   stops replicating. Run it in the writer's Region: every Region's writer-health fires, this
 *   Region's region-impaired fires, and the operator rehearses `failover --to <other Region>`.
 * - `lose-application-tier`: only the application subnets: the Region is impaired but the writer is
 *   healthy: the operator rehearses the switchover decision.
 * - `carts-replication`: the carts replica stops replicating; the Region keeps serving.
 * - `stop-<service>-tasks`: one task of the service is stopped, the drill observes for the
 *   detection time, then every other task that was running when it started is stopped. The stop
 *   condition can end the drill between the waves: a stop condition cannot undo an instant action.
 *
 * Stop conditions fire during the faults: the Region drills stop when the Region traffic would move
 * to fails as seen from here (peer-region-unreachable; so they cannot start in a one-Region
 * deployment, where there is nowhere to fail over to); the others stop when this Region becomes
 * impaired, and do not depend on other Regions being deployed. Targets are explicit ARNs or the
 * cluster and service; each fault combination has its own role with exactly what its FIS actions
 * document; experiments log to an encrypted log group.
 */
export class RegionalChaos extends Construct {
  /** Templates by name (`lose-writer`, `lose-application-tier`, `carts-replication`, `stop-<service>-tasks`). */
  readonly templates: ReadonlyMap<string, fis.CfnExperimentTemplate>;
  readonly logGroup: logs.LogGroup;
  /** How long the network and replication faults last. */
  readonly drillDurationMinutes: number;

  private readonly props: RegionalChaosProps;
  private readonly roles = new Map<string, iam.Role>();

  constructor(scope: Construct, id: string, props: RegionalChaosProps) {
    super(scope, id);
    this.props = props;
    this.drillDurationMinutes = props.drillDurationMinutes ?? Math.max(MINIMUM_DRILL_MINUTES, props.detectionMinutes + FAILOVER_ALLOWANCE_MINUTES);
    validate(this, props, this.drillDurationMinutes);

    this.logGroup = new logs.LogGroup(this, 'ExperimentLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    const templates = new Map<string, fis.CfnExperimentTemplate>();
    templates.set('lose-writer', this.loseWriter());
    templates.set('lose-application-tier', this.loseApplicationTier());
    templates.set('carts-replication', this.template('CartsReplication', 'carts-replication', `Carts replica in ${props.region} stops replicating for ${this.drillDurationMinutes} min`, ['replication'], {
      targets: { table: this.tableTarget() },
      actions: { pauseCartsReplication: this.replicationAction() },
      stopOn: [props.regionImpairedAlarm],
    }));
    for (const service of SERVICE_NAMES) {
      templates.set(`stop-${service}-tasks`, this.stopTasks(service));
    }
    this.templates = templates;
  }

  private loseWriter(): fis.CfnExperimentTemplate {
    const { region } = this.props;
    const applicationSubnetIds = this.subnetIds(this.props.applicationSubnets);
    const dataSubnetIds = this.subnetIds(this.props.dataSubnets);
    return this.template('LoseWriter', 'lose-writer',
      `Lose ${region} with the writer: application and data subnets cut and carts replication paused for ${this.drillDurationMinutes} min, Aurora instances rebooted`,
      ['network', 'replication', 'database'], {
        targets: {
          applicationSubnets: this.subnetTarget(applicationSubnetIds),
          dataSubnets: this.subnetTarget(dataSubnetIds),
          table: this.tableTarget(),
          databaseInstances: {
            resourceType: FIS_TARGET_TYPES.dbInstance,
            resourceArns: this.props.databaseInstanceIds.map((instance) => this.databaseInstanceArn(instance)),
            selectionMode: 'ALL',
          },
        },
        actions: {
          cutApplicationSubnets: this.networkAction('Deny all traffic in and out of the application subnets', 'applicationSubnets'),
          cutDataSubnets: this.networkAction('Deny all traffic in and out of the data subnets: Aurora, the cache and the broker become unreachable', 'dataSubnets'),
          pauseCartsReplication: this.replicationAction(),
          rebootDatabaseInstances: {
            actionId: FIS_ACTIONS.rebootDbInstances,
            description: 'Reboot this Region\'s Aurora instances: open connections to the writer drop',
            targets: { DBInstances: 'databaseInstances' },
          },
        },
        stopOn: [this.props.peersImpairedAlarm],
        subnetIds: [...applicationSubnetIds, ...dataSubnetIds],
      });
  }

  private loseApplicationTier(): fis.CfnExperimentTemplate {
    const subnetIds = this.subnetIds(this.props.applicationSubnets);
    return this.template('LoseApplicationTier', 'lose-application-tier',
      `Application subnets of ${this.props.region} lose all connectivity for ${this.drillDurationMinutes} min; the data tier stays up`,
      ['network'], {
        targets: { applicationSubnets: this.subnetTarget(subnetIds) },
        actions: { cutApplicationSubnets: this.networkAction('Deny all traffic in and out of the application subnets', 'applicationSubnets') },
        stopOn: [this.props.peersImpairedAlarm],
        subnetIds,
      });
  }

  /** Two waves with an observation window between them, in which the stop condition can end the drill. */
  private stopTasks(service: ServiceName): fis.CfnExperimentTemplate {
    const target = (selectionMode: string): fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty => ({
      resourceType: FIS_TARGET_TYPES.task,
      parameters: { cluster: this.props.cluster.clusterName, service: this.props.services[service].serviceName },
      selectionMode,
    });
    return this.template(`Stop${capitalize(service)}Tasks`, `stop-${service}-tasks`,
      `${service} in ${this.props.region}: one task stopped, ${this.props.detectionMinutes} min observed, then every other task stopped`,
      ['tasks'], {
        // FIS resolves both targets when the experiment starts: the second wave stops the tasks
        // running then, not the replacement ECS started during the observation.
        targets: { oneTask: target('COUNT(1)'), allTasks: target('ALL') },
        actions: {
          stopOneTask: { actionId: FIS_ACTIONS.stopTask, description: `Stop one ${service} task`, targets: { Tasks: 'oneTask' } },
          observe: {
            actionId: FIS_ACTIONS.wait,
            description: 'Watch the Region while ECS replaces the task; region-impaired ends the drill here',
            parameters: { duration: `PT${this.props.detectionMinutes}M` },
            startAfter: ['stopOneTask'],
          },
          stopOtherTasks: { actionId: FIS_ACTIONS.stopTask, description: `Stop every other ${service} task`, targets: { Tasks: 'allTasks' }, startAfter: ['observe'] },
        },
        stopOn: [this.props.regionImpairedAlarm],
      });
  }

  private subnetIds(selection: ec2.SubnetSelection): string[] {
    return this.props.vpc.selectSubnets(selection).subnetIds;
  }

  private subnetTarget(subnetIds: readonly string[]): fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty {
    return { resourceType: FIS_TARGET_TYPES.subnet, resourceArns: subnetIds.map((subnetId) => this.subnetArn(subnetId)), selectionMode: 'ALL' };
  }

  private tableTarget(): fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty {
    return { resourceType: FIS_TARGET_TYPES.globalTable, resourceArns: [this.tableArn()], selectionMode: 'ALL' };
  }

  private networkAction(description: string, target: string): fis.CfnExperimentTemplate.ExperimentTemplateActionProperty {
    return {
      actionId: FIS_ACTIONS.disruptConnectivity,
      description: `${description} (a network ACL FIS creates and removes)`,
      parameters: { duration: `PT${this.drillDurationMinutes}M`, scope: 'all' },
      targets: { Subnets: target },
    };
  }

  private replicationAction(): fis.CfnExperimentTemplate.ExperimentTemplateActionProperty {
    return {
      actionId: FIS_ACTIONS.pauseReplication,
      description: 'Pause replication into and out of this Region\'s carts replica',
      parameters: { duration: `PT${this.drillDurationMinutes}M` },
      targets: { Tables: 'table' },
    };
  }

  private template(id: string, name: string, description: string, faults: readonly Fault[], spec: TemplateSpec): fis.CfnExperimentTemplate {
    return new fis.CfnExperimentTemplate(this, id, {
      description,
      roleArn: this.role(faults, spec.subnetIds ?? []).roleArn,
      targets: spec.targets,
      actions: spec.actions,
      stopConditions: spec.stopOn.map((alarm) => ({ source: 'aws:cloudwatch:alarm', value: alarm.alarmArn })),
      // A target that resolves to nothing (a service scaled to zero, a renamed table) fails the
      // experiment instead of letting it "succeed" without injecting anything.
      experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'fail' },
      logConfiguration: { cloudWatchLogsConfiguration: { LogGroupArn: this.logGroup.logGroupArn }, logSchemaVersion: 2 },
      tags: { Name: `${this.props.appName}-${this.props.region}-${name}` },
    });
  }

  private subnetArn(subnetId: string): string {
    return `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:subnet/${subnetId}`;
  }

  private tableArn(): string {
    return `arn:${Aws.PARTITION}:dynamodb:${Aws.REGION}:${Aws.ACCOUNT_ID}:table/${this.props.cartsTableName}`;
  }

  private databaseInstanceArn(instanceId: string): string {
    return `arn:${Aws.PARTITION}:rds:${Aws.REGION}:${Aws.ACCOUNT_ID}:db:${instanceId}`;
  }

  /** One role per combination of faults, shared by the templates that inject exactly those. */
  private role(faults: readonly Fault[], subnetIds: readonly string[]): iam.Role {
    const key = faults.join('+');
    const existing = this.roles.get(key);
    if (existing !== undefined) {
      return existing;
    }
    const stack = Stack.of(this);
    const role = new iam.Role(this, `Role-${faults.map(capitalize).join('')}`, {
      description: `FIS experiments in ${this.props.region}: ${faults.join(', ')}`,
      assumedBy: new iam.ServicePrincipal('fis.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:fis:${this.props.region}:${stack.account}:experiment/*` },
        },
      }),
    });
    const unscoped = new Set<string>([
      // Experiment logging (FIS creates a log delivery to the group).
      'logs:CreateLogDelivery',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ]);
    const acknowledgements: { resource: string; reason: string }[] = [];
    if (faults.includes('network')) {
      this.grantNetwork(role, subnetIds, unscoped, acknowledgements);
    }
    if (faults.includes('replication')) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'PauseReplicationOfThisReplica',
        actions: ['dynamodb:PutResourcePolicy', 'dynamodb:DeleteResourcePolicy', 'dynamodb:GetResourcePolicy', 'dynamodb:DescribeTable'],
        resources: [this.tableArn()],
      }));
      unscoped.add('tag:GetResources');
    }
    if (faults.includes('database')) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'RebootThisRegionsAuroraInstances',
        actions: ['rds:RebootDBInstance'],
        resources: this.props.databaseInstanceIds.map((instance) => this.databaseInstanceArn(instance)),
      }));
      unscoped.add('rds:DescribeDBInstances');
      unscoped.add('tag:GetResources');
    }
    if (faults.includes('tasks')) {
      const tasks = `arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:task/${this.props.cluster.clusterName}/*`;
      const inCluster = { ArnEquals: { 'ecs:cluster': this.props.cluster.clusterArn } };
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'StopTasksOfTheCluster', actions: ['ecs:DescribeTasks', 'ecs:StopTask'], resources: [tasks], conditions: inCluster }));
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ListTasksOfTheCluster', actions: ['ecs:ListTasks'], resources: ['*'], conditions: inCluster }));
      unscoped.add('tag:GetResources');
      acknowledgements.push({
        resource: tasks,
        reason: 'Task IDs change with every deployment; stopping is limited to tasks of this cluster (ARN prefix and ecs:cluster condition), and FIS selects only the drilled service\'s tasks.',
      });
    }
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'NoResourceLevelPermissions', actions: [...unscoped].sort(), resources: ['*'] }));
    acknowledgements.push({
      resource: '*',
      reason: 'Only read calls and calls without resource-level permissions: EC2 and RDS Describe calls, tag:GetResources, the CloudWatch Logs delivery calls FIS makes for experiment logging, and ecs:ListTasks (limited to this cluster by condition).',
    });
    acknowledgeWildcardResources(role, acknowledgements);
    this.roles.set(key, role);
    return role;
  }

  /** aws:network:disrupt-connectivity: a tagged network ACL swapped onto exactly the drilled subnets. */
  private grantNetwork(role: iam.Role, subnetIds: readonly string[], unscoped: Set<string>, acknowledgements: { resource: string; reason: string }[]): void {
    const networkAcls = `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:network-acl/*`;
    const vpcArn = `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:vpc/${this.props.vpc.vpcId}`;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'CreateTaggedNetworkAcl',
      actions: ['ec2:CreateNetworkAcl'],
      resources: [networkAcls],
      conditions: { StringEquals: { [FIS_ACL_TAG]: 'true' } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'CreateNetworkAclInTheVpc', actions: ['ec2:CreateNetworkAcl'], resources: [vpcArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TagTheNewNetworkAcl',
      actions: ['ec2:CreateTags'],
      resources: [networkAcls],
      conditions: { StringEquals: { 'ec2:CreateAction': 'CreateNetworkAcl', [FIS_ACL_TAG]: 'true' } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'FillAndDeleteOnlyFisNetworkAcls',
      actions: ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAcl'],
      resources: [networkAcls],
      conditions: { StringEquals: { [FIS_ACL_RESOURCE_TAG]: 'true' } },
    }));
    // Swapping in the FIS ACL and back to the original one: the original carries no FIS tag.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'SwapNetworkAclOfTheDrilledSubnets',
      actions: ['ec2:ReplaceNetworkAclAssociation'],
      resources: [...subnetIds.map((subnetId) => this.subnetArn(subnetId)), networkAcls],
    }));
    for (const action of ['ec2:DescribeNetworkAcls', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs']) {
      unscoped.add(action);
    }
    acknowledgements.push({
      resource: networkAcls,
      reason: 'FIS creates the network ACL during the experiment, so its ID is unknown; creation, entries and deletion require the managedByFIS tag, and association changes are limited to the drilled subnets.',
    });
  }
}

function validate(scope: Construct, props: RegionalChaosProps, drillMinutes: number): void {
  const errors: string[] = [];
  const stackRegion = Stack.of(scope).region;
  if (!Token.isUnresolved(stackRegion) && stackRegion !== props.region) {
    errors.push(`region ${props.region} is not the stack's Region ${stackRegion}`);
  }
  if (!Number.isInteger(props.detectionMinutes) || props.detectionMinutes < 1 || props.detectionMinutes > 120) {
    errors.push(`detectionMinutes must be an integer from 1 to 120, got ${props.detectionMinutes}`);
  }
  if (!Number.isInteger(drillMinutes) || drillMinutes < props.detectionMinutes || drillMinutes > MAXIMUM_DRILL_MINUTES) {
    errors.push(`drillDurationMinutes must be an integer from detectionMinutes (${props.detectionMinutes}, so the stop conditions can fire during the faults) to ${MAXIMUM_DRILL_MINUTES}, got ${drillMinutes}`);
  }
  if (props.databaseInstanceIds.length === 0) {
    errors.push('databaseInstanceIds must name at least one Aurora instance of this Region');
  }
  if (errors.length > 0) {
    throw new Error(`RegionalChaos: ${errors.join('; ')}`);
  }
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
