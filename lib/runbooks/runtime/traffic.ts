import type { PlatformTopology, RoutingMode } from '../../topology/topology';
import {
  AllEndpointsFailedError,
  ArcContext,
  ControlState,
  EndpointFailure,
  readRoutingControlStates,
  RotationOptions,
  updateRoutingControlStates,
} from './arc';
import { InvalidInputError, RunbookRefusedError, summarizeError } from './errors';

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

export interface TrafficTiming {
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** Epoch ms by which the step must be done; ARC endpoints that would not fit are not tried. */
  readonly notAfterMs?: number;
  /** Read-backs after a successful update before reporting a mismatch as a warning. @default 3 */
  readonly readBackAttempts?: number;
  /** Pause between read-backs (ARC endpoints converge within moments). @default 1000 */
  readonly readBackPauseMs?: number;
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
  /**
   * After the update: as read back when the read-back confirmed it, otherwise as set by the
   * accepted update (see `readBackConfirmed` and `warnings`); the projection in a dry run.
   */
  readonly after: Record<string, ControlState>;
  /** Whether a read after the update showed every desired state (true when nothing needed changing). */
  readonly readBackConfirmed: boolean;
  /** Regions whose control differed from the desired state. */
  readonly changedRegions: readonly string[];
  /** Whether UpdateRoutingControlStates was called (and accepted). */
  readonly updateCalled: boolean;
  readonly readEndpoint: string;
  readonly updateEndpoint?: string;
  readonly endpointFailures: readonly EndpointFailure[];
  /** Things the operator should look at; the step still succeeded. */
  readonly warnings: readonly string[];
  readonly note: string;
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** The update failed on every endpoint tried: nothing is known to have changed. */
export class TrafficUpdateFailedError extends Error {
  constructor(cause: AllEndpointsFailedError, desired: Readonly<Record<string, ControlState>>, controls: Readonly<Record<string, string>>) {
    const wanted = Object.entries(desired)
      .map(([region, state]) => `${region}=${state} (${controls[region]})`)
      .join(', ');
    super(
      `${cause.message}. Wanted, in one call: ${wanted}. The routing controls are unchanged unless a timed-out call was ` +
        'applied after all; the update sets every control of the plan at once, so re-running the runbook is safe',
    );
    this.name = cause.name;
  }
}

function mismatchOf(desired: Record<string, ControlState>, read: Record<string, ControlState>): string[] {
  return Object.keys(desired)
    .filter((region) => read[region] !== desired[region])
    .map((region) => `${region}=${read[region] ?? 'missing'} (wanted ${desired[region]})`);
}

interface ReadBack {
  readonly confirmed: boolean;
  readonly value?: Record<string, ControlState>;
  readonly problems: readonly string[];
  readonly failures: readonly EndpointFailure[];
}

/**
 * Reads the controls again until they show the desired states. Failures and stale reads
 * are retried, then reported: the update was accepted, so they never fail the step.
 */
async function readBackUntilConfirmed(
  arc: ArcContext,
  controls: Record<string, string>,
  desired: Record<string, ControlState>,
  timing: TrafficTiming,
  rotation: RotationOptions,
): Promise<ReadBack> {
  const attempts = timing.readBackAttempts ?? 3;
  const pauseMs = timing.readBackPauseMs ?? 1_000;
  const problems: string[] = [];
  const failures: EndpointFailure[] = [];
  let value: Record<string, ControlState> | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const read = await readRoutingControlStates(arc, controls, rotation);
      failures.push(...read.failures);
      value = read.value;
      const mismatched = mismatchOf(desired, read.value);
      if (mismatched.length === 0) {
        return { confirmed: true, value, problems, failures };
      }
      problems.push(`read-back ${attempt} on ${read.endpoint.endpoint} showed ${mismatched.join(', ')}`);
    } catch (error) {
      if (error instanceof AllEndpointsFailedError) failures.push(...error.failures);
      problems.push(`read-back ${attempt} failed: ${summarizeError(error).message}`);
    }
    if (attempt < attempts) {
      if (timing.notAfterMs !== undefined && timing.now().getTime() + pauseMs >= timing.notAfterMs) break;
      await timing.sleep(pauseMs);
    }
  }
  return { confirmed: false, value, problems, failures };
}

/**
 * Reads the controls, applies the plan in one atomic call if anything differs, reads back.
 * Once the update is accepted the step succeeds: a read-back that fails or shows old states
 * is retried and then reported as a warning, so the database steps always follow.
 */
export async function applyTrafficPlan(
  arc: ArcContext,
  topology: PlatformTopology,
  request: TrafficRequest,
  timing: TrafficTiming,
): Promise<TrafficResult> {
  const now = timing.now;
  const startedAt = now().toISOString();
  const desired = desiredRoutingStates(request.action, topology.routingMode, topology.regions, request.region);
  const rotation: RotationOptions = { notAfterMs: timing.notAfterMs, now: () => now().getTime() };

  const controls: Record<string, string> = {};
  for (const region of topology.regions) {
    const arn = topology.arc.routingControls[region];
    if (arn === undefined) {
      throw new InvalidInputError(`The topology has no routing control for ${region}`);
    }
    controls[region] = arn;
  }

  const read = await readRoutingControlStates(arc, controls, rotation);
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
    return {
      ...base,
      after: before,
      readBackConfirmed: true,
      updateCalled: false,
      endpointFailures: failures,
      warnings: [],
      note,
      finishedAt: now().toISOString(),
    };
  }

  if (request.dryRun) {
    return {
      ...base,
      after: { ...before, ...desired },
      readBackConfirmed: false,
      updateCalled: false,
      endpointFailures: failures,
      warnings: [],
      note: `Dry run: would set ${changedRegions.map((r) => `${r}=${desired[r]}`).join(', ')} in one UpdateRoutingControlStates call`,
      finishedAt: now().toISOString(),
    };
  }

  // All desired entries in one call, so the final state is exactly the plan even if a
  // control changed between our read and our write.
  let update;
  try {
    update = await updateRoutingControlStates(
      arc,
      Object.entries(desired).map(([region, state]) => ({ routingControlArn: controls[region], state })),
      rotation,
    );
  } catch (error) {
    if (error instanceof AllEndpointsFailedError) throw new TrafficUpdateFailedError(error, desired, controls);
    throw error;
  }
  failures.push(...update.failures);

  const readBack = await readBackUntilConfirmed(arc, controls, desired, timing, rotation);
  failures.push(...readBack.failures);
  const warnings = readBack.confirmed
    ? []
    : [
        `UpdateRoutingControlStates was accepted by ${update.endpoint.endpoint}, but reading the controls back did not confirm it ` +
          `(${readBack.problems.join('; ')}). The update is atomic and authoritative, so the runbook continued; check the routing ` +
          'controls with the CLI status command.',
      ];
  return {
    ...base,
    after: readBack.confirmed && readBack.value ? readBack.value : { ...before, ...desired },
    readBackConfirmed: readBack.confirmed,
    updateCalled: true,
    updateEndpoint: update.endpoint.endpoint,
    endpointFailures: failures,
    warnings,
    note: `Set ${changedRegions.map((r) => `${r}=${desired[r]}`).join(', ')}`,
    finishedAt: now().toISOString(),
  };
}
