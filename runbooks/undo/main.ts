/**
 * `npm run -s undo -- --database catalog|orders --before <ISO time> [options]`: see
 * docs/undo-bad-write.md. Follows the operator CLI's conventions (runbooks/cli): `--help`,
 * `--json` (one JSON document on stdout, progress on stderr), its exit codes, `--yes` or a prompt,
 * deadlines on every AWS call (lib/common/aws-client.ts), a wait that says what it last saw.
 */
import * as path from 'node:path';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ReconcileOptions, ReconcileResult } from '../../lib/reconcile/engine';
import { topologyParameterName, type PlatformTopology } from '../../lib/topology/topology';
import { EXIT, EXIT_CODE_HELP, type ExitCode } from '../cli/errors';
import { undoBadWrite, type UndoDatabase, type UndoOutcome } from './undo';

export interface UndoOptions {
  readonly app: string;
  readonly database: UndoDatabase;
  readonly before: Date;
  /** The Region whose member writes now (the restore runs there). */
  readonly region: string;
  /** The database's master secret (its copy in `region`): the live side's login. */
  readonly secretArn: string;
  readonly outDir: string;
  readonly tables?: readonly string[];
  readonly keep: boolean;
  readonly yes: boolean;
  readonly json: boolean;
  readonly waitMinutes: number;
}

export interface UndoCliDeps {
  readonly ssm: (region: string) => SSMClient;
  readonly rds: (region: string) => RDSClient;
  readonly secrets: (region: string) => SecretsManagerClient;
  readonly report: (options: ReconcileOptions) => Promise<ReconcileResult>;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly interactive: boolean;
  readonly confirm: (question: string) => Promise<boolean>;
}

export const UNDO_HELP = [
  'usage: npm run -s undo -- --database catalog|orders --before <time> --region <writer region> --secret-arn <arn> [options]',
  '',
  'Restores the database\'s writer in --region to --before (ISO 8601, e.g. 2026-12-02T07:59:00Z) into a',
  'temporary cluster, compares it with the live writer (the missing-transaction report engine) and',
  'writes the rows that differ to --out, then deletes the temporary cluster. Writes nothing to the live database.',
  'Run it where both clusters are reachable (inside the VPC of --region, or peered to it).',
  '',
  '--secret-arn is the database\'s master secret in --region (docs/undo-bad-write.md shows how to find it).',
  '',
  'options:',
  '  --app <name>            application name (default retail)',
  '  --out <dir>             report directory (default ./undo-<database>-<time>)',
  '  --tables <t1,t2>        only these tables',
  '  --keep                  keep the temporary cluster (delete it yourself)',
  '  --wait-minutes <n>      longest wait for the restore (default 60)',
  '  --yes                   do not ask for confirmation',
  '  --json                  one JSON document on stdout',
  '',
  'exit codes:',
  ...EXIT_CODE_HELP.map(([code, text]) => `  ${code}  ${text}`),
  '  (1 here also means: the report found differences, or the temporary cluster could not be deleted)',
];

export class UsageError extends Error {}

const DATABASES: readonly UndoDatabase[] = ['catalog', 'orders'];

export function parseUndoArgs(argv: readonly string[], now: Date): UndoOptions | 'help' {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const problems: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (['--keep', '--yes', '--json'].includes(arg)) { flags.add(arg); continue; }
    if (['--app', '--database', '--before', '--region', '--secret-arn', '--out', '--tables', '--wait-minutes'].includes(arg)) {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith('--')) problems.push(`${arg} needs a value`);
      else values.set(arg, value);
      index += 1;
      continue;
    }
    problems.push(`unknown option ${arg}`);
  }
  const database = values.get('--database');
  if (database === undefined || !DATABASES.includes(database as UndoDatabase)) problems.push(`--database must be catalog or orders, got ${database ?? 'nothing'}`);
  const beforeText = values.get('--before');
  const before = beforeText !== undefined && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(beforeText) ? new Date(beforeText) : undefined;
  if (before === undefined || Number.isNaN(before.getTime())) problems.push(`--before must be an ISO 8601 time with a zone, e.g. 2026-12-02T07:59:00Z, got ${beforeText ?? 'nothing'}`);
  else if (before.getTime() > now.getTime()) problems.push(`--before ${beforeText} is in the future`);
  const region = values.get('--region');
  if (region === undefined || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) problems.push(`--region must be the Region of the current writer, got ${region ?? 'nothing'}`);
  const secretArn = values.get('--secret-arn');
  if (secretArn === undefined || !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(secretArn)) problems.push(`--secret-arn must be the ARN of the database's master secret in --region, got ${secretArn ?? 'nothing'}`);
  const wait = Number(values.get('--wait-minutes') ?? '60');
  if (!Number.isInteger(wait) || wait < 5 || wait > 180) problems.push('--wait-minutes must be an integer from 5 to 180');
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  const stamp = before!.toISOString().replace(/[-:]/g, '').slice(0, 13);
  return {
    app: values.get('--app') ?? 'retail',
    database: database as UndoDatabase,
    before: before!,
    region: region!,
    secretArn: secretArn!,
    outDir: path.resolve(values.get('--out') ?? `undo-${database}-${stamp}`),
    ...(values.get('--tables') !== undefined ? { tables: values.get('--tables')!.split(',').map((t) => t.trim()).filter((t) => t !== '') } : {}),
    keep: flags.has('--keep'),
    yes: flags.has('--yes'),
    json: flags.has('--json'),
    waitMinutes: wait,
  };
}

