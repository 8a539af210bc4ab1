import { DEFAULT_REGIONS, DEFAULT_TIMEOUT_SECONDS, parseArgs } from '../../../runbooks/cli/args';
import { run } from '../../../runbooks/cli/commands';
import { CliError, EXIT } from '../../../runbooks/cli/errors';
import { EXECUTION_ID } from './fixtures';
import { FakeAws, fakeDeps, onlyJson } from './helpers';

function badInput(argv: string[]): CliError {
  try {
    parseArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.BAD_INPUT);
    return error as CliError;
  }
  throw new Error(`parseArgs(${argv.join(' ')}) did not fail`);
}

const COMMANDS = ['status', 'failover', 'switchover', 'failback', 'reconcile', 'follow', 'approve', 'reject', 'help'];

describe('parseArgs', () => {
  it('applies defaults', () => {
    expect(parseArgs(['status'])).toMatchObject({ command: 'status', app: 'retail', regions: DEFAULT_REGIONS, json: false, timeoutSeconds: DEFAULT_TIMEOUT_SECONDS, pollSeconds: 10 });
    expect(DEFAULT_TIMEOUT_SECONDS).toBeLessThanOrEqual(30);
    expect(parseArgs([]).command).toBe('help');
  });

  it('reads every option, with and without "="', () => {
    expect(
      parseArgs(['failover', '--to=us-west-2', '--app', 'shop', '--regions', 'us-west-2, eu-west-1', '--dry-run', '--yes', '--approvers', 'alice,arn:aws:iam::111111111111:role/Oncall', '--timeout-minutes', '30', '--poll-seconds=2', '--timeout', '9', '--json']),
    ).toMatchObject({
      command: 'failover',
      to: 'us-west-2',
      app: 'shop',
      regions: ['us-west-2', 'eu-west-1'],
      dryRun: true,
      yes: true,
      approvers: ['alice', 'arn:aws:iam::111111111111:role/Oncall'],
      timeoutMinutes: 30,
      pollSeconds: 2,
      timeoutSeconds: 9,
      json: true,
    });
    expect(parseArgs(['reconcile', '--database', 'catalog', '--old-region', 'us-east-1', '--tables', 'a,b', '-y'])).toMatchObject({
      database: 'catalog',
      oldRegion: 'us-east-1',
      reconcileOptional: { Tables: 'a,b' },
      yes: true,
    });
    expect(parseArgs(['approve', EXECUTION_ID, '--comment', 'go'])).toMatchObject({ command: 'approve', executionId: EXECUTION_ID, comment: 'go' });
  });

  it.each([
    [['bogus'], /unknown command "bogus"/],
    [['failover'], /failover needs --to <region>/],
    [['failover', '--to', 'mars'], /--to: "mars" is not a Region name/],
    [['failback'], /failback needs --region <region>/],
    [['failback', '--region', 'us-east-1', '--run-in', 'us-east-1'], /must run in a serving Region/],
    [['status', '--regions', ','], /needs at least one Region/],
    [['status', '--to', 'us-west-2'], /--to is not an option of status/],
    [['status', '--timeout', '0'], /--timeout: "0" is not a whole number from 1 to 300/],
    [['reconcile', '--old-region', 'us-east-1'], /reconcile needs --database catalog\|orders/],
    [['reconcile', '--database', 'carts', '--old-region', 'us-east-1'], /--database: "carts" is not one of catalog, orders/],
    [['follow'], /follow needs <execution-id>/],
    [['approve', 'exec-1'], /"exec-1" is not an execution id/],
    [['failover', '--to'], /--to needs a value: <region>/],
  ])('rejects %j', (argv, message) => {
    expect(badInput(argv).message).toMatch(message);
  });

  it('reports every problem at once', () => {
    const message = badInput(['failover', '--to', 'mars', '--poll-seconds', 'x', '--bogus', '--database', 'orders']).message;
    expect(message).toMatch(/^4 problems:/);
    expect(message).toContain('--to: "mars" is not a Region name');
    expect(message).toContain('--poll-seconds: "x" is not a whole number');
    expect(message).toContain('unknown option "--bogus"');
    expect(message).toContain('--database is not an option of failover');
  });
});

describe('--help and --json on every command', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = new FakeAws();
  });
  afterEach(() => aws.restore());

  it.each(COMMANDS)('%s --help prints its usage on stdout and exits 0, calling nothing', async (command) => {
    const { deps, captured } = fakeDeps();
    expect(await run([command, '--help'], deps)).toBe(EXIT.OK);
    expect(captured.out.join('\n')).toMatch(/^Usage: npm run -s runbook -- /);
    expect(captured.out.join('\n')).toContain('Exit codes:');
    expect(captured.err).toEqual([]);
    expect(aws.calls).toEqual([]);
  });

  it('--help wins over arguments that do not parse; -h and help <command> too', async () => {
    for (const argv of [['failover', '--to', 'mars', '--help'], ['reconcile', '-h'], ['help', 'reconcile']]) {
      const { deps, captured } = fakeDeps();
      expect(await run(argv, deps)).toBe(EXIT.OK);
      expect(captured.out[0]).toMatch(/^Usage: npm run -s runbook -- (failover|reconcile) /);
    }
  });

  it('every command writes exactly one JSON document on stdout with --json, errors included', async () => {
    const cases: [string[], number][] = [
      [['help', '--json'], EXIT.OK],
      [['failover', '--help', '--json'], EXIT.OK],
      [['bogus', '--json'], EXIT.BAD_INPUT],
      [['failover', '--to', 'mars', '--json'], EXIT.BAD_INPUT],
      [['follow', EXECUTION_ID, '--json'], EXIT.BAD_INPUT],
    ];
    for (const [argv, code] of cases) {
      const { deps, captured } = fakeDeps();
      expect(await run(argv, deps)).toBe(code);
      expect(onlyJson(captured)).toMatchObject({ exitCode: code });
    }
  });
});
