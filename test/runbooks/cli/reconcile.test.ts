import { run } from '../../../runbooks/cli/commands';
import { EXIT } from '../../../runbooks/cli/errors';
import { FAILOVER_TIME_PATTERN } from '../../../lib/reconcile/restore-document';
import { invalidReconcileOptions, OPTIONAL_RECONCILE_PARAMETERS, reconcileDocumentParameters } from '../../../runbooks/cli/reconcile-parameters';
import { EAST, EXECUTION_ID, NAMES, WEST } from './fixtures';
import { FakeAws, fakeDeps, onlyJson } from './helpers';

const BUCKET = 'retail-region-us-west-2-reportbucket0a1b2c3d-abcdefgh';
const FOLDER = `s3://${BUCKET}/reports/orders/${EXECUTION_ID}/`;
const SUMMARY = '# Missing-transaction report: orders\n\n| table | missing in new | changed | only in new |\n| orders | 3 | 1 | 12 |\n';

function outcomePayload(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    outcome: 'DIFFERENCES_FOUND',
    database: 'orders',
    executionId: EXECUTION_ID,
    snapshotUsed: 'arn:aws:rds:us-east-1:111111111111:cluster-snapshot:rds:unplanned-global-failover-retail-orders-us-east-1-2026-01-01-02-55',
    reportUri: `${FOLDER}report.json`,
    totals: { missingInNew: 3, changed: 1, onlyInNew: 12 },
    message: 'orders: DIFFERENCES FOUND - 3 missing in the new primary, 1 changed, 12 only in the new primary, 0 table(s) not compared.',
    ...extra,
  });
}

