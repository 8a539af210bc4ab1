import { UsageError, parseArgs } from '../../../runbooks/reconcile/args';

const PG = ['--engine', 'postgres', '--old', 'postgres://u:p@h:5432/old', '--new', 'postgres://u:p@h:5432/new', '--out', '/tmp/out'];
const MY = ['--engine', 'mysql', '--old', 'mysql://u:p@h:3306/old', '--new', 'mysql://u:p@h:3306/new', '--out', '/tmp/out'];

describe('parseArgs', () => {
  it('parses the required flags', () => {
    expect(parseArgs(PG)).toEqual({
      kind: 'run',
      options: { engine: 'postgres', old: 'postgres://u:p@h:5432/old', new: 'postgres://u:p@h:5432/new', out: '/tmp/out', quiet: false },
    });
  });

  it('parses the optional flags, in --flag=value form too', () => {
    expect(parseArgs([...PG, '--tables=orders, order_items,orders', '--schema', 'shop', '--quiet', '--chunk-size', '500', '--strategy', 'stream'])).toEqual({
      kind: 'run',
      options: {
        engine: 'postgres',
        old: 'postgres://u:p@h:5432/old',
        new: 'postgres://u:p@h:5432/new',
        out: '/tmp/out',
        quiet: true,
        tables: ['orders', 'order_items'],
        schema: 'shop',
        chunkSize: 500,
        strategy: 'stream',
      },
    });
    expect(parseArgs(['--engine=mysql', '--old=mysql://u@h/a', '--new=mysql://u@h/b', '--out=o'])).toMatchObject({ kind: 'run', options: { engine: 'mysql', out: 'o' } });
  });

  it('passes --base (the three-way verdict) through, validated like the others', () => {
    expect(parseArgs([...PG, '--base', 'postgres://u:p@h:5432/base'])).toMatchObject({ kind: 'run', options: { base: 'postgres://u:p@h:5432/base' } });
    expect(() => parseArgs([...PG, '--base', 'mysql://u@h/b'])).toThrow('--base: URL scheme mysql:// does not match --engine postgres');
  });

  it('recognises --help', () => {
    expect(parseArgs([...PG, '--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [[], 'missing required option --engine'],
    [PG.slice(2), 'missing required option --engine'],
    [PG.slice(0, 6), 'missing required option --out'],
    [['--engine', 'postgres', '--new', 'postgres://u@h/n', '--out', 'o'], 'missing required option --old'],
    [['--engine', 'oracle', ...PG.slice(2)], 'unsupported engine "oracle" for --engine (supported: postgres, mysql)'],
    [['--engine', 'mariadb', ...MY.slice(2)], 'unsupported engine "mariadb" for --engine'],
    [[...PG, '--bogus', '1'], 'unknown option --bogus'],
    [[...PG, 'stray'], 'unexpected argument "stray"'],
    [[...PG, '--out', 'again'], '--out given more than once'],
    [[...PG, '--quiet', '--quiet'], '--quiet given more than once'],
    [[...PG, '--quiet=yes'], '--quiet takes no value'],
    [[...PG, '--tables'], '--tables needs a value'],
    [[...PG, '--tables', '--quiet'], '--tables needs a value'],
    [[...PG, '--tables='], '--tables needs a non-empty value'],
    [[...PG, '--tables', 'a,,b'], '--tables has an empty table name in "a,,b"'],
    [[...PG, '--schema='], '--schema needs a non-empty value'],
    [[...MY, '--schema', 'shop'], '--schema "shop" is not supported with --engine mysql'],
    [[...PG, '--chunk-size', '0'], '--chunk-size must be a positive integer, got "0"'],
    [[...PG, '--chunk-size', '1e3'], '--chunk-size must be a positive integer, got "1e3"'],
    [[...PG, '--strategy', 'fast'], '--strategy must be one of checksum, stream, auto, got "fast"'],
    [['--engine', 'postgres', '--old', 'mysql://u@h/a', '--new', 'postgres://u@h/b', '--out', 'o'], '--old: URL scheme mysql:// does not match --engine postgres'],
    [['--engine', 'mysql', '--old', 'mysql://u@h/a', '--new', 'mysql://u@h', '--out', 'o'], '--new: URL must name exactly one database'],
    [['--engine', 'postgres', '--old', 'postgres://u@h/a?sslmode=bogus', '--new', 'postgres://u@h/b', '--out', 'o'], '--old: unsupported sslmode "bogus"'],
  ])('rejects %j', (argv, message) => {
    let thrown: unknown;
    try {
      parseArgs(argv);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toContain(message);
    if (!(thrown as Error).message.startsWith('--old:') && !(thrown as Error).message.startsWith('--new:')) expect(thrown).toBeInstanceOf(UsageError);
  });
});
