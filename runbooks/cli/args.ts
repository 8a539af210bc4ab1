import type { DatabaseName } from '../../lib/topology/topology';
import { badInput, EXIT_CODE_HELP } from './errors';
import { OPTIONAL_RECONCILE_PARAMETERS } from './reconcile-parameters';

export type Command = 'status' | 'failover' | 'switchover' | 'failback' | 'follow' | 'approve' | 'reject' | 'reconcile' | 'help';

const RUN_COMMANDS = ['failover', 'switchover', 'failback', 'reconcile'] as const;
const SIGNAL_COMMANDS = ['approve', 'reject'] as const;
const COMMANDS: readonly Command[] = ['status', 'failover', 'switchover', 'failback', 'reconcile', 'follow', 'approve', 'reject', 'help'];
const DATABASES: readonly DatabaseName[] = ['catalog', 'orders'];

export interface CliOptions {
  readonly command: Command;
  /** help: the command asked about. */
  readonly topic?: Command;
  readonly app: string;
  readonly regions: readonly string[];
  readonly json: boolean;
  /** Overall deadline of `status` and of every discovery read, in seconds. */
  readonly timeoutSeconds: number;
  /** failover/switchover: the Region to promote. */
  readonly to?: string;
  /** failback: the Region to restore; follow/approve/reject: where the execution runs (optional). */
  readonly region?: string;
  /** failback: the serving Region to run the runbook in. */
  readonly runIn?: string;
  /** follow/approve/reject. */
  readonly executionId?: string;
  readonly comment?: string;
  /** reconcile. */
  readonly database?: DatabaseName;
  readonly oldRegion?: string;
  /** reconcile: optional document parameters by name (see reconcile-parameters.ts). */
  readonly reconcileOptional: Readonly<Record<string, string>>;
  readonly dryRun: boolean;
  readonly yes: boolean;
  readonly approvers?: readonly string[];
  readonly timeoutMinutes?: number;
  readonly pollSeconds: number;
}

export const DEFAULT_APP = 'retail';
export const DEFAULT_REGIONS: readonly string[] = ['us-east-1', 'us-west-2'];
export const DEFAULT_TIMEOUT_SECONDS = 20;
export const MAX_TIMEOUT_SECONDS = 300;
export const DEFAULT_POLL_SECONDS = 10;

/** How the docs call the CLI (`-s`: without it npm prints its own header on stdout). */
export const INVOCATION = 'npm run -s runbook --';

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const EXECUTION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Key =
  | 'app' | 'regions' | 'json' | 'timeout' | 'to' | 'region' | 'runIn' | 'comment' | 'database' | 'oldRegion'
  | 'dryRun' | 'yes' | 'approvers' | 'timeoutMinutes' | 'pollSeconds' | 'optional';

interface OptionSpec {
  readonly key: Key;
  readonly flag: string;
  readonly alias?: string;
  /** Placeholder of the value; absent for switches. */
  readonly value?: string;
  readonly help: string;
  readonly commands: readonly Command[];
  /** For `optional`: the document parameter it sets. */
  readonly parameter?: string;
}

const EVERY: readonly Command[] = ['status', 'failover', 'switchover', 'failback', 'reconcile', 'follow', 'approve', 'reject'];

