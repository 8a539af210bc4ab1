/**
 * `npm run bench:synth`: wall time of `cdk synth` for the default platform next to a minimal
 * one-stack CDK app, measured in the same run with the same CLI, so the figures compare.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function synthSeconds(args: string[], label: string): number[] {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const out = mkdtempSync(join(tmpdir(), 'bench-synth-'));
    const started = process.hrtime.bigint();
    const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '-o', out, ...args], { encoding: 'utf8' });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rmSync(out, { recursive: true, force: true });
    if (result.status !== 0) {
      process.stderr.write(`${label}: cdk synth failed\n${result.stderr}\n`);
      process.exit(1);
    }
    times.push(seconds);
  }
  return times;
}

const minimalDir = mkdtempSync(join(tmpdir(), 'bench-minimal-'));
const minimalApp = join(minimalDir, 'app.ts');
writeFileSync(
  minimalApp,
  `import { App, Stack } from 'aws-cdk-lib';\nimport * as s3 from 'aws-cdk-lib/aws-s3';\nconst app = new App();\nconst stack = new Stack(app, 'Minimal', { env: { account: '123456789012', region: 'us-east-1' } });\nnew s3.Bucket(stack, 'Bucket');\napp.synth();\n`,
);
// Resolve aws-cdk-lib from this project.
process.env.NODE_PATH = join(process.cwd(), 'node_modules');

const platform = synthSeconds([], 'platform');
const minimal = synthSeconds(['--app', `npx tsx ${minimalApp}`], 'minimal');
rmSync(minimalDir, { recursive: true, force: true });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const row = (label: string, values: number[]) =>
  `${label.padEnd(34)} ${median(values).toFixed(2).padStart(8)} s   (runs: ${values.map((v) => v.toFixed(2)).join(', ')})`;
process.stdout.write(`cdk synth, median of ${RUNS} runs\n`);
process.stdout.write(`${row('default platform (all stacks)', platform)}\n`);
process.stdout.write(`${row('minimal one-stack app', minimal)}\n`);
process.stdout.write(`ratio ${(median(platform) / median(minimal)).toFixed(2)}x\n`);
