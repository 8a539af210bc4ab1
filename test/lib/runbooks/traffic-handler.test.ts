import { GetRoutingControlStateCommand, UpdateRoutingControlStatesCommand } from '@aws-sdk/client-route53-recovery-cluster';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createArcClientFactory, shuffle } from '../../../lib/runbooks/runtime/arc';
import { createTrafficHandler } from '../../../lib/runbooks/runtime/handlers/traffic';
import { createTopologyLoader } from '../../../lib/runbooks/runtime/topology-source';
import { desiredRoutingStates } from '../../../lib/runbooks/runtime/traffic';
import type { RoutingMode } from '../../../lib/topology/topology';
import {
  ARC_ENDPOINT_REGIONS,
  CLUSTER_ARN,
  controlArn,
  EAST,
  endpointUrl,
  FakeArc,
  mockSsmTopology,
  REGIONS,
  seededRandom,
  SsmMock,
  throttling,
  topology,
  TOPOLOGY_PARAMETER,
  WEST,
} from './fixtures';

const NOW = new Date('2026-01-01T00:00:00Z');

describe('desiredRoutingStates', () => {
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];
  it.each<[string, RoutingMode, Record<string, string>]>([
    ['failover', 'active-standby', { 'us-east-1': 'Off', 'us-west-2': 'On', 'eu-west-1': 'Off' }],
    ['failover', 'active-active', { 'us-east-1': 'Off', 'us-west-2': 'On', 'eu-west-1': 'Off' }],
    ['switchover', 'active-standby', { 'us-east-1': 'Off', 'us-west-2': 'On', 'eu-west-1': 'Off' }],
    ['switchover', 'active-active', { 'us-east-1': 'On', 'us-west-2': 'On', 'eu-west-1': 'On' }],
    ['failback', 'active-active', { 'us-west-2': 'On' }],
    ['failback', 'active-standby', {}],
  ])('%s in %s mode for us-west-2', (action, mode, expected) => {
    expect(desiredRoutingStates(action as 'failover', mode, regions, 'us-west-2')).toEqual(expected);
  });

  it('refuses an unknown Region', () => {
    expect(() => desiredRoutingStates('failover', 'active-standby', regions, 'ap-south-1')).toThrow(/Unknown Region/);
  });
});

