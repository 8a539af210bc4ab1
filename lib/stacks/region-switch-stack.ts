import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { SERVICE_NAMES, type PlatformConfig, type RegionSwitchConfig } from '../config/types';
import { ENGINES } from '../data/engines';
import { RegionSwitchPlans } from '../region-switch/region-switch-plans';
import type { RegionalStack } from './regional-stack';
import type { TrafficControlStack } from './traffic-control-stack';

export interface RegionSwitchStackProps extends StackProps {
  readonly config: PlatformConfig;
  readonly regionSwitch: RegionSwitchConfig;
  readonly trafficControl: TrafficControlStack;
  readonly regional: readonly RegionalStack[];
}

/**
 * The optional ARC Region switch plans. Deployed next to the routing controls (the ARC control
 * plane Region); plans are global resources that execute from any Region's data plane.
 */
export class RegionSwitchStack extends Stack {
  readonly plans: RegionSwitchPlans;

  constructor(scope: Construct, id: string, props: RegionSwitchStackProps) {
    super(scope, id, props);
    const { config } = props;
    const controls = props.trafficControl.controls;
    const byRegion = new Map(props.regional.map((stack) => [stack.plan.region, stack]));
    this.plans = new RegionSwitchPlans(this, 'RegionSwitch', {
      appName: config.appName,
      regions: config.regions.map((plan) => {
        const regional = byRegion.get(plan.region);
        const control = controls.routingControls.get(plan.region);
        if (regional === undefined || control === undefined) {
          throw new Error(`Region switch: no regional stack or routing control for ${plan.region}`);
        }
        const services = Object.fromEntries(SERVICE_NAMES.map((name) => {
          // The L1 attributes: the L2 ARNs refuse cross-Region use without physical names.
          const service = regional.services.services[name].service;
          const cfnService = service.node.defaultChild as ecs.CfnService;
          const cfnCluster = service.cluster.node.defaultChild as ecs.CfnCluster;
          return [name, { clusterArn: cfnCluster.attrArn, serviceArn: cfnService.attrServiceArn }];
        })) as Record<(typeof SERVICE_NAMES)[number], { clusterArn: string; serviceArn: string }>;
        return { region: plan.region, routingControlArn: control.attrRoutingControlArn, services };
      }),
      primaryRegion: config.primaryRegion,
      routingMode: config.routingMode,
      clusterArn: controls.clusterArn,
      controlPanelArn: controls.controlPanel.attrControlPanelArn,
      serviceNames: SERVICE_NAMES,
      databaseNames: ENGINES.map((engine) => engine.name),
      approval: props.regionSwitch.approval,
      approvers: props.regionSwitch.approvers,
      reportRetentionDays: config.profile === 'prod' ? 400 : 30,
    });
    for (const [name, plan] of this.plans.plans) {
      new CfnOutput(this, `Plan-${name}`, { value: plan.attrArn });
    }
    if (this.plans.approverRole !== undefined) {
      new CfnOutput(this, 'ApproverRoleArn', { value: this.plans.approverRole.roleArn });
    }
  }
}
