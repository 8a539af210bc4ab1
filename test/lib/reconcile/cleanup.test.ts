import {
  DBClusterNotFoundFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  RDSClient,
  type Tag,
} from '@aws-sdk/client-rds';
import { AutomationExecutionNotFoundException, GetAutomationExecutionCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createCleanup, executionStatusFrom, type CleanupResult } from '../../../lib/reconcile/runtime/cleanup';
import { CLEANUP_DONE, CLEANUP_PENDING } from '../../../lib/reconcile/runtime/steps';
import { CONFIG, EXECUTION, OTHER_EXECUTION, WEST } from './runtime-fixtures';

const NAME = 'retail-reconcile-orders';
const CLONE = 'retail-reconcile-orders-clone';
const BASE = 'retail-reconcile-orders-base';
const T0 = Date.parse('2026-01-02T12:00:00Z');
const tags = (execution: string): Tag[] => [{ Key: 'reconcile:execution-id', Value: execution }];

/** The restored old primary's instance and cluster, and the copied snapshot (all named NAME). */
const own = (result: CleanupResult): CleanupResult['resources'] => result.resources.filter((r) => r.name === NAME);

/** A fake RDS Region holding at most one temporary instance, cluster and snapshot. */
interface FakeState {
  instance?: { status: string; owner: string };
  cluster?: { status: string; owner: string };
  snapshot?: { status: string; owner: string };
}

