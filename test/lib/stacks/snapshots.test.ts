import * as fs from 'node:fs';
import * as path from 'node:path';
import { platformTemplates } from '../../helpers/assemblies';
import { expectStackSnapshot, removeObsoleteSnapshots } from '../../helpers/stack-snapshot';

/** The configurations CI synthesizes: the built-in default and every example file. */
const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');
const CONFIGURATIONS: [string, Record<string, unknown>][] = [
  ['default', {}],
  ...fs.readdirSync(EXAMPLES)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file): [string, Record<string, unknown>] => [path.basename(file, '.json'), JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as Record<string, unknown>]),
];

describe.each(CONFIGURATIONS)('snapshots (%s)', (configName, input) => {
  const stacks = platformTemplates(input).all;

  test.each(stacks.map((stack) => [stack.name, stack] as const))('%s matches its snapshot', (name, stack) => {
    expectStackSnapshot(configName, name, stack.template.toJSON());
  });

  test('no snapshot is left for a stack that no longer exists', () => {
    expect(removeObsoleteSnapshots(configName, stacks.map((stack) => stack.name))).toEqual([]);
  });
});
