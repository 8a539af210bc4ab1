import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { SERVICE_NAMES, type ServiceName, type ServiceSizing } from '../config/types';
import type { EventPlan } from './plan';
import type { PlannedDatabase } from './throughput';

export interface PlannedServerlessDatabase {
  readonly name: PlannedDatabase;
  readonly clusterIdentifier: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
}

/** One-time schedules (App Auto Scaling and EventBridge Scheduler): `at(yyyy-mm-ddThh:mm:ss)`, UTC. */
function at(when: Date): string {
  return when.toISOString().slice(0, 19);
}

/** A provisioned member whose readers the plan raises (only the global database's primary member). */
export interface PlannedReaderScaling {
  readonly name: PlannedDatabase;
  readonly clusterIdentifier: string;
  /** `database.readers`: the reader instances the stack itself declares, and the count outside events. */
  readonly readers: number;
  /** The member's instances: registered only once they exist (the cluster must be available). */
  readonly instances: readonly Construct[];
}

/** A scalable task count (ecs.ScalableTaskCount, or any App Auto Scaling target). */
export interface ScheduledScaling {
  scaleOnSchedule(id: string, action: appscaling.ScalingSchedule): void;
}

export interface PeakCapacityProps {
  readonly events: readonly EventPlan[];
  readonly services: Readonly<Record<ServiceName, { readonly scaling: ScheduledScaling; readonly sizing: ServiceSizing }>>;
  readonly loadBalancerArn: string;
  /** Aurora Serverless v2 members of this Region; empty for provisioned instance classes. */
  readonly serverlessDatabases: readonly PlannedServerlessDatabase[];
  /**
   * Provisioned members whose readers are raised for each event: the Region's members only where
   * they are the global database's primary (Aurora Auto Scaling is not supported on a secondary
   * cluster); empty elsewhere and for Serverless v2.
   */
  readonly readerScaling: readonly PlannedReaderScaling[];
}

/**
 * Raises this Region's capacity ahead of each peak event and lowers it after (the standby Region's
 * too: after a failover it carries everything, and a cold Region lags a step change by minutes):
 *  - each service's minimum task count (App Auto Scaling scheduled actions on the task count;
 *    target tracking keeps scaling above it);
 *  - the load balancer's LCU reservation (`ModifyCapacityReservation`: CloudFormation's
 *    `MinimumLoadBalancerCapacity` is static, so a one-time EventBridge schedule sets and resets it);
 *  - each Aurora Serverless v2 member's minimum ACUs (`ModifyDBCluster`, one-time schedules);
 *  - each provisioned primary member's readers: the cluster is an App Auto Scaling scalable target
 *    (`rds:cluster:ReadReplicaCount`, with App Auto Scaling's service-linked role
 *    AWSServiceRoleForApplicationAutoScaling_RDSCluster, created on registration) held at
 *    `database.readers`; scheduled actions raise minimum and maximum to the plan's readers with the
 *    services' lead time and set both back after (lowering the maximum is what removes the added
 *    readers; Aurora Auto Scaling removes only readers it created). Aurora Auto Scaling is not
 *    supported on a secondary cluster of a global database, so the standby Region's member keeps
 *    its declared instances (docs/peak-events.md, section 2, "Provisioned Aurora readers, and their limits").
 */
export class PeakCapacity extends Construct {
  /** Absent when there are no events. */
  readonly schedulerRole?: iam.Role;
  readonly schedules: scheduler.CfnSchedule[] = [];
  /** The provisioned primary members' reader counts (App Auto Scaling scalable targets). */
  readonly readerTargets: appscaling.CfnScalableTarget[] = [];

  constructor(scope: Construct, id: string, props: PeakCapacityProps) {
    super(scope, id);
    if (props.events.length === 0) return;
    this.scheduleServices(props);
    this.scheduleReaders(props);
    this.schedulerRole = this.createSchedulerRole(props);
    for (const plan of props.events) {
      this.scheduleLoadBalancer(plan, props.loadBalancerArn);
      this.scheduleServerless(plan, props.serverlessDatabases);
    }
  }

  /** Each service's minimum task count: raised at start - lead, back to minCount at end + release. */
  private scheduleServices(props: PeakCapacityProps): void {
    for (const plan of props.events) {
      for (const name of SERVICE_NAMES) {
        const { scaling, sizing } = props.services[name];
        scaling.scaleOnSchedule(`peak-${plan.event.name}-raise`, {
          schedule: appscaling.Schedule.at(plan.raiseAt),
          minCapacity: plan.tasks[name],
          maxCapacity: sizing.maxCount,
        });
        scaling.scaleOnSchedule(`peak-${plan.event.name}-release`, {
          schedule: appscaling.Schedule.at(plan.releaseAt),
          minCapacity: sizing.minCount,
          maxCapacity: sizing.maxCount,
        });
      }
    }
  }

