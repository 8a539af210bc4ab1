import { StartAutomationExecutionCommand } from '@aws-sdk/client-ssm';
import { run } from '../../../runbooks/cli/commands';
import { EXIT } from '../../../runbooks/cli/errors';
import { EAST, EXECUTION_ID, NAMES, serviceError, unreachable, WEST } from './fixtures';
import { FakeAws, fakeDeps, onlyJson } from './helpers';

describe('failover, switchover, failback', () => {
  let aws: FakeAws;

  beforeEach(() => {
    aws = new FakeAws();
  });
  afterEach(() => aws.restore());

  describe('failover', () => {
    it('starts the Failover document in the target Region and follows it, steps and databases, with UTC times', async () => {
      aws.down.add(EAST);
      aws
        .then('InProgress', [['PreflightFailover', 'InProgress']])
        .then('InProgress', [['PreflightFailover', 'Success'], ['StartDatabaseFailovers', 'InProgress']])
        .then('Success', [['PreflightFailover', 'Success'], ['StartDatabaseFailovers', 'Success'], ['ReportFailover', 'Success']], {
          Outputs: { 'ReportFailover.Payload': ['{"outcome":"COMPLETED"}'] },
        });
      aws.states = { catalog: { writer: EAST, operation: { status: 'failing-over', from: EAST, to: WEST } }, orders: { writer: WEST } };
      const { deps, captured, clock } = fakeDeps();
      const started = clock.ms;
      expect(await run(['failover', '--to', WEST, '--yes', '--poll-seconds', '2'], deps)).toBe(EXIT.OK);
      expect(aws.starts).toEqual([
        { region: WEST, input: expect.objectContaining({ DocumentName: NAMES.failover, Parameters: { TargetRegion: [WEST], DryRun: ['false'] } }) },
      ]);
      expect(aws.starts[0].input.ClientToken).toMatch(/^[0-9a-f-]{36}$/);
      const text = captured.out.join('\n');
      expect(text).toContain(`[03:00:00 UTC] Started ${NAMES.failover} in us-west-2: execution ${EXECUTION_ID}`);
      expect(text).toContain(`Re-attach any time: npm run -s runbook -- follow ${EXECUTION_ID}`);
      expect(text).toMatch(/\[03:00:00 UTC\] step PreflightFailover\s+InProgress/);
      expect(text).toMatch(/\[03:00:02 UTC\] step StartDatabaseFailovers\s+InProgress/);
      // Per database at each poll: writer, status, in-flight operation, each secondary's sync and lag.
      expect(text).toContain('[03:00:00 UTC] catalog: writer us-east-1, available, failing-over us-east-1->us-west-2; us-west-2 connected, lag n/a');
      expect(text).toContain('[03:00:04 UTC] orders: writer us-west-2, available; us-east-1 connected, lag n/a');
      expect(captured.out.filter((l) => l.includes('] catalog: writer'))).toHaveLength(3);
      expect(text).toContain(`Execution ${EXECUTION_ID} (retail-Failover, us-west-2) ended Success.`);
      expect(text).toContain('"outcome": "COMPLETED"');
      expect(clock.ms - started).toBe(4000);
      // Databases and lag are read in the Region being promoted; the failed Region was not asked again after it failed once.
      expect(aws.callsTo('rds')).toEqual([WEST, WEST, WEST, WEST, WEST, WEST]);
      expect(aws.callsTo('cloudwatch').filter((r) => r === EAST)).toHaveLength(1);
    });

    it('takes the topology from whichever Region answers first: a silent first Region costs nothing', async () => {
      aws.hang.add(EAST);
      aws.then('Success', []);
      const { deps } = fakeDeps();
      // --regions puts the silent Region first; the default --timeout (20 s) is far beyond this test's 5 s.
      expect(await run(['failover', '--to', WEST, '--yes', '--regions', 'us-east-1,us-west-2'], deps)).toBe(EXIT.OK);
      expect(aws.starts.map((s) => s.region)).toEqual([WEST]);
    });

    it('shows lag of the secondaries while the databases move', async () => {
      aws.lag.set(WEST, { catalog: 800, orders: 30 });
      aws.then('Success', []);
      const { deps, captured } = fakeDeps();
      await run(['failover', '--to', WEST, '--yes'], deps);
      expect(captured.out.join('\n')).toContain('catalog: writer us-east-1, available; us-west-2 connected, lag 800 ms');
    });

    it('JSON: progress on stderr, the outcome as the only document on stdout', async () => {
      aws.then('Failed', [['PreflightFailover', 'Success'], ['StartDatabaseFailovers', 'Failed', 'DatabaseStartFailed: orders: AccessDenied']]);
      const { deps, captured } = fakeDeps();
      expect(await run(['failover', '--to', WEST, '--yes', '--json'], deps)).toBe(EXIT.FAILED);
      expect(onlyJson(captured)).toMatchObject({
        command: 'failover',
        executionId: EXECUTION_ID,
        region: WEST,
        documentName: 'retail-Failover',
        status: 'Failed',
        failedStep: 'StartDatabaseFailovers',
        failureReason: 'DatabaseStartFailed: orders: AccessDenied',
        exitCode: EXIT.FAILED,
      });
      expect(captured.err.join('\n')).toMatch(/step StartDatabaseFailovers\s+Failed: DatabaseStartFailed/);
    });

    it('exits 1 naming the failing step and its reason', async () => {
      aws.then('Failed', [['StartDatabaseFailovers', 'Failed', 'DatabaseStartFailed: orders: AccessDenied']]);
      const { deps, captured } = fakeDeps();
      expect(await run(['failover', '--to', WEST, '--yes'], deps)).toBe(EXIT.FAILED);
      expect(captured.out.join('\n')).toContain(`Execution ${EXECUTION_ID} (retail-Failover, us-west-2) ended Failed at step StartDatabaseFailovers: DatabaseStartFailed: orders: AccessDenied`);
    });

    it('passes DryRun=true and DatabaseTimeoutMinutes, and needs no confirmation for a dry run', async () => {
      aws.then('Success', []);
      const { deps, captured } = fakeDeps({ interactive: true, answer: false });
      expect(await run(['failover', '--to', WEST, '--dry-run', '--timeout-minutes', '45'], deps)).toBe(EXIT.OK);
      expect(captured.prompts).toEqual([]);
      expect(aws.starts[0].input.Parameters).toEqual({ TargetRegion: [WEST], DatabaseTimeoutMinutes: ['45'], DryRun: ['true'] });
    });

    it('refuses without a terminal and without --yes (exit 2), starting nothing', async () => {
      const { deps, captured } = fakeDeps({ interactive: false });
      expect(await run(['failover', '--to', WEST], deps)).toBe(EXIT.BAD_INPUT);
      expect(captured.err.join('\n')).toMatch(/no terminal to ask on. Re-run with --yes/);
      expect(aws.ssm.commandCalls(StartAutomationExecutionCommand)).toHaveLength(0);
    });

    it('exits 3 when the operator declines', async () => {
      const { deps, captured } = fakeDeps({ interactive: true, answer: false });
      expect(await run(['failover', '--to', WEST], deps)).toBe(EXIT.DECLINED);
      expect(captured.prompts).toEqual(['Start UNPLANNED FAILOVER (data not yet replicated is lost) of retail to us-west-2?']);
      expect(aws.starts).toEqual([]);
    });

    it('passes --approvers', async () => {
      aws.then('Success', []);
      const { deps } = fakeDeps({ interactive: true, answer: true });
      expect(await run(['failover', '--to', WEST, '--approvers', 'alice,arn:aws:iam::111111111111:role/Oncall'], deps)).toBe(EXIT.OK);
      expect(aws.starts[0].input.Parameters?.Approvers).toEqual(['alice', 'arn:aws:iam::111111111111:role/Oncall']);
    });

    it('says what to do when a runbook needs approvers and none were given (exit 2)', async () => {
      aws.startError = serviceError('InvalidAutomationExecutionParametersException', 'Parameter "Approvers" is required but missing');
      const { deps, captured } = fakeDeps();
      expect(await run(['failover', '--to', WEST, '--yes'], deps)).toBe(EXIT.BAD_INPUT);
      expect(captured.err.join('\n')).toMatch(/pass --approvers <user-or-role-arn,...>, or set runbooks.approvers in the configuration/);
    });

    it('exits 4 when the target Region does not answer the start', async () => {
      aws.startError = unreachable('ssm.us-west-2.amazonaws.com');
      const { deps, captured } = fakeDeps();
      expect(await run(['failover', '--to', WEST, '--yes'], deps)).toBe(EXIT.NOTHING_REACHABLE);
      expect(captured.err.join('\n')).toMatch(/SSM in us-west-2 did not answer StartAutomationExecution/);
    });

    it('exits 2 for a Region the platform does not run in', async () => {
      const { deps, captured } = fakeDeps();
      expect(await run(['failover', '--to', 'eu-west-1', '--yes'], deps)).toBe(EXIT.BAD_INPUT);
      expect(captured.err.join('\n')).toMatch(/--to: eu-west-1 is not a Region of retail; it runs in us-east-1, us-west-2/);
      expect(aws.starts).toEqual([]);
    });

    it('prints how to approve with this CLI while the execution waits', async () => {
      aws.then('Waiting', [['ApproveFailover', 'Waiting']]).then('Success', [['ApproveFailover', 'Success']]);
      const { deps, captured } = fakeDeps();
      expect(await run(['failover', '--to', WEST, '--yes'], deps)).toBe(EXIT.OK);
      expect(captured.out.join('\n')).toContain(`WAITING FOR APPROVAL. An approver runs: npm run -s runbook -- approve ${EXECUTION_ID}`);
    });

    it('keeps following through unreadable polls, then stops with exit 7 and how to re-attach', async () => {
      aws.then('InProgress', []);
      const { deps, captured } = fakeDeps();
      // The start is answered; from then on every read in us-west-2 times out.
      aws.ssm.on(StartAutomationExecutionCommand).callsFake(async () => {
        aws.down.add(WEST);
        return { AutomationExecutionId: EXECUTION_ID };
      });
      expect(await run(['failover', '--to', WEST, '--yes'], deps)).toBe(EXIT.STOPPED_FOLLOWING);
      expect(captured.err.filter((l) => l.includes('could not read execution progress'))).toHaveLength(5);
      expect(captured.out.join('\n')).toContain(`Re-attach: npm run -s runbook -- follow ${EXECUTION_ID}`);
    });

    it('exits 6 when the credentials are missing, before anything starts', async () => {
      aws.credentialsMissing = true;
      const { deps, captured } = fakeDeps();
      expect(await run(['failover', '--to', WEST, '--yes', '--json'], deps)).toBe(EXIT.NO_CREDENTIALS);
      expect(onlyJson(captured)).toMatchObject({ command: 'failover', exitCode: EXIT.NO_CREDENTIALS, error: expect.stringMatching(/^no usable AWS credentials/) });
      expect(aws.starts).toEqual([]);
    });
  });

  describe('switchover', () => {
    it('exits 2 when the target already writes every database, asking every Region', async () => {
      const { deps, captured } = fakeDeps();
      expect(await run(['switchover', '--to', EAST, '--yes'], deps)).toBe(EXIT.BAD_INPUT);
      expect(captured.err.join('\n')).toMatch(/us-east-1 is already the writer of every global database/);
      expect(aws.starts).toEqual([]);
    });

    it('starts the Switchover document in the target Region', async () => {
      aws.then('Success', [['PreflightSwitchover', 'Success']], { DocumentName: NAMES.switchover });
      const { deps } = fakeDeps();
      expect(await run(['switchover', '--to', WEST, '--yes'], deps)).toBe(EXIT.OK);
      expect(aws.starts).toEqual([{ region: WEST, input: expect.objectContaining({ DocumentName: NAMES.switchover, Parameters: { TargetRegion: [WEST], DryRun: ['false'] } }) }]);
    });

    it('asks a planned-switchover question', async () => {
      const { deps, captured } = fakeDeps({ interactive: true, answer: false });
      expect(await run(['switchover', '--to', WEST], deps)).toBe(EXIT.DECLINED);
      expect(captured.prompts).toEqual(['Start planned switchover (no data loss) of retail to us-west-2?']);
    });
  });

  describe('failback', () => {
    it('runs in a serving Region, never reading from or running in the Region being restored', async () => {
      aws.then('Success', [['PreflightFailback', 'Success']], { DocumentName: NAMES.failback });
      const { deps } = fakeDeps();
      expect(await run(['failback', '--region', EAST, '--yes'], deps)).toBe(EXIT.OK);
      expect(aws.starts).toEqual([{ region: WEST, input: expect.objectContaining({ DocumentName: NAMES.failback, Parameters: { Region: [EAST], DryRun: ['false'] } }) }]);
      expect(aws.callsTo('ssm', 'GetParameter')).toEqual([WEST]);
    });

    it('exits 4 when no serving Region answers', async () => {
      aws.down.add(WEST);
      const { deps } = fakeDeps();
      expect(await run(['failback', '--region', EAST, '--yes'], deps)).toBe(EXIT.NOTHING_REACHABLE);
      expect(aws.callsTo('ssm', 'GetParameter')).toEqual([WEST]);
      expect(aws.starts).toEqual([]);
    });

    it('exits 2 for an unknown Region', async () => {
      const { deps } = fakeDeps();
      expect(await run(['failback', '--region', 'ap-south-1', '--yes'], deps)).toBe(EXIT.BAD_INPUT);
    });
  });
});