async function readTopology(deps: UndoCliDeps, options: UndoOptions): Promise<PlatformTopology> {
  const parameter = await deps.ssm(options.region).send(new GetParameterCommand({ Name: topologyParameterName(options.app) }), { abortSignal: AbortSignal.timeout(20_000) });
  if (parameter.Parameter?.Value === undefined) throw new Error(`no topology parameter ${topologyParameterName(options.app)} in ${options.region}`);
  return JSON.parse(parameter.Parameter.Value) as PlatformTopology;
}

/** The whole command; returns the exit code. Never throws for expected failures. */
export async function runUndo(deps: UndoCliDeps, argv: readonly string[]): Promise<ExitCode> {
  let options: UndoOptions;
  try {
    const parsed = parseUndoArgs(argv, deps.now());
    if (parsed === 'help') { UNDO_HELP.forEach((line) => deps.out(line)); return EXIT.OK; }
    options = parsed;
  } catch (error) {
    deps.err(`undo: ${error instanceof Error ? error.message : String(error)} (see --help)`);
    return EXIT.BAD_INPUT;
  }
  const say = (line: string) => (options.json ? deps.err(line) : deps.out(line));
  const finish = (code: ExitCode, document: Record<string, unknown>, lines: readonly string[]): ExitCode => {
    if (options.json) deps.out(JSON.stringify({ command: 'undo', exitCode: code, ...document }));
    else lines.forEach((line) => deps.out(line));
    return code;
  };

  let topology: PlatformTopology;
  try {
    topology = await readTopology(deps, options);
  } catch (error) {
    return finish(EXIT.NOTHING_REACHABLE, { error: String(error) }, [`undo: could not read the topology in ${options.region}: ${error instanceof Error ? error.message : String(error)}`]);
  }
  const database = topology.databases.find((db) => db.name === options.database);
  const member = database?.members[options.region];
  if (database === undefined || member === undefined) {
    return finish(EXIT.BAD_INPUT, { error: 'no member' }, [`undo: the topology lists no ${options.database} member in ${options.region}`]);
  }
  const secretArn = options.secretArn;
  if (!options.yes) {
    if (!deps.interactive) return finish(EXIT.BAD_INPUT, { started: false }, ['undo: not a terminal: add --yes to confirm']);
    const question = `Restore ${member.clusterIdentifier} to ${options.before.toISOString()} as a temporary cluster in ${options.region} and compare it with the live ${options.database}?`;
    if (!(await deps.confirm(question))) return finish(EXIT.DECLINED, { started: false }, ['Not confirmed; nothing was started.']);
  }

  let outcome: UndoOutcome;
  try {
    outcome = await undoBadWrite({
      rds: deps.rds(options.region),
      secrets: deps.secrets(options.region),
      report: deps.report,
      now: deps.now,
      sleep: deps.sleep,
      progress: (line) => say(`[${deps.now().toISOString().slice(11, 19)} UTC] ${line}`),
    }, {
      appName: options.app,
      database: options.database,
      region: options.region,
      sourceClusterIdentifier: member.clusterIdentifier,
      restoreTo: options.before,
      liveSecretArn: secretArn,
      outDir: options.outDir,
      ...(options.tables !== undefined ? { tables: options.tables } : {}),
      keep: options.keep,
      waitMinutes: options.waitMinutes,
    });
  } catch (error) {
    // Before anything was created (source not found, time outside the restorable window).
    return finish(EXIT.BAD_INPUT, { started: false, error: String(error) }, [`undo: ${error instanceof Error ? error.message : String(error)}; nothing was created`]);
  }
  const lines = [
    `Temporary cluster ${outcome.temporaryCluster} (as of ${outcome.restoredTo}): ${outcome.cleanup}${outcome.cleanupError !== undefined ? ` (${outcome.cleanupError}) — delete it: aws rds delete-db-cluster --db-cluster-identifier ${outcome.temporaryCluster} --skip-final-snapshot --region ${options.region}` : ''}`,
    ...(outcome.error !== undefined ? [`The report did not complete: ${outcome.error}`] : []),
    ...(outcome.report !== undefined
      ? [`Report: ${options.outDir} (report.json, summary.md, one <table>.jsonl per table with differences)`, outcome.report.hasDifferences ? 'Rows differ: the rows "missing in new" are what the bad write removed; review them before putting them back (docs/undo-bad-write.md).' : 'No row differs between the restore and the live database.']
      : []),
  ];
  const failed = outcome.error !== undefined || outcome.cleanup === 'failed' || outcome.report?.hasDifferences === true;
  return finish(failed ? EXIT.FAILED : EXIT.OK, { outcome }, lines);
}
