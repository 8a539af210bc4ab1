/**
 * `npm run load -- --target <url> [--profile smoke|peak] [--output <file.json>]`: runs the store's
 * journeys (load/store.yml) with Artillery against one store URL. Exit code: Artillery's (non-zero
 * when an `ensure` threshold fails), 2 for bad arguments or a missing engine.
 *
 * Artillery lives in load/ with its own lock file (it is ~460 MB with its cloud runners, too much
 * for the CDK app's `npm ci`): install it once with `PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix load`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const LOAD_USAGE = `Usage: npm run load -- --target <url> [--profile smoke|peak] [--output <file.json>]

  --target <url>      the store, http(s)://host[:port] (a Region's load balancer or the global name)
  --profile <name>    smoke (default): a few journeys; peak: warm-up, ramp 500 -> 1,200 requests/s, hold
  --output <file>     also write Artillery's JSON report (artillery report <file> renders it)

Fails (non-zero exit) when p95 > 800 ms, p99 > 1,500 ms or more than 0.1% of journeys fail.
Needs the engine: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix load`;

export const LOAD_DIR = join(__dirname, '..', 'load');
export const SCENARIO = join(LOAD_DIR, 'store.yml');
export const ARTILLERY = join(LOAD_DIR, 'node_modules', '.bin', 'artillery');

export interface LoadRequest {
  readonly target: string;
  readonly profile: 'smoke' | 'peak';
  readonly output?: string;
}

export class LoadUsageError extends Error {}

export function parseLoadArgs(argv: readonly string[]): LoadRequest | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  let target: string | undefined;
  let profile: 'smoke' | 'peak' = 'smoke';
  let output: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i]!;
    const value = argv[i + 1];
    if (!['--target', '--profile', '--output'].includes(token)) throw new LoadUsageError(`unknown argument "${token}"`);
    if (value === undefined) throw new LoadUsageError(`${token} needs a value`);
    i += 1;
    if (token === '--target') target = value;
    else if (token === '--output') output = value;
    else if (value === 'smoke' || value === 'peak') profile = value;
    else throw new LoadUsageError(`--profile takes smoke or peak, got "${value}"`);
  }
  if (target === undefined) throw new LoadUsageError('--target <url> is required');
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new LoadUsageError(`--target must be a URL such as https://shop.example.com, got "${target}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LoadUsageError(`--target must be http or https, got "${target}"`);
  return { target: url.origin, profile, ...(output !== undefined ? { output } : {}) };
}

/** Artillery's command line for a request. */
export function artilleryArgs(request: LoadRequest): string[] {
  return ['run', '--target', request.target, '--environment', request.profile, ...(request.output !== undefined ? ['--output', request.output] : []), SCENARIO];
}

/** Runs Artillery; resolves to its exit code. A run longer than `deadlineMs` is stopped (exit 124). */
export function runArtillery(request: LoadRequest, options: { deadlineMs?: number; quiet?: boolean } = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(ARTILLERY, artilleryArgs(request), {
      env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      if (options.quiet !== true) process.stdout.write(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = options.deadlineMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.deadlineMs);
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({ code: timedOut ? 124 : (code ?? 1), output: timedOut ? `${output}\n(stopped after ${options.deadlineMs} ms)` : output });
    });
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  let request: LoadRequest | 'help';
  try {
    request = parseLoadArgs(argv);
  } catch (error) {
    if (error instanceof LoadUsageError) {
      process.stderr.write(`error: ${error.message}\n${LOAD_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (request === 'help') {
    process.stdout.write(`${LOAD_USAGE}\n`);
    return 0;
  }
  if (!existsSync(ARTILLERY)) {
    process.stderr.write(`error: Artillery is not installed in load/.\nInstall it: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix load\n`);
    return 2;
  }
  return (await runArtillery(request)).code;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
