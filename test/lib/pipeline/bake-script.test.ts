import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BAKE_SCRIPT, REQUIRE_STACK_SCRIPT } from '../../../lib/pipeline/bake';

/**
 * The pipeline's step scripts run against a fake `aws` on PATH: each call prints the next
 * prepared answer (or fails with it) and records its arguments, so the tests see what the
 * script asked and how it reacts to alarms, missing alarms, failed reads and the deadline.
 */
const ROOT = path.join(__dirname, '..', '..', '..');

interface Answer { readonly exitCode: number; readonly output: string }

function run(script: string, env: Record<string, string>, answers: readonly Answer[]): { status: number | null; stdout: string; calls: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bake-'));
  answers.forEach((answer, index) => {
    fs.writeFileSync(path.join(dir, `answer-${index}`), answer.output);
    fs.writeFileSync(path.join(dir, `exit-${index}`), String(answer.exitCode));
  });
  const fake = [
    '#!/usr/bin/env bash',
    `dir=${dir}`,
    'n=$(cat "$dir/count" 2>/dev/null || echo 0)',
    'echo $((n + 1)) > "$dir/count"',
    'printf "%s\\n" "$*" >> "$dir/calls"',
    'if [ ! -f "$dir/answer-$n" ]; then echo "no answer prepared" >&2; exit 99; fi',
    'cat "$dir/answer-$n"',
    'exit "$(cat "$dir/exit-$n")"',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'aws'), fake, { mode: 0o755 });
  const result = spawnSync('bash', [path.join(ROOT, script)], {
    env: { PATH: `${dir}:${process.env.PATH ?? ''}`, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const calls = fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: result.status, stdout: result.stdout + result.stderr, calls };
}

const ALARMS = 'retail-us-west-2-region-impaired retail-us-west-2-canary-local';
const bakeEnv = (seconds: number) => ({ BAKE_REGION: 'us-west-2', BAKE_ALARMS: ALARMS, BAKE_SECONDS: String(seconds), BAKE_POLL_SECONDS: '0' });
const states = (first: string, second: string) => ({
  exitCode: 0,
  output: `retail-us-west-2-canary-local\t${second}\tThreshold Crossed\nretail-us-west-2-region-impaired\t${first}\tcomposite reason\n`,
});

describe('bake step', () => {
  test('passes after the deadline when no alarm fires, and says what it last saw', () => {
    const result = run(BAKE_SCRIPT, bakeEnv(0), [states('OK', 'OK')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Baked 0 seconds in us-west-2 with no alarm firing/);
    expect(result.stdout).toMatch(/retail-us-west-2-canary-local\tOK/);
  });

  test('asks for exactly the named alarms in the Region, with deadlines on the call', () => {
    const result = run(BAKE_SCRIPT, bakeEnv(0), [states('OK', 'INSUFFICIENT_DATA')]);
    expect(result.status).toBe(0);
    expect(result.calls[0]).toMatch(/^cloudwatch describe-alarms --region us-west-2 --alarm-names retail-us-west-2-region-impaired retail-us-west-2-canary-local /);
    expect(result.calls[0]).toMatch(/--cli-connect-timeout 10 --cli-read-timeout 20/);
  });

  test('fails the wave as soon as an alarm is in ALARM, naming it and its reason', () => {
    const result = run(BAKE_SCRIPT, bakeEnv(600), [states('OK', 'OK'), states('OK', 'ALARM')]);
    expect(result.status).toBe(1);
    expect(result.calls).toHaveLength(2);
    expect(result.stdout).toMatch(/BAKE FAILED in us-west-2: in ALARM/);
    expect(result.stdout).toMatch(/retail-us-west-2-canary-local\tALARM\tThreshold Crossed/);
    expect(result.stdout).not.toMatch(/region-impaired\tOK/);
  });

  test('fails when a watched alarm does not exist: a bake that watches nothing proves nothing', () => {
    const result = run(BAKE_SCRIPT, bakeEnv(600), [{ exitCode: 0, output: 'retail-us-west-2-canary-local\tOK\tfine\n' }]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/alarm retail-us-west-2-region-impaired does not exist/);
  });

  test('tolerates a failed read, but fails after three in a row with the last state it saw', () => {
    const denied = { exitCode: 255, output: 'Connect timeout on endpoint URL' };
    const tolerated = run(BAKE_SCRIPT, bakeEnv(0), [denied, states('OK', 'OK')]);
    expect(tolerated.stdout).toMatch(/failed \(1\/3\)/);
    const result = run(BAKE_SCRIPT, bakeEnv(600), [states('OK', 'OK'), denied, denied, denied]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/could not be read 3 times in a row\. Last seen:\n.*canary-local\tOK/);
  });
});

describe('writer Region guard', () => {
  const guardEnv = { REQUIRE_REGION: 'us-east-1', REQUIRE_STACK: 'retail-region-us-east-1' };

  test('passes when the writer Region\'s stack is complete', () => {
    const result = run(REQUIRE_STACK_SCRIPT, guardEnv, [{ exitCode: 0, output: 'UPDATE_COMPLETE\n' }]);
    expect(result.status).toBe(0);
    expect(result.calls[0]).toMatch(/^cloudformation describe-stacks --region us-east-1 --stack-name retail-region-us-east-1 .*--cli-read-timeout 20/);
  });

  test('fails, pointing at the first deployment, when the stack does not exist', () => {
    const result = run(REQUIRE_STACK_SCRIPT, guardEnv, [{ exitCode: 254, output: 'An error occurred (ValidationError): Stack with id retail-region-us-east-1 does not exist' }]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/does not exist[\s\S]*cdk deploy --all/);
  });

  test('fails while the stack is being changed or rolled back', () => {
    const result = run(REQUIRE_STACK_SCRIPT, guardEnv, [{ exitCode: 0, output: 'UPDATE_IN_PROGRESS\n' }]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/is UPDATE_IN_PROGRESS, not complete/);
  });
});
