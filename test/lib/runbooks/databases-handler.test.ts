import {
  DBClusterNotFoundFault,
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  GlobalClusterNotFoundFault,
  InvalidGlobalClusterStateFault,
  RDSClient,
  SwitchoverGlobalClusterCommand,
} from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import { WAIT_COMPLETE, WAIT_PENDING } from '../../../lib/runbooks/runtime/contract';
import { createDatabasesHandler, DatabaseStartResult, DatabaseWaitResult } from '../../../lib/runbooks/runtime/handlers/databases';
import { createTopologyLoader } from '../../../lib/runbooks/runtime/topology-source';
import { ClusterState, EAST, memberArn, mockRds, mockSsmTopology, RdsMock, rdsThrottling, SsmMock, TOPOLOGY_PARAMETER, WEST } from './fixtures';

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
      maxWaitBudgetMs: 250_000,
      safetyMarginMs: 20_000,
      pollWorstCaseMs: 25_000,
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

    it('still starts the other databases when one start fails, and records the failure for the wait', async () => {
      rds
        .on(FailoverGlobalClusterCommand, { GlobalClusterIdentifier: 'retail-catalog' })
        .rejects(new GlobalClusterNotFoundFault({ message: 'not found', $metadata: {} }));
      const result = (await handler()({ operation: 'start', mode: 'failover', targetRegion: WEST })) as DatabaseStartResult;
      expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(2);
      expect(result.databases.map((d) => [d.name, d.called, d.startError])).toEqual([
        ['catalog', false, 'GlobalClusterNotFoundFault: not found'],
        ['orders', true, undefined],
      ]);
    });

    it('fails at once, saying where each database writes and what to run, when nothing could be started', async () => {
      states.catalog = { writer: WEST };
      rds
        .on(SwitchoverGlobalClusterCommand, { GlobalClusterIdentifier: 'retail-orders' })
        .rejects(new InvalidGlobalClusterStateFault({ message: 'secondary not in sync', $metadata: {} }));
      const error = (await handler()({ operation: 'start', mode: 'switchover', targetRegion: WEST }).catch((e: unknown) => e)) as Error;
      expect(error.name).toBe('DatabaseMoveIncomplete');
      expect(error.message).toContain('Could not start switchover to us-west-2 for orders (retail-orders): InvalidGlobalClusterStateFault: secondary not in sync');
      expect(error.message).toContain('Writes are split across Regions: catalog writes in us-west-2, orders writes in us-east-1.');
      expect(error.message).toContain(
        'aws ssm start-automation-execution --region us-west-2 --document-name retail-Switchover --parameters TargetRegion=us-west-2',
      );
      expect(error.message).toContain(
        'To undo, switch catalog back to us-east-1: aws ssm start-automation-execution --region us-east-1 --document-name retail-Switchover --parameters TargetRegion=us-east-1',
      );
    });

    it('counts a start whose call failed but that Aurora took (a timed-out call that was applied)', async () => {
      rds.on(FailoverGlobalClusterCommand, { GlobalClusterIdentifier: 'retail-orders' }).callsFake(() => {
        states.orders = { writer: EAST, status: 'failing-over', failover: { status: 'failing-over', from: EAST, to: WEST } };
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      });
      const result = (await handler()({ operation: 'start', mode: 'failover', targetRegion: WEST })) as DatabaseStartResult;
      expect(result.databases.find((d) => d.name === 'orders')).toMatchObject({ called: true });
      expect(result.databases.find((d) => d.name === 'orders')?.startError).toBeUndefined();
      expect(rds.commandCalls(FailoverGlobalClusterCommand, { GlobalClusterIdentifier: 'retail-orders' })).toHaveLength(1);
    });

    it('retries a start through throttling within the step', async () => {
      let throttled = 2;
      rds.on(FailoverGlobalClusterCommand, { GlobalClusterIdentifier: 'retail-orders' }).callsFake(() => {
        if (throttled-- > 0) throw rdsThrottling();
        return {};
      });
      const result = (await handler()(
        { operation: 'start', mode: 'failover', targetRegion: WEST },
        { getRemainingTimeInMillis: () => 250_000 },
      )) as DatabaseStartResult;
      expect(result.databases.find((d) => d.name === 'orders')).toMatchObject({ called: true });
      expect(rds.commandCalls(FailoverGlobalClusterCommand, { GlobalClusterIdentifier: 'retail-orders' })).toHaveLength(3);
    });

    it('starts nothing when the target already writes although the old primary is still listed as writer', async () => {
      states.catalog = { writer: WEST, staleWriters: [EAST], status: 'failing-over', failover: { status: 'failing-over', from: EAST, to: WEST } };
      states.orders = { writer: WEST, staleWriters: [EAST], status: 'failing-over', failover: { status: 'failing-over', from: EAST, to: WEST } };
      const result = (await handler()({ operation: 'start', mode: 'failover', targetRegion: WEST })) as DatabaseStartResult;
      expect(result.databases.map((d) => d.action)).toEqual(['none', 'none']);
      expect(mutatingCalls()).toBe(0);
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
      states.orders = { writer: WEST, status: 'modifying', clusterStatus: { [WEST]: 'modifying' } };
      onSleep = () => {
        states.catalog = { writer: WEST };
        states.orders = { writer: WEST };
      };
      const result = (await handler()(
        { operation: 'wait', mode: 'failover', targetRegion: WEST, timeoutMinutes: '20', startResult },
        { getRemainingTimeInMillis: () => 270_000 },
      )) as DatabaseWaitResult;
      expect(result.waitState).toBe(WAIT_COMPLETE);
      expect(result.checks).toBe(2);
      expect(result.databases.map((d) => [d.name, d.oldWriterRegion, d.newWriterRegion, d.complete, d.secondsSinceStart])).toEqual([
        ['catalog', EAST, WEST, true, 15],
        ['orders', EAST, WEST, true, 15],
      ]);
      expect(mutatingCalls()).toBe(0);
      // The target cluster's own status is read in the target Region, by its identifier.
      expect(rds.commandCalls(DescribeDBClustersCommand).map((c) => c.args[0].input.DBClusterIdentifier)).toEqual(
        expect.arrayContaining(['retail-catalog-us-west-2', 'retail-orders-us-west-2']),
      );
    });

    it('is complete when the target writes and is available, although the old primary is still listed as writer', async () => {
      // The old primary's Region is unreachable: it stays listed (first, as writer) and the failover state lingers.
      const lingering: ClusterState = {
        writer: WEST,
        staleWriters: [EAST],
        status: 'failing-over',
        failover: { status: 'failing-over', from: EAST, to: WEST },
      };
      states.catalog = lingering;
      states.orders = lingering;
      const result = (await handler()(
        { operation: 'wait', mode: 'failover', targetRegion: WEST, startResult },
        { getRemainingTimeInMillis: () => 270_000 },
      )) as DatabaseWaitResult;
      expect(result.waitState).toBe(WAIT_COMPLETE);
      expect(result.checks).toBe(1);
      expect(result.databases[0]).toMatchObject({
        newWriterRegion: WEST,
        globalStatus: 'failing-over',
        operation: 'failing-over',
        oldPrimary: { region: EAST, listedAs: 'writer' },
      });
    });

    it('is not complete while the promoted target cluster is not yet available', async () => {
      states.catalog = { writer: WEST, clusterStatus: { [WEST]: 'modifying' } };
      states.orders = { writer: WEST };
      const result = (await handler()(
        { operation: 'wait', mode: 'failover', targetRegion: WEST, startResult },
        { getRemainingTimeInMillis: () => 60_000 },
      )) as DatabaseWaitResult;
      expect(result.waitState).toBe(WAIT_PENDING);
      expect(result.databases.find((d) => d.name === 'catalog')).toMatchObject({ complete: false, newWriterRegion: WEST, status: 'modifying' });
    });

    it('returns PENDING when this invocation runs out of time so the document loops', async () => {
      states.catalog = { writer: EAST, failover: { status: 'failing-over', from: EAST, to: WEST } };
      const result = (await handler()(
        { operation: 'wait', mode: 'failover', targetRegion: WEST, timeoutMinutes: 20, startResult },
        { getRemainingTimeInMillis: () => 80_000 },
      )) as DatabaseWaitResult;
      expect(result.waitState).toBe(WAIT_PENDING);
      // 80 s remaining - 20 s margin = 60 s budget; another check is only started when a 15 s
      // pause and a 25 s worst-case poll still fit: checks at 0, 15 and 30 s (done by 55 s at worst).
      expect(result.checks).toBe(3);
      expect(result.databases.find((d) => d.name === 'catalog')).toMatchObject({ complete: false, newWriterRegion: EAST });
      expect(JSON.stringify(result)).toContain(WAIT_PENDING);
    });

    it('polls through throttling and timeouts and completes', async () => {
      let failures = 3;
      rds.on(DescribeGlobalClustersCommand, { GlobalClusterIdentifier: 'retail-orders' }).callsFake(() => {
        if (failures-- > 0) throw failures % 2 === 0 ? rdsThrottling() : Object.assign(new Error('Request timed out'), { name: 'TimeoutError' });
        return { GlobalClusters: [{ GlobalClusterIdentifier: 'retail-orders', Status: 'available', GlobalClusterMembers: [{ DBClusterArn: memberArn('orders', WEST), IsWriter: true }] }] };
      });
      states.catalog = { writer: WEST };
      const result = (await handler()(
        { operation: 'wait', mode: 'failover', targetRegion: WEST, startResult },
        { getRemainingTimeInMillis: () => 270_000 },
      )) as DatabaseWaitResult;
      expect(result.waitState).toBe(WAIT_COMPLETE);
      expect(result.checks).toBe(4);
    });

    it('returns PENDING with the last error when every check of an invocation failed transiently', async () => {
      rds.on(DescribeGlobalClustersCommand).rejects(rdsThrottling());
      const result = (await handler()(
        { operation: 'wait', mode: 'failover', targetRegion: WEST, startResult },
        { getRemainingTimeInMillis: () => 80_000 },
      )) as DatabaseWaitResult;
      expect(result.waitState).toBe(WAIT_PENDING);
      expect(result.failedChecks).toBe(3);
      expect(result.lastError).toMatch(/^Throttling: Rate exceeded/);
      expect(result.databases.map((d) => d.status)).toEqual(['unknown', 'unknown']);
    });

    it('fails at once on an error that polling cannot fix', async () => {
      rds.on(DescribeDBClustersCommand).rejects(new DBClusterNotFoundFault({ message: 'DBCluster retail-orders-us-west-2 not found', $metadata: {} }));
      await expect(
        handler()({ operation: 'wait', mode: 'failover', targetRegion: WEST, startResult }, { getRemainingTimeInMillis: () => 270_000 }),
      ).rejects.toThrow(/DBCluster retail-orders-us-west-2 not found/);
      expect(clock).toBe(T0);
    });

    it('fails at the deadline with the last state seen, where each database writes and the command to finish', async () => {
      states.catalog = { writer: WEST };
      states.orders = { writer: EAST, status: 'failing-over', failover: { status: 'failing-over', from: EAST, to: WEST } };
      clock = T0 + 19 * 60_000;
      const error = await handler()(
        { operation: 'wait', mode: 'failover', targetRegion: WEST, timeoutMinutes: 20, startResult },
        { getRemainingTimeInMillis: () => 270_000 },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('DatabaseWaitTimeout');
      const message = (error as Error).message;
      expect(message).toContain('by 2026-01-01T00:20:00.000Z: last state seen at 2026-01-01T00:20:00.000Z');
      expect(message).toContain('orders: us-west-2 member is not writer, cluster available; global cluster failing-over (failing-over); listed writers: us-east-1');
      expect(message).toContain('catalog: us-west-2 member is writer, cluster available');
      expect(message).toContain('Writes are split across Regions: catalog writes in us-west-2, orders writes in us-east-1.');
      expect(message).toContain('aws ssm start-automation-execution --region us-west-2 --document-name retail-Failover --parameters TargetRegion=us-west-2');
      expect(clock).toBeGreaterThanOrEqual(T0 + 20 * 60_000);
    });

    it('fails at the deadline with the last error when nothing could be read', async () => {
      rds.on(DescribeGlobalClustersCommand).rejects(rdsThrottling());
      clock = T0 + 20 * 60_000;
      const error = (await handler()({ operation: 'wait', mode: 'failover', targetRegion: WEST, timeoutMinutes: 20, startResult }).catch(
        (e: unknown) => e,
      )) as Error;
      expect(error.name).toBe('DatabaseWaitTimeout');
      expect(error.message).toMatch(/no state could be read in this step; last error \(1 failed checks\): Throttling: Rate exceeded/);
    });

    it('waits for the started databases, then reports a partial switchover with the commands to finish or undo', async () => {
      const partial = JSON.stringify({
        startedAt: new Date(T0).toISOString(),
        databases: [
          { name: 'catalog', oldWriterRegion: EAST, called: true },
          { name: 'orders', oldWriterRegion: EAST, called: false, startError: 'InvalidGlobalClusterStateFault: not in sync' },
        ],
      });
      states.catalog = { writer: EAST, status: 'switching-over', failover: { status: 'failing-over', from: EAST, to: WEST } };
      onSleep = () => {
        states.catalog = { writer: WEST };
      };
      const error = (await handler()(
        { operation: 'wait', mode: 'switchover', targetRegion: WEST, startResult: partial },
        { getRemainingTimeInMillis: () => 270_000 },
      ).catch((e: unknown) => e)) as Error;
      expect(error.name).toBe('DatabaseMoveIncomplete');
      expect(error.message).toContain('The switchover to us-west-2 is incomplete: could not start it for orders: InvalidGlobalClusterStateFault: not in sync');
      expect(error.message).toContain('Writes are split across Regions: catalog writes in us-west-2, orders writes in us-east-1.');
      expect(error.message).toContain('--region us-west-2 --document-name retail-Switchover --parameters TargetRegion=us-west-2');
      expect(error.message).toContain(
        'To undo, switch catalog back to us-east-1: aws ssm start-automation-execution --region us-east-1 --document-name retail-Switchover --parameters TargetRegion=us-east-1',
      );
      expect(clock).toBe(T0 + 15_000);
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
