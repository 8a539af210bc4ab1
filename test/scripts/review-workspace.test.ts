import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_DIFFERENCES, EXIT_TROUBLE, main } from '../../scripts/review/cli';
import { CommandError, runCommand } from '../../scripts/review/process';
import { planInstall } from '../../scripts/review/workspace';

const PROJECT_MODULES = join(__dirname, '..', '..', 'node_modules');

/** Alive and not a zombie (a killed orphan stays a zombie until PID 1 reaps it, which may be never in a container). */
function isRunning(pid: number): boolean {
  if (existsSync('/proc')) {
    if (!existsSync(`/proc/${pid}/stat`)) return false;
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
    return state !== 'Z' && state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('base dependencies', () => {
  const lock = '{"lockfileVersion":3,"packages":{}}';

  test('the working tree\'s node_modules is shared when package-lock.json is byte-identical', () => {
    expect(planInstall(lock, lock, true)).toEqual({ kind: 'share', reason: "the working tree's node_modules (package-lock.json is identical)" });
  });

  test('anything else gets its own npm ci', () => {
    expect(planInstall(lock, `${lock}\n`, true).kind).toBe('ci');
    expect(planInstall(undefined, lock, true)).toEqual({ kind: 'ci', reason: 'npm ci (the base has no package-lock.json)' });
    expect(planInstall(lock, undefined, true)).toEqual({ kind: 'ci', reason: 'npm ci (the working tree has no package-lock.json)' });
    expect(planInstall(lock, lock, false)).toEqual({ kind: 'ci', reason: 'npm ci (the working tree has no node_modules to share)' });
  });
});

describe('child processes have a deadline', () => {
  test('a command that outlives it is stopped with its process group, and the error says what it last printed', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'review-deadline-'));
    const pidFile = join(scratch, 'grandchild.pid');
    try {
      // A shell that starts a long sleep (a grandchild) and waits for it.
      const script = `sleep 30 & echo $! > ${pidFile}; echo 'still synthesizing'; wait`;
      const started = Date.now();
      const failure = runCommand('sh', ['-c', script], { cwd: scratch, deadlineMs: 500 });
      await expect(failure).rejects.toThrow(CommandError);
      await expect(failure).rejects.toThrow(/did not finish within 1 s and was stopped; its last output:\nstill synthesizing/);
      expect(Date.now() - started).toBeLessThan(10_000);
      const grandchild = Number(readFileSync(pidFile, 'utf8'));
      expect(isRunning(grandchild)).toBe(false);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

/**
 * A tiny CDK project in a temporary git repository. Its app writes the cloud assembly directly with the
 * cx-api builder (no construct library to load: a synth takes the CLI's start-up time only), from
 * `stacks.json` and the `config` context file, so commits change data and not code.
 */
const FIXTURE_APP = `(function main() {
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const cxapi = require('aws-cdk-lib/cx-api');
const { Manifest } = require('aws-cdk-lib/cloud-assembly-schema');
const context = JSON.parse(process.env.CDK_CONTEXT_JSON || '{}');
if (context.hang) {
  // For the interrupt test: announce this process, then hang for a minute (never longer, whatever happens).
  writeFileSync(join(context.hang, String(process.pid)), '');
  setTimeout(() => process.exit(3), 60000);
  return;
}
// Fails unless the config context names a readable file: the base must get the same absolute path.
const config = JSON.parse(readFileSync(context.config, 'utf8'));
const stacks = JSON.parse(readFileSync(join(__dirname, 'stacks.json'), 'utf8'));
const builder = new cxapi.CloudAssemblyBuilder(process.env.CDK_OUTDIR);
for (const [name, stack] of Object.entries(stacks)) {
  const template = JSON.parse(JSON.stringify(stack.template).split('CONFIG_TOPIC').join(config.topicName));
  writeFileSync(join(builder.outdir, name + '.template.json'), JSON.stringify(template));
  const assets = { version: Manifest.version(), files: {}, dockerImages: {} };
  for (const hash of stack.assets || []) {
    assets.files[hash] = { source: { path: 'asset.' + hash, packaging: 'zip' }, destinations: { d: { bucketName: 'assets', objectKey: hash + '.zip' } } };
  }
  writeFileSync(join(builder.outdir, name + '.assets.json'), JSON.stringify(assets));
  builder.addArtifact(name + '.assets', { type: 'cdk:asset-manifest', properties: { file: name + '.assets.json' } });
  builder.addArtifact(name, { type: 'aws:cloudformation:stack', environment: 'aws://111111111111/us-east-1', properties: { templateFile: name + '.template.json' }, dependencies: [name + '.assets'] });
}
builder.buildAssembly();
})();
`;

function functionResource(hash: string): Record<string, unknown> {
  return {
    Type: 'AWS::Lambda::Function',
    Properties: { Code: { S3Bucket: 'assets', S3Key: `${hash}.zip` }, Handler: 'index.handler', Runtime: 'nodejs20.x', Role: 'arn:aws:iam::111111111111:role/fn' },
    Metadata: { 'aws:cdk:path': 'tiny-data/Fn/Resource', 'aws:asset:path': `asset.${hash}`, 'aws:asset:property': 'Code' },
  };
}

function dataStack(threshold: number, hash: string): Record<string, unknown> {
  return {
    assets: [hash],
    template: {
      Resources: {
        Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Threshold: threshold, EvaluationPeriods: 3, MetricName: 'Errors', Namespace: 'Tiny', Period: 60, Statistic: 'Sum', ComparisonOperator: 'GreaterThanThreshold' }, Metadata: { 'aws:cdk:path': 'tiny-data/Alarm/Resource' } },
        Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'CONFIG_TOPIC' }, Metadata: { 'aws:cdk:path': 'tiny-data/Topic/Resource' } },
        Fn: functionResource(hash),
      },
    },
  };
}

