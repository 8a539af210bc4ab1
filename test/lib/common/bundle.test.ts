import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { bundle, PROJECT_ROOT } from '../../../lib/common/bundle';
import { allStacks, synthesize } from '../../helpers/platform';

/** Entry files written for these tests, inside the project so their paths resolve like the real ones. */
const scratch = fs.mkdtempSync(path.join(PROJECT_ROOT, 'node_modules', '.cache', 'bundle-test-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function entry(name: string, source: string): string {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, source);
  return file;
}

describe('bundle', () => {
  test('the same inputs give the same bundle directory; a changed input gives a new one', () => {
    const dependency = entry('greeting.ts', 'export const greeting = "hello";\n');
    const main = entry('main.ts', 'import { greeting } from "./greeting";\nexport const handler = async () => greeting;\n');
    const spec = { entry: main, outputFile: 'index.js', target: 'node24' };
    const first = bundle(spec);
    expect(bundle(spec)).toEqual(first);
    fs.writeFileSync(dependency, 'export const greeting = "goodbye";\n');
    const changed = bundle(spec);
    expect(changed.contentHash).not.toBe(first.contentHash);
    expect(fs.readFileSync(path.join(changed.directory, 'index.js'), 'utf8')).toContain('goodbye');
  });

  test('source maps name sources relative to the project, never this machine\'s absolute paths', () => {
    const main = entry('mapped.ts', 'export const handler = async () => 42;\n');
    const built = bundle({ entry: main, outputFile: 'index.js', target: 'node24', sourceMap: true });
    const map = JSON.parse(fs.readFileSync(path.join(built.directory, 'index.js.map'), 'utf8')) as { sources: string[]; sourcesContent?: unknown };
    expect(map.sources.length).toBeGreaterThan(0);
    for (const source of map.sources) {
      expect(path.isAbsolute(source)).toBe(false);
      expect(source).not.toContain(PROJECT_ROOT);
    }
    expect(map.sourcesContent).toBeUndefined();
    expect(fs.readFileSync(path.join(built.directory, 'index.js'), 'utf8')).not.toContain(PROJECT_ROOT);
  });

  test('a build error names the entry and the location', () => {
    const broken = entry('broken.ts', 'export const handler = (;\n');
    expect(() => bundle({ entry: broken, outputFile: 'index.js', target: 'node24' })).toThrow(/Bundling .*broken\.ts failed: .*broken\.ts:1: /);
  });
});

describe('every function of the platform', () => {
  const { app, platform } = synthesize({});
  const outdir = app.synth().directory;

  const functions = allStacks(platform).flatMap((stack) =>
    Object.entries(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
      .filter(([, resource]) => typeof resource.Properties?.Code?.S3Key === 'string')
      .map(([id, resource]) => [`${stack.stackName}/${id}`, resource.Properties as { Code: { S3Key: string }; Handler: string }] as const),
  );

  test('there are functions to check', () => {
    expect(functions.length).toBeGreaterThan(8);
  });

  test.each(functions)('%s: its bundle loads and exports its handler', (_id, properties) => {
    const directory = path.join(outdir, `asset.${properties.Code.S3Key.replace(/\.zip$/, '')}`);
    const [file, exportName] = properties.Handler.split('.') as [string, string];
    // A fresh module registry: each bundle carries its own SDK and must load on its own.
    jest.isolateModules(() => {
      const loaded = require(path.join(directory, `${file}.js`)) as Record<string, unknown>;
      expect(typeof loaded[exportName]).toBe('function');
    });
  });

  test('the canaries\' script is staged in the layout Synthetics loads', () => {
    const canaries = allStacks(platform).flatMap((stack) => Object.values(Template.fromStack(stack).findResources('AWS::Synthetics::Canary')));
    expect(canaries.length).toBeGreaterThan(0);
    for (const canary of canaries) {
      const key = String(canary.Properties.Code.S3Key).replace(/\.zip$/, '');
      expect(fs.existsSync(path.join(outdir, `asset.${key}`, 'nodejs', 'node_modules', 'store-probe.js'))).toBe(true);
    }
  });
});
