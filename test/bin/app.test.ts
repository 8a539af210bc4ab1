import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Runs bin/app.ts as the CDK CLI would, with a configuration file as context. */
interface AppRun {
  status: number | null;
  stderr: string;
  templates: string[];
  /** Every file asset of every stack: its source path (relative to the output folder) and whether it is there. */
  fileAssets: { stack: string; path: string; exists: boolean }[];
  /** Templates holding a Synthetics canary. */
  canaryTemplates: string[];
}

/** The file assets the CLI would publish, read from each stack's asset manifest as `cdk deploy` reads them. */
function fileAssetsIn(outdir: string): AppRun['fileAssets'] {
  const manifests = readdirSync(outdir).filter((f) => f.endsWith('.assets.json'));
  return manifests.flatMap((manifest) => {
    const parsed = JSON.parse(readFileSync(join(outdir, manifest), 'utf8')) as { files?: Record<string, { source: { path?: string } }> };
    return Object.values(parsed.files ?? {})
      .map((file) => file.source.path)
      .filter((source): source is string => source !== undefined)
      .map((source) => ({ stack: manifest, path: source, exists: existsSync(isAbsolute(source) ? source : join(outdir, source)) }));
  });
}

function runApp(config: unknown | undefined, env: Record<string, string> = {}, extraContext: Record<string, unknown> = {}): AppRun {
  const dir = mkdtempSync(join(tmpdir(), 'app-test-'));
  const outdir = join(dir, 'out');
  const context: Record<string, unknown> = { ...extraContext };
  if (config !== undefined) {
    const file = join(dir, 'config.json');
    writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
    context.config = file;
  }
  const result = spawnSync(TSX, [join(ROOT, 'bin', 'app.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_DEFAULT_ACCOUNT: '', ...env },
    timeout: 120_000,
  });
  const templates = existsSync(outdir) ? readdirSync(outdir).filter((f) => f.endsWith('.template.json')) : [];
  const fileAssets = existsSync(outdir) ? fileAssetsIn(outdir) : [];
  const canaryTemplates = templates.filter((t) => readFileSync(join(outdir, t), 'utf8').includes('"AWS::Synthetics::Canary"'));
  rmSync(dir, { recursive: true, force: true });
  return { status: result.status, stderr: result.stderr, templates, fileAssets, canaryTemplates };
}

describe('bin/app.ts', () => {
  test('synthesizes every stack with the defaults', () => {
    const result = runApp(undefined);
    expect(result.status).toBe(0);
    expect(result.templates.sort()).toEqual([
      'retail-global-data.template.json',
      'retail-network-us-east-1.template.json',
      'retail-network-us-west-2.template.json',
      'retail-region-us-east-1.template.json',
      'retail-region-us-west-2.template.json',
      'retail-traffic-control.template.json',
    ]);
    expect(result.stderr).toContain('using the placeholder 111111111111');
  });

  test('fails with every problem listed and writes no templates', () => {
    const result = runApp({ regions: ['us-east-1', 'nowhere-1'], profile: 'qa', domainName: 'shop.example.com', unknownKey: true });
    expect(result.status).toBe(1);
    expect(result.templates).toEqual([]);
    expect(result.stderr).toContain('Invalid configuration (4 problems)');
    expect(result.stderr).toContain('unknownKey: got true; unknown key');
    expect(result.stderr).toContain('regions[1]: got "nowhere-1"');
    expect(result.stderr).toContain('profile: got "qa"; must be one of "dev", "prod"');
    expect(result.stderr).toContain('hostedZoneId: got nothing; is required when domainName is set');
    expect(result.stderr).toContain('No templates were written.');
  });

  // `cdk ls`, `cdk destroy`, `cdk bootstrap` run the app with bundling skipped for every stack
  // (`aws:cdk:bundling-stacks: []`); the canary asset once resolved to a path under the output folder
  // that did not exist (ENOENT). Every asset must be staged whatever the CLI selects.
  test('with bundling skipped (as cdk ls/destroy/bootstrap run it), every stack synthesizes and every file asset is staged', () => {
    const result = runApp(undefined, {}, { 'aws:cdk:bundling-stacks': [] });
    expect(result.stderr).not.toContain('ENOENT');
    expect(result.status).toBe(0);
    expect(result.templates).toHaveLength(6);
    expect(result.canaryTemplates.sort()).toEqual(['retail-region-us-east-1.template.json', 'retail-region-us-west-2.template.json']);
    const regional = result.fileAssets.filter((a) => a.stack === 'retail-region-us-east-1.assets.json');
    expect(regional.length).toBeGreaterThan(5);
    expect(result.fileAssets.filter((a) => !a.exists)).toEqual([]);
  });

  test('stops when the credentials belong to another account than the configured one, naming both', () => {
    const result = runApp({ account: '123456789012' }, { CDK_DEFAULT_ACCOUNT: '210987654321' });
    expect(result.status).toBe(1);
    expect(result.templates).toEqual([]);
    expect(result.stderr).toContain('account: got "123456789012"; the credentials belong to account 210987654321');
    expect(result.stderr).toContain('No templates were written.');
  });

  test('fails on a file that is not JSON', () => {
    const result = runApp('{ not json');
    expect(result.status).toBe(1);
    expect(result.templates).toEqual([]);
    expect(result.stderr).toMatch(/config: got ".*config\.json"; must contain valid JSON/);
  });
});
