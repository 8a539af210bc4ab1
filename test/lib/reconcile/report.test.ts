import { GetObjectCommand, NoSuchKey, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DescribeAutomationStepExecutionsCommand, SSMClient, type StepExecution } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createReport, type OutcomeResult, type ReportSummary } from '../../../lib/reconcile/runtime/report';
import { CONFIG, EXECUTION, WEST } from './runtime-fixtures';

const KEY = `reports/orders/${EXECUTION}/report.json`;
const PLAN = JSON.stringify({ sourceSnapshotArn: 'arn:aws:rds:us-east-1:123456789012:cluster-snapshot:rds:unplanned-global-failover-x', snapshotCreateTime: '2026-01-02T10:00:00.000Z' });

function body(text: string): GetObjectCommandOutput['Body'] {
  // The two methods the code uses of the SDK's stream mixin.
  return { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'];
}

const REPORT = {
  engine: 'postgres',
  generatedAt: '2026-01-02T13:00:00.000Z',
  tables: [
    { table: 'order_lines', primaryKey: ['id'], oldRows: 100, newRows: 98, missingInNew: 2, changed: 0, onlyInNew: 0, skipped: null },
    { table: 'orders', primaryKey: ['id'], oldRows: 50, newRows: 50, missingInNew: 0, changed: 1, onlyInNew: 0, skipped: null },
    { table: 'audit', primaryKey: [], oldRows: 7, newRows: 7, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: 'no primary key' },
    { table: 'customers', primaryKey: ['id'], oldRows: 9, newRows: 9, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: null },
  ],
  totals: { missingInNew: 2, changed: 1, onlyInNew: 0 },
};

describe('report function', () => {
  const s3 = mockClient(S3Client);
  const ssm = mockClient(SSMClient);
  const sns = mockClient(SNSClient);
  const report = createReport({
    config: CONFIG,
    region: WEST,
    s3: new S3Client({ region: WEST }),
    ssm: new SSMClient({ region: WEST }),
    sns: new SNSClient({ region: WEST }),
    taskLogGroupName: '/retail/reconcile-task',
  });
  const steps = (list: StepExecution[]): void => {
    ssm.on(DescribeAutomationStepExecutionsCommand).resolves({ StepExecutions: list });
  };

  beforeEach(() => {
    s3.reset();
    ssm.reset();
    sns.reset();
    s3.on(GetObjectCommand, { Bucket: 'retail-reports', Key: KEY }).resolves({ Body: body(JSON.stringify(REPORT)) });
    sns.on(PublishCommand).resolves({});
  });

  it('summarizes report.json: location, totals, the tables that matter', async () => {
    const summary = (await report({ operation: 'summarize', database: 'orders', executionId: EXECUTION })) as ReportSummary;
    expect(summary).toMatchObject({
      outcome: 'DIFFERENCES_FOUND',
      reportUri: `s3://retail-reports/${KEY}`,
      summaryUri: `s3://retail-reports/reports/orders/${EXECUTION}/summary.md`,
      totals: { missingInNew: 2, changed: 1, onlyInNew: 0 },
      tablesCompared: 3,
      tablesNotCompared: 1,
    });
    expect(summary.tables.map((t) => t.table)).toEqual(['order_lines', 'orders', 'audit']);
    expect(summary.message).toContain('DIFFERENCES FOUND - 2 missing in the new primary, 1 changed, 0 only in the new primary, 1 table(s) not compared');
  });

  it('fails the summary when report.json is missing', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'no such key', $metadata: {} }));
    await expect(report({ operation: 'summarize', database: 'orders', executionId: EXECUTION })).rejects.toThrow(/report\.json does not exist/);
  });

  it('fails ComparisonFailed on purpose, naming the exit code and the logs', async () => {
    await expect(
      report({ operation: 'comparison-failed', database: 'orders', executionId: EXECUTION, exitCode: '2', taskArn: 'arn:aws:ecs:us-west-2:123456789012:task/cluster/abc123' }),
    ).rejects.toThrow('exited with code 2 (0 = no differences, 1 = differences, anything else = error); no complete report was written. Logs: log group /retail/reconcile-task, stream reconcile/reconcile/abc123');
  });

  it('returns the outcome when every critical step succeeded (a failed notification does not count)', async () => {
    steps([
      { StepName: 'RunComparison', StepStatus: 'Success' },
      { StepName: 'NotifyOperators', StepStatus: 'Failed', IsCritical: false, FailureMessage: 'throttled' },
      { StepName: 'ReportOutcome', StepStatus: 'InProgress' },
    ]);
    const outcome = (await report({ operation: 'outcome', database: 'orders', executionId: EXECUTION, dryRun: false, plan: PLAN })) as OutcomeResult;
    expect(outcome).toMatchObject({
      outcome: 'DIFFERENCES_FOUND',
      snapshotUsed: 'arn:aws:rds:us-east-1:123456789012:cluster-snapshot:rds:unplanned-global-failover-x',
      reportUri: `s3://retail-reports/${KEY}`,
      totals: { missingInNew: 2, changed: 1, onlyInNew: 0 },
    });
    expect(ssm.commandCalls(DescribeAutomationStepExecutionsCommand)[0].args[0].input.AutomationExecutionId).toBe(EXECUTION);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('fails the execution AFTER the cleanup when an earlier step failed, and notifies', async () => {
    steps([
      { StepName: 'RestoreTemporaryCluster', StepStatus: 'Failed', FailureMessage: 'InsufficientDBClusterCapacity' },
      { StepName: 'DeleteTemporaryCluster', StepStatus: 'Success' },
      { StepName: 'ReportOutcome', StepStatus: 'InProgress' },
    ]);
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'no such key', $metadata: {} }));
    await expect(report({ operation: 'outcome', database: 'orders', executionId: EXECUTION, dryRun: false, plan: PLAN })).rejects.toThrow(
      /could not complete .*RestoreTemporaryCluster failed: InsufficientDBClusterCapacity\. Temporary resources were deleted\./,
    );
    expect(sns.commandCalls(PublishCommand)[0].args[0].input).toMatchObject({ TopicArn: CONFIG.topicArn, Subject: 'retail restore-and-reconcile orders FAILED' });
  });

  it('says so when the cleanup itself failed', async () => {
    steps([
      { StepName: 'WaitForComparison', StepStatus: 'TimedOut', FailureMessage: 'Step timed out' },
      { StepName: 'WaitForTemporaryClusterDeletion', StepStatus: 'Failed', FailureMessage: 'still not deleted' },
    ]);
    await expect(report({ operation: 'outcome', database: 'orders', executionId: EXECUTION, dryRun: false, plan: PLAN })).rejects.toThrow(
      /WaitForComparison timedout: Step timed out \| WaitForTemporaryClusterDeletion failed: still not deleted\. The cleanup did NOT finish: delete the instance, cluster and snapshot named retail-reconcile-orders, and the instances and clusters named retail-reconcile-orders-clone and retail-reconcile-orders-base if they exist/,
    );
  });

  it('reports a dry run without looking at steps or S3', async () => {
    const outcome = (await report({ operation: 'outcome', database: 'orders', executionId: EXECUTION, dryRun: 'true', plan: PLAN })) as OutcomeResult;
    expect(outcome.outcome).toBe('DRY_RUN');
    expect(outcome.message).toContain('nothing was created');
    expect(ssm.commandCalls(DescribeAutomationStepExecutionsCommand)).toHaveLength(0);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });
});
