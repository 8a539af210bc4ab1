import { isAbsolute, resolve } from 'node:path';

export interface ReviewOptions {
  /** The git ref the working tree is compared with. */
  readonly base: string;
  /** `key=value` context pairs given to both synths (`config=` made absolute). */
  readonly contextArgs: readonly string[];
  readonly markdown: boolean;
  /** Write the report here instead of stdout. */
  readonly out?: string;
  readonly help: boolean;
}

export const USAGE = `usage: npm run review -- [--base <git-ref>] [-c key=value ...] [--markdown] [--out <file>]

Synthesizes <git-ref> (default HEAD) in a temporary git worktree and the working tree with the same
-c context, and prints per stack what \`cdk diff\` would print between them.

  --base <git-ref>     branch, tag or commit to compare with (default: HEAD, i.e. your uncommitted changes)
  -c, --context k=v    context for both synths, as for cdk synth; -c config=<file> is read from the
                       working tree for both sides (same settings)
  --markdown           write a pull-request comment instead of terminal text
  --out <file>         write the report to <file> instead of stdout

Exit status: 0 no differences, 1 differences, 2 the review could not be made.`;

/** A bad command line: every problem at once. */
export class UsageError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`${problems.join('\n')}\n\n${USAGE}`);
    this.name = 'UsageError';
  }
}

/**
 * Parses the arguments after `npm run review --`. `cwd` anchors relative paths: the `config` context
 * names a file, and both sides must read the same one.
 */
export function parseReviewArgs(argv: readonly string[], cwd: string): ReviewOptions {
  const problems: string[] = [];
  let base: string | undefined;
  let out: string | undefined;
  let markdown = false;
  let help = false;
  const contextArgs: string[] = [];
  const valueAfter = (index: number, flag: string): string | undefined => {
    const value = argv[index + 1];
    if (value === undefined || value.startsWith('-')) {
      problems.push(`${flag} needs a value`);
      return undefined;
    }
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const take = (): string | undefined => {
      if (inline !== undefined) return inline;
      const value = valueAfter(i, flag);
      if (value !== undefined) i++;
      return value;
    };
    switch (flag) {
      case '--base': {
        const value = take();
        if (value !== undefined && base !== undefined) problems.push(`--base given twice ('${base}' and '${value}')`);
        else if (value !== undefined) base = value;
        break;
      }
      case '-c':
      case '--context': {
        const value = take();
        if (value === undefined) break;
        const equals = value.indexOf('=');
        if (equals <= 0) {
          problems.push(`${flag} '${value}' must be key=value`);
          break;
        }
        const key = value.slice(0, equals);
        const setting = value.slice(equals + 1);
        contextArgs.push(key === 'config' && setting !== '' && !isAbsolute(setting) ? `config=${resolve(cwd, setting)}` : value);
        break;
      }
      case '--markdown':
        markdown = true;
        break;
      case '--out': {
        const value = take();
        if (value !== undefined) out = resolve(cwd, value);
        break;
      }
      case '-h':
      case '--help':
        help = true;
        break;
      default:
        problems.push(`unknown argument '${arg}'`);
    }
  }
  if (problems.length > 0) throw new UsageError(problems);
  return { base: base ?? 'HEAD', contextArgs, markdown, help, ...(out !== undefined ? { out } : {}) };
}