describe('reconcile', () => {
  let aws: FakeAws;

  beforeEach(() => {
    // After an unplanned failover: us-west-2 writes, us-east-1 is back as a secondary.
    aws = new FakeAws({ catalog: { writer: WEST }, orders: { writer: WEST } });
    aws.objects.set(`${BUCKET}/reports/orders/${EXECUTION_ID}/summary.md`, SUMMARY);
  });
  afterEach(() => aws.restore());

  it('starts RestoreAndReconcile in the current writer\'s Region, follows it, prints the report location and summary.md', async () => {
    aws.then('InProgress', [['FindFailoverSnapshot', 'Success'], ['RunComparison', 'InProgress']], { DocumentName: NAMES.reconcile }).then(
      'Success',
      [['RunComparison', 'Success'], ['ReportOutcome', 'Success']],
      { DocumentName: NAMES.reconcile, Outputs: { 'ReportOutcome.Payload': [outcomePayload()] } },
    );
    const { deps, captured } = fakeDeps();
    expect(await run(['reconcile', '--database', 'orders', '--old-region', EAST, '--yes'], deps)).toBe(EXIT.OK);
    expect(aws.starts).toEqual([
      { region: WEST, input: expect.objectContaining({ DocumentName: NAMES.reconcile, Parameters: { Database: ['orders'], OldPrimaryRegion: [EAST], DryRun: ['false'] } }) },
    ]);
    const text = captured.out.join('\n');
    expect(text).toContain(`Started ${NAMES.reconcile} in us-west-2 (the current writer of orders): execution ${EXECUTION_ID}`);
    expect(text).toMatch(/step RunComparison\s+InProgress/);
    // No database lines: this runbook does not move writers.
    expect(text).not.toContain('orders: writer');
    expect(text).toContain(`Report: ${FOLDER} (report.json, summary.md, one <table>.jsonl per table with differences)`);
    expect(text).toContain(`----- ${FOLDER}summary.md -----\n${SUMMARY.trimEnd()}\n-----`);
    expect(aws.callsTo('s3', 'GetObject')).toEqual([WEST]);
  });

  it('JSON: the outcome, the report location and summary.md in one document', async () => {
    aws.then('Success', [], { DocumentName: NAMES.reconcile, Outputs: { 'ReportOutcome.Payload': [outcomePayload()] } });
    const { deps, captured } = fakeDeps();
    expect(await run(['reconcile', '--database', 'orders', '--old-region', EAST, '--yes', '--json'], deps)).toBe(EXIT.OK);
    expect(onlyJson(captured)).toMatchObject({
      command: 'reconcile',
      database: 'orders',
      oldRegion: EAST,
      region: WEST,
      status: 'Success',
      report: { outcome: 'DIFFERENCES_FOUND', reportUri: `${FOLDER}report.json`, summaryUri: `${FOLDER}summary.md`, totals: { missingInNew: 3, changed: 1, onlyInNew: 12 } },
      summaryMarkdown: SUMMARY,
      exitCode: EXIT.OK,
    });
  });

  it('passes --dry-run, --snapshot-arn and --tables to the document and needs no confirmation for a dry run', async () => {
    aws.then('Success', [], { DocumentName: NAMES.reconcile, Outputs: { 'ReportOutcome.Payload': [JSON.stringify({ outcome: 'DRY_RUN', message: 'dry run: would copy arn:... ; nothing was created' })] } });
    const { deps, captured } = fakeDeps({ interactive: true, answer: false });
    const snapshot = 'arn:aws:rds:us-east-1:111111111111:cluster-snapshot:rds:unplanned-global-failover-retail-orders-x';
    expect(await run(['reconcile', '--database', 'orders', '--old-region', EAST, '--dry-run', '--snapshot-arn', snapshot, '--tables', 'orders,order_items'], deps)).toBe(EXIT.OK);
    expect(captured.prompts).toEqual([]);
    expect(aws.starts[0].input.Parameters).toEqual({ Database: ['orders'], OldPrimaryRegion: [EAST], DryRun: ['true'], SnapshotArn: [snapshot], Tables: ['orders,order_items'] });
    expect(captured.out.join('\n')).toContain('dry run: would copy');
    expect(aws.callsTo('s3')).toEqual([]);
  });

  it('passes --failover-time as FailoverTime (three-way verdict)', async () => {
    aws.then('Success', [], { DocumentName: NAMES.reconcile, Outputs: { 'ReportOutcome.Payload': [outcomePayload()] } });
    const { deps } = fakeDeps();
    expect(await run(['reconcile', '--database', 'orders', '--old-region', EAST, '--failover-time', '2026-01-02T03:04:05Z', '--yes'], deps)).toBe(EXIT.OK);
    expect(aws.starts[0].input.Parameters).toEqual({ Database: ['orders'], OldPrimaryRegion: [EAST], DryRun: ['false'], FailoverTime: ['2026-01-02T03:04:05Z'] });
  });

  it('refuses a --failover-time the document would refuse, before starting anything (exit 2)', async () => {
    const { deps, captured } = fakeDeps();
    expect(await run(['reconcile', '--database', 'orders', '--old-region', EAST, '--failover-time', '2026-01-02 03:04', '--yes'], deps)).toBe(EXIT.BAD_INPUT);
    expect(captured.err.join('\n')).toContain('--failover-time "2026-01-02 03:04" is not an ISO-8601 UTC time such as 2026-01-02T03:04:05Z');
    expect(aws.starts).toEqual([]);
  });

  it('refuses when --old-region is still the writer (exit 2)', async () => {
    aws.states = { catalog: { writer: EAST }, orders: { writer: EAST } };
    const { deps, captured } = fakeDeps();
    expect(await run(['reconcile', '--database', 'orders', '--old-region', EAST, '--yes'], deps)).toBe(EXIT.BAD_INPUT);
    expect(captured.err.join('\n')).toMatch(/orders writes in us-east-1: --old-region must be the Region that was primary BEFORE the unplanned failover/);
    expect(aws.starts).toEqual([]);
  });

  it('refuses while a failover is still in flight', async () => {
    aws.states = { catalog: { writer: WEST }, orders: { writer: EAST, operation: { status: 'failing-over', from: EAST, to: WEST } } };
    const { deps, captured } = fakeDeps();
    expect(await run(['reconcile', '--database', 'orders', '--old-region', EAST, '--yes'], deps)).toBe(EXIT.BAD_INPUT);
    expect(captured.err.join('\n')).toMatch(/orders has no settled writer right now \(available, failing-over\)/);
  });

  it('still shows the report location when summary.md cannot be read', async () => {
    aws.objects.clear();
    aws.then('Success', [], { DocumentName: NAMES.reconcile, Outputs: { 'ReportOutcome.Payload': [outcomePayload()] } });
    const { deps, captured } = fakeDeps();
    expect(await run(['reconcile', '--database', 'orders', '--old-region', EAST, '--yes'], deps)).toBe(EXIT.OK);
    expect(captured.out.join('\n')).toContain(`summary.md not read (NoSuchKey: The specified key does not exist.); read it with: aws s3 cp ${FOLDER}summary.md - --region us-west-2`);
  });

  it('follow of a reconcile execution prints the report too', async () => {
    aws.executionRegion = WEST;
    aws.then('Success', [], { DocumentName: NAMES.reconcile, Outputs: { 'ReportOutcome.Payload': [outcomePayload()] } });
    const { deps, captured } = fakeDeps();
    expect(await run(['follow', EXECUTION_ID], deps)).toBe(EXIT.OK);
    expect(captured.out.join('\n')).toContain(SUMMARY.split('\n')[0]);
  });
});

describe('reconcile parameter mapping', () => {
  it('checks --failover-time exactly as the document\'s FailoverTime allowedPattern does', () => {
    const documentPattern = new RegExp(FAILOVER_TIME_PATTERN);
    for (const value of ['2026-01-02T03:04:05Z', '2026-01-02T03:04:05.120Z', '2026-01-02T03:04:05+01:00', '2026-01-02', 'now']) {
      expect([value, invalidReconcileOptions({ FailoverTime: value }).length === 0]).toEqual([value, documentPattern.test(value)]);
    }
  });

  it('maps every optional parameter from one table, leaving out the ones not given', () => {
    expect(OPTIONAL_RECONCILE_PARAMETERS.map((p) => [p.parameter, p.flag])).toEqual([
      ['SnapshotArn', '--snapshot-arn'],
      ['Tables', '--tables'],
      ['FailoverTime', '--failover-time'],
    ]);
    expect(reconcileDocumentParameters({ database: 'catalog', oldRegion: EAST, dryRun: false, optional: { Tables: 'products' } })).toEqual({
      Database: ['catalog'],
      OldPrimaryRegion: [EAST],
      DryRun: ['false'],
      Tables: ['products'],
    });
  });
});
