import { parseReviewArgs, UsageError } from '../../scripts/review/options';

describe('review command line', () => {
  test('defaults: compare the working tree with HEAD, terminal text to stdout', () => {
    expect(parseReviewArgs([], '/work/project')).toEqual({ base: 'HEAD', contextArgs: [], markdown: false, help: false });
  });

  test('every option, both spellings; config= is made absolute so that both sides read the same file', () => {
    expect(parseReviewArgs(
      ['--base', 'origin/main', '-c', 'config=examples/prod.json', '--context=profile=prod', '--markdown', '--out', 'review.md'],
      '/work/project',
    )).toEqual({
      base: 'origin/main',
      contextArgs: ['config=/work/project/examples/prod.json', 'profile=prod'],
      markdown: true,
      out: '/work/project/review.md',
      help: false,
    });
    expect(parseReviewArgs(['--base=v1.2.0', '-c', 'config=/etc/retail.json'], '/work/project'))
      .toMatchObject({ base: 'v1.2.0', contextArgs: ['config=/etc/retail.json'] });
  });

  test('fails with every problem at once, naming each argument', () => {
    let error: unknown;
    try {
      parseReviewArgs(['--bsae', 'main', '-c', 'config', '--base', 'a', '--base', 'b', '--out'], '/work/project');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).problems).toEqual([
      "unknown argument '--bsae'",
      "unknown argument 'main'",
      "-c 'config' must be key=value",
      "--base given twice ('a' and 'b')",
      '--out needs a value',
    ]);
    expect((error as UsageError).message).toContain('usage: npm run review --');
  });
});
