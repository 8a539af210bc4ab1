// npm test: the type-check (tsc, one core, ~40 s cold) runs beside Jest instead of before it, so a
// 2-core machine is busy with both from the start. tsc's output is held back and printed after Jest's;
// the run fails when either fails. Arguments go to Jest (`npm test -- <paths>`).
import { spawn } from 'node:child_process';

const typecheck = ['tsc', '-p', 'tsconfig.json', '--noEmit', '--incremental', '--tsBuildInfoFile', 'node_modules/.cache/tsc/tsconfig.tsbuildinfo'];
const jest = ['jest', '--selectProjects', 'unit', ...process.argv.slice(2)];

function run(args, { capture }) {
  return new Promise((resolve) => {
    const child = spawn('npx', ['--no-install', ...args], {
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      env: { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, '--max-semi-space-size=32'].filter(Boolean).join(' ') },
    });
    const output = [];
    if (capture) {
      child.stdout.on('data', (chunk) => output.push(chunk));
      child.stderr.on('data', (chunk) => output.push(chunk));
    }
    child.on('error', (error) => resolve({ code: 127, output: `${args[0]} could not start: ${error.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output: Buffer.concat(output).toString() }));
  });
}

const types = run(typecheck, { capture: true });
const tests = await run(jest, { capture: false });
const checked = await types;
if (checked.code !== 0) {
  process.stderr.write(`\nType-check failed (tsc exited with ${checked.code}):\n${checked.output}`);
} else {
  process.stdout.write('Type-check passed (tsc --noEmit).\n');
}
process.exit(tests.code !== 0 ? tests.code : checked.code);
