import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { buildReport } from '../../../lib/runbooks/runtime/handlers/report';
import { createTopologyLoader, parseTopology, validateTopology } from '../../../lib/runbooks/runtime/topology-source';
import { EAST, mockSsmTopology, SsmMock, topology, TOPOLOGY_PARAMETER, WEST } from './fixtures';

describe('report handler', () => {
  const now = () => new Date('2026-01-01T00:10:00Z');

  it('merges traffic and database outputs passed as JSON text', () => {
    const report = buildReport(
      {
        runbook: 'failover',
        targetRegion: WEST,
        dryRun: 'false',
        preflight: JSON.stringify({ checksPassed: ['us-west-2 is a platform Region'] }),
        traffic: JSON.stringify({
          before: { [EAST]: 'On', [WEST]: 'Off' },
          after: { [EAST]: 'Off', [WEST]: 'On' },
          changedRegions: [EAST, WEST],
          updateCalled: true,
          startedAt: '2026-01-01T00:00:01Z',
          finishedAt: '2026-01-01T00:00:02Z',
        }),
        databaseStart: JSON.stringify({
          startedAt: '2026-01-01T00:00:03Z',
          databases: [
            { name: 'catalog', oldWriterRegion: EAST, action: 'start', called: true },
            { name: 'orders', oldWriterRegion: WEST, action: 'none', called: false },
          ],
        }),
        databaseWait: JSON.stringify({
          checkedAt: '2026-01-01T00:02:03Z',
          databases: [
            { name: 'catalog', newWriterRegion: WEST, secondsSinceStart: 120 },
            { name: 'orders', newWriterRegion: WEST, secondsSinceStart: 0 },
          ],
        }),
      },
      now,
    );
    expect(report).toEqual({
      runbook: 'failover',
      region: WEST,
      dryRun: false,
      outcome: 'COMPLETED',
      routingControls: {
        before: { [EAST]: 'On', [WEST]: 'Off' },
        after: { [EAST]: 'Off', [WEST]: 'On' },
        changedRegions: [EAST, WEST],
        updateCalled: true,
        readBackConfirmed: undefined,
        note: undefined,
      },
      warnings: [],
      databases: [
        { name: 'catalog', oldWriterRegion: EAST, newWriterRegion: WEST, action: 'start', apiCalled: true, secondsSinceStart: 120 },
        { name: 'orders', oldWriterRegion: WEST, newWriterRegion: WEST, action: 'none', apiCalled: false, secondsSinceStart: 0 },
      ],
      readiness: ['us-west-2 is a platform Region'],
      timings: {
        trafficStartedAt: '2026-01-01T00:00:01Z',
        trafficFinishedAt: '2026-01-01T00:00:02Z',
        databasesStartedAt: '2026-01-01T00:00:03Z',
        databasesCheckedAt: '2026-01-01T00:02:03Z',
        reportedAt: '2026-01-01T00:10:00.000Z',
      },
    });
  });

  it('marks dry runs and tolerates missing steps (failback has no database steps)', () => {
    const report = buildReport({ runbook: 'failback', targetRegion: EAST, dryRun: true }, now);
    expect(report.outcome).toBe('DRY_RUN');
    expect(report.databases).toEqual([]);
    expect(report.routingControls).toBeUndefined();
  });
});

describe('topology source', () => {
  it('round-trips a valid topology', () => {
    expect(parseTopology(JSON.stringify(topology()))).toEqual(topology());
  });

  it.each<[string, (t: Record<string, unknown>) => void, RegExp]>([
    ['bad routing mode', (t) => (t.routingMode = 'both'), /routingMode must be one of/],
    ['missing routing control', (t) => ((t.arc as { routingControls: Record<string, string> }).routingControls = {}), /arc.routingControls.us-east-1 is missing/],
    ['no endpoints', (t) => ((t.arc as { clusterEndpoints: unknown[] }).clusterEndpoints = []), /clusterEndpoints must be a non-empty array/],
    ['member missing', (t) => ((t.databases as { members: Record<string, unknown> }[])[1].members = {}), /databases\(orders\)\.members\.us-east-1 is missing/],
  ])('rejects %s', (_, mutate, message) => {
    const value = JSON.parse(JSON.stringify(topology())) as Record<string, unknown>;
    mutate(value);
    expect(() => validateTopology(value)).toThrow(message);
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseTopology('not json')).toThrow(/not JSON/);
  });

  describe('loader cache', () => {
    let ssm: SsmMock;
    beforeEach(() => {
      ssm = mockSsmTopology();
    });
    afterEach(() => ssm.restore());

    it('reads once per TTL', async () => {
      let clock = 0;
      const load = createTopologyLoader(new SSMClient({ region: EAST }), TOPOLOGY_PARAMETER, { ttlMs: 1000, now: () => clock });
      await load();
      clock = 999;
      await load();
      expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
      clock = 1000;
      await load();
      expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
    });
  });
});
