import {
  AllEndpointsFailedError,
  ArcContext,
  createArcClientFactory,
  readRoutingControlStates,
  shuffle,
  updateRoutingControlStates,
} from '../../../lib/runbooks/runtime/arc';
import {
  ARC_ENDPOINT_REGIONS,
  controlArn,
  EAST,
  endpointHost,
  endpointUrl,
  FakeArc,
  hostOf,
  seededRandom,
  throttling,
  topology,
  WEST,
} from './fixtures';

function context(seed: number): ArcContext {
  return { endpoints: topology().arc.clusterEndpoints, clientFor: createArcClientFactory(), random: seededRandom(seed) };
}

const CONTROLS = { [EAST]: controlArn(EAST), [WEST]: controlArn(WEST) };

describe('shuffle', () => {
  it('returns a permutation and does not modify its input', () => {
    const input = ['a', 'b', 'c', 'd', 'e'];
    const result = shuffle(input, seededRandom(7));
    expect([...result].sort()).toEqual(input);
    expect(input).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('orders differ with the random source', () => {
    const orders = new Set(Array.from({ length: 20 }, (_, seed) => shuffle(ARC_ENDPOINT_REGIONS, seededRandom(seed + 1)).join(',')));
    expect(orders.size).toBeGreaterThan(5);
    const firsts = new Set(Array.from({ length: 20 }, (_, seed) => shuffle(ARC_ENDPOINT_REGIONS, seededRandom(seed + 1))[0]));
    expect(firsts.size).toBeGreaterThan(2);
  });
});

describe('ARC endpoint rotation', () => {
  let arc: FakeArc;
  beforeEach(() => {
    arc = new FakeArc({ [EAST]: 'On', [WEST]: 'Off' });
  });
  afterEach(() => arc.mock.restore());

  it('reads every control from one endpoint and reports which', async () => {
    const result = await readRoutingControlStates(context(1), CONTROLS);
    expect(result.value).toEqual({ [EAST]: 'On', [WEST]: 'Off' });
    expect(result.failures).toEqual([]);
    expect(arc.calls.map((c) => c.host)).toEqual([endpointHost(result.endpoint.region), endpointHost(result.endpoint.region)]);
    expect(result.attemptOrder[0]).toBe(result.endpoint.endpoint);
  });

  it('succeeds when four of five endpoints are down', async () => {
    // Keep alive the endpoint this seed tries LAST, so all four dead ones are tried first.
    const ctx = context(3);
    const survivor = shuffle(ctx.endpoints, seededRandom(3))[4].region;
    for (const region of ARC_ENDPOINT_REGIONS.filter((r) => r !== survivor)) arc.down(region);
    const result = await readRoutingControlStates(ctx, CONTROLS);
    expect(result.value[EAST]).toBe('On');
    expect(result.endpoint.region).toBe(survivor);
    expect(result.failures.map((f) => f.region).sort()).toEqual(ARC_ENDPOINT_REGIONS.filter((r) => r !== survivor).sort());
    expect(result.failures.every((f) => f.errorName === 'InternalServerException')).toBe(true);
  });

  it('fails loudly, naming every endpoint, when all five are down', async () => {
    for (const region of ARC_ENDPOINT_REGIONS) arc.down(region);
    const error = await readRoutingControlStates(context(3), CONTROLS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllEndpointsFailedError);
    const failed = error as AllEndpointsFailedError;
    expect(failed.failures).toHaveLength(5);
    for (const region of ARC_ENDPOINT_REGIONS) {
      expect(failed.message).toContain(endpointUrl(region));
    }
    expect(failed.message).toMatch(/failed on all 5 ARC cluster endpoints/);
  });

  it('moves to the next endpoint on throttling', async () => {
    const ctx = context(11);
    const firstTwo = shuffle(ctx.endpoints, seededRandom(11)).slice(0, 2);
    for (const endpoint of firstTwo) arc.down(endpoint.region, throttling);
    const result = await readRoutingControlStates(ctx, CONTROLS);
    expect(result.failures.map((f) => f.errorName)).toEqual(['ThrottlingException', 'ThrottlingException']);
    expect(result.failures.map((f) => f.region)).toEqual(firstTwo.map((e) => e.region));
    expect(firstTwo.map((e) => e.region)).not.toContain(result.endpoint.region);
  });

  it('tries endpoints in a different order with a different random source', async () => {
    await readRoutingControlStates(context(1), CONTROLS);
    const firstHostSeed1 = arc.calls[0].host;
    const hosts = new Set<string>([firstHostSeed1]);
    for (let seed = 2; seed < 12; seed++) {
      arc.calls.length = 0;
      await readRoutingControlStates(context(seed), CONTROLS);
      hosts.add(arc.calls[0].host);
    }
    expect(hosts.size).toBeGreaterThan(1);
  });

  it('updates all entries in one atomic call without overriding safety rules', async () => {
    const result = await updateRoutingControlStates(context(5), [
      { routingControlArn: controlArn(EAST), state: 'Off' },
      { routingControlArn: controlArn(WEST), state: 'On' },
    ]);
    expect(result.value).toBe(2);
    expect(arc.updates).toHaveLength(1);
    expect(arc.updates[0]).toEqual({
      UpdateRoutingControlStateEntries: [
        { RoutingControlArn: controlArn(EAST), RoutingControlState: 'Off' },
        { RoutingControlArn: controlArn(WEST), RoutingControlState: 'On' },
      ],
    });
    expect(arc.updates[0].SafetyRulesToOverride).toBeUndefined();
    expect(arc.stateOf(WEST)).toBe('On');
  });

  it('refuses more than 10 entries before calling anything', async () => {
    const entries = Array.from({ length: 11 }, (_, i) => ({ routingControlArn: `${controlArn(EAST)}-${i}`, state: 'On' as const }));
    await expect(updateRoutingControlStates(context(5), entries)).rejects.toThrow(/at most 10/);
    expect(arc.calls).toEqual([]);
  });

  it('fails an update when every endpoint rejects it', async () => {
    for (const region of ARC_ENDPOINT_REGIONS) arc.down(region, throttling);
    await expect(updateRoutingControlStates(context(5), [{ routingControlArn: controlArn(WEST), state: 'On' }])).rejects.toThrow(
      AllEndpointsFailedError,
    );
    expect(arc.stateOf(WEST)).toBe('Off');
    expect(arc.calls.filter((c) => c.command === 'Update')).toHaveLength(5);
  });
});

describe('createArcClientFactory', () => {
  it('builds one client per endpoint, signing in the endpoint Region', async () => {
    const factory = createArcClientFactory();
    const endpoint = { region: 'eu-west-1', endpoint: endpointUrl('eu-west-1') };
    const client = factory(endpoint);
    expect(factory({ ...endpoint })).toBe(client);
    expect(factory({ region: 'us-west-2', endpoint: endpointUrl('us-west-2') })).not.toBe(client);
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await hostOf(client)).toBe(endpointHost('eu-west-1'));
  });
});
