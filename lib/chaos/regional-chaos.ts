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
  /** The subnets the network drill cuts off (the tasks' subnets). */
  readonly applicationSubnets: ec2.SubnetSelection;
  readonly cluster: ecs.ICluster;
  readonly services: Readonly<Record<ServiceName, ecs.FargateService>>;
  /** The carts global table: its replica in this Region is the one whose replication is paused. */
  readonly cartsTableName: string;
  /** This Region's "Region impaired" composite alarm: stops drills that must not impair the Region. */
  readonly regionImpairedAlarm: cloudwatch.IAlarm;
  /** "Another Region fails as seen from here": stops every drill, the surviving Region must stay healthy. */
  readonly peersImpairedAlarm: cloudwatch.IAlarm;
  /** Encrypts the experiment log group; its policy must admit CloudWatch Logs (RegionalKey allowCloudWatchLogs). */
  readonly logKey: kms.IKey;
  /** A value CloudWatch Logs accepts. */
  readonly logRetentionDays: number;
  /** How long the network and replication faults last. @default 10 */
  readonly drillDurationMinutes?: number;
}

/** FIS action ids and target resource types (AWS FIS actions reference). */
export const FIS_ACTIONS = {
  disruptConnectivity: 'aws:network:disrupt-connectivity',
  stopTask: 'aws:ecs:stop-task',
  pauseReplication: 'aws:dynamodb:global-table-pause-replication',
} as const;

export const FIS_TARGET_TYPES = {
  subnet: 'aws:ec2:subnet',
  task: 'aws:ecs:task',
  globalTable: 'aws:dynamodb:global-table',
} as const;

/** The tag FIS puts on the network ACL it creates; the role may modify and delete only ACLs carrying it. */
const FIS_ACL_TAG = 'aws:RequestTag/managedByFIS';
const FIS_ACL_RESOURCE_TAG = 'ec2:ResourceTag/managedByFIS';

type Fault = 'network' | 'replication' | 'tasks';

/**
 * AWS FIS experiment templates that rehearse the loss of this Region:
 *
 * - `region`: the application subnets lose all connectivity and the carts replica stops replicating,
 *   together, for the drill duration: the Region is impaired as a whole.
 * - `network` and `carts-replication`: each fault alone.
 * - `stop-<service>-tasks`: every task of one service is stopped (ECS starts new ones).
 *
 * Targets are explicit: subnet ARNs, the Region's table replica ARN, tasks by cluster and service.
 * Every template stops when another Region fails as seen from here (the Region traffic fails over
 * to must stay healthy); the task drills also stop when this Region is impaired, which a single
 * service's loss must not cause. Each fault kind has its own role with exactly the permissions its
 * FIS action documents; experiments log to an encrypted log group.
 */
export class RegionalChaos extends Construct {
  readonly templates: ReadonlyMap<string, fis.CfnExperimentTemplate>;
  readonly logGroup: logs.LogGroup;

  private readonly props: RegionalChaosProps;
  private readonly roles = new Map<string, iam.Role>();

  constructor(scope: Construct, id: string, props: RegionalChaosProps) {
    super(scope, id);
    const stackRegion = Stack.of(this).region;
    if (!Token.isUnresolved(stackRegion) && stackRegion !== props.region) {
      throw new Error(`RegionalChaos: region ${props.region} is not the stack's Region ${stackRegion}`);
    }
    const minutes = props.drillDurationMinutes ?? 10;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60) {
      throw new Error(`RegionalChaos: drillDurationMinutes must be an integer from 1 to 60, got ${minutes}`);
    }
    this.props = props;

    this.logGroup = new logs.LogGroup(this, 'ExperimentLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const duration = `PT${minutes}M`;
    const subnets = this.subnetTarget();
    const table = this.tableTarget();
    const network = { disruptConnectivity: this.networkAction(duration) };
    const replication = { pauseReplication: this.replicationAction(duration) };
    const templates = new Map<string, fis.CfnExperimentTemplate>();

    templates.set('region', this.template('Region', 'region', `Region ${props.region} impaired: application subnets cut off and carts replication paused for ${minutes} min`, ['network', 'replication'], {
      targets: { subnets, table },
      actions: { ...network, ...replication },
      stopOn: [props.peersImpairedAlarm],
    }));
    templates.set('network', this.template('Network', 'network', `Application subnets of ${props.region} lose all connectivity for ${minutes} min`, ['network'], {
      targets: { subnets },
      actions: network,
      stopOn: [props.peersImpairedAlarm],
    }));
    templates.set('carts-replication', this.template('CartsReplication', 'carts-replication', `Carts replica in ${props.region} stops replicating for ${minutes} min`, ['replication'], {
      targets: { table },
      actions: replication,
      stopOn: [props.peersImpairedAlarm],
    }));
    for (const service of SERVICE_NAMES) {
      templates.set(`stop-${service}-tasks`, this.template(`Stop${capitalize(service)}Tasks`, `stop-${service}-tasks`, `Every ${service} task in ${props.region} is stopped`, ['tasks'], {
        targets: { tasks: this.taskTarget(service) },
        actions: { stopTasks: { actionId: FIS_ACTIONS.stopTask, description: `Stop every ${service} task`, targets: { Tasks: 'tasks' } } },
        stopOn: [props.regionImpairedAlarm, props.peersImpairedAlarm],
      }));
    }
    this.templates = templates;
  }

