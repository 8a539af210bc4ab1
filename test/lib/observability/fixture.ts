import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { RegionalChaos } from '../../../lib/chaos/regional-chaos';
import type { PlatformConfig } from '../../../lib/config/types';
import type { RegionalObservability } from '../../../lib/observability/regional-observability';
import type { Platform } from '../../../lib/platform';
import { synthesize, template } from '../../helpers/platform';

/** The whole platform, with each Region's observability and chaos constructs by Region. Built once per configuration. */
export interface ObservedPlatform {
  readonly app: App;
  readonly config: PlatformConfig;
  readonly platform: Platform;
  readonly observability: ReadonlyMap<string, RegionalObservability>;
  readonly chaos: ReadonlyMap<string, RegionalChaos>;
}

export const DEV_TWO_REGIONS: Record<string, unknown> = {};
export const PROD_THREE_REGIONS: Record<string, unknown> = {
  profile: 'prod',
  regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
  domainName: 'shop.example.com',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  alarmEmail: 'oncall@example.com',
};

export function observedPlatform(input: Record<string, unknown>): ObservedPlatform {
  const { app, config, platform } = synthesize(input);
  const observability = new Map(platform.regional.map((stack) => [stack.region, stack.observability] as const));
  const chaos = new Map(platform.regional.map((stack) => [stack.region, stack.chaos] as const));
  return { app, config, platform, observability, chaos };
}

export function regionalTemplate(observed: ObservedPlatform, region: string): Template {
  const stack = observed.platform.regional.find((candidate) => candidate.region === region);
  if (stack === undefined) {
    throw new Error(`no regional stack in ${region}`);
  }
  return template(stack);
}

export function regionalStacks(observed: ObservedPlatform): readonly Stack[] {
  return observed.platform.regional;
}

/** cdk-nag findings under the given construct paths, as readable lines. */
export function nagFindingsUnder(app: App, pathFragments: readonly string[]): string[] {
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations.flatMap((violation) =>
    violation.violatingResources
      .filter((resource) => pathFragments.some((fragment) => (resource.constructPath ?? '').includes(fragment)))
      .map((resource) => `${violation.ruleName} ${resource.constructPath ?? ''}`),
  );
}
