import { CfnOutput } from 'aws-cdk-lib';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import type { RoutingMode } from '../topology/topology';

export interface RegionalEntryProps {
  readonly appName: string;
  readonly region: string;
  readonly routingControlArn: string;
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly routingMode: RoutingMode;
  /** PRIMARY for the primary Region in failover routing, SECONDARY otherwise. */
  readonly isPrimaryRegion: boolean;
  /** Two Regions in active/standby use failover records; everything else latency records. */
  readonly regionCount: number;
  readonly domain?: { readonly domainName: string; readonly hostedZoneId: string };
}

export type RecordPolicy = 'failover' | 'latency';

export function recordPolicy(routingMode: RoutingMode, regionCount: number): RecordPolicy {
  return routingMode === 'active-standby' && regionCount === 2 ? 'failover' : 'latency';
}

/**
 * How customers reach this Region: a Route 53 health check that follows the Region's ARC
 * routing control (On = healthy), and, with a domain, the Region's record for the application
 * name behind that health check plus a direct `<region>.<domain>` name. Each Region owns its
 * own records, so no stack needs another Region's load balancer.
 */
export class RegionalEntry extends Construct {
  readonly healthCheck: route53.CfnHealthCheck;
  readonly record?: route53.CfnRecordSet;
  readonly routingControlArn: string;

  constructor(scope: Construct, id: string, props: RegionalEntryProps) {
    super(scope, id);
    this.routingControlArn = props.routingControlArn;
    this.healthCheck = new route53.CfnHealthCheck(this, 'RoutingControlHealthCheck', {
      healthCheckConfig: { type: 'RECOVERY_CONTROL', routingControlArn: props.routingControlArn },
      healthCheckTags: [{ key: 'Name', value: `${props.appName}-${props.region}-routing-control` }],
    });

    if (props.domain === undefined) {
      new CfnOutput(this, 'Records', {
        value: 'none: no domainName is configured, so no Route 53 records were synthesized (the health check follows the routing control all the same)',
        description: 'Route 53 records of this Region',
      });
      return;
    }

    const policy = recordPolicy(props.routingMode, props.regionCount);
    const alias = {
      dnsName: props.loadBalancer.loadBalancerDnsName,
      hostedZoneId: props.loadBalancer.loadBalancerCanonicalHostedZoneId,
      evaluateTargetHealth: true,
    };
    this.record = new route53.CfnRecordSet(this, 'ApplicationRecord', {
      hostedZoneId: props.domain.hostedZoneId,
      name: `${props.domain.domainName}.`,
      type: 'A',
      setIdentifier: props.region,
      aliasTarget: alias,
      healthCheckId: this.healthCheck.attrHealthCheckId,
      ...(policy === 'failover'
        ? { failover: props.isPrimaryRegion ? 'PRIMARY' : 'SECONDARY' }
        : { region: props.region }),
    });
    new route53.CfnRecordSet(this, 'RegionalRecord', {
      hostedZoneId: props.domain.hostedZoneId,
      name: `${props.region}.${props.domain.domainName}.`,
      type: 'A',
      aliasTarget: { ...alias, evaluateTargetHealth: false },
    });
  }
}
