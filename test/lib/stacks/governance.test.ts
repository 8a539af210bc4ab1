import * as fs from 'node:fs';
import * as path from 'node:path';
import { platformTemplates, type StackTemplate } from '../../helpers/assemblies';

/**
 * The governance controls of the README's security table, asserted per resource type on every
 * template of the default, prod three-Region and active-active configurations: a new resource of
 * one of these types cannot miss a control without failing here.
 */

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');
const readExample = (name: string) => JSON.parse(fs.readFileSync(path.join(EXAMPLES, `${name}.json`), 'utf8')) as Record<string, unknown>;
const CONFIGURATIONS: readonly [string, Record<string, unknown>][] = [
  ['default', {}],
  ['prod-three-regions', readExample('prod-three-regions')],
  ['active-active', readExample('active-active')],
];

type Json = Record<string, unknown>;
interface Resource {
  readonly Type: string;
  readonly Properties?: Json;
  readonly DependsOn?: string | string[];
}

function resources(stack: StackTemplate): [string, Resource][] {
  return Object.entries((stack.template.toJSON() as { Resources: Record<string, Resource> }).Resources);
}

function ofType(stack: StackTemplate, type: string): [string, Json][] {
  return resources(stack)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at, if it is one. */
function target(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === 'string') return ref;
  const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/** Key policy statements of a key in the same template (undefined when the key is imported). */
function keyStatements(stack: StackTemplate, keyRef: unknown): Json[] | undefined {
  const id = target(keyRef);
  if (id === undefined) return undefined;
  const key = resources(stack).find(([logicalId]) => logicalId === id)?.[1];
  return ((key?.Properties?.KeyPolicy as { Statement?: Json[] } | undefined)?.Statement) ?? undefined;
}

describe.each(CONFIGURATIONS)('governance controls: %s', (_name, input) => {
  const stacks = platformTemplates(input).all;

  describe('logs', () => {
    test('every log group has a retention and a KMS key', () => {
      let count = 0;
      for (const stack of stacks) {
        for (const [id, props] of ofType(stack, 'AWS::Logs::LogGroup')) {
          count += 1;
          expect({ stack: stack.name, id, retention: typeof props.RetentionInDays }).toEqual({ stack: stack.name, id, retention: 'number' });
          expect({ stack: stack.name, id, key: props.KmsKeyId !== undefined }).toEqual({ stack: stack.name, id, key: true });
        }
      }
      expect(count).toBeGreaterThan(0);
    });

    test('a key of the same stack that encrypts log groups admits CloudWatch Logs of this Region only for log-group ARNs', () => {
      for (const stack of stacks) {
        for (const [, props] of ofType(stack, 'AWS::Logs::LogGroup')) {
          const statements = keyStatements(stack, props.KmsKeyId);
          if (statements === undefined) continue;
          const logs = statements.find((s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: `logs.${stack.region}.amazonaws.com` }));
          expect(logs?.Condition).toEqual({ ArnLike: { 'kms:EncryptionContext:aws:logs:arn': expect.anything() } });
        }
      }
    });

    test('every Lambda function, the CDK\'s own providers included, logs to a log group of its stack', () => {
      for (const stack of stacks) {
        const groups = new Set(ofType(stack, 'AWS::Logs::LogGroup').map(([id]) => id));
        for (const [id, props] of ofType(stack, 'AWS::Lambda::Function')) {
          const group = target((props.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup);
          expect({ stack: stack.name, id, logGroupInStack: group !== undefined && groups.has(group) }).toEqual({ stack: stack.name, id, logGroupInStack: true });
        }
      }
    });
  });
});
