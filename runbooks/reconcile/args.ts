/**
 * Command-line arguments of `npm run reconcile`:
 *   --engine <postgres|mysql> --old <url> --new <url> --out <dir>
 *   [--base <url>] [--tables a,b] [--schema s] [--quiet] [--chunk-size N] [--strategy checksum|stream|auto]
 * Both `--flag value` and `--flag=value` are accepted. Every mistake is a UsageError
 * naming the flag and the value.
 */
import { ENGINES, ReconcileError, STRATEGIES, parseConnectionUrl } from '../../lib/reconcile/engine';
import type { ComparisonStrategy, EngineName } from '../../lib/reconcile/engine';

export class UsageError extends ReconcileError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliOptions {
  readonly engine: EngineName;
  readonly old: string;
  readonly new: string;
  /** The new primary as of the failover time: turns on the three-way verdict. */
  readonly base?: string;
  readonly out: string;
  readonly tables?: readonly string[];
  readonly schema?: string;
  readonly quiet: boolean;
  readonly chunkSize?: number;
  readonly strategy?: ComparisonStrategy;
}

export type ParsedArgs = { readonly kind: 'run'; readonly options: CliOptions } | { readonly kind: 'help' };

export const USAGE = `usage: npm run --silent reconcile -- --engine <postgres|mysql> --old <url> --new <url> --out <dir> [--base <url>] [--tables a,b] [--schema s] [--quiet] [--chunk-size N] [--strategy checksum|stream|auto]

  --engine      postgres or mysql (MySQL 8.0+ / MariaDB 10.2+)
  --old         URL of the restored old primary, e.g. postgres://user:pw@host:5432/db?sslmode=verify-full&sslrootcert=ca.pem
  --new         URL of the new primary, e.g. mysql://user:pw@host:3306/db?ssl-mode=VERIFY_IDENTITY&ssl-ca=ca.pem
  --out         output directory (report.json, summary.md, <table>.jsonl)
  --base        URL of the new primary as it was at the failover time (e.g. a point-in-time restore):
                classifies each difference as lost in the failover, changed/deleted after it, or both
  --tables      only these tables (comma-separated names without schema)
  --schema      PostgreSQL schema (default public); with mysql the URL's database is the schema
  --quiet       no progress on stderr
  --chunk-size  keys per top-level range (default 10000)
  --strategy    checksum (range checksums, rows fetched only where they differ), stream (every
                row fetched from both sides and compared here) or auto (default: checksum)

exit code: 0 no differences, 1 differences (or tables not compared), 2 error`;

const VALUE_FLAGS = ['--engine', '--old', '--new', '--base', '--out', '--tables', '--schema', '--chunk-size', '--strategy'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

function isValueFlag(flag: string): flag is ValueFlag {
  return (VALUE_FLAGS as readonly string[]).includes(flag);
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const values = new Map<ValueFlag, string>();
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}" (options start with --; see --help)`);
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    if (flag === '--quiet') {
      if (eq >= 0) throw new UsageError('--quiet takes no value');
      if (quiet) throw new UsageError('--quiet given more than once');
      quiet = true;
      continue;
    }
    if (!isValueFlag(flag)) throw new UsageError(`unknown option ${flag} (see --help)`);
    if (values.has(flag)) throw new UsageError(`${flag} given more than once`);
    let value: string | undefined;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i += 1;
    }
    if (value === '') throw new UsageError(`${flag} needs a non-empty value`);
    values.set(flag, value);
  }

  const engineValue = values.get('--engine');
  if (engineValue !== undefined && !(ENGINES as readonly string[]).includes(engineValue)) {
    throw new UsageError(`unsupported engine "${engineValue}" for --engine (supported: ${ENGINES.join(', ')})`);
  }
  for (const flag of ['--engine', '--old', '--new', '--out'] as const) {
    if (!values.has(flag)) throw new UsageError(`missing required option ${flag}`);
  }
  const engine = engineValue as EngineName;
  const oldUrl = values.get('--old') ?? '';
  const newUrl = values.get('--new') ?? '';
  // Validate now so that a bad URL is reported before anything is touched; the run
  // parses them again (with the password fallbacks from the environment).
  parseConnectionUrl(engine, oldUrl, '--old');
  parseConnectionUrl(engine, newUrl, '--new');
  const baseUrl = values.get('--base');
  if (baseUrl !== undefined) parseConnectionUrl(engine, baseUrl, '--base');

  let tables: string[] | undefined;
  const tablesValue = values.get('--tables');
  if (tablesValue !== undefined) {
    tables = [];
    for (const raw of tablesValue.split(',')) {
      const name = raw.trim();
      if (name === '') throw new UsageError(`--tables has an empty table name in "${tablesValue}"`);
      if (!tables.includes(name)) tables.push(name);
    }
  }

  const schema = values.get('--schema');
  if (schema !== undefined && engine === 'mysql') {
    throw new UsageError(`--schema "${schema}" is not supported with --engine mysql: the database named in the URL is the schema`);
  }

  let chunkSize: number | undefined;
  const chunkValue = values.get('--chunk-size');
  if (chunkValue !== undefined) {
    chunkSize = Number(chunkValue);
    if (!/^\d+$/.test(chunkValue) || !Number.isSafeInteger(chunkSize) || chunkSize < 1) {
      throw new UsageError(`--chunk-size must be a positive integer, got "${chunkValue}"`);
    }
  }

  const strategyValue = values.get('--strategy');
  if (strategyValue !== undefined && !STRATEGIES.includes(strategyValue as ComparisonStrategy)) {
    throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}, got "${strategyValue}"`);
  }
  const strategy = strategyValue as ComparisonStrategy | undefined;

  return {
    kind: 'run',
    options: {
      engine,
      old: oldUrl,
      new: newUrl,
      out: values.get('--out') ?? '',
      quiet,
      ...(baseUrl !== undefined ? { base: baseUrl } : {}),
      ...(tables ? { tables } : {}),
      ...(schema !== undefined ? { schema } : {}),
      ...(chunkSize !== undefined ? { chunkSize } : {}),
      ...(strategy !== undefined ? { strategy } : {}),
    },
  };
}