const OPTIONS: readonly OptionSpec[] = [
  { key: 'to', flag: '--to', value: '<region>', help: 'the Region to promote (the runbook runs there)', commands: ['failover', 'switchover'] },
  { key: 'region', flag: '--region', value: '<region>', help: 'failback: the Region to restore; follow/approve/reject: where the execution runs (default: ask every Region)', commands: ['failback', 'follow', 'approve', 'reject'] },
  { key: 'runIn', flag: '--run-in', value: '<serving-region>', help: 'serving Region to run the failback in (default: the first that answers)', commands: ['failback'] },
  { key: 'database', flag: '--database', value: 'catalog|orders', help: 'the global database to reconcile', commands: ['reconcile'] },
  { key: 'oldRegion', flag: '--old-region', value: '<region>', help: 'the Region that was primary before the unplanned failover', commands: ['reconcile'] },
  ...OPTIONAL_RECONCILE_PARAMETERS.map((p): OptionSpec => ({ key: 'optional', flag: p.flag, value: p.placeholder, help: p.help, commands: ['reconcile'], parameter: p.parameter })),
  { key: 'dryRun', flag: '--dry-run', help: 'report what would change; change nothing (DryRun=true, no prompt)', commands: RUN_COMMANDS },
  { key: 'yes', flag: '--yes', alias: '-y', help: 'do not ask for confirmation (needed without a terminal)', commands: RUN_COMMANDS },
  { key: 'approvers', flag: '--approvers', value: '<a,b>', help: 'IAM users/roles who may approve (runbooks deployed with approval and no default)', commands: ['failover', 'switchover', 'failback'] },
  { key: 'timeoutMinutes', flag: '--timeout-minutes', value: '<n>', help: 'DatabaseTimeoutMinutes of the runbook (default 20)', commands: ['failover', 'switchover'] },
  { key: 'comment', flag: '--comment', value: '<text>', help: 'comment recorded with the signal', commands: SIGNAL_COMMANDS },
  { key: 'pollSeconds', flag: '--poll-seconds', value: '<n>', help: `progress polling interval (default ${DEFAULT_POLL_SECONDS})`, commands: [...RUN_COMMANDS, 'follow'] },
  { key: 'app', flag: '--app', value: '<name>', help: `application name (default ${DEFAULT_APP})`, commands: EVERY },
  { key: 'regions', flag: '--regions', value: '<r1,r2>', help: `Regions asked first, in parallel (default ${DEFAULT_REGIONS.join(',')}); the topology adds the rest`, commands: EVERY },
  { key: 'timeout', flag: '--timeout', value: '<seconds>', help: `overall deadline of status and of every read before a start (default ${DEFAULT_TIMEOUT_SECONDS})`, commands: EVERY },
  { key: 'json', flag: '--json', help: 'one JSON document on stdout, nothing else (progress goes to stderr)', commands: EVERY },
];

interface CommandSpec {
  readonly synopsis: string;
  readonly summary: string;
  readonly positional?: string;
}

const SPECS: Readonly<Record<Command, CommandSpec>> = {
  status: { synopsis: 'status', summary: 'every Region in parallel: routing control, database writers, sync and lag; unreachable Regions with the reason' },
  failover: { synopsis: 'failover --to <region>', summary: 'UNPLANNED failover to <region> (data not yet replicated is lost); runs in <region>' },
  switchover: { synopsis: 'switchover --to <region>', summary: 'planned switchover to <region>, no data loss; needs a healthy primary' },
  failback: { synopsis: 'failback --region <region>', summary: 'bring <region> back into service; runs in a serving Region' },
  reconcile: { synopsis: 'reconcile --database catalog|orders --old-region <region>', summary: 'missing-transaction report: restore the old primary\'s failover snapshot, compare, print summary.md' },
  follow: { synopsis: 'follow <execution-id>', summary: 're-attach to a running (or finished) execution', positional: 'executionId' },
  approve: { synopsis: 'approve <execution-id>', summary: 'send the Approve signal to an execution waiting for approval', positional: 'executionId' },
  reject: { synopsis: 'reject <execution-id>', summary: 'send the Reject signal (the runbook stops, nothing more changes)', positional: 'executionId' },
  help: { synopsis: 'help [<command>]', summary: 'this text, or one command\'s options' },
};

function optionLine(option: OptionSpec): string {
  const name = [option.alias, option.flag].filter((part) => part !== undefined).join(', ');
  return `  ${`${name}${option.value ? ` ${option.value}` : ''}`.padEnd(34)}${option.help}`;
}

function exitCodeLines(): string[] {
  return EXIT_CODE_HELP.map(([code, meaning]) => `  ${String(code).padEnd(3)}${meaning}`);
}

