import { FailoverGlobalClusterCommand, SwitchoverGlobalClusterCommand } from '@aws-sdk/client-rds';
import { StartAutomationExecutionCommand } from '@aws-sdk/client-ssm';
import { run } from '../../../runbooks/cli/commands';
import { EXIT } from '../../../runbooks/cli/errors';
import { ClusterState, EAST, mockRds, RdsMock, WEST } from '../../lib/runbooks/fixtures';
import { runbookNames } from '../../../lib/topology/topology';
import { fakeDeps, FakeSsm } from './helpers';

const NAMES = runbookNames('retail');

describe('runbook commands', () => {
  let ssm: FakeSsm;
  let rds: RdsMock;
  let states: Record<string, ClusterState>;

  beforeEach(() => {
    ssm = new FakeSsm();
    states = { catalog: { writer: EAST }, orders: { writer: EAST } };
    rds = mockRds(states);
  });
  afterEach(() => {
    // The CLI never calls a database mutation itself: only the runbook does.
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
    expect(rds.commandCalls(SwitchoverGlobalClusterCommand)).toHaveLength(0);
    ssm.mock.restore();
    rds.restore();
  });

  describe('failover', () => {
    it('starts the Failover document in the target Region and follows it to success', async () => {
      ssm
        .then('InProgress', [['PreflightFailover', 'InProgress']])
        .then('InProgress', [
          ['PreflightFailover', 'Success'],
          ['ShiftTrafficToTarget', 'InProgress'],
        ])
        .then(
          'Success',
          [
            ['PreflightFailover', 'Success'],
            ['ShiftTrafficToTarget', 'Success'],
            ['StartDatabaseFailovers', 'Success'],
            ['WaitForDatabaseFailovers', 'Success'],
            ['ReportFailover', 'Success'],
          ],
          { Outputs: { 'ReportFailover.Payload': ['{"outcome":"COMPLETED"}'] } },
        );
      const { deps, captured, clock } = fakeDeps();
      const started = clock.ms;
      expect(await run(['failover', '--to', WEST, '--yes', '--poll-seconds', '2'], deps)).toBe(EXIT.OK);
      expect(ssm.starts).toEqual([
        {
          region: WEST,
          input: { DocumentName: NAMES.failover, Parameters: { TargetRegion: [WEST], DryRun: ['false'] } },
        },
      ]);
      // The topology came from the target; the failed Region was never called.
      expect(ssm.parameterCalls).toEqual([WEST]);
      const text = captured.out.join('\n');
      expect(text).toContain(`Started ${NAMES.failover} in us-west-2: execution exec-1`);
      expect(text).toMatch(/PreflightFailover\s+InProgress/);
      expect(text).toMatch(/PreflightFailover\s+Success/);
      expect(text).toMatch(/ReportFailover\s+Success/);
      expect(text).toContain('Execution exec-1 ended Success.');
      expect(text).toContain('"outcome": "COMPLETED"');
      // Polling used the injected sleep: 2 waits of 2 s.
      expect(clock.ms - started).toBe(4000);
    });

    it('exits 1 naming the failing step and its reason', async () => {
      ssm.then(
        'Failed',
        [
          ['PreflightFailover', 'Success'],
          ['ShiftTrafficToTarget', 'Success'],
          ['StartDatabaseFailovers', 'Failed', 'DatabaseStartFailed: Could not start failover for orders (retail-orders): AccessDenied'],
        ],
        { FailureMessage: 'Step fails when it is executing' },
      );
      const { deps, captured } = fakeDeps();
      expect(await run(['failover', '--to', WEST, '--yes'], deps)).toBe(EXIT.FAILED);
      expect(captured.err.join('\n')).toContain(
        'Execution exec-1 ended Failed at step StartDatabaseFailovers: DatabaseStartFailed: Could not start failover for orders (retail-orders): AccessDenied',
      );
    });

    it('passes DryRun=true and needs no confirmation for a dry run', async () => {
      ssm.then('Success', [['PreflightFailover', 'Success']]);
      const { deps, captured } = fakeDeps({ interactive: true, answer: false });
      expect(await run(['failover', '--to', WEST, '--dry-run', '--timeout-minutes', '45'], deps)).toBe(EXIT.OK);
      expect(captured.prompts).toEqual([]);
      expect(ssm.starts[0].input.Parameters).toEqual({ TargetRegion: [WEST], DatabaseTimeoutMinutes: ['45'], DryRun: ['true'] });
    });

    it('refuses without a terminal and without --yes', async () => {
      const { deps, captured } = fakeDeps({ interactive: false });
      expect(await run(['failover', '--to', WEST], deps)).toBe(EXIT.BAD_INPUT);
      expect(captured.err.join('\n')).toMatch(/no terminal to ask on. Re-run with --yes/);
      expect(ssm.mock.commandCalls(StartAutomationExecutionCommand)).toHaveLength(0);
    });

    it('exits 3 when the operator declines', async () => {
      const { deps, captured } = fakeDeps({ interactive: true, answer: false });
      expect(await run(['failover', '--to', WEST], deps)).toBe(EXIT.DECLINED);
      expect(captured.prompts).toEqual(['Start UNPLANNED FAILOVER (data loss possible) of retail to us-west-2?']);
      expect(ssm.starts).toEqual([]);
    });

    it('starts after the operator confirms, passing approvers', async () => {
      ssm.then('Success', []);
      const { deps } = fakeDeps({ interactive: true, answer: true });
      expect(await run(['failover', '--to', WEST, '--approvers', 'alice,bob'], deps)).toBe(EXIT.OK);
      expect(ssm.starts[0].input.Parameters?.Approvers).toEqual(['alice', 'bob']);
    });

    it('exits 2 for a Region the platform does not run in', async () => {
      const { deps, captured } = fakeDeps();
      expect(await run(['failover', '--to', 'eu-west-1', '--yes'], deps)).toBe(EXIT.BAD_INPUT);
      expect(captured.err.join('\n')).toMatch(/Unknown Region eu-west-1 \(--to\); the platform runs in us-east-1, us-west-2/);
      expect(ssm.starts).toEqual([]);
    });

    it('prints how to approve while the execution waits for approval', async () => {
      ssm.then('Waiting', [['ApproveFailover', 'Pending']]).then('Success', [['ApproveFailover', 'Success']]);
      const { deps, captured } = fakeDeps();
      expect(await run(['failover', '--to', WEST, '--yes'], deps)).toBe(EXIT.OK);
      expect(captured.out.join('\n')).toContain(
        'aws ssm send-automation-signal --region us-west-2 --automation-execution-id exec-1 --signal-type Approve',
      );
    });

    it('keeps following through transient read errors', async () => {
      ssm.failGetOnPolls(0, 1).then('InProgress', []).then('InProgress', []).then('Success', []);
      const { deps, captured } = fakeDeps();
      expect(await run(['failover', '--to', WEST, '--yes'], deps)).toBe(EXIT.OK);
      expect(captured.err.filter((l) => l.includes('could not read execution progress'))).toHaveLength(2);
    });

    it('exits 1 when the execution is cancelled', async () => {
      ssm.then('Cancelled', [['ApproveFailover', 'Cancelled']]);
      const { deps, captured } = fakeDeps();
      expect(await run(['failover', '--to', WEST, '--yes'], deps)).toBe(EXIT.FAILED);
      expect(captured.err.join('\n')).toMatch(/ended Cancelled at step ApproveFailover/);
    });
  });

  describe('switchover', () => {
    it('exits 2 when the target is already the primary', async () => {
      const { deps, captured } = fakeDeps();
      expect(await run(['switchover', '--to', EAST, '--yes'], deps)).toBe(EXIT.BAD_INPUT);
      expect(captured.err.join('\n')).toMatch(/us-east-1 is already the primary Region of every global database/);
      expect(ssm.starts).toEqual([]);
    });

    it('starts the Switchover document in the target Region', async () => {
      ssm.then('Success', [['PreflightSwitchover', 'Success']]);
      const { deps } = fakeDeps();
      expect(await run(['switchover', '--to', WEST, '--yes'], deps)).toBe(EXIT.OK);
      expect(ssm.starts).toEqual([
        { region: WEST, input: { DocumentName: NAMES.switchover, Parameters: { TargetRegion: [WEST], DryRun: ['false'] } } },
      ]);
    });

    it('asks a planned-switchover question', async () => {
      const { deps, captured } = fakeDeps({ interactive: true, answer: false });
      expect(await run(['switchover', '--to', WEST], deps)).toBe(EXIT.DECLINED);
      expect(captured.prompts).toEqual(['Start planned switchover of retail to us-west-2?']);
    });
  });

  describe('failback', () => {
    it('runs in a serving Region, never in the Region being restored', async () => {
      ssm.then('Success', [['PreflightFailback', 'Success']]);
      const { deps } = fakeDeps();
      expect(await run(['failback', '--region', EAST, '--yes'], deps)).toBe(EXIT.OK);
      expect(ssm.starts).toEqual([
        { region: WEST, input: { DocumentName: NAMES.failback, Parameters: { Region: [EAST], DryRun: ['false'] } } },
      ]);
      expect(ssm.parameterCalls).toEqual([WEST]);
    });

    it('exits 4 when no serving Region answers', async () => {
      ssm.down.add(WEST);
      const { deps } = fakeDeps();
      expect(await run(['failback', '--region', EAST, '--yes'], deps)).toBe(EXIT.UNAVAILABLE);
      expect(ssm.parameterCalls).toEqual([WEST]);
      expect(ssm.starts).toEqual([]);
    });

    it('exits 2 for an unknown Region', async () => {
      const { deps } = fakeDeps();
      expect(await run(['failback', '--region', 'ap-south-1', '--yes'], deps)).toBe(EXIT.BAD_INPUT);
    });
  });

  it('prints usage for help', async () => {
    const { deps, captured } = fakeDeps();
    expect(await run(['help'], deps)).toBe(EXIT.OK);
    expect(captured.out.join('\n')).toContain('Usage: npm run runbook -- <command> [options]');
  });
});
