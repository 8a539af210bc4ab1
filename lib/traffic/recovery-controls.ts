import * as iam from 'aws-cdk-lib/aws-iam';
import * as arc from 'aws-cdk-lib/aws-route53recoverycontrol';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeCustomResourceProviderRole } from '../common/custom-resources';
import type { ArcClusterEndpoint } from '../topology/topology';

export interface RecoveryControlsProps {
  readonly appName: string;
  readonly regions: readonly string[];
  /** Share an existing cluster (about $1,800/month each) instead of creating one. */
  readonly existingClusterArn?: string;
}

/** An ARC cluster always has five Regional endpoints. */
export const ARC_ENDPOINT_COUNT = 5;

/**
 * Route 53 ARC routing controls: a cluster (or a shared one), a control panel, one routing
 * control per Region, and an assertion safety rule that keeps at least one Region On. Without
 * it an operator could switch every Region Off, and Route 53 would then fail open and send
 * traffic everywhere. The cluster's five endpoints are read once at deploy time (the config
 * API lives here, in us-west-2) and published, so that nothing at failover time needs it.
 */
export class RecoveryControls extends Construct {
  readonly clusterArn: string;
  readonly controlPanel: arc.CfnControlPanel;
  readonly routingControls: ReadonlyMap<string, arc.CfnRoutingControl>;
  readonly safetyRule: arc.CfnSafetyRule;
  readonly clusterEndpoints: readonly ArcClusterEndpoint[];

  constructor(scope: Construct, id: string, props: RecoveryControlsProps) {
    super(scope, id);

    if (props.existingClusterArn !== undefined) {
      this.clusterArn = props.existingClusterArn;
    } else {
      const cluster = new arc.CfnCluster(this, 'Cluster', { name: `${props.appName}-cluster` });
      this.clusterArn = cluster.attrClusterArn;
    }

    this.controlPanel = new arc.CfnControlPanel(this, 'ControlPanel', {
      name: `${props.appName}-regions`,
      clusterArn: this.clusterArn,
    });

    // ARC's config API answers ConflictException to concurrent changes on one control panel:
    // each control waits for the one before it, and the safety rule (which names them all) comes last.
    const controls = new Map<string, arc.CfnRoutingControl>();
    let previous: arc.CfnRoutingControl | undefined;
    for (const region of props.regions) {
      const control = new arc.CfnRoutingControl(this, `RoutingControl-${region}`, {
        name: `${props.appName}-${region}`,
        clusterArn: this.clusterArn,
        controlPanelArn: this.controlPanel.attrControlPanelArn,
      });
      if (previous !== undefined) control.node.addDependency(previous);
      controls.set(region, control);
      previous = control;
    }
    this.routingControls = controls;

    this.safetyRule = new arc.CfnSafetyRule(this, 'AtLeastOneRegionOn', {
      name: `${props.appName}-at-least-one-region-on`,
      controlPanelArn: this.controlPanel.attrControlPanelArn,
      ruleConfig: { type: 'ATLEAST', threshold: 1, inverted: false },
      assertionRule: {
        assertedControls: [...controls.values()].map((control) => control.attrRoutingControlArn),
        waitPeriodMs: 5000,
      },
    });

    const describe = new cr.AwsCustomResource(this, 'ClusterEndpoints', {
      onUpdate: {
        service: 'Route53RecoveryControlConfig',
        action: 'DescribeCluster',
        parameters: { ClusterArn: this.clusterArn },
        physicalResourceId: cr.PhysicalResourceId.of(`${props.appName}-arc-endpoints`),
        outputPaths: Array.from({ length: ARC_ENDPOINT_COUNT }, (_, index) => [
          `Cluster.ClusterEndpoints.${index}.Endpoint`,
          `Cluster.ClusterEndpoints.${index}.Region`,
        ]).flat(),
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['route53-recovery-control-config:DescribeCluster'],
          resources: [this.clusterArn],
        }),
      ]),
      installLatestAwsSdk: false,
    });
    this.clusterEndpoints = Array.from({ length: ARC_ENDPOINT_COUNT }, (_, index) => ({
      endpoint: describe.getResponseField(`Cluster.ClusterEndpoints.${index}.Endpoint`),
      region: describe.getResponseField(`Cluster.ClusterEndpoints.${index}.Region`),
    }));
    acknowledgeCustomResourceProviderRole(this);
  }
}
