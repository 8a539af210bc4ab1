import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
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

export interface PeakCapacityProps {
  readonly events: readonly EventPlan[];
  readonly services: Readonly<Record<ServiceName, { readonly scaling: ecs.ScalableTaskCount; readonly sizing: ServiceSizing }>>;
  readonly loadBalancerArn: string;
  /** Aurora Serverless v2 members of this Region; empty for provisioned instance classes. */
  readonly serverlessDatabases: readonly PlannedServerlessDatabase[];
}

/**
 * Raises this Region's capacity ahead of each peak event and lowers it after (the standby Region's
 * too: after a failover it carries everything, and a cold Region lags a step change by minutes):
 *  - each service's minimum task count (App Auto Scaling scheduled actions on the task count;
 *    target tracking keeps scaling above it);
 *  - the load balancer's LCU reservation (`ModifyCapacityReservation`: CloudFormation's
 *    `MinimumLoadBalancerCapacity` is static, so a one-time EventBridge schedule sets and resets it);
 *  - each Aurora Serverless v2 member's minimum ACUs (`ModifyDBCluster`, one-time schedules).
 * Provisioned Aurora members get no scheduled change: every service connects to the global writer
 * endpoint, so readers serve no application traffic, and the writer's class is changed by a deploy.
 */
export class PeakCapacity extends Construct {
  /** Absent when there are no events. */
  readonly schedulerRole?: iam.Role;
  readonly schedules: scheduler.CfnSchedule[] = [];

  constructor(scope: Construct, id: string, props: PeakCapacityProps) {
    super(scope, id);
    if (props.events.length === 0) return;

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

    const stack = Stack.of(this);
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'Peak events: sets and resets the load balancer LCU reservation and the Serverless v2 minimum ACUs',
    });
    this.schedulerRole.addToPolicy(new iam.PolicyStatement({
      actions: ['elasticloadbalancing:ModifyCapacityReservation'],
      resources: [props.loadBalancerArn],
    }));
    if (props.serverlessDatabases.length > 0) {
      this.schedulerRole.addToPolicy(new iam.PolicyStatement({
        actions: ['rds:ModifyDBCluster'],
        resources: props.serverlessDatabases.map((database) =>
          stack.formatArn({ service: 'rds', resource: 'cluster', resourceName: database.clusterIdentifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
      }));
    }

    for (const plan of props.events) {
      const event = plan.event.name;
      this.schedule(`${event}-lcu-raise`, plan.raiseAt, 'elasticloadbalancingv2', 'modifyCapacityReservation', {
        LoadBalancerArn: props.loadBalancerArn,
        MinimumLoadBalancerCapacity: { CapacityUnits: plan.loadBalancerCapacityUnits },
      }, `Reserve ${plan.loadBalancerCapacityUnits} LCUs for ${event}`);
      this.schedule(`${event}-lcu-release`, plan.releaseAt, 'elasticloadbalancingv2', 'modifyCapacityReservation', {
        LoadBalancerArn: props.loadBalancerArn,
        ResetCapacityReservation: true,
      }, `Release the LCU reservation after ${event}`);
      for (const database of props.serverlessDatabases) {
        const acus = plan.acus?.[database.name] ?? database.minCapacity;
        for (const [phase, at, minCapacity] of [['raise', plan.raiseAt, acus], ['release', plan.releaseAt, database.minCapacity]] as const) {
          this.schedule(`${event}-${database.name}-acu-${phase}`, at, 'rds', 'modifyDBCluster', {
            DBClusterIdentifier: database.clusterIdentifier,
            ServerlessV2ScalingConfiguration: { MinCapacity: minCapacity, MaxCapacity: database.maxCapacity },
            ApplyImmediately: true,
          }, `${phase === 'raise' ? 'Raise' : 'Restore'} the ${database.name} minimum to ${minCapacity} ACUs for ${event}`);
        }
      }
    }
  }

  private schedule(id: string, at: Date, service: string, action: string, input: Record<string, unknown>, description: string): void {
    const stack = Stack.of(this);
    const schedule = new scheduler.CfnSchedule(this, id, {
      description,
      // One-time schedule, to the second, in UTC.
      scheduleExpression: `at(${at.toISOString().slice(0, 19)})`,
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
