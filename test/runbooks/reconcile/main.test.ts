import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../../../runbooks/reconcile/main';
import type { CliIo } from '../../../runbooks/reconcile/main';
import { ProgressPrinter } from '../../../runbooks/reconcile/progress';

function capture(env: Record<string, string> = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (l) => err.push(l), env };
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 1;
      srv.close(() => resolve(port));
    });
  });
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reconcile-cli-test-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('runCli', () => {
  it('prints usage for --help and exits 0', async () => {
    const io = capture();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.out.join('')).toContain('usage: npm run --silent reconcile -- --engine <postgres|mysql>');
    expect(io.err).toEqual([]);
  });

  it('exits 2 with one stderr line for bad arguments, touching nothing', async () => {
    const io = capture();
    const out = path.join(dir, 'out');
    expect(await runCli(['--engine', 'sqlite', '--old', 'x', '--new', 'y', '--out', out], io)).toBe(2);
    expect(io.err).toEqual(['reconcile: unsupported engine "sqlite" for --engine (supported: postgres, mysql)']);
    expect(fs.existsSync(out)).toBe(false);
  });

  it.each(['postgres', 'mysql'] as const)('exits 2 with one line when the %s database is unreachable, leaving no report', async (engine) => {
    const port = await closedPort();
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'report.json'), '{"stale":true}');
    const io = capture();
    const url = `${engine}://u:secret@127.0.0.1:${port}/db`;
    expect(await runCli(['--engine', engine, '--old', url, '--new', url, '--out', out, '--quiet'], io)).toBe(2);
    expect(io.err).toHaveLength(1);
    expect(io.err[0]).toMatch(new RegExp(`^reconcile: cannot connect to the (old|new) database \\(127\\.0\\.0\\.1:${port}/db\\): .*ECONNREFUSED`));
    expect(io.err[0]).not.toContain('secret');
    expect(fs.readdirSync(out)).toEqual([]);
  });
});

describe('ProgressPrinter', () => {
  it('prints at most one line per interval with the rate', () => {
    let now = 1_000;
    const lines: string[] = [];
    const p = new ProgressPrinter((l) => lines.push(l), 2000, () => now);
    now = 1_500;
    p.update({ table: 'orders', rowsCompared: 100, differences: 0 });
    expect(lines).toEqual([]);
    now = 3_000;
    p.update({ table: 'orders', rowsCompared: 50_000, differences: 3 });
    now = 4_000;
    p.update({ table: 'orders', rowsCompared: 60_000, differences: 3 });
    now = 5_000;
    p.update({ table: 'items', rowsCompared: 1_200_000, differences: 4 });
    expect(lines).toEqual([
      'reconcile: progress: 50,000 rows compared (25,000 rows/s), 3 differences, table orders',
      'reconcile: progress: 1,200,000 rows compared (300,000 rows/s), 4 differences, table items',
    ]);
  });
});
