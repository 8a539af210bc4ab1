import { SSMClient } from '@aws-sdk/client-ssm';
import { ArcClientFactory, createArcClientFactory, RandomSource } from '../arc';
import { InvalidInputError } from '../errors';
import { asRecord, readBoolean, readEnum, readRegion } from '../events';
import { createTopologyLoader, TopologyLoader } from '../topology-source';
import { applyTrafficPlan, TRAFFIC_ACTIONS, TrafficResult } from '../traffic';
import { ENV_ARC_CLUSTER_ARN, ENV_TOPOLOGY_PARAMETER, executionRegion, lazy, requireEnv } from './environment';

/**
 * Traffic: reads every Region's routing control through the ARC cluster data plane
 * (endpoint rotation) and applies the action's plan in ONE UpdateRoutingControlStates
 * call. See `desiredRoutingStates` for the plan of each action and routing mode.
 *
 * Event: `{ action: 'failover'|'switchover'|'failback', targetRegion, dryRun }`.
 * Returns the controls before/after, the endpoints used and per-endpoint errors.
 */
export interface TrafficDeps {
  readonly loadTopology: TopologyLoader;
  readonly clientFor: ArcClientFactory;
  readonly random: RandomSource;
  readonly now: () => Date;
  /** The ARC cluster this stack was deployed with; a topology naming another is stale. */
  readonly expectedClusterArn?: string;
}

export function createTrafficHandler(deps: TrafficDeps): (event: unknown) => Promise<TrafficResult> {
  return async (event) => {
    const input = asRecord(event, 'event');
    const action = readEnum(input, 'action', TRAFFIC_ACTIONS);
    const region = readRegion(input, 'targetRegion');
    const dryRun = readBoolean(input, 'dryRun', false);
    const topology = await deps.loadTopology();
    if (deps.expectedClusterArn !== undefined && topology.arc.clusterArn !== deps.expectedClusterArn) {
      throw new InvalidInputError(
        `The topology names ARC cluster ${topology.arc.clusterArn} but this stack uses ${deps.expectedClusterArn}: the topology parameter is stale`,
      );
    }
    return applyTrafficPlan(
      { endpoints: topology.arc.clusterEndpoints, clientFor: deps.clientFor, random: deps.random },
      topology,
      { action, region, dryRun },
      deps.now,
    );
  };
}

const realHandler = lazy(() =>
  createTrafficHandler({
    loadTopology: createTopologyLoader(new SSMClient({ region: executionRegion() }), requireEnv(ENV_TOPOLOGY_PARAMETER)),
    clientFor: createArcClientFactory(),
    random: Math.random,
    now: () => new Date(),
    expectedClusterArn: requireEnv(ENV_ARC_CLUSTER_ARN),
  }),
);

export async function handler(event: unknown): Promise<TrafficResult> {
  return realHandler()(event);
}
