/** The CLI end to end, as automation runs it: a child process, exit codes, stderr, files. */
import * as fs from 'fs';
import * as path from 'path';
import { createPair, readJsonl, runCliProcess, server, tempDir } from './helpers';
import type { Pair } from './helpers';
import { freePort, serverUrl } from './setup/servers';

jest.setTimeout(120_000);

const common = {
  postgres: ['CREATE TABLE orders (id int PRIMARY KEY, total numeric(12,2), note text)', "INSERT INTO orders SELECT g, g * 1.25, 'n' || g FROM generate_series(1, 300) g"],
  mysql: ['CREATE TABLE orders (id int PRIMARY KEY, total decimal(12,2), note text)', "INSERT INTO orders SELECT seq, seq * 1.25, CONCAT('n', seq) FROM seq_1_to_300"],
};
const differ = ['DELETE FROM orders WHERE id = 150', "UPDATE orders SET note = NULL WHERE id = 7", 'INSERT INTO orders VALUES (301, 1.00, NULL)'];

const files = (dir: string): string[] => fs.readdirSync(dir).sort();

describe.each(['postgres', 'mysql'] as const)('reconcile CLI (%s)', (engine) => {
  let same: Pair;
  let diff: Pair;
  beforeAll(async () => {
    same = await createPair(engine, `cli_${engine}_same`, [...common[engine], 'CREATE TABLE empty_t (id int PRIMARY KEY)']);
    diff = await createPair(engine, `cli_${engine}_diff`, [...common[engine], 'CREATE TABLE other (id int PRIMARY KEY)'], [], differ);
  });

  const args = (pair: Pair, out: string, extra: string[] = []): string[] => ['--engine', engine, '--old', pair.oldUrl, '--new', pair.newUrl, '--out', out, ...extra];

  it('exits 0 for identical databases and writes no table file', async () => {
    const out = tempDir();
    const run = await runCliProcess(args(same, out, ['--quiet']));
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(files(out)).toEqual(['report.json', 'summary.md']);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report).toMatchObject({
      engine,
      tables: [
        { table: 'empty_t', primaryKey: ['id'], oldRows: 0, newRows: 0, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: null },
        { table: 'orders', primaryKey: ['id'], oldRows: 300, newRows: 300, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: null },
      ],
      totals: { missingInNew: 0, changed: 0, onlyInNew: 0 },
    });
    expect(Number.isNaN(Date.parse(report.generatedAt))).toBe(false);
  });

  it('exits 1 and writes the differences through npm run reconcile', async () => {
    const out = tempDir();
    const run = await runCliProcess(args(diff, out, ['--chunk-size', '50']), 'npm');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    // Without --quiet: just the closing line (the run is shorter than the progress interval).
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^reconcile: done in .* 1 missingInNew, 1 changed, 1 onlyInNew, 0 tables not compared; report: .*report\.json$/)]);
    expect(files(out)).toEqual(['orders.jsonl', 'report.json', 'summary.md']);
    expect(readJsonl(out, 'orders.jsonl')).toEqual([
      { kind: 'changed', key: { id: 7 }, old: { id: 7, total: '8.75', note: 'n7' }, new: { id: 7, total: '8.75', note: null } },
      { kind: 'missingInNew', key: { id: 150 }, old: { id: 150, total: '187.50', note: 'n150' }, new: null },
      { kind: 'onlyInNew', key: { id: 301 }, old: null, new: { id: 301, total: '1.00', note: null } },
    ]);
    const summary = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    expect(summary).toContain('**1 row missing in the new primary**, 1 row changed, 1 row only in the new primary.');
  });

  it('limits the comparison with --tables', async () => {
    const out = tempDir();
    const run = await runCliProcess(args(diff, out, ['--quiet', '--tables', 'other']));
    expect(run.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.tables.map((t: { table: string }) => t.table)).toEqual(['other']);
  });

  it('exits 2 with one line for an unknown table and leaves no report', async () => {
    const out = tempDir();
    fs.writeFileSync(path.join(out, 'report.json'), '{"from":"an older run"}');
    const run = await runCliProcess(args(diff, out, ['--tables', 'orders,nope']));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^reconcile: unknown table in --tables: nope \(not in .* of either database\)\n$/);
    expect(files(out)).toEqual([]);
  });

  it('exits 2 with one line for a wrong password, without echoing it', async () => {
    const info = server(engine);
    const bad = serverUrl({ ...info, password: 'wrong-secret' }, diff.oldDb);
    const out = tempDir();
    const run = await runCliProcess(['--engine', engine, '--old', bad, '--new', diff.newUrl, '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^reconcile: cannot connect to the old database \(127\.0\.0\.1:\d+\/cli_\w+_old\): .+\n$/);
    expect(run.stderr).not.toContain('wrong-secret');
    expect(files(out)).toEqual([]);
  });

  it('takes passwords from RECONCILE_OLD_PASSWORD / RECONCILE_NEW_PASSWORD when the URLs have none', async () => {
    const info = server(engine);
    const noPassword = (db: string): string => serverUrl({ ...info, password: '' }, db).replace(':@', '@');
    const out = tempDir();
    const run = await runCliProcess(['--engine', engine, '--old', noPassword(same.oldDb), '--new', noPassword(same.newDb), '--out', out, '--quiet'], 'tsx', {
      RECONCILE_OLD_PASSWORD: info.password,
      RECONCILE_NEW_PASSWORD: info.password,
    });
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe('reconcile CLI errors', () => {
  it('exits 2 with one line when a database is unreachable', async () => {
    const port = await freePort();
    const out = tempDir();
    const unreachable = `postgres://u:p@127.0.0.1:${port}/db`;
    const run = await runCliProcess(['--engine', 'postgres', '--old', serverUrl(server('postgres'), 'postgres'), '--new', unreachable, '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`reconcile: cannot connect to the new database (127.0.0.1:${port}/db): connect ECONNREFUSED 127.0.0.1:${port}\n`);
    expect(files(out)).toEqual([]);
  });

  it.each([
    [['--engine', 'oracle', '--old', 'x', '--new', 'y', '--out', 'z'], 'reconcile: unsupported engine "oracle" for --engine (supported: postgres, mysql)'],
    [['--engine', 'postgres', '--old', 'postgres://u@h/a', '--out', 'z'], 'reconcile: missing required option --new'],
    [['--engine', 'mysql', '--old', 'mysql://u@h/a', '--new', 'mysql://u@h/b', '--out', 'z', '--schema', 's'], 'reconcile: --schema "s" is not supported with --engine mysql: the database named in the URL is the schema'],
    [['--engine', 'postgres', '--old', 'postgres://u@h/a', '--new', 'mysql://u@h/b', '--out', 'z'], 'reconcile: --new: URL scheme mysql:// does not match --engine postgres (expected postgres:// or postgresql://)'],
    [['--engine', 'postgres', '--old', 'postgres://u@h/a', '--new', 'postgres://u@h/b', '--out', 'z', '--chunk-size', '-1'], 'reconcile: --chunk-size must be a positive integer, got "-1"'],
    [['--frobnicate'], 'reconcile: unknown option --frobnicate (see --help)'],
  ])('exits 2 with one line for %j', async (argv, line) => {
    const run = await runCliProcess(argv);
    expect(run).toEqual({ code: 2, stdout: '', stderr: `${line}\n` });
  });
});
