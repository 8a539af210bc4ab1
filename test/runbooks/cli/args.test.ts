import { DEFAULT_REGIONS, parseArgs } from '../../../runbooks/cli/args';
import { CliError, EXIT } from '../../../runbooks/cli/errors';

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

describe('parseArgs', () => {
  it('applies defaults', () => {
    expect(parseArgs(['status'])).toMatchObject({ command: 'status', app: 'retail', regions: DEFAULT_REGIONS, json: false, pollSeconds: 5 });
    expect(parseArgs([]).command).toBe('help');
  });

  it('reads every option, with and without "="', () => {
    expect(
      parseArgs([
        'failover',
        '--to=us-west-2',
        '--app',
        'shop',
        '--regions',
        'us-west-2, eu-west-1',
        '--dry-run',
        '--yes',
        '--approvers',
        'alice,arn:aws:iam::111111111111:role/Oncall',
        '--timeout-minutes',
        '30',
        '--poll-seconds=2',
      ]),
    ).toEqual({
      command: 'failover',
      app: 'shop',
      regions: ['us-west-2', 'eu-west-1'],
      region: undefined,
      to: 'us-west-2',
      runIn: undefined,
      json: false,
      dryRun: true,
      yes: true,
      approvers: ['alice', 'arn:aws:iam::111111111111:role/Oncall'],
      timeoutMinutes: 30,
      pollSeconds: 2,
    });
  });

  it.each<[string[], RegExp]>([
    [['teleport'], /Unknown command "teleport"/],
    [['status', '--verbose'], /Unknown option "--verbose"/],
    [['failover'], /failover needs --to <region>/],
    [['switchover', '--to'], /--to needs a value/],
    [['switchover', '--to', 'west'], /"west" is not a Region name/],
    [['failback'], /failback needs --region <region>/],
    [['failback', '--region', 'us-east-1', '--run-in', 'us-east-1'], /must run in a serving Region/],
    [['status', '--regions', ','], /at least one Region/],
    [['failover', '--to', 'us-west-2', '--timeout-minutes', '0'], /not a positive integer/],
  ])('rejects %j', (argv, message) => {
    expect(badInput(argv).message).toMatch(message);
  });
});
