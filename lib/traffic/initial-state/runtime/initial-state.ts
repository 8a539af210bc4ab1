import {
  EndpointMemory,
  readRoutingControlStates,
  updateRoutingControlStates,
  type ArcClientFactory,
  type ControlState,
  type RandomSource,
} from '../../../runbooks/runtime/arc';
import type { ArcClusterEndpoint } from '../../../topology/topology';
import type { CustomResourceEvent as GenericCustomResourceEvent, CustomResourceOutcome } from '../../../common/runtime/cfn-response';

/**
 * A routing control's state on the day its Region is created: On for a Region that serves
 * (the primary in active-standby, every Region in active-active), otherwise left as ARC creates
 * it (Off). Writing Off is never needed and could only fail: while no Region is On yet, the
 * "at least one On" safety rule rejects it.
 *
 * Creation only: an update or a delete of the stack never touches routing again, so a later
 * deploy cannot undo a failover.
 */

export interface InitialStateProperties {
  readonly RoutingControlArn: string;
  readonly DesiredState: ControlState;
  /** JSON array of `{ endpoint, region }`: the cluster's five endpoints. */
  readonly ClusterEndpoints: string;
}

export type CustomResourceEvent = GenericCustomResourceEvent<InitialStateProperties>;

export type Outcome = CustomResourceOutcome;

export interface InitialStateDeps {
  readonly clientFor: ArcClientFactory;
  readonly random: RandomSource;
  /** Epoch ms by which the work must be over (the function's remaining time, less the response). */
  readonly notAfterMs: number;
  readonly now?: () => number;
}

function parseEndpoints(json: string): ArcClusterEndpoint[] {
  const parsed = JSON.parse(json) as unknown;
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error(`ClusterEndpoints must be a non-empty JSON array, got ${json}`);
  return parsed.map((item: unknown) => {
    const entry = item as Partial<ArcClusterEndpoint>;
    if (typeof entry.endpoint !== 'string' || typeof entry.region !== 'string') {
      throw new Error(`Each cluster endpoint needs "endpoint" and "region", got ${JSON.stringify(item)}`);
    }
    return { endpoint: entry.endpoint, region: entry.region };
  });
}

export async function applyInitialState(event: CustomResourceEvent, deps: InitialStateDeps): Promise<Outcome> {
  const props = event.ResourceProperties;
  const physicalResourceId = event.PhysicalResourceId ?? `initial-state:${props.RoutingControlArn}`;
  if (event.RequestType !== 'Create') {
    return { status: 'SUCCESS', physicalResourceId, reason: `${event.RequestType}: routing is left as it is`, data: {} };
  }
  try {
    if (props.DesiredState !== 'On' && props.DesiredState !== 'Off') {
      throw new Error(`DesiredState must be On or Off, got ${String(props.DesiredState)}`);
    }
    // The read-back goes first to the endpoint that took the change: a dead endpoint is paid for once.
    const ctx = { endpoints: parseEndpoints(props.ClusterEndpoints), clientFor: deps.clientFor, random: deps.random, memory: new EndpointMemory() };
    const options = { notAfterMs: deps.notAfterMs, ...(deps.now !== undefined ? { now: deps.now } : {}) };
    if (props.DesiredState === 'On') {
      await updateRoutingControlStates(ctx, [{ routingControlArn: props.RoutingControlArn, state: 'On' }], options);
    }
    const read = await readRoutingControlStates(ctx, { control: props.RoutingControlArn }, options);
    const state = read.value.control!;
    if (state !== props.DesiredState) {
      throw new Error(`${props.RoutingControlArn} is ${state} after creation, expected ${props.DesiredState}`);
    }
    return { status: 'SUCCESS', physicalResourceId, reason: `${props.RoutingControlArn} is ${state} (read from ${read.endpoint.endpoint})`, data: { State: state } };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'FAILED', physicalResourceId, reason: message, data: {} };
  }
}
