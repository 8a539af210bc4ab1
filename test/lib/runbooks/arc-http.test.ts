import { AllEndpointsFailedError, ArcContext, createArcClientFactory, EndpointMemory, readRoutingControlStates, updateRoutingControlStates } from '../../../lib/runbooks/runtime/arc';
import { ARC_ENDPOINT_DEADLINES } from '../../../lib/common/aws-client';
import { ARC_ENDPOINT_REGIONS, FakeArcCluster } from '../../drill/fake-arc';

/**
 * The ARC rotation over real HTTP: the real SDK client from `createArcClientFactory` against
 * the drill's fake cluster endpoints on loopback, so deadlines, retries and resets are the
 * SDK's own behaviour, not a mocked `send`.
 */

const CONTROLS = { east: 'arn:aws:route53-recovery-control::111111111111:controlpanel/p/routingcontrol/east', west: 'arn:aws:route53-recovery-control::111111111111:controlpanel/p/routingcontrol/west' };

/** Fails the test instead of hanging it when a deadline is missing. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms: a call has no deadline`)), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

describe('ARC endpoint rotation over HTTP', () => {
  let arc: FakeArcCluster;
  const factory = createArcClientFactory();
  // Keeps the topology's order (Fisher-Yates with random ~1 swaps nothing): the first endpoint is tried first.
  const context = (memory?: EndpointMemory): ArcContext => ({ endpoints: arc.topologyEndpoints(), clientFor: factory, random: () => 0.999_999, memory });

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    arc = await FakeArcCluster.start(CONTROLS, 'arn:rule', () => undefined);
  });
  beforeEach(() => {
    arc.heal();
    for (const e of arc.endpoints) e.resetCounts();
    arc.set({ [CONTROLS.east]: 'On', [CONTROLS.west]: 'Off' });
  });
  afterAll(async () => {
    await arc.close();
  });

  it('moves on from a silent endpoint at the request deadline', async () => {
    arc.endpoints[0].inject('silent');
    const started = Date.now();
    const result = await within(10_000, readRoutingControlStates(context(), CONTROLS));
    const elapsed = Date.now() - started;
    expect(result.value).toEqual({ east: 'On', west: 'Off' });
    expect(result.endpoint.region).toBe(ARC_ENDPOINT_REGIONS[1]);
    expect(result.failures.map((f) => [f.region, f.errorName])).toEqual([[ARC_ENDPOINT_REGIONS[0], 'TimeoutError']]);
    expect(elapsed).toBeGreaterThanOrEqual(ARC_ENDPOINT_DEADLINES.requestMs - 100);
    expect(elapsed).toBeLessThan(ARC_ENDPOINT_DEADLINES.requestMs + 1_500);
  }, 15_000);

  it('asks a failing endpoint once per call (no SDK retry: the next endpoint is the retry)', async () => {
    arc.endpoints[0].inject('server-error');
    arc.endpoints[1].inject('throttle');
    const result = await within(5_000, updateRoutingControlStates(context(), [{ routingControlArn: CONTROLS.west, state: 'On' }]));
    expect(result.endpoint.region).toBe(ARC_ENDPOINT_REGIONS[2]);
    expect(result.failures.map((f) => f.errorName)).toEqual(['InternalServerException', 'ThrottlingException']);
    expect(arc.endpoints[0].count()).toBe(1);
    expect(arc.endpoints[1].count()).toBe(1);
    expect(arc.states.get(CONTROLS.west)).toBe('On');
  });

  it('moves on from an endpoint that resets the connection', async () => {
    arc.endpoints[0].inject('reset');
    const result = await within(5_000, readRoutingControlStates(context(), CONTROLS));
    expect(result.endpoint.region).toBe(ARC_ENDPOINT_REGIONS[1]);
    expect(result.failures).toHaveLength(1);
  });

  it('fails, naming every endpoint, when all five are down; a silent one costs only its deadline', async () => {
    arc.endpoints[0].inject('silent');
    for (const e of arc.endpoints.slice(1)) e.inject('server-error');
    const started = Date.now();
    const error = await within(10_000, readRoutingControlStates(context(), CONTROLS).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(AllEndpointsFailedError);
    expect((error as AllEndpointsFailedError).failures.map((f) => f.region)).toEqual(ARC_ENDPOINT_REGIONS);
    // One deadline, not one per attempt or per endpoint (with SDK retries it would be three); slack for a loaded machine.
    expect(Date.now() - started).toBeLessThan(ARC_ENDPOINT_DEADLINES.requestMs * 2);
  }, 15_000);

  it('does not try an endpoint a whole call would not fit in before the caller\'s deadline', async () => {
    arc.endpoints[0].inject('server-error');
    const now = Date.now();
    const error = await readRoutingControlStates(context(), CONTROLS, { notAfterMs: now + 1_000, perEndpointWorstCaseMs: 6_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllEndpointsFailedError);
    expect((error as AllEndpointsFailedError).skipped).toHaveLength(5);
    expect(arc.endpoints.every((e) => e.count() === 0)).toBe(true);
  });

  it('remembers within a run: a failed endpoint goes last, the one that answered first', async () => {
    arc.endpoints[0].inject('server-error');
    const memory = new EndpointMemory();
    await readRoutingControlStates(context(memory), CONTROLS);
    const second = await readRoutingControlStates(context(memory), CONTROLS);
    expect(second.failures).toEqual([]);
    expect(second.attemptOrder[0]).toBe(arc.topologyEndpoints()[1].endpoint);
    expect(second.attemptOrder[4]).toBe(arc.topologyEndpoints()[0].endpoint);
    expect(arc.endpoints[0].count()).toBe(2);
  });
});
