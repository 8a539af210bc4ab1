import { DescribeGlobalClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import { RunbookRefusedError } from '../../../lib/runbooks/runtime/errors';
import { createPreflightHandler } from '../../../lib/runbooks/runtime/handlers/preflight';
import { createTopologyLoader } from '../../../lib/runbooks/runtime/topology-source';
import { ClusterState, EAST, mockRds, mockSsmTopology, RdsMock, SsmMock, TOPOLOGY_PARAMETER, WEST } from './fixtures';

describe('preflight handler', () => {
  let rds: RdsMock;
  let ssm: SsmMock;
  let states: Record<string, ClusterState>;

  const handler = (executionRegion = WEST) =>
    createPreflightHandler({
      loadTopology: createTopologyLoader(new SSMClient({ region: executionRegion }), TOPOLOGY_PARAMETER),
      rds: new RDSClient({ region: executionRegion }),
      executionRegion,
      now: () => new Date('2026-01-01T00:00:00Z'),
    });

  async function refusal(promise: Promise<unknown>): Promise<RunbookRefusedError> {
    const error = await promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunbookRefusedError);
    return error as RunbookRefusedError;
  }

  beforeEach(() => {
    states = { catalog: { writer: EAST }, orders: { writer: EAST } };
    rds = mockRds(states);
    ssm = mockSsmTopology();
  });
  afterEach(() => {
    // Preflight is read-only: only DescribeGlobalClusters may ever be sent.
    expect(rds.calls().length).toBe(rds.commandCalls(DescribeGlobalClustersCommand).length);
    rds.restore();
    ssm.restore();
  });

  describe('failover', () => {
    it('passes in the target Region and reports every database', async () => {
      const result = await handler()({ runbook: 'failover', targetRegion: WEST, dryRun: 'false' });
      expect(result.databases.map((d) => [d.name, d.writerRegion])).toEqual([
        ['catalog', EAST],
        ['orders', EAST],
      ]);
      expect(result.checksPassed).toEqual(expect.arrayContaining([`running in the target Region ${WEST}`]));
    });

    it('passes on re-run when the target is already primary (failover is idempotent)', async () => {
      states.catalog = { writer: WEST };
      states.orders = { writer: WEST };
      await expect(handler()({ runbook: 'failover', targetRegion: WEST })).resolves.toMatchObject({ targetRegion: WEST });
    });

    it('refuses to run outside the Region being promoted', async () => {
      const error = await refusal(handler(EAST)({ runbook: 'failover', targetRegion: WEST }));
      expect(error.message).toMatch(/must run in the Region being promoted \(us-west-2\), not us-east-1/);
    });

    it('refuses an unknown Region before calling RDS', async () => {
      const error = await refusal(handler()({ runbook: 'failover', targetRegion: 'eu-central-1' }));
      expect(error.message).toMatch(/unknown Region eu-central-1; the platform runs in us-east-1, us-west-2/);
      expect(rds.calls()).toHaveLength(0);
    });

    it('refuses when an operation towards another Region is in flight', async () => {
      states.orders = { writer: WEST, failover: { status: 'failing-over', from: WEST, to: EAST } };
      const error = await refusal(handler()({ runbook: 'failover', targetRegion: WEST }));
      expect(error.reasons).toEqual(['orders: a failing-over operation towards us-east-1 is in progress']);
    });

    it('refuses when the global database has no member in the target', async () => {
      states.catalog = { writer: EAST, members: [EAST] };
      const error = await refusal(handler()({ runbook: 'failover', targetRegion: WEST }));
      expect(error.reasons).toContain('catalog: the global database has no member in us-west-2');
    });

    it('refuses with the RDS error when the databases cannot be described', async () => {
      rds.on(DescribeGlobalClustersCommand).rejects(new Error('connect ETIMEDOUT'));
      const error = await refusal(handler()({ runbook: 'failover', targetRegion: WEST }));
      expect(error.message).toMatch(/cannot describe the global databases from us-west-2: Error: connect ETIMEDOUT/);
    });
  });

  describe('switchover', () => {
    it('passes when every database is healthy', async () => {
      await expect(handler()({ runbook: 'switchover', targetRegion: WEST })).resolves.toMatchObject({ runbook: 'switchover' });
    });

    it('refuses the current primary as target', async () => {
      const error = await refusal(handler(EAST)({ runbook: 'switchover', targetRegion: EAST }));
      expect(error.message).toMatch(/us-east-1 is already the primary Region of every global database/);
    });

    it('refuses, with every reason, when databases are not healthy enough', async () => {
      states.catalog = { writer: EAST, sync: { [WEST]: 'pending-resync' } };
      states.orders = { writer: EAST, status: 'modifying' };
      const error = await refusal(handler()({ runbook: 'switchover', targetRegion: WEST }));
      expect(error.reasons).toEqual([
        'catalog (retail-catalog): secondary in us-west-2 is not in sync (synchronization status pending-resync)',
        'orders (retail-orders): global cluster status is modifying, not available',
      ]);
    });

    it('refuses while a failover is already in progress', async () => {
      states.catalog = { writer: EAST, failover: { status: 'pending', from: EAST, to: WEST } };
      const error = await refusal(handler()({ runbook: 'switchover', targetRegion: WEST }));
      expect(error.message).toMatch(/a pending operation is already in progress/);
    });
  });

  describe('failback', () => {
    beforeEach(() => {
      states.catalog = { writer: WEST };
      states.orders = { writer: WEST };
    });

    it('passes when the Region hosts in-sync secondaries, run from a serving Region', async () => {
      const result = await handler(WEST)({ runbook: 'failback', targetRegion: EAST });
      expect(result.checksPassed).toEqual(expect.arrayContaining(['global databases ready for failback: catalog, orders']));
    });

    it('refuses while the Region is still resynchronising', async () => {
      states.orders = { writer: WEST, sync: { [EAST]: 'pending-resync' } };
      const error = await refusal(handler(WEST)({ runbook: 'failback', targetRegion: EAST }));
      expect(error.reasons).toEqual(['orders (retail-orders): us-east-1 is not in sync (synchronization status pending-resync)']);
    });

    it('refuses when the Region is the writer or lost its member', async () => {
      states.catalog = { writer: EAST };
      states.orders = { writer: WEST, members: [WEST] };
      const error = await refusal(handler(WEST)({ runbook: 'failback', targetRegion: EAST }));
      expect(error.reasons).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/catalog .*us-east-1 is the writer/),
          expect.stringMatching(/orders .*no member cluster in us-east-1/),
        ]),
      );
    });
  });

  it('rejects an unknown runbook', async () => {
    await expect(handler()({ runbook: 'teleport', targetRegion: WEST })).rejects.toThrow(/"runbook" must be one of/);
  });
});
