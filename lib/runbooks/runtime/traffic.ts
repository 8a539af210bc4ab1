import type { PlatformTopology, RoutingMode } from '../../topology/topology';
import {
  ArcContext,
  ControlState,
  EndpointFailure,
  readRoutingControlStates,
  updateRoutingControlStates,
} from './arc';
import { InvalidInputError, RunbookRefusedError } from './errors';

/**
 * Routing-control plans per runbook action. `region` is the Region to make primary
 * (failover, switchover) or the Region to restore (failback).
 *
 * | action     | active-standby                         | active-active                              |
 * |------------|----------------------------------------|--------------------------------------------|
 * | failover   | region On, every other Region Off      | region On, every other Region Off          |
 * | switchover | region On, every other Region Off      | every Region On (all are healthy: the      |
 * |            |                                        | switchover preflight refused otherwise)    |
 * | failback   | no change: the restored Region stays a | region On; other Regions unchanged         |
 * |            | ready standby (Off); readiness reported|                                            |
 *
 * Failover in active-active evacuates every Region but the target because the runbook
 * cannot tell which of the others are impaired without calling into them; healthy ones
 * are brought back one at a time with the failback runbook.
 */
export type TrafficAction = 'failover' | 'switchover' | 'failback';

export const TRAFFIC_ACTIONS: readonly TrafficAction[] = ['failover', 'switchover', 'failback'];

export function desiredRoutingStates(
  action: TrafficAction,
  mode: RoutingMode,
  regions: readonly string[],
  region: string,
): Record<string, ControlState> {
  if (!regions.includes(region)) {
    throw new RunbookRefusedError('Unknown Region', [`${region} is not one of ${regions.join(', ')}`]);
  }
  const desired: Record<string, ControlState> = {};
  switch (action) {
    case 'failover':
      for (const r of regions) desired[r] = r === region ? 'On' : 'Off';
      break;
    case 'switchover':
      for (const r of regions) desired[r] = mode === 'active-active' || r === region ? 'On' : 'Off';
      break;
    case 'failback':
      if (mode === 'active-active') desired[region] = 'On';
      break;
  }
  return desired;
}

export interface TrafficRequest {
  readonly action: TrafficAction;
  readonly region: string;
  readonly dryRun: boolean;
}

export interface TrafficResult {
  readonly action: TrafficAction;
  readonly routingMode: RoutingMode;
  readonly region: string;
  readonly dryRun: boolean;
  /** State of every Region's control before the runbook acted. */
  readonly before: Record<string, ControlState>;
  /** The controls this action sets (subset of Regions; empty for an active-standby failback). */
  readonly desired: Record<string, ControlState>;
  /** Read back after the update (or the projection, in a dry run). */
  readonly after: Record<string, ControlState>;
  /** Regions whose control differed from the desired state. */
  readonly changedRegions: readonly string[];
  /** Whether UpdateRoutingControlStates was called. */
  readonly updateCalled: boolean;
  readonly readEndpoint: string;
  readonly updateEndpoint?: string;
  readonly endpointFailures: readonly EndpointFailure[];
  readonly note: string;
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** Reads the controls, applies the plan in one atomic call if anything differs, reads back. */
export async function applyTrafficPlan(
  arc: ArcContext,
  topology: PlatformTopology,
  request: TrafficRequest,
  now: () => Date,
): Promise<TrafficResult> {
  const startedAt = now().toISOString();
  const desired = desiredRoutingStates(request.action, topology.routingMode, topology.regions, request.region);

  const controls: Record<string, string> = {};
  for (const region of topology.regions) {
    const arn = topology.arc.routingControls[region];
    if (arn === undefined) {
      throw new InvalidInputError(`The topology has no routing control for ${region}`);
    }
    controls[region] = arn;
  }

  const read = await readRoutingControlStates(arc, controls);
  const before = read.value;
  const failures: EndpointFailure[] = [...read.failures];
  const changedRegions = Object.keys(desired).filter((region) => before[region] !== desired[region]);
  const base = {
    action: request.action,
    routingMode: topology.routingMode,
    region: request.region,
    dryRun: request.dryRun,
    before,
    desired,
    changedRegions,
    readEndpoint: read.endpoint.endpoint,
    startedAt,
  };

  if (changedRegions.length === 0) {
    const note =
      Object.keys(desired).length === 0
        ? `${request.region} stays a standby (Off) in active-standby mode; no routing change`
        : 'Routing controls already in the desired state; no update needed';
    return { ...base, after: before, updateCalled: false, endpointFailures: failures, note, finishedAt: now().toISOString() };
  }

  if (request.dryRun) {
    return {
      ...base,
      after: { ...before, ...desired },
      updateCalled: false,
      endpointFailures: failures,
      note: `Dry run: would set ${changedRegions.map((r) => `${r}=${desired[r]}`).join(', ')} in one UpdateRoutingControlStates call`,
      finishedAt: now().toISOString(),
    };
  }

  // All desired entries in one call, so the final state is exactly the plan even if a
  // control changed between our read and our write.
  const update = await updateRoutingControlStates(
    arc,
    Object.entries(desired).map(([region, state]) => ({ routingControlArn: controls[region], state })),
  );
  failures.push(...update.failures);

  const readBack = await readRoutingControlStates(arc, controls);
  failures.push(...readBack.failures);
  const after = readBack.value;
  const mismatched = Object.keys(desired).filter((region) => after[region] !== desired[region]);
  if (mismatched.length > 0) {
    throw new Error(
      `UpdateRoutingControlStates succeeded on ${update.endpoint.endpoint} but read-back shows ${mismatched
        .map((r) => `${r}=${after[r]} (wanted ${desired[r]})`)
        .join(', ')}`,
    );
  }
  return {
    ...base,
    after,
    updateCalled: true,
    updateEndpoint: update.endpoint.endpoint,
    endpointFailures: failures,
    note: `Set ${changedRegions.map((r) => `${r}=${desired[r]}`).join(', ')}`,
    finishedAt: now().toISOString(),
  };
}
