import type { ControlState } from '../../lib/runbooks/runtime/arc';
import type { ArcClusterEndpoint } from '../../lib/topology/topology';
import { ARC_PROTOCOL, Backend, errorReply, FaultyEndpoint, Reply } from './fault';

/**
 * A Route 53 ARC cluster: shared routing-control states behind five Regional endpoints
 * (route53-recovery-cluster JSON 1.0 protocol), with the "at least one On" assertion rule.
 * Faults are injected per endpoint; `staleReads` makes one endpoint answer reads with the
 * states from before the last update (an endpoint that has not converged yet).
 */

export const ARC_ENDPOINT_REGIONS = ['ap-northeast-1', 'ap-southeast-2', 'eu-west-1', 'us-east-1', 'us-west-2'];

interface Entry {
  readonly RoutingControlArn?: string;
  readonly RoutingControlState?: string;
}

export class FakeArcCluster {
  public readonly states = new Map<string, ControlState>();
  public readonly endpoints: FaultyEndpoint[] = [];
  /** Per endpoint URL: how many more reads answer with the states from before the last update. */
  public readonly staleReads = new Map<string, number>();
  public updates = 0;
  private previous = new Map<string, ControlState>();

  private constructor(
    /** Controls covered by the assertion rule (at least one On). */
    private readonly ruleControls: readonly string[],
    private readonly safetyRuleArn: string,
    private readonly onEvent: (source: string, message: string) => void,
  ) {}

  static async start(
    controls: Readonly<Record<string, string>>,
    safetyRuleArn: string,
    onEvent: (source: string, message: string) => void,
  ): Promise<FakeArcCluster> {
    const cluster = new FakeArcCluster(Object.values(controls), safetyRuleArn, onEvent);
    for (const region of ARC_ENDPOINT_REGIONS) {
      const endpoint: FaultyEndpoint = await FaultyEndpoint.start(`arc ${region}`, ARC_PROTOCOL, cluster.backend(() => endpoint.url), onEvent);
      cluster.endpoints.push(endpoint);
    }
    return cluster;
  }

  /** The cluster endpoints as the topology publishes them (each with its signing Region). */
  topologyEndpoints(): ArcClusterEndpoint[] {
    return this.endpoints.map((e, i) => ({ region: ARC_ENDPOINT_REGIONS[i], endpoint: `${e.url}/v1` }));
  }

  endpoint(region: string): FaultyEndpoint {
    const index = ARC_ENDPOINT_REGIONS.indexOf(region);
    if (index < 0) throw new Error(`no ARC endpoint in ${region}`);
    return this.endpoints[index];
  }

  set(states: Readonly<Record<string, ControlState>>): void {
    for (const [arn, state] of Object.entries(states)) this.states.set(arn, state);
  }

  heal(): void {
    for (const e of this.endpoints) e.heal();
    this.staleReads.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.endpoints.map((e) => e.close()));
  }

  private backend(url: () => string): Backend {
    return async ({ operation, body }): Promise<Reply> => {
      const input = JSON.parse(body || '{}') as { RoutingControlArn?: string; UpdateRoutingControlStateEntries?: Entry[]; SafetyRulesToOverride?: string[] };
      if (operation === 'GetRoutingControlState') {
        const arn = input.RoutingControlArn ?? '';
        const stale = this.staleReads.get(url()) ?? 0;
        const source = stale > 0 && this.previous.has(arn) ? this.previous : this.states;
        if (stale > 0 && this.previous.has(arn)) this.staleReads.set(url(), stale - 1);
        const state = source.get(arn);
        if (state === undefined) return errorReply(ARC_PROTOCOL, { status: 404, code: 'ResourceNotFoundException' }, `routing control ${arn} not found`);
        return { status: 200, contentType: ARC_PROTOCOL.contentType, body: JSON.stringify({ RoutingControlArn: arn, RoutingControlState: state }) };
      }
      if (operation === 'UpdateRoutingControlStates') {
        const next = new Map(this.states);
        for (const entry of input.UpdateRoutingControlStateEntries ?? []) {
          if (entry.RoutingControlArn === undefined || (entry.RoutingControlState !== 'On' && entry.RoutingControlState !== 'Off')) {
            return errorReply(ARC_PROTOCOL, { status: 400, code: 'ValidationException' }, 'bad entry');
          }
          next.set(entry.RoutingControlArn, entry.RoutingControlState);
        }
        const overridden = (input.SafetyRulesToOverride ?? []).includes(this.safetyRuleArn);
        if (!overridden && !this.ruleControls.some((arn) => next.get(arn) === 'On')) {
          return errorReply(ARC_PROTOCOL, { status: 409, code: 'ConflictException' }, `safety rule ${this.safetyRuleArn} would be violated`);
        }
        this.previous = new Map(this.states);
        for (const [arn, state] of next) this.states.set(arn, state);
        this.updates += 1;
        this.onEvent('arc cluster', `routing controls set: ${[...(input.UpdateRoutingControlStateEntries ?? [])].map((e) => `${shortControl(e.RoutingControlArn)}=${e.RoutingControlState}`).join(', ')}`);
        return { status: 200, contentType: ARC_PROTOCOL.contentType, body: '{}' };
      }
      return errorReply(ARC_PROTOCOL, { status: 400, code: 'UnknownOperationException' }, operation);
    };
  }
}

function shortControl(arn: string | undefined): string {
  return (arn ?? '?').split('/').pop() ?? '?';
}