export function usage(topic?: Command): string {
  if (topic !== undefined && topic !== 'help') {
    const spec = SPECS[topic];
    const own = OPTIONS.filter((o) => o.commands.includes(topic) && o.commands !== EVERY);
    const common = OPTIONS.filter((o) => o.commands === EVERY);
    return [
      `Usage: ${INVOCATION} ${spec.synopsis} [options]`,
      '',
      `  ${spec.summary}`,
      '',
      ...(own.length > 0 ? ['Options:', ...own.map(optionLine), ''] : []),
      'Common options:',
      ...common.map(optionLine),
      '  -h, --help                        this text',
      '',
      'Exit codes:',
      ...exitCodeLines(),
      '',
    ].join('\n');
  }
  return [
    `Usage: ${INVOCATION} <command> [options]`,
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${SPECS[c].synopsis.padEnd(58)}${SPECS[c].summary}`),
    '',
    `Run "${INVOCATION} <command> --help" for a command's options. Common options:`,
    ...OPTIONS.filter((o) => o.commands === EVERY).map(optionLine),
    '',
    'Times are printed in UTC. Exit codes:',
    ...exitCodeLines(),
    '',
  ].join('\n');
}

/** Whether the caller asked for JSON, even when the rest of the arguments do not parse. */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}

export function isCommand(value: string | undefined): value is Command {
  return COMMANDS.some((c) => c === value);
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

interface Draft {
  app: string;
  regions: readonly string[];
  json: boolean;
  timeoutSeconds: number;
  to?: string;
  region?: string;
  runIn?: string;
  executionId?: string;
  comment?: string;
  database?: DatabaseName;
  oldRegion?: string;
  reconcileOptional: Record<string, string>;
  dryRun: boolean;
  yes: boolean;
  approvers?: readonly string[];
  timeoutMinutes?: number;
  pollSeconds: number;
}

function defaults(): Draft {
  return {
    app: DEFAULT_APP,
    regions: DEFAULT_REGIONS,
    json: false,
    timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
    reconcileOptional: {},
    dryRun: false,
    yes: false,
    pollSeconds: DEFAULT_POLL_SECONDS,
  };
}

function applyValue(draft: Draft, option: OptionSpec, value: string, problems: string[]): void {
  const region = (): string | undefined => {
    if (REGION_PATTERN.test(value)) return value;
    problems.push(`${option.flag}: "${value}" is not a Region name (like us-west-2)`);
    return undefined;
  };
  const positive = (max: number): number | undefined => {
    const parsed = Number(value);
    if (Number.isInteger(parsed) && parsed > 0 && parsed <= max) return parsed;
    problems.push(`${option.flag}: "${value}" is not a whole number from 1 to ${max}`);
    return undefined;
  };
  switch (option.key) {
    case 'app':
      if (/^[a-z0-9-]{3,20}$/.test(value)) draft.app = value;
      else problems.push(`--app: "${value}" is not an application name (3-20 lower-case letters, digits, hyphens)`);
      break;
    case 'regions': {
      const regions = splitList(value);
      const bad = regions.filter((r) => !REGION_PATTERN.test(r));
      if (regions.length === 0) problems.push('--regions: needs at least one Region (like us-east-1,us-west-2)');
      else if (bad.length > 0) problems.push(`--regions: ${bad.map((b) => `"${b}"`).join(', ')} is not a Region name`);
      else draft.regions = regions;
      break;
    }
    case 'timeout':
      draft.timeoutSeconds = positive(MAX_TIMEOUT_SECONDS) ?? draft.timeoutSeconds;
      break;
    case 'to':
      draft.to = region();
      break;
    case 'region':
      draft.region = region();
      break;
    case 'runIn':
      draft.runIn = region();
      break;
    case 'oldRegion':
      draft.oldRegion = region();
      break;
    case 'database': {
      const database = DATABASES.find((d) => d === value);
      if (database === undefined) problems.push(`--database: "${value}" is not one of ${DATABASES.join(', ')}`);
      draft.database = database;
      break;
    }
    case 'comment':
      draft.comment = value;
      break;
    case 'approvers': {
      const approvers = splitList(value);
      if (approvers.length === 0 || approvers.length > 10) problems.push(`--approvers: "${value}" must name 1 to 10 IAM users or role ARNs, comma-separated`);
      else draft.approvers = approvers;
      break;
    }
    case 'timeoutMinutes':
      draft.timeoutMinutes = positive(24 * 60);
      break;
    case 'pollSeconds':
      draft.pollSeconds = positive(600) ?? draft.pollSeconds;
      break;
    case 'optional':
      if (option.parameter !== undefined) draft.reconcileOptional[option.parameter] = value;
      break;
    default:
      break;
  }
}

function applySwitch(draft: Draft, option: OptionSpec): void {
  if (option.key === 'json') draft.json = true;
  if (option.key === 'dryRun') draft.dryRun = true;
  if (option.key === 'yes') draft.yes = true;
}

/** Missing required arguments; a flag given with a bad value was reported already. */
function required(command: Command, draft: Draft, given: ReadonlySet<string>, problems: string[]): void {
  const need = (present: unknown, what: string): void => {
    if (present === undefined && !given.has(what.split(' ')[0])) problems.push(`${command} needs ${what}`);
  };
  switch (command) {
    case 'failover':
    case 'switchover':
      need(draft.to, '--to <region>');
      break;
    case 'failback':
      need(draft.region, '--region <region> (the Region to restore)');
      if (draft.region !== undefined && draft.runIn === draft.region) {
        problems.push('failback must run in a serving Region: --run-in cannot be the Region being restored');
      }
      break;
    case 'reconcile':
      need(draft.database, '--database catalog|orders');
      need(draft.oldRegion, '--old-region <region> (the Region that was primary before the failover)');
      break;
    case 'follow':
    case 'approve':
    case 'reject':
      need(draft.executionId, '<execution-id> (printed when the run started)');
      break;
    default:
      break;
  }
}

/**
 * Parses argv (without node and the script). `--help`/`-h` anywhere means help for the command.
 * Throws `CliError` (exit 2) listing every problem at once.
 */
export function parseArgs(argv: readonly string[]): CliOptions {
  const [first, ...rest] = argv;
  const asksHelp = argv.includes('--help') || argv.includes('-h');
  if (first === undefined || first === '--help' || first === '-h' || (first.startsWith('-') && asksHelp)) {
    return { command: 'help', ...defaults(), json: wantsJson(argv) };
  }
  if (!isCommand(first)) {
    throw badInput(`unknown command "${first}"; commands: ${COMMANDS.join(', ')}`);
  }
  if (first === 'help') {
    const topic = rest.find((token) => !token.startsWith('-'));
    if (topic !== undefined && !isCommand(topic)) throw badInput(`help: unknown command "${topic}"; commands: ${COMMANDS.join(', ')}`);
    return { command: 'help', topic, ...defaults(), json: wantsJson(argv) };
  }
  if (asksHelp) {
    return { command: 'help', topic: first, ...defaults(), json: wantsJson(argv) };
  }

  const command = first;
  const draft = defaults();
  const problems: string[] = [];
  const given = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i];
    const equals = token.startsWith('--') ? token.indexOf('=') : -1;
    const flag = equals > 0 ? token.slice(0, equals) : token;
    const inline = equals > 0 ? token.slice(equals + 1) : undefined;

    if (!flag.startsWith('-')) {
      if (SPECS[command].positional !== undefined && !given.has('<execution-id>')) {
        given.add('<execution-id>');
        if (EXECUTION_ID_PATTERN.test(token)) draft.executionId = token;
        else problems.push(`"${token}" is not an execution id (36 characters, like 0123abcd-4567-89ab-cdef-0123456789ab)`);
      } else {
        problems.push(`unexpected argument "${token}"`);
      }
      continue;
    }
    const option = OPTIONS.find((o) => o.flag === flag || o.alias === flag);
    if (option === undefined) {
      problems.push(`unknown option "${flag}"`);
      continue;
    }
    if (!option.commands.includes(command)) {
      problems.push(`${option.flag} is not an option of ${command}`);
      if (option.value !== undefined && inline === undefined) i++;
      continue;
    }
    given.add(option.flag);
    if (option.value === undefined) {
      if (inline !== undefined) problems.push(`${option.flag} takes no value`);
      applySwitch(draft, option);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = rest[i + 1];
      if (next === undefined || (next.startsWith('-') && next.length > 1)) {
        problems.push(`${option.flag} needs a value: ${option.value}`);
        continue;
      }
      value = next;
      i++;
    }
    applyValue(draft, option, value, problems);
  }
  required(command, draft, given, problems);
  if (problems.length > 0) {
    throw badInput(problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`);
  }
  return { command, ...draft };
}