  private subnetTarget(): fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty {
    const { subnetIds } = this.props.vpc.selectSubnets(this.props.applicationSubnets);
    return { resourceType: FIS_TARGET_TYPES.subnet, resourceArns: subnetIds.map((id) => this.subnetArn(id)), selectionMode: 'ALL' };
  }

  private tableTarget(): fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty {
    return { resourceType: FIS_TARGET_TYPES.globalTable, resourceArns: [this.tableArn()], selectionMode: 'ALL' };
  }

  private taskTarget(service: ServiceName): fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty {
    return {
      resourceType: FIS_TARGET_TYPES.task,
      parameters: { cluster: this.props.cluster.clusterName, service: this.props.services[service].serviceName },
      selectionMode: 'ALL',
    };
  }

  private networkAction(duration: string): fis.CfnExperimentTemplate.ExperimentTemplateActionProperty {
    return {
      actionId: FIS_ACTIONS.disruptConnectivity,
      description: 'Deny all traffic in and out of the application subnets (a network ACL FIS creates and removes)',
      parameters: { duration, scope: 'all' },
      targets: { Subnets: 'subnets' },
    };
  }

  private replicationAction(duration: string): fis.CfnExperimentTemplate.ExperimentTemplateActionProperty {
    return {
      actionId: FIS_ACTIONS.pauseReplication,
      description: 'Pause replication into and out of this Region\'s carts replica',
      parameters: { duration },
      targets: { Tables: 'table' },
    };
  }

  private template(
    id: string,
    name: string,
    description: string,
    faults: readonly Fault[],
    spec: {
      readonly targets: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty>;
      readonly actions: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateActionProperty>;
      readonly stopOn: readonly cloudwatch.IAlarm[];
    },
  ): fis.CfnExperimentTemplate {
    return new fis.CfnExperimentTemplate(this, id, {
      description,
      roleArn: this.role(faults).roleArn,
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

  /** One role per combination of faults, shared by the templates that inject exactly those. */
  private role(faults: readonly Fault[]): iam.Role {
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
    const networkAcls = `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:network-acl/*`;
    const tasks = `arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:task/${this.props.cluster.clusterName}/*`;

    if (faults.includes('network')) {
      const subnetArns = this.props.vpc.selectSubnets(this.props.applicationSubnets).subnetIds.map((id) => this.subnetArn(id));
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
        sid: 'SwapNetworkAclOfTheApplicationSubnets',
        actions: ['ec2:ReplaceNetworkAclAssociation'],
        resources: [...subnetArns, networkAcls],
      }));
      for (const action of ['ec2:DescribeNetworkAcls', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs']) {
        unscoped.add(action);
      }
      acknowledgements.push({
        resource: networkAcls,
        reason: 'FIS creates the network ACL during the experiment, so its ID is unknown; creation, entries and deletion require the managedByFIS tag, and association changes are limited to the application subnets.',
      });
    }
    if (faults.includes('replication')) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'PauseReplicationOfThisReplica',
        actions: ['dynamodb:PutResourcePolicy', 'dynamodb:DeleteResourcePolicy', 'dynamodb:GetResourcePolicy', 'dynamodb:DescribeTable'],
        resources: [this.tableArn()],
      }));
      unscoped.add('tag:GetResources');
    }
    if (faults.includes('tasks')) {
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
      reason: 'Only actions without resource-level permissions: EC2 Describe calls, tag:GetResources, the CloudWatch Logs delivery calls FIS makes for experiment logging, and ecs:ListTasks (limited to this cluster by condition).',
    });
    acknowledgeWildcardResources(role, acknowledgements);
    this.roles.set(key, role);
    return role;
  }
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
