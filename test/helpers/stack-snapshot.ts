import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Per-stack snapshots a reviewer can read: one file per configuration and stack
 * (`test/lib/stacks/__snapshots__/<config>/<stack>.json`), machine-dependent values normalized, and
 * the template flattened to one line per value whose key is the value's full path. Every line of a
 * diff hunk therefore names its resource's logical id:
 *
 *   "Resources.OrdersDatabaseCluster1A2B3C.Properties.BackupRetentionPeriod": 7,
 *
 * Refresh with `npm run test:update` (jest -u) after a change you meant, and review the diff.
 */

export const SNAPSHOT_ROOT = path.join(__dirname, '..', 'lib', 'stacks', '__snapshots__');

/** Asset hashes, staging folder names and the CDK version differ between machines and builds, not between behaviours. */
export function normalizeMachineValues(json: string): string {
  return json
    .replace(/[0-9a-f]{64}(\.zip|\.json)?/g, (_match, ext: string | undefined) => `<asset-hash>${ext ?? ''}`)
    .replace(/reconcile-task-[0-9a-f]{42}/g, 'reconcile-task-<addr>')
    .replace(/"aws:cdk:version":"[^"]*"/g, '"aws:cdk:version":"<version>"');
}

function isIntrinsic(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::') || keys[0] === 'Condition');
}

function sortedKeys(value: Record<string, unknown>): string[] {
  return Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Intrinsic functions stay whole on their line (a `Fn::Join` reads better than its exploded parts). */
function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(sortedKeys(record).map((key) => [key, compact(record[key])]));
  }
  return value;
}

function flatten(value: unknown, key: string, into: Map<string, unknown>): void {
  if (Array.isArray(value)) {
    if (value.length === 0) into.set(key, []);
    value.forEach((item, index) => flatten(item, `${key}[${index}]`, into));
    return;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (isIntrinsic(record)) {
      into.set(key, compact(record));
      return;
    }
    const keys = sortedKeys(record);
    if (keys.length === 0) into.set(key, {});
    for (const child of keys) flatten(record[child], key === '' ? child : `${key}.${child}`, into);
    return;
  }
  into.set(key, value);
}

/** A template as snapshot text: normalized, flattened, one `"path": value` per line. */
export function snapshotText(templateJson: unknown): string {
  const template = JSON.parse(normalizeMachineValues(JSON.stringify(templateJson))) as unknown;
  const lines = new Map<string, unknown>();
  flatten(template, '', lines);
  const body = [...lines].map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`).join(',\n');
  return `{\n${body}\n}\n`;
}

type UpdateMode = 'all' | 'new' | 'none';

function updateMode(): UpdateMode {
  // Jest's own snapshot state: `-u` → all, default → new, `--ci` → none.
  const state = expect.getState().snapshotState as unknown as { _updateSnapshot?: UpdateMode } | undefined;
  return state?._updateSnapshot ?? 'none';
}

/** Compares with (or, under `jest -u` or for a new stack outside `--ci`, writes) the stack's snapshot file. */
export function expectStackSnapshot(configName: string, stackName: string, templateJson: unknown): void {
  const file = path.join(SNAPSHOT_ROOT, configName, `${stackName}.json`);
  const actual = snapshotText(templateJson);
  const mode = updateMode();
  const exists = fs.existsSync(file);
  if (mode === 'all' || (!exists && mode === 'new')) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!exists) {
    throw new Error(`No snapshot for ${configName}/${stackName} (${path.relative(process.cwd(), file)}): run \`npm run test:update\` and commit the file.`);
  }
  expect(actual).toEqual(fs.readFileSync(file, 'utf8'));
}

/** Under `jest -u`, removes snapshot files of stacks that no longer exist in the configuration. */
export function removeObsoleteSnapshots(configName: string, stackNames: readonly string[]): string[] {
  const directory = path.join(SNAPSHOT_ROOT, configName);
  if (!fs.existsSync(directory)) return [];
  const obsolete = fs.readdirSync(directory).filter((file) => !stackNames.includes(path.basename(file, '.json')));
  if (updateMode() === 'all') obsolete.forEach((file) => fs.rmSync(path.join(directory, file)));
  return obsolete;
}