  /** Provisioned primary members: the reader count as a scalable target with one raise and one release per event. */
  private scheduleReaders(props: PeakCapacityProps): void {
    const stack = Stack.of(this);
    for (const database of props.readerScaling) {
      const scheduledActions = props.events.flatMap((plan) => {
        const readers = plan.readers?.[database.name] ?? database.readers;
        return [
          { scheduledActionName: `peak-${plan.event.name}-raise`, schedule: `at(${at(plan.raiseAt)})`, scalableTargetAction: { minCapacity: readers, maxCapacity: readers } },
          { scheduledActionName: `peak-${plan.event.name}-release`, schedule: `at(${at(plan.releaseAt)})`, scalableTargetAction: { minCapacity: database.readers, maxCapacity: database.readers } },
        ];
      });
      const target = new appscaling.CfnScalableTarget(this, `${database.name}-readers`, {
        serviceNamespace: 'rds',
        scalableDimension: 'rds:cluster:ReadReplicaCount',
        resourceId: `cluster:${database.clusterIdentifier}`,
        // App Auto Scaling's own service-linked role for Aurora (it creates the role on registration
        // if it does not exist yet); CloudFormation's schema wants a RoleARN, and this is the one to give.
        roleArn: `arn:${stack.partition}:iam::${stack.account}:role/aws-service-role/rds.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_RDSCluster`,
        minCapacity: database.readers,
        maxCapacity: database.readers,
        scheduledActions,
      });
      target.node.addDependency(...database.instances);
      this.readerTargets.push(target);
    }
  }

  private createSchedulerRole(props: PeakCapacityProps): iam.Role {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'Peak events: sets and resets the load balancer LCU reservation and the Serverless v2 minimum ACUs',
    });
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['elasticloadbalancing:ModifyCapacityReservation'],
      resources: [props.loadBalancerArn],
    }));
    if (props.serverlessDatabases.length > 0) {
      role.addToPolicy(new iam.PolicyStatement({
        actions: ['rds:ModifyDBCluster'],
        resources: props.serverlessDatabases.map((database) =>
          stack.formatArn({ service: 'rds', resource: 'cluster', resourceName: database.clusterIdentifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
      }));
    }
    return role;
  }

  /**
   * The input is the ELBv2 API's ModifyCapacityReservation request, as EventBridge Scheduler's
   * universal target passes it: `LoadBalancerArn`, `MinimumLoadBalancerCapacity: { CapacityUnits }`
   * (an integer) or `ResetCapacityReservation: true` (one of the two is required).
   */
  private scheduleLoadBalancer(plan: EventPlan, loadBalancerArn: string): void {
    const event = plan.event.name;
    this.schedule(`${event}-lcu-raise`, plan.raiseAt, 'elasticloadbalancingv2', 'modifyCapacityReservation', {
      LoadBalancerArn: loadBalancerArn,
      MinimumLoadBalancerCapacity: { CapacityUnits: plan.loadBalancerCapacityUnits },
    }, `Reserve ${plan.loadBalancerCapacityUnits} LCUs for ${event}`);
    this.schedule(`${event}-lcu-release`, plan.releaseAt, 'elasticloadbalancingv2', 'modifyCapacityReservation', {
      LoadBalancerArn: loadBalancerArn,
      ResetCapacityReservation: true,
    }, `Release the LCU reservation after ${event}`);
  }

  private scheduleServerless(plan: EventPlan, databases: readonly PlannedServerlessDatabase[]): void {
    const event = plan.event.name;
    for (const database of databases) {
      const acus = plan.acus?.[database.name] ?? database.minCapacity;
      for (const [phase, when, minCapacity] of [['raise', plan.raiseAt, acus], ['release', plan.releaseAt, database.minCapacity]] as const) {
        this.schedule(`${event}-${database.name}-acu-${phase}`, when, 'rds', 'modifyDBCluster', {
          DBClusterIdentifier: database.clusterIdentifier,
          ServerlessV2ScalingConfiguration: { MinCapacity: minCapacity, MaxCapacity: database.maxCapacity },
          ApplyImmediately: true,
        }, `${phase === 'raise' ? 'Raise' : 'Restore'} the ${database.name} minimum to ${minCapacity} ACUs for ${event}`);
      }
    }
  }

  private schedule(id: string, when: Date, service: string, action: string, input: Record<string, unknown>, description: string): void {
    const stack = Stack.of(this);
    const schedule = new scheduler.CfnSchedule(this, id, {
      description,
      // One-time schedule, to the second, in UTC.
      scheduleExpression: `at(${at(when)})`,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: `arn:${stack.partition}:scheduler:::aws-sdk:${service}:${action}`,
        roleArn: this.schedulerRole!.roleArn,
        input: stack.toJsonString(input),
        // Retried for up to an hour: a reservation still settling refuses changes for a while.
        retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3600 },
      },
    });
    this.schedules.push(schedule);
  }
}
