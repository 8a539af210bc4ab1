import { ArcClientFactory, EndpointMemory, RandomSource } from '../arc';
import { createRunbookClients, RunbookClients } from '../clients';
import { InvalidInputError, RunbookRefusedError } from '../errors';
import { asRecord, readBoolean, readEnum, readRegion } from '../events';
import { INCIDENT_DEADLINES, worstCaseCallMs } from '../../../common/aws-client';
import { retryTransient } from '../retry';
import { createTopologyLoader, TopologyLoader } from '../topology-source';
import { applyTrafficPlan, TRAFFIC_ACTIONS, TrafficResult } from '../traffic';
import {
  ENV_ARC_CLUSTER_ARN,
  HandlerEnvironment,
  HandlerRuntime,
  InvocationContext,
  lazy,
  readHandlerEnvironment,
  REAL_RUNTIME,
  remainingMs,
  requireEnv,
} from './environment';

/**
 * Traffic: reads every Region's routing control through the ARC cluster data plane
 * (endpoint rotation) and applies the action's plan in ONE UpdateRoutingControlStates
 * call. See `desiredRoutingStates` for the plan of each action and routing mode.
 *
 * Event: `{ action: 'failover'|'switchover'|'failback', targetRegion, dryRun }`.
 * Returns the controls before/after, the endpoints used, per-endpoint errors and warnings
 * (a read-back that could not confirm an accepted update is a warning, not a failure).
 *
 * The work is sized to the Lambda's remaining time: no ARC endpoint is tried when a whole
 * call on it would not fit before the deadline, so the step always ends with a result or
 * an error that names every endpoint tried.
 */
export interface TrafficDeps {
  readonly loadTopology: TopologyLoader;
  readonly clientFor: ArcClientFactory;
  readonly random: RandomSource;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** The Region the function runs in (a failback must not run in the Region it restores). */
  readonly executionRegion?: string;
  /** The ARC cluster this stack was deployed with; a topology naming another is stale. */
  readonly expectedClusterArn?: string;
  /** Kept free before the Lambda deadline to return a result. @default 10 s */
  readonly safetyMarginMs?: number;
}

export function createTrafficHandler(deps: TrafficDeps): (event: unknown, context?: InvocationContext) => Promise<TrafficResult> {
  return async (event, context) => {
    const notAfterMs = deps.now().getTime() + remainingMs(context, deps.safetyMarginMs ?? 10_000, Number.MAX_SAFE_INTEGER / 2);
    const input = asRecord(event, 'event');
    const action = readEnum(input, 'action', TRAFFIC_ACTIONS);
    const region = readRegion(input, 'targetRegion');
    const dryRun = readBoolean(input, 'dryRun', false);
    if (action === 'failback' && deps.executionRegion === region) {
      throw new RunbookRefusedError('failback refused', [`it must run in a serving Region, never in the Region being restored (${region})`]);
    }
    const topology = await retryTransient(
      { notAfterMs, pauseMs: 2_000, callWorstCaseMs: worstCaseCallMs(INCIDENT_DEADLINES), now: () => deps.now().getTime(), sleep: deps.sleep },
      deps.loadTopology,
    );
    if (deps.expectedClusterArn !== undefined && topology.arc.clusterArn !== deps.expectedClusterArn) {
      throw new InvalidInputError(
        `The topology names ARC cluster ${topology.arc.clusterArn} but this stack uses ${deps.expectedClusterArn}: the topology parameter is stale`,
      );
    }
    return applyTrafficPlan(
      // One memory per invocation: a dead endpoint is paid for once, not on every call of this step.
      { endpoints: topology.arc.clusterEndpoints, clientFor: deps.clientFor, random: deps.random, memory: new EndpointMemory() },
      topology,
      { action, region, dryRun },
      { now: deps.now, sleep: deps.sleep, notAfterMs },
    );
  };
}

/** The production wiring; the offline drill calls it with loopback endpoints and its own clock. */
export function trafficHandlerFor(
  env: HandlerEnvironment & { readonly arcClusterArn: string },
  clients: RunbookClients,
  runtime: HandlerRuntime = REAL_RUNTIME,
): (event: unknown, context?: InvocationContext) => Promise<TrafficResult> {
  return createTrafficHandler({
    loadTopology: createTopologyLoader(clients.ssm(env.region), env.topologyParameterName),
    clientFor: clients.arc,
    random: runtime.random,
    now: runtime.now,
    sleep: runtime.sleep,
    executionRegion: env.region,
    expectedClusterArn: env.arcClusterArn,
  });
}

const realHandler = lazy(() =>
  trafficHandlerFor({ ...readHandlerEnvironment(), arcClusterArn: requireEnv(ENV_ARC_CLUSTER_ARN) }, createRunbookClients()),
);

export async function handler(event: unknown, context: InvocationContext): Promise<TrafficResult> {
  return realHandler()(event, context);
}
