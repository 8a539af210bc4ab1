/**
 * CloneNewPrimary / WaitForNewPrimaryClone (runtime/clone.ts): the comparison reads a
 * copy-on-write clone of the new primary, and with FailoverTime a point-in-time base, both
 * tagged like every temporary resource; mocked RDS with the SDK's own types.
 */
import {
  CreateDBInstanceCommand,
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RestoreDBClusterToPointInTimeCommand,
  type DBCluster,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { createClone, type CloneResult } from '../../../lib/reconcile/runtime/clone';
import { TAG_DATABASE, TAG_EXECUTION, TAG_TEMPORARY } from '../../../lib/reconcile/runtime/names';
import { CLONE_PENDING, CLONE_READY } from '../../../lib/reconcile/runtime/steps';
import { readSettings } from '../../../lib/reconcile/task/settings';
import { CONFIG, DATA_KEY, EXECUTION, OTHER_EXECUTION, WEST } from './runtime-fixtures';

const MEMBER = `retail-orders-${WEST}`;
const CLONE = 'retail-reconcile-orders-clone';
const BASE = 'retail-reconcile-orders-base';
const T0 = Date.parse('2026-01-02T12:00:00Z');
const EARLIEST = new Date('2026-01-01T00:00:00Z');
const LATEST = new Date('2026-01-02T11:55:00Z');

describe('CloneNewPrimary / WaitForNewPrimaryClone', () => {
  const rds = new RDSClient({ region: WEST });
  const mock = mockClient(rds);
  let clusters: Record<string, DBCluster>;
  let instances: Record<string, DBInstance>;
  let clock: number;

  function clone(maxWaitBudgetMs = 230_000): (event: unknown) => Promise<CloneResult> {
    return createClone({ config: CONFIG, region: WEST, rds, now: () => new Date(clock), sleep: async (ms) => void (clock += ms), pollIntervalMs: 20_000, maxWaitBudgetMs });
  }

  beforeEach(() => {
    mock.reset();
    clock = T0;
    clusters = { [MEMBER]: { DBClusterIdentifier: MEMBER, Status: 'available', Engine: 'aurora-postgresql', EarliestRestorableTime: EARLIEST, LatestRestorableTime: LATEST } };
    instances = {};
    mock.on(DescribeDBClustersCommand).callsFake((input: { DBClusterIdentifier: string }) => {
      const found = clusters[input.DBClusterIdentifier];
      if (found === undefined) throw new DBClusterNotFoundFault({ message: 'not found', $metadata: {} });
      return { DBClusters: [found] };
    });
    mock.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
      const found = instances[input.DBInstanceIdentifier];
      if (found === undefined) throw new DBInstanceNotFoundFault({ message: 'not found', $metadata: {} });
      return { DBInstances: [found] };
    });
    mock.on(RestoreDBClusterToPointInTimeCommand).callsFake((input: { DBClusterIdentifier: string; Tags: DBCluster['TagList'] }) => {
      if (clusters[input.DBClusterIdentifier] !== undefined) throw new DBClusterAlreadyExistsFault({ message: 'exists', $metadata: {} });
      clusters[input.DBClusterIdentifier] = { DBClusterIdentifier: input.DBClusterIdentifier, Status: 'creating', Engine: 'aurora-postgresql', TagList: input.Tags };
      return {};
    });
    mock.on(ModifyDBClusterCommand).callsFake((input: { DBClusterIdentifier: string }) => {
      clusters[input.DBClusterIdentifier] = { ...clusters[input.DBClusterIdentifier], Status: 'modifying', MasterUserSecret: { SecretArn: `arn:aws:secretsmanager:${WEST}:1:secret:rds!cluster-${input.DBClusterIdentifier}`, SecretStatus: 'creating' } };
      return {};
    });
    mock.on(CreateDBInstanceCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
      instances[input.DBInstanceIdentifier] = { DBInstanceIdentifier: input.DBInstanceIdentifier, DBInstanceStatus: 'creating' };
      return {};
    });
  });

  /** RDS finishes whatever is in progress. */
  function settle(): void {
    for (const c of Object.values(clusters)) {
      c.Status = 'available';
      c.Endpoint = `${c.DBClusterIdentifier}.cluster-x.${WEST}.rds.amazonaws.com`;
      if (c.MasterUserSecret !== undefined) c.MasterUserSecret.SecretStatus = 'active';
    }
    for (const i of Object.values(instances)) i.DBInstanceStatus = 'available';
  }

  it('starts a copy-on-write clone of this Region\'s member at its latest restorable time, tagged, in the temporary subnets and security group, on the member\'s port', async () => {
    const started = await clone()({ operation: 'start', database: 'orders', executionId: EXECUTION, failoverTime: '' });
    const calls = mock.commandCalls(RestoreDBClusterToPointInTimeCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      {
        DBClusterIdentifier: CLONE,
        SourceDBClusterIdentifier: MEMBER,
        RestoreType: 'copy-on-write',
        UseLatestRestorableTime: true,
        Port: 5433,
        DBSubnetGroupName: 'retail-reconcile',
        VpcSecurityGroupIds: ['sg-temporary'],
        DBClusterParameterGroupName: 'retail-reconcile-orders',
        DeletionProtection: false,
        CopyTagsToSnapshot: false,
        EnableIAMDatabaseAuthentication: false,
        BackupRetentionPeriod: 1,
        ServerlessV2ScalingConfiguration: { MinCapacity: 2, MaxCapacity: 32 },
        Tags: [
          { Key: TAG_EXECUTION, Value: EXECUTION },
          { Key: TAG_TEMPORARY, Value: 'true' },
          { Key: TAG_DATABASE, Value: 'orders' },
        ],
      },
    ]);
    expect(started).toMatchObject({ state: 'pending', marker: CLONE_PENDING, targets: [{ role: 'clone', name: CLONE }] });
    expect(started.failoverTime).toBeUndefined();
  });

  it('with FailoverTime also restores the base to that time (full copy: RDS takes no restore time with copy-on-write), tagged the same', async () => {
    const started = await clone()({ operation: 'start', database: 'orders', executionId: EXECUTION, failoverTime: '2026-01-02T10:00:00Z' });
    const base = mock.commandCalls(RestoreDBClusterToPointInTimeCommand).map((c) => c.args[0].input).find((i) => i.DBClusterIdentifier === BASE);
    expect(base).toMatchObject({ SourceDBClusterIdentifier: MEMBER, RestoreType: 'full-copy', RestoreToTime: new Date('2026-01-02T10:00:00Z'), Tags: expect.arrayContaining([{ Key: TAG_EXECUTION, Value: EXECUTION }]) });
    expect(base?.UseLatestRestorableTime).toBeUndefined();
    expect(started).toMatchObject({ failoverTime: '2026-01-02T10:00:00.000Z', targets: [{ role: 'clone' }, { role: 'base', name: BASE }] });
  });

  it('refuses a FailoverTime before the earliest restorable time BEFORE creating anything, naming both times', async () => {
    await expect(clone()({ operation: 'start', database: 'orders', executionId: EXECUTION, failoverTime: '2025-12-31T23:00:00Z' })).rejects.toThrow(
      /FailoverTime 2025-12-31T23:00:00.000Z is before the earliest restorable time of retail-orders-us-west-2 \(2026-01-01T00:00:00.000Z\)/,
    );
    expect(mock.commandCalls(RestoreDBClusterToPointInTimeCommand)).toHaveLength(0);
  });

  it('refuses a FailoverTime that is not ISO-8601 UTC', async () => {
    await expect(clone()({ operation: 'start', database: 'orders', executionId: EXECUTION, failoverTime: 'yesterday' })).rejects.toThrow(/FailoverTime "yesterday" is not an ISO-8601 UTC time/);
    expect(mock.commandCalls(RestoreDBClusterToPointInTimeCommand)).toHaveLength(0);
  });

  it('a retried start accepts its own clone but refuses another execution\'s', async () => {
    clusters[CLONE] = { DBClusterIdentifier: CLONE, Status: 'creating', TagList: [{ Key: TAG_EXECUTION, Value: EXECUTION }] };
    await expect(clone()({ operation: 'start', database: 'orders', executionId: EXECUTION })).resolves.toMatchObject({ state: 'pending' });
    clusters[CLONE] = { DBClusterIdentifier: CLONE, Status: 'creating', TagList: [{ Key: TAG_EXECUTION, Value: OTHER_EXECUTION }] };
    await expect(clone()({ operation: 'start', database: 'orders', executionId: EXECUTION })).rejects.toThrow(`cluster ${CLONE} already exists (execution ${OTHER_EXECUTION})`);
  });

  it('wait: managed secret, then one instance, then ready with the endpoints and secrets the task reads (TARGETS)', async () => {
    const started = await clone()({ operation: 'start', database: 'orders', executionId: EXECUTION, failoverTime: '2026-01-02T10:00:00Z' });
    // Budget for one poll only: each call returns after one pass, so every phase is visible.
    const step = async (): Promise<CloneResult> => clone(10_000)({ operation: 'wait', database: 'orders', executionId: EXECUTION, started: JSON.stringify(started) });
    expect((await step()).targets.map((t) => t.phase)).toEqual(['restoring', 'restoring']);
    settle();
    expect((await step()).targets.map((t) => t.phase)).toEqual(['enabling-managed-secret', 'enabling-managed-secret']);
    expect(mock.commandCalls(ModifyDBClusterCommand).map((c) => c.args[0].input)).toContainEqual({ DBClusterIdentifier: CLONE, ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: DATA_KEY, ApplyImmediately: true });
    settle();
    expect((await step()).targets.map((t) => t.phase)).toEqual(['creating-instance', 'creating-instance']);
    expect(mock.commandCalls(CreateDBInstanceCommand).map((c) => c.args[0].input)).toContainEqual(
      expect.objectContaining({ DBInstanceIdentifier: CLONE, DBClusterIdentifier: CLONE, Engine: 'aurora-postgresql', PubliclyAccessible: false, DBParameterGroupName: 'retail-reconcile-orders' }),
    );
    settle();
    const ready = await step();
    expect(ready).toMatchObject({
      state: 'ready',
      marker: CLONE_READY,
      newHost: `${CLONE}.cluster-x.${WEST}.rds.amazonaws.com`,
      newSecretArn: `arn:aws:secretsmanager:${WEST}:1:secret:rds!cluster-${CLONE}`,
      base: { host: `${BASE}.cluster-x.${WEST}.rds.amazonaws.com`, secretArn: `arn:aws:secretsmanager:${WEST}:1:secret:rds!cluster-${BASE}` },
    });
    expect(JSON.stringify(ready)).not.toContain(CLONE_PENDING);
    // The task reads exactly this payload (RunTask passes it as TARGETS).
    const settings = readSettings({ ENGINE: 'postgres', OLD_HOST: 'old', OLD_PORT: '5433', OLD_SECRET_ARN: 'old-secret', NEW_SECRET_ARN: 'member-secret', NEW_HOST: 'member', DATABASE: 'orders', BUCKET: 'b', PREFIX: 'p', TARGETS: JSON.stringify(ready) });
    expect(settings).toMatchObject({ newHost: ready.newHost, newSecretArn: ready.newSecretArn, base: { host: ready.base?.host, port: 5433, secretArn: ready.base?.secretArn } });
  });

  it('two-way: the wait ignores the base, and the task gets no base', async () => {
    const started = await clone()({ operation: 'start', database: 'orders', executionId: EXECUTION });
    settle();
    await clone(10_000)({ operation: 'wait', database: 'orders', executionId: EXECUTION, started });
    settle();
    await clone(10_000)({ operation: 'wait', database: 'orders', executionId: EXECUTION, started });
    settle();
    const ready = await clone(10_000)({ operation: 'wait', database: 'orders', executionId: EXECUTION, started });
    expect(ready.state).toBe('ready');
    expect(ready.base).toBeUndefined();
    expect(mock.commandCalls(DescribeDBClustersCommand).map((c) => c.args[0].input.DBClusterIdentifier)).not.toContain(BASE);
  });

  it('fails at its deadline, naming what it last saw', async () => {
    const started = await clone()({ operation: 'start', database: 'orders', executionId: EXECUTION });
    clock = T0 + 481 * 60_000;
    await expect(clone()({ operation: 'wait', database: 'orders', executionId: EXECUTION, started })).rejects.toThrow(
      `the new primary's clone is not ready 480 minutes after it was started; last seen: clone ${CLONE}: restoring (creating)`,
    );
  });

  it('never adopts a clone another execution created', async () => {
    clusters[CLONE] = { DBClusterIdentifier: CLONE, Status: 'available', TagList: [{ Key: TAG_EXECUTION, Value: OTHER_EXECUTION }] };
    await expect(clone()({ operation: 'wait', database: 'orders', executionId: EXECUTION, started: { startedAt: new Date(T0).toISOString() } })).rejects.toThrow(
      `belongs to execution ${OTHER_EXECUTION}`,
    );
    expect(mock.commandCalls(ModifyDBClusterCommand)).toHaveLength(0);
  });
});
