/**
 * Arguments of `npm run cost`:
 *   (none)                      the four reference configurations (the README's table)
 *   -c config=<file>            the user's own configuration, the same file `cdk synth -c config=<file>` takes
 *   --config <file>             the same
 *   --help
 */

export type CostRequest = { readonly kind: 'reference' } | { readonly kind: 'file'; readonly path: string } | { readonly kind: 'help' };

export const COST_USAGE = `Usage: npm run -s cost [-- -c config=<file>]

  (no options)        monthly list price of dev and prod in 2 and 3 Regions (the README's table)
  -c config=<file>    monthly list price of your configuration (the file cdk synth -c config=<file> takes)
  -h, --help          this text

Counts every priced component in the synthesized templates; see docs/cost.md for what is excluded.
Exit codes: 0 priced, 1 invalid configuration (every problem listed), 2 bad arguments.`;

export class CostUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CostUsageError';
  }
}

function configPath(assignment: string): string {
  const match = /^config=(.+)$/.exec(assignment);
  if (match === null) {
    throw new CostUsageError(`-c takes config=<file> (the only context key the app reads), got "${assignment}"`);
  }
  return match[1];
}

export function parseCostArgs(argv: readonly string[]): CostRequest {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help' };
  let path: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    const next = (): string => {
      const value = argv[i + 1];
      if (value === undefined) throw new CostUsageError(`${token} needs a value: ${token === '--config' ? '<file>' : 'config=<file>'}`);
      i++;
      return value;
    };
    let found: string;
    if (token === '-c' || token === '--context') found = configPath(next());
    else if (token.startsWith('--context=')) found = configPath(token.slice('--context='.length));
    else if (token === '--config') found = next();
    else if (token.startsWith('--config=')) found = token.slice('--config='.length);
    else throw new CostUsageError(`unknown argument "${token}"`);
    if (path !== undefined) throw new CostUsageError('one configuration file at a time');
    path = found;
  }
  return path === undefined ? { kind: 'reference' } : { kind: 'file', path };
}
