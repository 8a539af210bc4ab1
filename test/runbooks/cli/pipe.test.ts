import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The documented way to run the CLI in a pipe, as real processes: `npm run -s runbook -- ...`. Without credentials (none in the environment,
 * instance metadata off) `status --json` still writes one JSON document to stdout and exits 6.
 */

const root = join(__dirname, '..', '..', '..');

function withoutCredentials(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_')) env[key] = value;
  }
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(root, 'no-such-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(root, 'no-such-aws-credentials'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function spawn(command: string, args: string[]) {
  return spawnSync(command, args, { cwd: root, env: withoutCredentials(), encoding: 'utf8', timeout: 120_000 });
}

describe('the CLI in a pipe', () => {
  test('npm run -s runbook -- status --json: stdout is exactly one JSON document; exit 6 without credentials', () => {
    const result = spawn('npm', ['run', '-s', 'runbook', '--', 'status', '--json', '--timeout', '5']);
    expect(result.status).toBe(6);
    const report = JSON.parse(result.stdout) as { outcome: string; exitCode: number };
    expect(report).toMatchObject({ outcome: 'no-credentials', exitCode: 6 });
  }, 150_000);

  test('npm run -s runbook -- <command> --help exits 0 with only the usage on stdout', () => {
    const result = spawn('npm', ['run', '-s', 'runbook', '--', 'failover', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run -s runbook -- failover --to <region> \[options\]/);
  }, 150_000);
});
