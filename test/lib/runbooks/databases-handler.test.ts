import {
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  GlobalClusterNotFoundFault,
  RDSClient,
  SwitchoverGlobalClusterCommand,
} from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import { WAIT_COMPLETE, WAIT_PENDING } from '../../../lib/runbooks/runtime/contract';
import { createDatabasesHandler, DatabaseStartResult, DatabaseWaitResult } from '../../../lib/runbooks/runtime/handlers/databases';
import { createTopologyLoader } from '../../../lib/runbooks/runtime/topology-source';
import { ClusterState, EAST, memberArn, mockRds, mockSsmTopology, RdsMock, SsmMock, TOPOLOGY_PARAMETER, WEST } from './fixtures';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('databases handler', () => {
  let rds: RdsMock;
  let ssm: SsmMock;
  let states: Record<string, ClusterState>;
  let clock: number;
  let onSleep: (() => void) | undefined;

  function handler(executionRegion = WEST) {
    return createDatabasesHandler({
      loadTopology: createTopologyLoader(new SSMClient({ region: executionRegion }), TOPOLOGY_PARAMETER),
      rds: new RDSClient({ region: executionRegion }),
      executionRegion,
      now: () => new Date(clock),
      sleep: async (ms) => {
        clock += ms;
        onSleep?.();
      },
      pollIntervalMs: 15_000,
      maxWaitBudgetMs: 240_000,
      safetyMarginMs: 20_000,
    });
  }

  const mutatingCalls = (): number =>
    rds.commandCalls(FailoverGlobalClusterCommand).length + rds.commandCalls(SwitchoverGlobalClusterCommand).length;

  beforeEach(() => {
    clock = T0;
    onSleep = undefined;
    states = { catalog: { writer: EAST }, orders: { writer: EAST } };
    rds = mockRds(states);
    rds.on(FailoverGlobalClusterCommand).resolves({});
    rds.on(SwitchoverGlobalClusterCommand).resolves({});
    ssm = mockSsmTopology();
  });
  afterEach(() => {
    rds.restore();
    ssm.restore();
  });

  describe('start', () => {
    it('starts FailoverGlobalCluster (AllowDataLoss) for every database, all in one step', async () => {
      const result = (await handler()({ operation: 'start', mode: 'failover', targetRegion: WEST, dryRun: false })) as DatabaseStartResult;
      const calls = rds.commandCalls(FailoverGlobalClusterCommand).map((c) => c.args[0].input);
      expect(calls).toEqual([
        { GlobalClusterIdentifier: 'retail-catalog', TargetDbClusterIdentifier: memberArn('catalog', WEST), AllowDataLoss: true },
        { GlobalClusterIdentifier: 'retail-orders', TargetDbClusterIdentifier: memberArn('orders', WEST), AllowDataLoss: true },
      ]);
      expect(result.startedAt).toBe(new Date(T0).toISOString());
      expect(result.databases.map((d) => [d.name, d.oldWriterRegion, d.action, d.called])).toEqual([
        ['catalog', EAST, 'start', true],
        ['orders', EAST, 'start', true],
      ]);
    });

    it('uses SwitchoverGlobalCluster (no AllowDataLoss) for a switchover', async () => {
      await handler()({ operation: 'start', mode: 'switchover', targetRegion: WEST, dryRun: false });
      expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
      expect(rds.commandCalls(SwitchoverGlobalClusterCommand).map((c) => c.args[0].input)).toEqual([
        { GlobalClusterIdentifier: 'retail-catalog', TargetDbClusterIdentifier: memberArn('catalog', WEST) },
        { GlobalClusterIdentifier: 'retail-orders', TargetDbClusterIdentifier: memberArn('orders', WEST) },
      ]);
    });

    it('skips databases already writing in the target', async () => {
      states.catalog = { writer: WEST };
      const result = (await handler()({ operation: 'start', mode: 'failover', targetRegion: WEST })) as DatabaseStartResult;
      expect(rds.commandCalls(FailoverGlobalClusterCommand).map((c) => c.args[0].input.GlobalClusterIdentifier)).toEqual([
        'retail-orders',
      ]);
      expect(result.databases.find((d) => d.name === 'catalog')?.action).toBe('none');
    });

    it('is a no-op on re-run after success', async () => {
      states.catalog = { writer: WEST };
      states.orders = { writer: WEST };
      const result = (await handler()({ operation: 'start', mode: 'failover', targetRegion: WEST })) as DatabaseStartResult;
      expect(mutatingCalls()).toBe(0);
      expect(result.databases.every((d) => d.action === 'none' && !d.called)).toBe(true);
    });

    it('does not start again an operation already running towards the target', async () => {
      states.catalog = { writer: EAST, failover: { status: 'failing-over', from: EAST, to: WEST } };
      const result = (await handler()({ operation: 'start', mode: 'failover', targetRegion: WEST })) as DatabaseStartResult;
      expect(result.databases.find((d) => d.name === 'catalog')?.action).toBe('in-progress');
      expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(1);
    });

    it('still starts the other databases when one start fails, then fails with every reason', async () => {
      rds
        .on(FailoverGlobalClusterCommand, { GlobalClusterIdentifier: 'retail-catalog' })
        .rejects(new GlobalClusterNotFoundFault({ message: 'not found', $metadata: {} }));
      const error = await handler()({ operation: 'start', mode: 'failover', targetRegion: WEST }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('DatabaseStartFailed');
      expect((error as Error).message).toMatch(/retail-catalog.*GlobalClusterNotFoundFault.*Started: orders/);
      expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(2);
    });

    it('dry run plans but calls no mutating API', async () => {
      const result = (await handler()({ operation: 'start', mode: 'failover', targetRegion: WEST, dryRun: 'true' })) as DatabaseStartResult;
      expect(mutatingCalls()).toBe(0);
      expect(result.dryRun).toBe(true);
      expect(result.databases.map((d) => d.action)).toEqual(['start', 'start']);
    });

    it('refuses to promote from another Region than the target', async () => {
      await expect(handler(EAST)({ operation: 'start', mode: 'failover', targetRegion: WEST })).rejects.toThrow(
        /must run in the Region being promoted/,
      );
      expect(rds.calls()).toHaveLength(0);
    });

    it('refuses an unknown Region', async () => {
      await expect(handler('eu-west-1')({ operation: 'start', mode: 'failover', targetRegion: 'eu-west-1' })).rejects.toThrow(
        /unknown Region eu-west-1/,
      );
      expect(rds.calls()).toHaveLength(0);
    });
  });

  describe('wait', () => {
    const startResult = JSON.stringify({
      startedAt: new Date(T0).toISOString(),
      databases: [
        { name: 'catalog', oldWriterRegion: EAST },
        { name: 'orders', oldWriterRegion: EAST },
      ],
    });

    it('polls until each target member is the writer and the cluster is available', async () => {
      states.catalog = { writer: EAST, status: 'failing-over', failover: { status: 'failing-over', from: EAST, to: WEST } };
      states.orders = { writer: WEST, status: 'modifying' };
      onSleep = () => {
        states.catalog = { writer: WEST };
        states.orders = { writer: WEST };
      };
      const result = (await handler()(
        { operation: 'wait', mode: 'failover', targetRegion: WEST, timeoutMinutes: '20', startResult },
        { getRemainingTimeInMillis: () => 280_000 },
      )) as DatabaseWaitResult;
      expect(result.waitState).toBe(WAIT_COMPLETE);
      expect(result.checks).toBe(2);
      expect(result.databases.map((d) => [d.name, d.oldWriterRegion, d.newWriterRegion, d.complete, d.secondsSinceStart])).toEqual([
        ['catalog', EAST, WEST, true, 15],
        ['orders', EAST, WEST, true, 15],
      ]);
      expect(mutatingCalls()).toBe(0);
    });

    it('returns PENDING when this invocation runs out of time so the document loops', async () => {
      states.catalog = { writer: EAST, failover: { status: 'failing-over', from: EAST, to: WEST } };
      const result = (await handler()(
        { operation: 'wait', mode: 'failover', targetRegion: WEST, timeoutMinutes: 20, startResult },
        { getRemainingTimeInMillis: () => 60_000 },
      )) as DatabaseWaitResult;
      expect(result.waitState).toBe(WAIT_PENDING);
      // 60 s remaining - 20 s margin = 40 s budget: checks at 0 s, 15 s, 30 s.
      expect(result.checks).toBe(3);
      expect(result.databases.find((d) => d.name === 'catalog')).toMatchObject({ complete: false, newWriterRegion: EAST });
      expect(JSON.stringify(result)).toContain(WAIT_PENDING);
    });

    it('fails at the deadline with every database state when a failover never completes', async () => {
      states.catalog = { writer: EAST, status: 'failing-over', failover: { status: 'failing-over', from: EAST, to: WEST } };
      clock = T0 + 19 * 60_000;
      const error = await handler()(
        { operation: 'wait', mode: 'failover', targetRegion: WEST, timeoutMinutes: 20, startResult },
        { getRemainingTimeInMillis: () => 280_000 },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('DatabaseWaitTimeout');
      expect((error as Error).message).toContain('2026-01-01T00:20:00.000Z');
      expect((error as Error).message).toContain('catalog: writer=us-east-1 status=failing-over operation=failing-over');
      expect((error as Error).message).toContain('orders: writer=us-east-1 status=available');
      expect(clock).toBeGreaterThanOrEqual(T0 + 20 * 60_000);
    });

    it('fails at once when Aurora cancels the operation', async () => {
      states.orders = { writer: EAST, failover: { status: 'cancelling', from: EAST, to: WEST } };
      await expect(
        handler()({ operation: 'wait', mode: 'switchover', targetRegion: WEST, timeoutMinutes: 20, startResult }),
      ).rejects.toThrow(/cancelled by Aurora for orders/);
    });

    it('completes on the first check when the databases already write in the target (re-run)', async () => {
      states.catalog = { writer: WEST };
      states.orders = { writer: WEST };
      const result = (await handler()({ operation: 'wait', mode: 'failover', targetRegion: WEST, startResult })) as DatabaseWaitResult;
      expect(result.waitState).toBe(WAIT_COMPLETE);
      expect(result.checks).toBe(1);
    });

    it('dry run reports the plan without calling RDS', async () => {
      const result = (await handler()({
        operation: 'wait',
        mode: 'failover',
        targetRegion: WEST,
        dryRun: true,
        startResult,
      })) as DatabaseWaitResult;
      expect(result.waitState).toBe(WAIT_COMPLETE);
      expect(rds.commandCalls(DescribeGlobalClustersCommand)).toHaveLength(0);
      expect(mutatingCalls()).toBe(0);
    });

    it('rejects a malformed start result', async () => {
      await expect(handler()({ operation: 'wait', mode: 'failover', targetRegion: WEST, startResult: '{oops' })).rejects.toThrow(
        /"startResult" is not valid JSON/,
      );
    });
  });
});
