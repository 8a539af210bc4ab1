import {
  CopyDBClusterSnapshotCommand,
  DBClusterSnapshotAlreadyExistsFault,
  DescribeDBClusterSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { createCopy } from '../../../lib/reconcile/runtime/copy';
import { ACCOUNT, CONFIG, DATA_KEY, EAST, EXECUTION, OTHER_EXECUTION, WEST } from './runtime-fixtures';

const SOURCE = `arn:aws:rds:${EAST}:${ACCOUNT}:cluster-snapshot:rds:unplanned-global-failover-retail-orders-us-east-1-2026-01-02-10-00`;
const PLAN = JSON.stringify({ database: 'orders', sourceSnapshotArn: SOURCE, oldPrimaryRegion: EAST, region: WEST });

describe('CopySnapshotToThisRegion', () => {
  const rds = new RDSClient({ region: WEST });
  const mock = mockClient(rds);
  const copy = createCopy({ config: CONFIG, region: WEST, rds });

  beforeEach(() => mock.reset());

  it('copies from the old Region with THIS Region\'s key, to the temporary name, tagged with the execution', async () => {
    mock.on(CopyDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: { DBClusterSnapshotArn: `arn:aws:rds:${WEST}:${ACCOUNT}:cluster-snapshot:retail-reconcile-orders`, Status: 'copying' } });
    const result = await copy({ executionId: EXECUTION, plan: PLAN });
    expect(mock.commandCalls(CopyDBClusterSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      {
        SourceDBClusterSnapshotIdentifier: SOURCE,
        TargetDBClusterSnapshotIdentifier: 'retail-reconcile-orders',
        KmsKeyId: DATA_KEY,
        CopyTags: false,
        Tags: [
          { Key: 'reconcile:execution-id', Value: EXECUTION },
          { Key: 'reconcile:temporary', Value: 'true' },
          { Key: 'reconcile:database', Value: 'orders' },
        ],
      },
    ]);
    expect(result).toMatchObject({ targetSnapshotIdentifier: 'retail-reconcile-orders', status: 'copying', sourceRegion: EAST, kmsKeyId: DATA_KEY, alreadyStarted: false });
  });

  it('accepts the plan already parsed and reports an existing copy of the same execution (retried step)', async () => {
    mock.on(CopyDBClusterSnapshotCommand).rejects(new DBClusterSnapshotAlreadyExistsFault({ message: 'exists', $metadata: {} }));
    mock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [{ Status: 'copying', TagList: [{ Key: 'reconcile:execution-id', Value: EXECUTION }] }] });
    const result = await copy({ executionId: EXECUTION, plan: JSON.parse(PLAN) as unknown });
    expect(result).toMatchObject({ alreadyStarted: true, status: 'copying' });
  });

  it('never reuses another execution\'s copy', async () => {
    mock.on(CopyDBClusterSnapshotCommand).rejects(new DBClusterSnapshotAlreadyExistsFault({ message: 'exists', $metadata: {} }));
    mock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [{ Status: 'available', TagList: [{ Key: 'reconcile:execution-id', Value: OTHER_EXECUTION }] }] });
    await expect(copy({ executionId: EXECUTION, plan: PLAN })).rejects.toThrow(`belongs to execution ${OTHER_EXECUTION}; it is not reused`);
  });

  it('refuses a source in this Region', async () => {
    await expect(copy({ executionId: EXECUTION, plan: JSON.stringify({ database: 'orders', sourceSnapshotArn: SOURCE.replace(EAST, WEST) }) })).rejects.toThrow(/another Region than us-west-2/);
    expect(mock.commandCalls(CopyDBClusterSnapshotCommand)).toHaveLength(0);
  });
});

describe('the SDK presigns the cross-Region copy', () => {
  it('adds a PreSignedUrl for the source Region with this Region as destination and this Region\'s key', async () => {
    // A real client (no mock): the request is captured after signing and never sent.
    const rds = new RDSClient({ region: WEST, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    let body = '';
    rds.middlewareStack.add(
      () => async (args) => {
        const request = args.request as { body?: unknown };
        body = typeof request.body === 'string' ? request.body : '';
        throw new Error('captured');
      },
      { step: 'finalizeRequest', name: 'captureRequest' },
    );
    await expect(createCopy({ config: CONFIG, region: WEST, rds })({ executionId: EXECUTION, plan: PLAN })).rejects.toThrow('captured');
    const form = new URLSearchParams(body);
    expect(form.get('Action')).toBe('CopyDBClusterSnapshot');
    expect(form.get('KmsKeyId')).toBe(DATA_KEY);
    const presigned = new URL(form.get('PreSignedUrl') ?? 'http://missing');
    expect(presigned.hostname).toBe(`rds.${EAST}.amazonaws.com`);
    expect(presigned.searchParams.get('Action')).toBe('CopyDBClusterSnapshot');
    expect(presigned.searchParams.get('DestinationRegion')).toBe(WEST);
    expect(presigned.searchParams.get('KmsKeyId')).toBe(DATA_KEY);
    expect(presigned.searchParams.get('SourceDBClusterSnapshotIdentifier')).toBe(SOURCE);
    expect(presigned.searchParams.get('X-Amz-Credential')).toContain(`/${EAST}/rds/aws4_request`);
    expect(presigned.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });
});