const OLD_HASH = '1'.repeat(64);
const NEW_HASH = '2'.repeat(64);

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=review-test', '-c', 'user.email=review-test@example.invalid', ...args], { cwd, encoding: 'utf8' });
}

describe('npm run review on a fixture project', () => {
  let scratch: string;
  let repo: string;
  let fixtureModules: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'review-e2e-'));
    repo = join(scratch, 'repo');
    mkdirSync(repo);
    // node_modules is a real folder of links, so the test can see that removing the base worktree left it alone.
    fixtureModules = join(repo, 'node_modules');
    mkdirSync(join(fixtureModules, '.bin'), { recursive: true });
    symlinkSync(join(PROJECT_MODULES, 'aws-cdk-lib'), join(fixtureModules, 'aws-cdk-lib'), 'dir');
    symlinkSync(join(PROJECT_MODULES, 'constructs'), join(fixtureModules, 'constructs'), 'dir');
    symlinkSync(join(PROJECT_MODULES, 'aws-cdk', 'bin', 'cdk'), join(fixtureModules, '.bin', 'cdk'));
    writeFileSync(join(repo, '.gitignore'), 'node_modules\n');
    writeFileSync(join(repo, 'app.js'), FIXTURE_APP);
    writeFileSync(join(repo, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
    writeFileSync(join(repo, 'package-lock.json'), '{"name":"tiny","lockfileVersion":3,"packages":{}}\n');
    writeFileSync(join(scratch, 'settings.json'), JSON.stringify({ topicName: 'alarms' }));
    // Base commit: tiny-data with threshold 10 and code hash 1…, and tiny-old.
    writeFileSync(join(repo, 'stacks.json'), JSON.stringify({
      'tiny-data': dataStack(10, OLD_HASH),
      'tiny-old': { template: { Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: {} } } } },
    }));
    git(repo, 'init', '--quiet');
    git(repo, 'add', '.');
    git(repo, 'commit', '--quiet', '-m', 'base');
    // Working tree (uncommitted): threshold 20, new code hash, tiny-old gone, tiny-new added.
    writeFileSync(join(repo, 'stacks.json'), JSON.stringify({
      'tiny-data': dataStack(20, NEW_HASH),
      'tiny-new': { template: { Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: {}, DeletionPolicy: 'Retain' } } } },
    }));
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  test('reports exactly the changes, the stacks added and removed, exits 1, and leaves nothing behind', async () => {
    const out = join(scratch, 'review.md');
    const logged: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    });
    let code: number;
    try {
      code = await main(['--base', 'HEAD', '-c', 'config=../settings.json', '--markdown', '--out', out], repo);
    } finally {
      stderr.mockRestore();
    }
    expect(logged.join('')).not.toContain('review failed');
    expect(logged.join('')).toContain('review: synthesizing the base and the working tree');
    expect(code).toBe(EXIT_DIFFERENCES);

    const markdown = readFileSync(out, 'utf8');
    expect(markdown).toContain('working tree (HEAD ');
    expect(markdown).toContain(', with uncommitted changes)** against **HEAD (');
    expect(markdown).toContain(`\`-c config=${join(scratch, 'settings.json')}\``);
    expect(markdown).toContain('3 of 3 stacks changed, 1 new, 1 removed; resources: 1 added, 1 removed, 1 modified (0 replaced or may be replaced); 1 with only asset hashes changed');
    // tiny-data: the threshold, and the function listed apart as an asset-only change.
    const rows = markdown.split('\n').filter((line) => /^\| (added|removed|modified) \|/.test(line));
    expect(rows).toEqual([
      '| modified | `Alarm` | `AWS::CloudWatch::Alarm` | Alarm | updated in place | `Threshold` |',
      '| added | `Bucket` | `AWS::S3::Bucket` |  | created |  |',
      '| removed | `Queue` | `AWS::SQS::Queue` |  | **will be destroyed if the stack is destroyed** |  |',
    ]);
    expect(markdown).toContain('**Assets changed (only an asset hash differs: function code, container image or staged file content):** `Fn`');
    expect(markdown).toContain('#### `tiny-new` · aws://111111111111/us-east-1 · new stack (not in the base)');
    expect(markdown).toContain('#### `tiny-old` · aws://111111111111/us-east-1 · removed from the app');
    expect(markdown).toContain("Base dependencies: the working tree's node_modules (package-lock.json is identical)");

    // Only the fixture's own worktree is left, and the shared node_modules is intact.
    expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(readdirSync(fixtureModules).sort()).toEqual(['.bin', 'aws-cdk-lib', 'constructs']);
    expect(existsSync(join(fixtureModules, '.bin', 'cdk'))).toBe(true);
  }, 120_000);

  async function failingRun(args: string[]): Promise<{ code: number; logged: string }> {
    const logged: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    });
    try {
      return { code: await main(args, repo), logged: logged.join('') };
    } finally {
      stderr.mockRestore();
    }
  }

  test('Ctrl-C stops both synths (their whole process groups), removes the worktree and exits 130', async () => {
    const hang = join(scratch, 'hanging-apps');
    mkdirSync(hang);
    const logged: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    });
    let apps: number[] = [];
    const listenersBefore = process.listenerCount('SIGINT');
    try {
      const review = main(['--base', 'HEAD', '-c', `hang=${hang}`], repo);
      // Both apps (base and working tree) are running once each has announced itself.
      const deadline = Date.now() + 60_000;
      while (readdirSync(hang).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      apps = readdirSync(hang).map(Number);
      expect(apps).toHaveLength(2);
      const interruptedAt = Date.now();
      // What the terminal's Ctrl-C delivers to the review process (the synths run in their own process groups).
      process.emit('SIGINT', 'SIGINT');
      expect(await review).toBe(130);
      // Stopped, not waited for: the apps would hang for a minute.
      expect(Date.now() - interruptedAt).toBeLessThan(20_000);
      expect(logged.join('')).toContain('review: interrupted, removing the temporary worktree');
      expect(apps.filter(isRunning)).toEqual([]);
      expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
      expect(process.listenerCount('SIGINT')).toBe(listenersBefore);
    } finally {
      stderr.mockRestore();
      // Whatever happened above, leave no hanging fixture app behind.
      for (const pid of apps.filter(isRunning)) process.kill(pid, 'SIGKILL');
    }
  }, 120_000);

  test('fails with status 2 and names the ref when the base is not a commit', async () => {
    const { code, logged } = await failingRun(['--base', 'no-such-branch']);
    expect(code).toBe(EXIT_TROUBLE);
    expect(logged).toContain("review failed: --base: 'no-such-branch' is not a commit in ");
  });

  test('fails with status 2 when a synth fails, shows each side\'s last output, and still removes the worktree', async () => {
    const { code, logged } = await failingRun(['--base', 'HEAD', '-c', 'config=missing.json']);
    expect(code).toBe(EXIT_TROUBLE);
    expect(logged).toContain('review failed: synthesis failed\nbase (HEAD): `');
    expect(logged).toContain('\nworking tree: `');
    expect(logged).toMatch(/exited with 1; its last output:\n[^]*ENOENT[^]*missing\.json/);
    expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  }, 120_000);
});
