import type { CfnPlan } from 'aws-cdk-lib/aws-arcregionswitch';
import type { ServiceName } from '../config/types';
import type { DatabaseName, RoutingMode } from '../topology/topology';

/**
 * The workflows of one Region switch plan, as pure data so their order can be tested without a
 * stack. They mirror the failover runbook: (approval) → routing controls → both global databases
 * → ECS capacity in the Region being activated. The plan's execution mode chooses the database
 * behaviour: graceful = switchover (no data loss, like `switchover`), ungraceful = failover
 * (like `failover`, loses what had not replicated).
 */

/** Step names, shared with the README, the operator card and the tests. */
export const PLAN_STEP = {
  approve: 'ApproveRegionSwitch',
  traffic: 'SetRoutingControls',
  databases: 'MoveDatabaseWriters',
  capacity: 'ScaleServicesInTarget',
} as const;

/** The execution block types (the `ExecutionBlockType` enum of AWS::ARCRegionSwitch::Plan). */
export const BLOCK = {
  approval: 'ManualApproval',
  routing: 'ARCRoutingControl',
  aurora: 'AuroraGlobalDatabase',
  ecs: 'ECSServiceScaling',
  parallel: 'Parallel',
} as const;

export interface PlanRegion {
  readonly region: string;
  readonly routingControlArn: string;
  /** ECS cluster and service ARNs of the Region's five services. */
  readonly services: Readonly<Record<ServiceName, { readonly clusterArn: string; readonly serviceArn: string }>>;
  /** Member cluster ARNs of the Region, by database. */
  readonly databaseClusterArns: Readonly<Record<DatabaseName, string>>;
}

export interface WorkflowInput {
  /** Exactly two: a Region switch plan spans two Regions. */
  readonly regions: readonly [PlanRegion, PlanRegion];
  readonly routingMode: RoutingMode;
  readonly globalClusterIdentifiers: Readonly<Record<DatabaseName, string>>;
  /** The role whose principals approve executions; undefined = no approval step. */
  readonly approvalRoleArn?: string;
  readonly serviceNames: readonly ServiceName[];
  readonly databaseNames: readonly DatabaseName[];
}

/** Minutes before an unapproved execution gives up: the runbooks' approval waits as long. */
export const APPROVAL_TIMEOUT_MINUTES = 60;
/** A global database switchover/failover normally takes minutes; the runbooks wait 30. */
export const DATABASE_TIMEOUT_MINUTES = 30;
export const ROUTING_TIMEOUT_MINUTES = 10;
export const CAPACITY_TIMEOUT_MINUTES = 30;
/** An ungraceful (failover) execution continues once half the tasks run: customers are already being served. */
export const UNGRACEFUL_CAPACITY_PERCENT = 50;

function approvalStep(roleArn: string): CfnPlan.StepProperty {
  return {
    name: PLAN_STEP.approve,
    description: 'A person with the approver role confirms before any state changes (runbooks.requireApproval in the runbooks).',
    executionBlockType: BLOCK.approval,
    executionBlockConfiguration: { executionApprovalConfig: { approvalRole: roleArn, timeoutMinutes: APPROVAL_TIMEOUT_MINUTES } },
  };
}

function routingStep(input: WorkflowInput, state: 'On' | 'Off'): CfnPlan.StepProperty {
  return {
    name: PLAN_STEP.traffic,
    description: state === 'On'
      ? 'Turn the activated Region\'s routing control On (the safety rule keeps at least one Region On).'
      : 'Turn the deactivated Region\'s routing control Off (the safety rule keeps at least one Region On).',
    executionBlockType: BLOCK.routing,
    executionBlockConfiguration: {
      arcRoutingControlConfig: {
        timeoutMinutes: ROUTING_TIMEOUT_MINUTES,
        regionAndRoutingControls: Object.fromEntries(input.regions.map((plan) => [plan.region, [{ routingControlArn: plan.routingControlArn, state }]])),
      },
    },
  };
}

function databaseStep(input: WorkflowInput): CfnPlan.StepProperty {
  return {
    name: PLAN_STEP.databases,
    description: 'Move the writer of both Aurora global databases: switchover when graceful, failover (data loss) when ungraceful.',
    executionBlockType: BLOCK.parallel,
    executionBlockConfiguration: {
      parallelConfig: {
        steps: input.databaseNames.map((database): CfnPlan.StepProperty => ({
          name: `${PLAN_STEP.databases}-${database}`,
          executionBlockType: BLOCK.aurora,
          executionBlockConfiguration: {
            globalAuroraConfig: {
              globalClusterIdentifier: input.globalClusterIdentifiers[database],
              databaseClusterArns: input.regions.map((plan) => plan.databaseClusterArns[database]),
              behavior: 'switchoverOnly',
              ungraceful: { ungraceful: 'failover' },
              timeoutMinutes: DATABASE_TIMEOUT_MINUTES,
            },
          },
        })),
      },
    },
  };
}

function capacityStep(input: WorkflowInput): CfnPlan.StepProperty {
  return {
    name: PLAN_STEP.capacity,
    description: 'Scale each service in the Region taking the traffic to the task count the other Region ran (highest in 24 hours).',
    executionBlockType: BLOCK.parallel,
    executionBlockConfiguration: {
      parallelConfig: {
        steps: input.serviceNames.map((service): CfnPlan.StepProperty => ({
          name: `${PLAN_STEP.capacity}-${service}`,
          executionBlockType: BLOCK.ecs,
          executionBlockConfiguration: {
            ecsCapacityIncreaseConfig: {
              services: input.regions.map((plan) => ({ clusterArn: plan.services[service].clusterArn, serviceArn: plan.services[service].serviceArn })),
              targetPercent: 100,
              capacityMonitoringApproach: 'sampledMaxInLast24Hours',
              ungraceful: { minimumSuccessPercentage: UNGRACEFUL_CAPACITY_PERCENT },
              timeoutMinutes: CAPACITY_TIMEOUT_MINUTES,
            },
          },
        })),
      },
    },
  };
}

function steps(input: WorkflowInput, state: 'On' | 'Off', moveWriters: boolean): CfnPlan.StepProperty[] {
  return [
    ...(input.approvalRoleArn !== undefined ? [approvalStep(input.approvalRoleArn)] : []),
    routingStep(input, state),
    ...(moveWriters ? [databaseStep(input)] : []),
    capacityStep(input),
  ];
}

/**
 * active-standby → an active/passive plan with one `activate` workflow per Region (failing over
 * *to* that Region). active-active → an active/active plan: `deactivate` takes a Region out of
 * service (its control Off, the writer moved away, the other Region scaled up), `activate`
 * brings it back (control On, capacity); the writer stays where it is, as with `failback`.
 */
export function planWorkflows(input: WorkflowInput): CfnPlan.WorkflowProperty[] {
  if (input.routingMode === 'active-standby') {
    return input.regions.map((target) => ({
      workflowTargetAction: 'activate',
      workflowTargetRegion: target.region,
      workflowDescription: `Fail over or switch over to ${target.region}`,
      steps: steps(input, 'On', true),
    }));
  }
  return [
    { workflowTargetAction: 'deactivate', workflowDescription: 'Take a Region out of service (the other keeps serving)', steps: steps(input, 'Off', true) },
    { workflowTargetAction: 'activate', workflowDescription: 'Return a Region to service', steps: steps(input, 'On', false) },
  ];
}

/** Every unordered pair of Regions, in configuration order: a plan spans exactly two. */
export function regionPairs<T>(regions: readonly T[]): [T, T][] {
  return regions.flatMap((first, index) => regions.slice(index + 1).map((second): [T, T] => [first, second]));
}
