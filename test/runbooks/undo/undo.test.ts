import {
  CreateDBInstanceCommand, DeleteDBClusterCommand, DeleteDBInstanceCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand,
  ModifyDBClusterCommand, RDSClient, RestoreDBClusterToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { ReconcileOptions, ReconcileResult } from '../../../lib/reconcile/engine';
import { runUndo } from '../../../runbooks/undo/main';
import { temporaryClusterName, undoBadWrite, type UndoDeps, type UndoRequest } from '../../../runbooks/undo/undo';

const rds = mockClient(RDSClient);
const secrets = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);

const NOW = new Date('2026-12-02T08:00:00Z');
const BEFORE = new Date('2026-12-02T07:59:00Z');
const TEMP = temporaryClusterName('retail', 'orders', BEFORE);
const LIVE_SECRET = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:orders-AbCdEf';

const request: UndoRequest = {
  appName: 'retail', database: 'orders', region: 'us-west-2', sourceClusterIdentifier: 'retail-orders-us-west-2',
  restoreTo: BEFORE, liveSecretArn: LIVE_SECRET, outDir: '/tmp/undo-test', keep: false, waitMinutes: 10,
};

function result(hasDifferences: boolean): ReconcileResult {
  return { report: { totals: { missingInNew: hasDifferences ? 2 : 0 } } as never, files: ['/tmp/undo-test/report.json'], hasDifferences };
}

function world(options: { clusterStatuses?: string[]; report?: (o: ReconcileOptions) => Promise<ReconcileResult> } = {}) {
  rds.reset(); secrets.reset(); ssm.reset();
  rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'retail-orders-us-west-2' }).resolves({ DBClusters: [{
    DBClusterIdentifier: 'retail-orders-us-west-2', Engine: 'aurora-postgresql', DatabaseName: 'orders', DBSubnetGroup: 'data-subnets',
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-orders' }], KmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/k',
    EarliestRestorableTime: new Date('2026-11-01T00:00:00Z'), LatestRestorableTime: new Date('2026-12-02T07:59:30Z'),
  }] });
  const statuses = [...(options.clusterStatuses ?? ['creating', 'available'])];
  rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: TEMP }).callsFake(async () => {
    const status = statuses.length > 1 ? statuses.shift()! : statuses[0]!;
    return { DBClusters: [{ Status: status, Endpoint: 'temp.cluster-x.us-west-2.rds.amazonaws.com', Port: 5432, MasterUserSecret: { SecretArn: 'arn:managed' } }] };
  });
  rds.on(RestoreDBClusterToPointInTimeCommand).resolves({});
  rds.on(ModifyDBClusterCommand).resolves({});
  rds.on(CreateDBInstanceCommand).resolves({});
  let instanceDeleted = false;
  rds.on(DeleteDBInstanceCommand).callsFake(async () => { instanceDeleted = true; return {}; });
  rds.on(DescribeDBInstancesCommand).callsFake(async () => {
    if (instanceDeleted) throw Object.assign(new Error('gone'), { name: 'DBInstanceNotFoundFault' });
    return { DBInstances: [{ DBInstanceStatus: 'available' }] };
  });
  rds.on(DeleteDBClusterCommand).resolves({});
  secrets.on(GetSecretValueCommand, { SecretId: 'arn:managed' }).resolves({ SecretString: JSON.stringify({ username: 'postgres', password: 'new-pw' }) });
  secrets.on(GetSecretValueCommand, { SecretId: LIVE_SECRET }).resolves({ SecretString: JSON.stringify({ host: 'retail-orders.global-x.global.rds.amazonaws.com', port: 5432, username: 'postgres', password: 'live-pw' }) });
  const reports: ReconcileOptions[] = [];
  const progress: string[] = [];
  let clock = NOW.getTime();
  const deps: UndoDeps = {
    rds: new RDSClient({ region: 'us-west-2' }),
    secrets: new SecretsManagerClient({ region: 'us-west-2' }),
    report: async (o) => { reports.push(o); return options.report !== undefined ? options.report(o) : result(true); },
    now: () => new Date(clock),
    sleep: async (ms) => { clock += ms; },
    progress: (line) => progress.push(line),
  };
  return { deps, reports, progress };
}