describe('follow, approve, reject', () => {
  let aws: FakeAws;

  beforeEach(() => {
    aws = new FakeAws();
    aws.executionRegion = WEST;
  });
  afterEach(() => aws.restore());

  it('follow finds the execution\'s Region by asking every Region, and re-attaches until it ends', async () => {
    aws.then('InProgress', [['WaitForDatabaseFailovers', 'InProgress']]).then('Success', [['WaitForDatabaseFailovers', 'Success']]);
    const { deps, captured } = fakeDeps();
    expect(await run(['follow', EXECUTION_ID], deps)).toBe(EXIT.OK);
    expect(aws.callsTo('ssm', 'GetAutomationExecution').slice(0, 2).sort()).toEqual([EAST, WEST]);
    const text = captured.out.join('\n');
    expect(text).toContain(`Following retail-Failover in us-west-2: execution ${EXECUTION_ID}, InProgress`);
    expect(text).toMatch(/step WaitForDatabaseFailovers\s+Success/);
    expect(text).toContain('catalog: writer us-east-1, available');
  });

  it('follow of an unknown execution exits 2', async () => {
    const { deps, captured } = fakeDeps();
    expect(await run(['follow', '00000000-0000-0000-0000-000000000000'], deps)).toBe(EXIT.BAD_INPUT);
    expect(captured.err.join('\n')).toMatch(/no execution 00000000-0000-0000-0000-000000000000 in us-east-1, us-west-2/);
  });

  it('follow exits 5 when the execution is not in the Regions that answered and another did not answer', async () => {
    aws.down.add(WEST);
    aws.then('InProgress', []);
    const { deps } = fakeDeps();
    expect(await run(['follow', EXECUTION_ID], deps)).toBe(EXIT.INCOMPLETE);
  });

  it('approve sends the Approve signal where the execution waits', async () => {
    aws.then('Waiting', [['ApproveFailover', 'Waiting']]);
    const { deps, captured } = fakeDeps();
    expect(await run(['approve', EXECUTION_ID, '--comment', 'primary is gone', '--json'], deps)).toBe(EXIT.OK);
    expect(aws.signals).toEqual([{ region: WEST, input: { AutomationExecutionId: EXECUTION_ID, SignalType: 'Approve', Payload: { Comment: ['primary is gone'] } } }]);
    expect(onlyJson(captured)).toMatchObject({ command: 'approve', signal: 'Approve', region: WEST, exitCode: EXIT.OK });
  });

  it('reject sends the Reject signal', async () => {
    aws.then('Waiting', []);
    const { deps, captured } = fakeDeps();
    expect(await run(['reject', EXECUTION_ID, '--region', WEST], deps)).toBe(EXIT.OK);
    expect(aws.signals.map((s) => s.input.SignalType)).toEqual(['Reject']);
    expect(aws.callsTo('ssm', 'GetAutomationExecution')).toEqual([WEST]);
    expect(captured.out.join('\n')).toContain('nothing more changes');
  });

  it('approve refuses an execution that is not waiting (exit 2), sending nothing', async () => {
    aws.then('InProgress', []);
    const { deps, captured } = fakeDeps();
    expect(await run(['approve', EXECUTION_ID], deps)).toBe(EXIT.BAD_INPUT);
    expect(aws.signals).toEqual([]);
    expect(captured.err.join('\n')).toMatch(/is InProgress, not waiting for approval; nothing was sent/);
  });
});
