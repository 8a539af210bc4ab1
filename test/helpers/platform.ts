import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { resolveConfig } from '../../lib/config/resolve';
import type { PlatformConfig } from '../../lib/config/types';
import { allStacks, buildPlatform, type Platform } from '../../lib/platform';

export interface Synthesized {
  readonly app: App;
  readonly config: PlatformConfig;
  readonly platform: Platform;
}

const cache = new Map<string, Synthesized>();

/** Builds (once per configuration and test file) the whole platform from a raw configuration object. */
export function synthesize(input: Record<string, unknown> = {}): Synthesized {
  const key = JSON.stringify(input);
  const cached = cache.get(key);
  if (cached !== undefined) {
    return cached;
  }
  const config = resolveConfig({ account: '123456789012', ...input });
  const app = new App({ builtinCloudFormationValidation: false });
  const platform = buildPlatform(app, config);
  const result = { app, config, platform };
  cache.set(key, result);
  return result;
}

const templates = new WeakMap<Stack, Template>();

/** The stack's template, parsed (and checked for cycles) once per test file. */
export function template(stack: Stack): Template {
  let parsed = templates.get(stack);
  if (parsed === undefined) {
    parsed = Template.fromStack(stack);
    templates.set(stack, parsed);
  }
  return parsed;
}

/** cdk-nag AwsSolutions findings that are not acknowledged, as readable lines. */
export function nagViolations(app: App): string[] {
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => {
      // cdk-nag reports the construct path; the core type only declares template fields.
      const where = (resource as { constructPath?: string }).constructPath ?? resource.resourceLogicalId;
      return `${violation.ruleName} ${where}`;
    }),
  );
}

/** A template with asset hashes and other machine-dependent values normalized, for snapshots. */
export function normalizedTemplate(stack: Stack): unknown {
  const json = JSON.stringify(Template.fromStack(stack).toJSON());
  return JSON.parse(
    json
      .replace(/[0-9a-f]{64}(\.zip|\.json)?/g, (_match, ext: string | undefined) => `<asset-hash>${ext ?? ''}`)
      .replace(/"aws:cdk:version":"[^"]*"/g, '"aws:cdk:version":"<version>"'),
  );
}

export { allStacks };