describe('undoBadWrite', () => {
  test('restores the writer to the time given, like the live member, compares with the live writer, then deletes instance and cluster', async () => {
    const { deps, reports } = world();
    const outcome = await undoBadWrite(deps, request);
    const restore = rds.commandCalls(RestoreDBClusterToPointInTimeCommand)[0]!.args[0].input;
    expect(restore).toMatchObject({
      DBClusterIdentifier: 'retail-undo-orders-202612020759', SourceDBClusterIdentifier: 'retail-orders-us-west-2', RestoreToTime: BEFORE,
      DBSubnetGroupName: 'data-subnets', VpcSecurityGroupIds: ['sg-orders'], KmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/k', DeletionProtection: false,
    });
    expect(rds.commandCalls(ModifyDBClusterCommand)[0]!.args[0].input).toMatchObject({ ManageMasterUserPassword: true });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      engine: 'postgres', outDir: '/tmp/undo-test',
      old: { host: 'temp.cluster-x.us-west-2.rds.amazonaws.com', user: 'postgres', password: 'new-pw', database: 'orders' },
      new: { host: 'retail-orders.global-x.global.rds.amazonaws.com', password: 'live-pw', database: 'orders' },
    });
    expect(outcome).toMatchObject({ cleanup: 'deleted', report: { hasDifferences: true } });
    expect(rds.commandCalls(DeleteDBClusterCommand)[0]!.args[0].input).toEqual({ DBClusterIdentifier: TEMP, SkipFinalSnapshot: true });
  });

  test('a report that fails still ends in the cleanup, and the outcome says why', async () => {
    const { deps } = world({ report: async () => { throw new Error('connect ETIMEDOUT'); } });
    const outcome = await undoBadWrite(deps, request);
    expect(outcome).toMatchObject({ error: 'connect ETIMEDOUT', cleanup: 'deleted' });
    expect(rds.commandCalls(DeleteDBClusterCommand)).toHaveLength(1);
  });

  test('a restore that never becomes available gives up with what it last saw, and cleans up', async () => {
    const { deps, reports } = world({ clusterStatuses: ['creating'] });
    const outcome = await undoBadWrite(deps, request);
    expect(outcome.error).toBe(`${TEMP} not available after 10 minutes; last seen: creating`);
    expect(reports).toHaveLength(0);
    expect(outcome.cleanup).toBe('deleted');
  });

  test('--keep leaves the temporary cluster', async () => {
    const { deps } = world();
    expect((await undoBadWrite(deps, { ...request, keep: true })).cleanup).toBe('kept');
    expect(rds.commandCalls(DeleteDBClusterCommand)).toHaveLength(0);
  });

  test('a time outside the restorable window is refused before anything is created', async () => {
    const { deps } = world();
    await expect(undoBadWrite(deps, { ...request, restoreTo: new Date('2026-10-01T00:00:00Z') })).rejects.toThrow('before the earliest restorable time');
    await expect(undoBadWrite(deps, { ...request, restoreTo: new Date('2026-12-02T07:59:50Z') })).rejects.toThrow('after the latest restorable time');
    expect(rds.commandCalls(RestoreDBClusterToPointInTimeCommand)).toHaveLength(0);
  });

  test('a cleanup that fails is reported, not hidden', async () => {
    const { deps } = world();
    rds.on(DeleteDBClusterCommand).rejects(new Error('InvalidDBClusterStateFault'));
    expect(await undoBadWrite(deps, request)).toMatchObject({ cleanup: 'failed', cleanupError: 'InvalidDBClusterStateFault' });
  });
});

describe('npm run -s undo', () => {
  const topology = {
    appName: 'retail', regions: ['us-east-1', 'us-west-2'],
    databases: [{ name: 'orders', engine: 'aurora-postgresql', globalClusterIdentifier: 'retail-orders', members: { 'us-west-2': { clusterIdentifier: 'retail-orders-us-west-2', clusterArn: 'arn' } } }],
  };
  const args = ['--database', 'orders', '--before', '2026-12-02T07:59:00Z', '--region', 'us-west-2', '--secret-arn', LIVE_SECRET, '--out', '/tmp/undo-test'];

  function cli(report?: (o: ReconcileOptions) => Promise<ReconcileResult>, interactive = false) {
    const { deps } = world(report !== undefined ? { report } : {});
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(topology) } });
    const out: string[] = [];
    const err: string[] = [];
    return {
      out, err,
      deps: {
        ssm: () => new SSMClient({ region: 'us-west-2' }), rds: () => deps.rds, secrets: () => deps.secrets, report: deps.report,
        now: deps.now, sleep: deps.sleep, out: (l: string) => out.push(l), err: (l: string) => err.push(l), interactive, confirm: async () => false,
      },
    };
  }

  test('--json prints one document; differences found exit 1', async () => {
    const { deps, out } = cli();
    expect(await runUndo(deps, [...args, '--yes', '--json'])).toBe(1);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ command: 'undo', exitCode: 1, outcome: { temporaryCluster: TEMP, cleanup: 'deleted', report: { hasDifferences: true } } });
  });

  test('no difference exits 0', async () => {
    const { deps } = cli(async () => result(false));
    expect(await runUndo(deps, [...args, '--yes'])).toBe(0);
  });

  test('without --yes and without a terminal nothing starts (exit 2); a "no" exits 3', async () => {
    expect(await runUndo(cli().deps, args)).toBe(2);
    expect(await runUndo(cli(undefined, true).deps, args)).toBe(3);
    expect(rds.commandCalls(RestoreDBClusterToPointInTimeCommand)).toHaveLength(0);
  });

  test('bad input lists every problem and exits 2; --help exits 0', async () => {
    const { deps, err } = cli();
    expect(await runUndo(deps, ['--database', 'carts', '--before', 'yesterday'])).toBe(2);
    expect(err[0]).toMatch(/--database must be catalog or orders.*--before must be an ISO 8601 time.*--region.*--secret-arn/);
    expect(await runUndo(deps, ['--help'])).toBe(0);
  });

  test('a future --before is refused', async () => {
    const { deps, err } = cli();
    expect(await runUndo(deps, ['--database', 'orders', '--before', '2026-12-03T00:00:00Z', '--region', 'us-west-2', '--secret-arn', LIVE_SECRET])).toBe(2);
    expect(err[0]).toContain('is in the future');
  });
});
