/**
 * `npm run bench:synth`: the wall time of synthesizing the platform exactly as `cdk synth` starts
 * it (the `app` command of cdk.json, with the environment the CLI gives it), next to a minimal
 * one-bucket CDK app started as `node app.js`, alternating the two in the same run so both see the
 * same machine. Prints each run, the medians and the ratio.
 *
 *   npm run bench:synth [-- --runs 5] [-- --cold]   (--cold: empty the bundle cache before each platform run)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const args = process.argv.slice(2);
const runsIndex = args.indexOf('--runs');
const RUNS = runsIndex >= 0 ? Number(args[runsIndex + 1]) : 5;
const COLD = args.includes('--cold');
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 50) {
  process.stderr.write(`--runs: got ${args[runsIndex + 1]}; must be an integer from 1 to 50\n`);
  process.exit(2);
}

const appCommand = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { app: string }).app;
const BUNDLE_CACHE = join(ROOT, 'node_modules', '.cache', 'platform-bundles');

const minimalDir = mkdtempSync(join(tmpdir(), 'bench-minimal-'));
writeFileSync(join(minimalDir, 'app.js'), [
  `const { App, Stack } = require(${JSON.stringify(join(ROOT, 'node_modules', 'aws-cdk-lib'))});`,
  `const s3 = require(${JSON.stringify(join(ROOT, 'node_modules', 'aws-cdk-lib', 'aws-s3'))});`,
  'const app = new App();',
  "const stack = new Stack(app, 'Minimal', { env: { account: '123456789012', region: 'us-east-1' } });",
  "new s3.Bucket(stack, 'Bucket');",
  'app.synth();',
  '',
].join('\n'));

/** Runs one synth as a whole process, the way the CLI does (CDK_OUTDIR, CDK_CONTEXT_JSON), and returns its wall seconds. */
function timeProcess(label: string, command: string, cwd: string, extraEnv: Record<string, string> = {}): number {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-synth-out-'));
  const started = process.hrtime.bigint();
  const result = spawnSync(command, {
    cwd,
    shell: true,
    encoding: 'utf8',
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: '{}', CDK_DEFAULT_ACCOUNT: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extraEnv },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(outdir, { recursive: true, force: true });
  if (result.status !== 0) {
    process.stderr.write(`${label} failed (exit ${result.status}):\n${result.stderr}\n`);
    process.exit(1);
  }
  return seconds;
}

const platform: number[] = [];
const minimal: number[] = [];
// The platform turns CDK's built-in (WASM) template validator off, cfn-lint being its gate; a fair
// comparison also times the minimal app with the validator off (as the platform ships).
const minimalNoValidation: number[] = [];
// One untimed run of each: the first run compiles tsx's cache and (unless --cold) fills the bundle cache.
timeProcess('platform (warm-up)', appCommand, ROOT);
timeProcess('minimal (warm-up)', 'node app.js', minimalDir);
for (let run = 1; run <= RUNS; run += 1) {
  if (COLD) rmSync(BUNDLE_CACHE, { recursive: true, force: true });
  platform.push(timeProcess('platform', appCommand, ROOT));
  minimal.push(timeProcess('minimal', 'node app.js', minimalDir));
  minimalNoValidation.push(timeProcess('minimal', 'node app.js', minimalDir, { CDK_VALIDATION: 'false' }));
  process.stdout.write(`run ${run}: platform ${platform[run - 1]!.toFixed(2)} s, minimal ${minimal[run - 1]!.toFixed(2)} s, minimal without the built-in validator ${minimalNoValidation[run - 1]!.toFixed(2)} s\n`);
}
rmSync(minimalDir, { recursive: true, force: true });

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
process.stdout.write(`\nsynth as the CDK CLI starts it, median of ${RUNS} runs${COLD ? ' (bundle cache emptied before each platform run)' : ''}\n`);
process.stdout.write(`platform: \`${appCommand}\` (default configuration, every stack)   ${median(platform).toFixed(2)} s\n`);
process.stdout.write(`minimal:  \`node app.js\` (one stack, one bucket)                      ${median(minimal).toFixed(2)} s\n`);
process.stdout.write(`minimal:  the same with CDK_VALIDATION=false                         ${median(minimalNoValidation).toFixed(2)} s\n`);
process.stdout.write(`ratio:    ${(median(platform) / median(minimal)).toFixed(2)}x the minimal app; ${(median(platform) / median(minimalNoValidation)).toFixed(2)}x with both validators off\n`);
