import { REGION_PATTERN } from '../../lib/runbooks/runtime/events';
import { badInput } from './errors';

export type Command = 'status' | 'failover' | 'switchover' | 'failback' | 'help';

const COMMANDS: readonly Command[] = ['status', 'failover', 'switchover', 'failback', 'help'];

export interface CliOptions {
  readonly command: Command;
  readonly app: string;
  readonly regions: readonly string[];
  /** status: Region to read first. failback: the Region to restore. */
  readonly region?: string;
  /** failover/switchover target. */
  readonly to?: string;
  /** failback: the serving Region to run the runbook in. */
  readonly runIn?: string;
  readonly json: boolean;
  readonly dryRun: boolean;
  readonly yes: boolean;
  readonly approvers?: readonly string[];
  readonly timeoutMinutes?: number;
  readonly pollSeconds: number;
}

export const DEFAULT_APP = 'retail';
export const DEFAULT_REGIONS: readonly string[] = ['us-east-1', 'us-west-2'];

export const USAGE = `Usage: npm run runbook -- <command> [options]

Commands:
  status                          Routing controls, database writers and lag per Region
  failover   --to <region>        Unplanned failover to <region> (runs in <region>)
  switchover --to <region>        Planned, no-data-loss switchover to <region>
  failback   --region <region>    Bring <region> back into service (runs in another, serving Region)
  help                            This text

Options:
  --app <name>                    Application name (default: ${DEFAULT_APP})
  --regions <r1,r2,...>           Platform Regions, tried in order to read the topology
                                  (default: ${DEFAULT_REGIONS.join(',')})
  --region <r>                    status: read from <r> first; failback: the Region to restore
  --run-in <r>                    failback: serving Region to run the runbook in
  --json                          status: machine-readable output
  --dry-run                       Report what would change; no mutating call (DryRun=true)
  --yes                           Do not ask for confirmation (required without a terminal)
  --approvers <a,b>               Approvers for runbooks deployed with approval
  --timeout-minutes <n>           DatabaseTimeoutMinutes for failover/switchover
  --poll-seconds <n>              Progress polling interval (default: 5)
`;

function parseRegion(value: string, option: string): string {
  if (!REGION_PATTERN.test(value)) {
    throw badInput(`${option}: "${value}" is not a Region name`);
  }
  return value;
}

function parsePositiveInt(value: string, option: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw badInput(`${option}: "${value}" is not a positive integer`);
  }
  return parsed;
}

function parseList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Parses argv (without node and the script). Throws `CliError` (exit 2) on bad input. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    return { command: 'help', app: DEFAULT_APP, regions: DEFAULT_REGIONS, json: false, dryRun: false, yes: false, pollSeconds: 5 };
  }
  const command = COMMANDS.find((c) => c === first);
  if (command === undefined) {
    throw badInput(`Unknown command "${first}"`);
  }

  let app = DEFAULT_APP;
  let regions: readonly string[] = DEFAULT_REGIONS;
  let region: string | undefined;
  let to: string | undefined;
  let runIn: string | undefined;
  let approvers: string[] | undefined;
  let timeoutMinutes: number | undefined;
  let pollSeconds = 5;
  let json = false;
  let dryRun = false;
  let yes = false;

  for (let i = 0; i < rest.length; i++) {
    const token = rest[i];
    const [flag, inline] = token.startsWith('--') && token.includes('=') ? [token.slice(0, token.indexOf('=')), token.slice(token.indexOf('=') + 1)] : [token, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = rest[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw badInput(`${flag} needs a value`);
      }
      i++;
      return next;
    };
    switch (flag) {
      case '--app':
        app = value();
        if (!/^[a-zA-Z0-9_.-]+$/.test(app)) throw badInput(`--app: "${app}" is not a valid application name`);
        break;
      case '--regions':
        regions = parseList(value()).map((r) => parseRegion(r, '--regions'));
        if (regions.length === 0) throw badInput('--regions needs at least one Region');
        break;
      case '--region':
        region = parseRegion(value(), '--region');
        break;
      case '--to':
        to = parseRegion(value(), '--to');
        break;
      case '--run-in':
        runIn = parseRegion(value(), '--run-in');
        break;
      case '--approvers':
        approvers = parseList(value());
        break;
      case '--timeout-minutes':
        timeoutMinutes = parsePositiveInt(value(), '--timeout-minutes');
        break;
      case '--poll-seconds':
        pollSeconds = parsePositiveInt(value(), '--poll-seconds');
        break;
      case '--json':
        json = true;
        break;
      case '--dry-run':
        dryRun = true;
        break;
      case '--yes':
      case '-y':
        yes = true;
        break;
      default:
        throw badInput(`Unknown option "${token}"`);
    }
  }

  if ((command === 'failover' || command === 'switchover') && to === undefined) {
    throw badInput(`${command} needs --to <region>`);
  }
  if (command === 'failback' && region === undefined) {
    throw badInput('failback needs --region <region> (the Region to restore)');
  }
  if (command === 'failback' && runIn !== undefined && runIn === region) {
    throw badInput('failback must run in a serving Region, not in the Region being restored');
  }
  return { command, app, regions, region, to, runIn, json, dryRun, yes, approvers, timeoutMinutes, pollSeconds };
}