describe('DeleteTemporaryCluster / WaitForTemporaryClusterDeletion', () => {
  const rds = new RDSClient({ region: WEST });
  const mock = mockClient(rds);
  let state: FakeState;
  /** The clone of the new primary and the base (instance and cluster each), by name. */
  let copies: Record<string, Pick<FakeState, 'instance' | 'cluster'>>;
  let clock: number;
  const holder = (name: string): Pick<FakeState, 'instance' | 'cluster'> => (name === NAME ? state : (copies[name] ??= {}));

  function fakeRegion(): void {
    mock.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
      const instance = holder(input.DBInstanceIdentifier).instance;
      if (instance === undefined) throw new DBInstanceNotFoundFault({ message: 'DBInstance not found', $metadata: {} });
      return { DBInstances: [{ DBInstanceIdentifier: input.DBInstanceIdentifier, DBInstanceStatus: instance.status, TagList: tags(instance.owner) }] };
    });
    mock.on(DescribeDBClustersCommand).callsFake((input: { DBClusterIdentifier: string }) => {
      const cluster = holder(input.DBClusterIdentifier).cluster;
      if (cluster === undefined) throw new DBClusterNotFoundFault({ message: 'DBCluster not found', $metadata: {} });
      return { DBClusters: [{ DBClusterIdentifier: input.DBClusterIdentifier, Status: cluster.status, TagList: tags(cluster.owner) }] };
    });
    mock.on(DescribeDBClusterSnapshotsCommand).callsFake(() => {
      if (state.snapshot === undefined) throw new DBClusterSnapshotNotFoundFault({ message: 'not found', $metadata: {} });
      return { DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: NAME, Status: state.snapshot.status, TagList: tags(state.snapshot.owner) }] };
    });
    mock.on(DeleteDBInstanceCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
      const instance = holder(input.DBInstanceIdentifier).instance;
      if (instance === undefined) throw new DBInstanceNotFoundFault({ message: 'gone', $metadata: {} });
      if (instance.status === 'creating') throw new InvalidDBInstanceStateFault({ message: 'Instance is not in available state', $metadata: {} });
      instance.status = 'deleting';
      return {};
    });
    mock.on(DeleteDBClusterCommand).callsFake((input: { DBClusterIdentifier: string }) => {
      const cluster = holder(input.DBClusterIdentifier).cluster;
      if (cluster === undefined) throw new DBClusterNotFoundFault({ message: 'gone', $metadata: {} });
      cluster.status = 'deleting';
      return {};
    });
    mock.on(DeleteDBClusterSnapshotCommand).callsFake(() => {
      if (state.snapshot === undefined) throw new DBClusterSnapshotNotFoundFault({ message: 'gone', $metadata: {} });
      state.snapshot = undefined;
      return {};
    });
  }

  const ssm = new SSMClient({ region: WEST });
  const ssmMock = mockClient(ssm);
  /** Automation executions SSM knows, by id. */
  let executions: Record<string, string>;

  function cleanup(maxWaitBudgetMs = 240_000): (event: unknown) => Promise<CleanupResult> {
    return createCleanup({
      config: CONFIG,
      rds,
      executionStatus: executionStatusFrom(ssm),
      now: () => new Date(clock),
      sleep: async (ms) => {
        clock += ms;
        // RDS finishes what is deleting by the next poll.
        for (const held of [state, ...Object.values(copies)]) {
          if (held.instance?.status === 'deleting') delete held.instance;
          else if (held.cluster?.status === 'deleting') delete held.cluster;
        }
      },
      pollIntervalMs: 20_000,
      maxWaitBudgetMs,
    });
  }

  beforeEach(() => {
    mock.reset();
    ssmMock.reset();
    clock = T0;
    state = {};
    copies = {};
    executions = {};
    fakeRegion();
    ssmMock.on(GetAutomationExecutionCommand).callsFake((input: { AutomationExecutionId: string }) => {
      const status = executions[input.AutomationExecutionId];
      if (status === undefined) throw new AutomationExecutionNotFoundException({ message: 'not found', $metadata: {} });
      return { AutomationExecution: { AutomationExecutionId: input.AutomationExecutionId, AutomationExecutionStatus: status } };
    });
  });

  describe('leftovers of an earlier run (the first steps of every run)', () => {
    const leftovers = { instance: { status: 'creating', owner: OTHER_EXECUTION }, cluster: { status: 'available', owner: OTHER_EXECUTION }, snapshot: { status: 'available', owner: OTHER_EXECUTION } };

    it('deletes what a cancelled execution left while RDS was creating, once SSM says it finished, and loops until gone', async () => {
      state = structuredClone(leftovers);
      executions[OTHER_EXECUTION] = 'Cancelled';
      const started = await cleanup()({ operation: 'leftovers-start', database: 'orders', executionId: EXECUTION });
      expect(own(started).map((r) => [r.kind, r.state, r.owner])).toEqual([
        ['instance', 'waiting', OTHER_EXECUTION],
        ['cluster', 'waiting', OTHER_EXECUTION],
        ['snapshot', 'started', OTHER_EXECUTION],
      ]);
      expect(started.marker).toBe(CLEANUP_PENDING);
      // RDS finishes creating the instance; the next pass deletes instance then cluster.
      state.instance = { status: 'available', owner: OTHER_EXECUTION };
      const done = await cleanup()({ operation: 'leftovers-wait', database: 'orders', executionId: EXECUTION, started });
      expect(done).toMatchObject({ state: 'done', marker: CLEANUP_DONE });
      expect(state).toEqual({});
      expect(mock.commandCalls(DeleteDBClusterCommand).map((c) => c.args[0].input)).toEqual([{ DBClusterIdentifier: NAME, SkipFinalSnapshot: true }]);
      expect(ssmMock.commandCalls(GetAutomationExecutionCommand)[0].args[0].input).toEqual({ AutomationExecutionId: OTHER_EXECUTION });
    });

    it('deletes leftovers of an execution SSM no longer knows (expired)', async () => {
      state = { snapshot: { status: 'available', owner: OTHER_EXECUTION } };
      const result = await cleanup()({ operation: 'leftovers-start', database: 'orders', executionId: EXECUTION });
      expect(own(result).map((r) => r.state)).toEqual(['gone', 'gone', 'started']);
    });

    it('never touches the resources of an execution still running: fails naming it', async () => {
      state = structuredClone(leftovers);
      executions[OTHER_EXECUTION] = 'InProgress';
      await expect(cleanup()({ operation: 'leftovers-start', database: 'orders', executionId: EXECUTION })).rejects.toThrow(
        `another restore-and-reconcile execution (${OTHER_EXECUTION}, InProgress) is still using the temporary resources of this database`,
      );
      expect(mock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
      expect(mock.commandCalls(DeleteDBClusterCommand)).toHaveLength(0);
      expect(mock.commandCalls(DeleteDBClusterSnapshotCommand)).toHaveLength(0);
    });

    it('has nothing to do when no earlier run left anything', async () => {
      const result = await cleanup()({ operation: 'leftovers-start', database: 'orders', executionId: EXECUTION });
      expect(result).toMatchObject({ state: 'done', marker: CLEANUP_DONE });
      expect(ssmMock.commandCalls(GetAutomationExecutionCommand)).toHaveLength(0);
    });
  });

  it('after a failure, starts every deletion it can in ONE call: instance, cluster (no final snapshot), copied snapshot', async () => {
    state = { instance: { status: 'available', owner: EXECUTION }, cluster: { status: 'available', owner: EXECUTION }, snapshot: { status: 'available', owner: EXECUTION } };
    const result = await cleanup()({ operation: 'start', database: 'orders', executionId: EXECUTION });
    expect(mock.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: NAME }]);
    expect(mock.commandCalls(DeleteDBClusterCommand).map((c) => c.args[0].input)).toEqual([{ DBClusterIdentifier: NAME, SkipFinalSnapshot: true }]);
    expect(mock.commandCalls(DeleteDBClusterSnapshotCommand).map((c) => c.args[0].input)).toEqual([{ DBClusterSnapshotIdentifier: NAME }]);
    expect(result).toMatchObject({ state: 'pending', marker: CLEANUP_PENDING, startedAt: new Date(T0).toISOString() });
    expect(own(result).map((r) => [r.kind, r.state])).toEqual([
      ['instance', 'started'],
      ['cluster', 'started'],
      ['snapshot', 'started'],
    ]);
  });

  it('tolerates resources that were never created or are already deleted', async () => {
    const result = await cleanup()({ operation: 'start', database: 'orders', executionId: EXECUTION });
    expect(result).toMatchObject({ state: 'done', marker: CLEANUP_DONE });
    expect(mock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(mock.commandCalls(DeleteDBClusterCommand)).toHaveLength(0);
    expect(mock.commandCalls(DeleteDBClusterSnapshotCommand)).toHaveLength(0);
  });

  it('treats a resource that vanishes between describe and delete as deleted', async () => {
    state = { snapshot: { status: 'available', owner: EXECUTION } };
    mock.on(DeleteDBClusterSnapshotCommand).rejects(new DBClusterSnapshotNotFoundFault({ message: 'gone', $metadata: {} }));
    const result = await cleanup()({ operation: 'start', database: 'orders', executionId: EXECUTION });
    expect(result.state).toBe('done');
  });

  it('deletes a copy that is still copying (a failed or cancelled copy wait)', async () => {
    state = { snapshot: { status: 'copying', owner: EXECUTION } };
    const started = await cleanup()({ operation: 'start', database: 'orders', executionId: EXECUTION });
    expect(own(started).map((r) => r.state)).toEqual(['gone', 'gone', 'started']);
    expect(mock.commandCalls(DeleteDBClusterSnapshotCommand)).toHaveLength(1);
    // A deletion counts once the snapshot is really gone.
    expect((await cleanup()({ operation: 'wait', database: 'orders', executionId: EXECUTION, started })).state).toBe('done');
  });

  it('never touches another execution\'s resources', async () => {
    state = { instance: { status: 'available', owner: OTHER_EXECUTION }, cluster: { status: 'available', owner: OTHER_EXECUTION }, snapshot: { status: 'available', owner: OTHER_EXECUTION } };
    const result = await cleanup()({ operation: 'start', database: 'orders', executionId: EXECUTION });
    expect(result.state).toBe('done');
    expect(own(result).every((r) => r.state === 'not-ours' && r.owner === OTHER_EXECUTION)).toBe(true);
    expect(mock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(mock.commandCalls(DeleteDBClusterCommand)).toHaveLength(0);
    expect(mock.commandCalls(DeleteDBClusterSnapshotCommand)).toHaveLength(0);
  });

  it('waits for an instance that cannot be deleted yet before deleting the cluster', async () => {
    state = { instance: { status: 'creating', owner: EXECUTION }, cluster: { status: 'available', owner: EXECUTION } };
    const result = await cleanup()({ operation: 'start', database: 'orders', executionId: EXECUTION });
    expect(own(result).map((r) => r.state)).toEqual(['waiting', 'waiting', 'gone']);
    expect(mock.commandCalls(DeleteDBClusterCommand)).toHaveLength(0);
  });

  it('loops until everything is gone', async () => {
    state = { instance: { status: 'available', owner: EXECUTION }, cluster: { status: 'available', owner: EXECUTION } };
    const started = await cleanup()({ operation: 'start', database: 'orders', executionId: EXECUTION });
    const result = await cleanup()({ operation: 'wait', database: 'orders', executionId: EXECUTION, started: JSON.stringify(started) });
    expect(result).toMatchObject({ state: 'done', marker: CLEANUP_DONE });
    expect(state).toEqual({});
  });

  it('returns pending at the end of its polling budget so the document loops', async () => {
    state = { instance: { status: 'creating', owner: EXECUTION }, cluster: { status: 'available', owner: EXECUTION } };
    const result = await cleanup(60_000)({ operation: 'wait', database: 'orders', executionId: EXECUTION, started: { startedAt: new Date(T0).toISOString() } });
    expect(result).toMatchObject({ state: 'pending', marker: CLEANUP_PENDING });
    expect(clock - T0).toBeLessThanOrEqual(60_000);
  });

  it('fails at the cleanup deadline, naming what is left', async () => {
    state = { instance: { status: 'creating', owner: EXECUTION } };
    clock = T0 + 61 * 60_000;
    await expect(cleanup()({ operation: 'wait', database: 'orders', executionId: EXECUTION, started: { startedAt: new Date(T0).toISOString() } })).rejects.toThrow(
      /still not deleted 60 minutes after cleanup started: instance retail-reconcile-orders \(creating\)/,
    );
  });

  describe('the clone of the new primary and the base (issue 13 points 3 and 4)', () => {
    it('deletes this execution\'s clone and base with the restored old primary: instances first, then clusters', async () => {
      copies[CLONE] = { instance: { status: 'available', owner: EXECUTION }, cluster: { status: 'available', owner: EXECUTION } };
      copies[BASE] = { instance: { status: 'available', owner: EXECUTION }, cluster: { status: 'available', owner: EXECUTION } };
      const started = await cleanup()({ operation: 'start', database: 'orders', executionId: EXECUTION });
      expect(mock.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input.DBInstanceIdentifier).sort()).toEqual([BASE, CLONE]);
      expect(mock.commandCalls(DeleteDBClusterCommand).map((c) => c.args[0].input).sort((a, b) => String(a.DBClusterIdentifier).localeCompare(String(b.DBClusterIdentifier)))).toEqual([
        { DBClusterIdentifier: BASE, SkipFinalSnapshot: true },
        { DBClusterIdentifier: CLONE, SkipFinalSnapshot: true },
      ]);
      expect(started.marker).toBe(CLEANUP_PENDING);
      const done = await cleanup()({ operation: 'wait', database: 'orders', executionId: EXECUTION, started });
      expect(done).toMatchObject({ state: 'done', marker: CLEANUP_DONE });
      expect(copies).toEqual({ [CLONE]: {}, [BASE]: {} });
    });

    it('the next run\'s leftover sweep finds a clone left by a cancelled run (still restoring) and deletes it once it can', async () => {
      copies[CLONE] = { cluster: { status: 'creating', owner: OTHER_EXECUTION } };
      executions[OTHER_EXECUTION] = 'Cancelled';
      mock.on(DeleteDBClusterCommand).callsFake((input: { DBClusterIdentifier: string }) => {
        const cluster = holder(input.DBClusterIdentifier).cluster;
        if (cluster === undefined) throw new DBClusterNotFoundFault({ message: 'gone', $metadata: {} });
        if (cluster.status === 'creating') throw new InvalidDBClusterStateFault({ message: 'DB cluster is not available', $metadata: {} });
        cluster.status = 'deleting';
        return {};
      });
      const started = await cleanup()({ operation: 'leftovers-start', database: 'orders', executionId: EXECUTION });
      expect(started.resources.find((r) => r.kind === 'cluster' && r.name === CLONE)).toMatchObject({ state: 'waiting', owner: OTHER_EXECUTION });
      expect(started.marker).toBe(CLEANUP_PENDING);
      copies[CLONE].cluster = { status: 'available', owner: OTHER_EXECUTION };
      const done = await cleanup()({ operation: 'leftovers-wait', database: 'orders', executionId: EXECUTION, started });
      expect(done).toMatchObject({ state: 'done', marker: CLEANUP_DONE });
      expect(mock.commandCalls(DeleteDBClusterCommand).map((c) => c.args[0].input.DBClusterIdentifier)).toContain(CLONE);
    });

    it('never deletes another running execution\'s base', async () => {
      copies[BASE] = { cluster: { status: 'available', owner: OTHER_EXECUTION } };
      const result = await cleanup()({ operation: 'start', database: 'orders', executionId: EXECUTION });
      expect(result.resources.find((r) => r.kind === 'cluster' && r.name === BASE)).toMatchObject({ state: 'not-ours' });
      expect(mock.commandCalls(DeleteDBClusterCommand)).toHaveLength(0);
    });
  });
});
