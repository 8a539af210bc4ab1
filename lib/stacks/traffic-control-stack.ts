import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config/types';
import { RecoveryControls } from '../traffic/recovery-controls';
import { ValidationRecords } from '../ingress/validation-records';

export interface TrafficControlStackProps extends StackProps {
  readonly config: PlatformConfig;
}

/**
 * ARC routing controls and their safety rule. Always deployed in us-west-2: the ARC control
 * plane lives there and CloudFormation offers the ARC resource types there. Only deployment
 * needs this Region: at failover time the runbooks use the cluster's data-plane endpoints,
 * which every regional stack has published. With a domain, it also owns the certificates' DNS
 * validation records (shared by every Region's certificates; this stack deploys before them).
 */
export class TrafficControlStack extends Stack {
  readonly controls: RecoveryControls;

  constructor(scope: Construct, id: string, props: TrafficControlStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.controls = new RecoveryControls(this, 'RecoveryControls', {
      appName: config.appName,
      regions: config.regions.map((plan) => plan.region),
      ...(config.arcClusterArn !== undefined ? { existingClusterArn: config.arcClusterArn } : {}),
    });
    new CfnOutput(this, 'ClusterArn', { value: this.controls.clusterArn });
    new CfnOutput(this, 'ControlPanelArn', { value: this.controls.controlPanel.attrControlPanelArn });
    new CfnOutput(this, 'SafetyRuleArn', { value: this.controls.safetyRule.attrSafetyRuleArn });
    for (const [region, control] of this.controls.routingControls) {
      new CfnOutput(this, `RoutingControl-${region}`, { value: control.attrRoutingControlArn });
    }
    if (config.domainName !== undefined && config.hostedZoneId !== undefined) {
      new ValidationRecords(this, 'CertificateValidation', {
        domainName: config.domainName,
        hostedZoneId: config.hostedZoneId,
        regions: config.regions.map((plan) => plan.region),
      });
    }
  }
}
