import { DescribeGlobalClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { DescribeAutomationExecutionsCommand, DescribeAutomationExecutionsCommandInput, SSMClient } from '@aws-sdk/client-ssm';
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
      ssm: new SSMClient({ region: executionRegion }),
      peerSsm: (region) => new SSMClient({ region }),
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

    it('refuses to run in the Region being restored', async () => {
      const error = await refusal(handler(EAST)({ runbook: 'failback', targetRegion: EAST }));
      expect(error.reasons).toContain('the failback runbook must run in a serving Region, never in the Region being restored (us-east-1)');
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

  describe('another runbook running', () => {
    type Execution = { id: string; document: string; status: string; region: string; started: string };
    let executions: Execution[];
    const T = (s: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + s * 1000);

    beforeEach(() => {
      executions = [];
      ssm.on(DescribeAutomationExecutionsCommand).callsFake(async (input: DescribeAutomationExecutionsCommandInput, getClient) => {
        const region = await (getClient() as SSMClient).config.region();
        const prefix = input.Filters?.find((f) => f.Key === 'DocumentNamePrefix')?.Values?.[0] ?? '';
        const statuses = input.Filters?.find((f) => f.Key === 'ExecutionStatus')?.Values;
        return {
          AutomationExecutionMetadataList: executions
            .filter((e) => e.region === region && e.document.startsWith(prefix) && (statuses === undefined || statuses.includes(e.status)))
            .map((e) => ({ AutomationExecutionId: e.id, DocumentName: e.document, AutomationExecutionStatus: e.status, ExecutionStartTime: T(Number(e.started)) })),
        };
      });
    });

    it('refuses while an earlier execution of any of the three runbooks runs, naming it', async () => {
      executions.push({ id: 'first', document: 'retail-Failover', status: 'Waiting', region: WEST, started: '0' });
      executions.push({ id: 'me', document: 'retail-Failover', status: 'InProgress', region: WEST, started: '5' });
      const error = await refusal(handler()({ runbook: 'failover', targetRegion: WEST, executionId: 'me' }));
      expect(error.name).toBe('RunbookAlreadyRunning');
      expect(error.message).toContain('retail-Failover execution first in us-west-2 is Waiting (started 2026-01-01T00:00:00.000Z)');
      const input = ssm.commandCalls(DescribeAutomationExecutionsCommand)[0].args[0].input;
      expect(input.Filters).toEqual([
        { Key: 'DocumentNamePrefix', Values: ['retail-'] },
        { Key: 'ExecutionStatus', Values: expect.arrayContaining(['Pending', 'InProgress', 'Waiting', 'Cancelling']) },
      ]);
    });

    it('sees a runbook running in another Region', async () => {
      executions.push({ id: 'other', document: 'retail-Switchover', status: 'InProgress', region: EAST, started: '0' });
      executions.push({ id: 'me', document: 'retail-Failover', status: 'InProgress', region: WEST, started: '5' });
      const error = await refusal(handler()({ runbook: 'failover', targetRegion: WEST, executionId: 'me' }));
      expect(error.message).toContain('retail-Switchover execution other in us-east-1 is InProgress');
    });

    it('goes on when the other execution started later (it will refuse), and ignores other documents', async () => {
      executions.push({ id: 'me', document: 'retail-Failover', status: 'InProgress', region: WEST, started: '0' });
      executions.push({ id: 'later', document: 'retail-Failover', status: 'InProgress', region: WEST, started: '5' });
      executions.push({ id: 'reconcile', document: 'retail-RestoreAndReconcile', status: 'InProgress', region: WEST, started: '-5' });
      await expect(handler()({ runbook: 'failover', targetRegion: WEST, executionId: 'me' })).resolves.toMatchObject({ runbook: 'failover' });
    });

    it('filters the statuses itself when the service filter did not return this very execution', async () => {
      ssm.on(DescribeAutomationExecutionsCommand).callsFake((input: DescribeAutomationExecutionsCommandInput) => ({
        AutomationExecutionMetadataList:
          input.Filters?.length === 1
            ? [
                { AutomationExecutionId: 'old', DocumentName: 'retail-Failback', AutomationExecutionStatus: 'Success', ExecutionStartTime: T(-50) },
                { AutomationExecutionId: 'first', DocumentName: 'retail-Failback', AutomationExecutionStatus: 'InProgress', ExecutionStartTime: T(0) },
                { AutomationExecutionId: 'me', DocumentName: 'retail-Failover', AutomationExecutionStatus: 'InProgress', ExecutionStartTime: T(5) },
              ]
            : [],
      }));
      const error = await refusal(handler()({ runbook: 'failover', targetRegion: WEST, executionId: 'me' }));
      expect(error.reasons).toEqual([expect.stringContaining('retail-Failback execution first in us-west-2 is InProgress'), expect.any(String)]);
    });

    it('reports a Region whose SSM does not answer instead of waiting for it', async () => {
      ssm.on(DescribeAutomationExecutionsCommand).callsFake(async (_input: DescribeAutomationExecutionsCommandInput, getClient) => {
        if ((await (getClient() as SSMClient).config.region()) === EAST) throw Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' });
        return { AutomationExecutionMetadataList: [] };
      });
      const result = await handler()({ runbook: 'failover', targetRegion: WEST, executionId: 'me' });
      expect(result.checksPassed).toEqual(
        expect.arrayContaining([
          'checked us-west-2 for running runbooks',
          'could not check us-east-1 for running runbooks (TimeoutError: connect ETIMEDOUT); a runbook started there would not be seen',
        ]),
      );
    });

    it('refuses when its own Region cannot be checked', async () => {
      ssm.on(DescribeAutomationExecutionsCommand).rejects(new Error('AccessDenied'));
      const error = await refusal(handler()({ runbook: 'failover', targetRegion: WEST, executionId: 'me' }));
      expect(error.message).toMatch(/cannot list running runbook executions in us-west-2/);
    });
  });

  it('rejects an unknown runbook', async () => {
    await expect(handler()({ runbook: 'teleport', targetRegion: WEST })).rejects.toThrow(/"runbook" must be one of/);
  });
});