describe('traffic handler', () => {
  let arc: FakeArc;
  let ssm: SsmMock;

  let sleeps: number[];

  function handler(mode: RoutingMode = 'active-standby', seed = 1, expectedClusterArn = CLUSTER_ARN, executionRegion = WEST) {
    ssm.reset();
    ssm.on(GetParameterCommand, { Name: TOPOLOGY_PARAMETER }).resolves({ Parameter: { Value: JSON.stringify(topology(mode)) } });
    return createTrafficHandler({
      loadTopology: createTopologyLoader(new SSMClient({ region: WEST }), TOPOLOGY_PARAMETER),
      clientFor: createArcClientFactory(),
      random: seededRandom(seed),
      now: () => NOW,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      executionRegion,
      expectedClusterArn,
    });
  }

  beforeEach(() => {
    arc = new FakeArc({ [EAST]: 'On', [WEST]: 'Off' });
    ssm = mockSsmTopology();
    sleeps = [];
  });
  afterEach(() => {
    arc.mock.restore();
    ssm.restore();
  });

  it('fails over active-standby: target On, the other Off, in one call', async () => {
    const result = await handler()({ action: 'failover', targetRegion: WEST, dryRun: 'false' });
    expect(result.before).toEqual({ [EAST]: 'On', [WEST]: 'Off' });
    expect(result.after).toEqual({ [EAST]: 'Off', [WEST]: 'On' });
    expect([...result.changedRegions].sort()).toEqual(REGIONS);
    expect(result.updateCalled).toBe(true);
    expect(arc.updates).toHaveLength(1);
    expect(arc.updates[0].UpdateRoutingControlStateEntries).toEqual(
      expect.arrayContaining([
        { RoutingControlArn: controlArn(EAST), RoutingControlState: 'Off' },
        { RoutingControlArn: controlArn(WEST), RoutingControlState: 'On' },
      ]),
    );
    expect(result.updateEndpoint).toMatch(/^https:\/\/.*route53-recovery-cluster/);
    expect(result.readBackConfirmed).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('succeeds with a warning when the read-back fails after an accepted update, retrying it first', async () => {
    const h = handler();
    let gets = 0;
    arc.mock.on(GetRoutingControlStateCommand).callsFake((input: { RoutingControlArn: string }) => {
      gets++;
      // The first read (2 controls) works; every read-back fails.
      if (gets > 2) throw throttling();
      return { RoutingControlArn: input.RoutingControlArn, RoutingControlState: arc.states.get(input.RoutingControlArn) };
    });
    const result = await h({ action: 'failover', targetRegion: WEST, dryRun: false });
    expect(result.updateCalled).toBe(true);
    expect(arc.stateOf(WEST)).toBe('On');
    expect(result.readBackConfirmed).toBe(false);
    expect(result.after).toEqual({ [EAST]: 'Off', [WEST]: 'On' });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/accepted by https:\/\/.*but reading the controls back did not confirm it \(read-back 1 failed: .*read-back 3 failed/);
    expect(sleeps).toEqual([1_000, 1_000]);
  });

  it('retries a stale read-back until it shows the new states', async () => {
    const h = handler();
    let stale = 1;
    arc.mock.on(GetRoutingControlStateCommand).callsFake((input: { RoutingControlArn: string }) => {
      const current = arc.states.get(input.RoutingControlArn);
      // One endpoint still answers with the old states right after the update.
      const answer = arc.updates.length > 0 && stale > 0 ? (current === 'On' ? 'Off' : 'On') : current;
      if (arc.updates.length > 0 && input.RoutingControlArn === controlArn(WEST)) stale--;
      return { RoutingControlArn: input.RoutingControlArn, RoutingControlState: answer };
    });
    const result = await h({ action: 'failover', targetRegion: WEST, dryRun: false });
    expect(result.readBackConfirmed).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(result.after).toEqual({ [EAST]: 'Off', [WEST]: 'On' });
    expect(sleeps).toEqual([1_000]);
  });

  it('refuses a failback in the Region being restored', async () => {
    await expect(handler('active-active', 1, CLUSTER_ARN, EAST)({ action: 'failback', targetRegion: EAST, dryRun: false })).rejects.toThrow(
      /never in the Region being restored \(us-east-1\)/,
    );
    expect(arc.calls).toEqual([]);
  });

  it('pays for a failing endpoint once per run: after a failure the endpoint that answered is tried first', async () => {
    const seed = 4;
    const order = shuffle(topology().arc.clusterEndpoints, seededRandom(seed));
    arc.down(order[0].region);
    await handler('active-standby', seed)({ action: 'failover', targetRegion: WEST, dryRun: false });
    const failedCalls = arc.calls.filter((c) => !c.ok);
    // Only the first read (two parallel reads on that endpoint) hit it; update and read-back went to the one that answered.
    expect(failedCalls.map((c) => c.command)).toEqual(['Get', 'Get']);
    expect(new Set(arc.calls.filter((c) => c.ok).map((c) => c.host)).size).toBe(1);
  });

  it('is a no-op on re-run after success: no update call', async () => {
    const h = handler();
    await h({ action: 'failover', targetRegion: WEST, dryRun: false });
    arc.updates.length = 0;
    arc.calls.length = 0;
    const again = await h({ action: 'failover', targetRegion: WEST, dryRun: false });
    expect(again.updateCalled).toBe(false);
    expect(again.changedRegions).toEqual([]);
    expect(again.note).toMatch(/already in the desired state/);
    expect(arc.updates).toHaveLength(0);
    expect(arc.calls.every((c) => c.command === 'Get')).toBe(true);
  });

  it('dry run reads but never updates', async () => {
    const result = await handler()({ action: 'failover', targetRegion: WEST, dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(result.updateCalled).toBe(false);
    expect(result.after).toEqual({ [EAST]: 'Off', [WEST]: 'On' });
    expect(result.note).toMatch(/Dry run/);
    expect(arc.mock.commandCalls(UpdateRoutingControlStatesCommand)).toHaveLength(0);
    expect(arc.stateOf(WEST)).toBe('Off');
  });

  it('switchover in active-active turns every Region On', async () => {
    const result = await handler('active-active')({ action: 'switchover', targetRegion: WEST, dryRun: false });
    expect(result.after).toEqual({ [EAST]: 'On', [WEST]: 'On' });
    expect(arc.updates[0].UpdateRoutingControlStateEntries).toHaveLength(2);
  });

  it('failback in active-active turns only the restored Region On', async () => {
    arc.states.set(controlArn(EAST), 'Off');
    arc.states.set(controlArn(WEST), 'On');
    const result = await handler('active-active')({ action: 'failback', targetRegion: EAST, dryRun: false });
    expect(result.after).toEqual({ [EAST]: 'On', [WEST]: 'On' });
    expect(arc.updates[0].UpdateRoutingControlStateEntries).toEqual([{ RoutingControlArn: controlArn(EAST), RoutingControlState: 'On' }]);
  });

  it('failback in active-standby keeps the Region as an Off standby and changes nothing', async () => {
    arc.states.set(controlArn(EAST), 'Off');
    arc.states.set(controlArn(WEST), 'On');
    const result = await handler('active-standby')({ action: 'failback', targetRegion: EAST, dryRun: false });
    expect(result.updateCalled).toBe(false);
    expect(result.after).toEqual({ [EAST]: 'Off', [WEST]: 'On' });
    expect(result.note).toMatch(/stays a standby/);
    expect(arc.updates).toHaveLength(0);
  });

  it('refuses an unknown Region without touching ARC', async () => {
    await expect(handler()({ action: 'failover', targetRegion: 'eu-central-1', dryRun: false })).rejects.toThrow(/Unknown Region/);
    expect(arc.calls).toEqual([]);
  });

  it('rejects a malformed event', async () => {
    await expect(handler()({ action: 'teleport', targetRegion: WEST })).rejects.toThrow(/"action" must be one of/);
    await expect(handler()({ action: 'failover', targetRegion: 'west' })).rejects.toThrow(/not a Region name/);
    await expect(handler()({ action: 'failover', targetRegion: WEST, dryRun: 'maybe' })).rejects.toThrow(/true or false/);
  });

  it('still shifts traffic when four endpoints are throttling or down', async () => {
    const seed = 4;
    // The endpoint this seed tries last is the only one alive for the first read.
    const survivor = shuffle(topology().arc.clusterEndpoints, seededRandom(seed))[4];
    for (const region of ARC_ENDPOINT_REGIONS.filter((r) => r !== survivor.region)) arc.down(region, throttling);
    const result = await handler('active-standby', seed)({ action: 'failover', targetRegion: WEST, dryRun: false });
    expect(result.after[WEST]).toBe('On');
    expect(arc.stateOf(WEST)).toBe('On');
    expect(result.readEndpoint).toBe(survivor.endpoint);
    expect(result.updateEndpoint).toBe(survivor.endpoint);
    // The four failing endpoints were tried once, for the first read; the survivor was remembered.
    expect(result.endpointFailures.length).toBe(4);
    expect(result.endpointFailures.every((f) => f.errorName === 'ThrottlingException')).toBe(true);
  });

  it('fails loudly when the update fails on all five endpoints', async () => {
    const h = handler();
    // Reads work; every update is throttled.
    arc.mock.on(UpdateRoutingControlStatesCommand).rejects(throttling());
    const error = await h({ action: 'failover', targetRegion: WEST, dryRun: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/UpdateRoutingControlStates failed on all 5 ARC cluster endpoints/);
    expect((error as Error).message).toMatch(/re-running the runbook is safe/);
    expect((error as Error).message).toContain(`Wanted, in one call: us-east-1=Off (${controlArn(EAST)}), us-west-2=On (${controlArn(WEST)})`);
    for (const region of ARC_ENDPOINT_REGIONS) expect((error as Error).message).toContain(endpointUrl(region));
    expect(arc.stateOf(WEST)).toBe('Off');
  });

  it('refuses a stale topology that names another ARC cluster', async () => {
    await expect(
      handler('active-standby', 1, 'arn:aws:route53-recovery-control::111111111111:cluster/other')({
        action: 'failover',
        targetRegion: WEST,
        dryRun: true,
      }),
    ).rejects.toThrow(/stale/);
  });

  it('reads the topology once per container', async () => {
    const h = handler();
    await h({ action: 'failover', targetRegion: WEST, dryRun: true });
    await h({ action: 'failover', targetRegion: WEST, dryRun: true });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });
});
