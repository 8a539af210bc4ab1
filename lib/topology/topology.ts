/**
 * The platform's topology as published by every regional stack in its own Region
 * (SSM parameter `topologyParameterName(appName)`, a JSON string).
 *
 * This is the contract between the CDK app (producer) and the runbooks, Lambdas and
 * the operator CLI (consumers): at failover time everything an operator needs is read
 * from the surviving Region, never from the failed one and never from a control plane.
 */
export type RoutingMode = 'active-standby' | 'active-active';

export type DatabaseName = 'catalog' | 'orders';

export type AuroraEngine = 'aurora-mysql' | 'aurora-postgresql';

export interface ArcClusterEndpoint {
  /** The Region the endpoint is hosted in, used as the SDK client's signing Region. */
  readonly region: string;
  /** The endpoint URL, e.g. `https://abcd1234.route53-recovery-cluster.us-west-2.amazonaws.com/v1`. */
  readonly endpoint: string;
}

export interface ArcTopology {
  readonly clusterArn: string;
  readonly clusterEndpoints: readonly ArcClusterEndpoint[];
  readonly controlPanelArn: string;
  /** Routing control ARN per Region. */
  readonly routingControls: Readonly<Record<string, string>>;
  /** The assertion rule that keeps at least one Region On. */
  readonly safetyRuleArns: readonly string[];
}

export interface DatabaseMember {
  readonly clusterIdentifier: string;
  readonly clusterArn: string;
}

export interface GlobalDatabaseTopology {
  readonly name: DatabaseName;
  readonly engine: AuroraEngine;
  readonly globalClusterIdentifier: string;
  /** Member cluster per Region. */
  readonly members: Readonly<Record<string, DatabaseMember>>;
}

export interface RunbookNames {
  readonly failover: string;
  readonly switchover: string;
  readonly failback: string;
  readonly reconcile: string;
}

export interface PlatformTopology {
  readonly appName: string;
  readonly account: string;
  readonly regions: readonly string[];
  /** The Region the global resources were created in (not necessarily the current writer). */
  readonly primaryRegion: string;
  readonly routingMode: RoutingMode;
  readonly arc: ArcTopology;
  readonly databases: readonly GlobalDatabaseTopology[];
  /** SSM Automation document names per Region. */
  readonly runbooks: Readonly<Record<string, RunbookNames>>;
}

/** Name of the SSM parameter that holds the JSON topology in every Region. */
export function topologyParameterName(appName: string): string {
  return `/${appName}/platform/topology`;
}

/** Deterministic SSM Automation document names, identical in every Region. */
export function runbookNames(appName: string): RunbookNames {
  return {
    failover: `${appName}-Failover`,
    switchover: `${appName}-Switchover`,
    failback: `${appName}-Failback`,
    reconcile: `${appName}-RestoreAndReconcile`,
  };
}

/** Name of the SSM parameter that holds, in every Region, that Region's own store URL. */
export function storeUrlParameterName(appName: string): string {
  return `/${appName}/platform/store-url`;
}
