import type { Template } from 'aws-cdk-lib/assertions';
import type { PlatformConfig } from '../../../lib/config/types';
import { platformTemplates, sharedNagViolations } from '../../helpers/assemblies';

export const DEV_TWO_REGIONS: Record<string, unknown> = {};
export const PROD_THREE_REGIONS: Record<string, unknown> = {
  profile: 'prod',
  regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
  domainName: 'shop.example.com',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  alarmEmail: 'oncall@example.com',
};

export const CONFIGURATIONS: readonly (readonly [string, Record<string, unknown>])[] = [
  ['dev, two Regions', DEV_TWO_REGIONS],
  ['prod, three Regions with a domain', PROD_THREE_REGIONS],
];

export type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

/** The regional templates of a configuration, by Region (synthesized once per test run, shared by every file). */
export interface RegionalTemplates {
  readonly config: PlatformConfig;
  readonly regions: readonly string[];
  template(region: string): Template;
}

export function regionalTemplates(input: Record<string, unknown>): RegionalTemplates {
  const platform = platformTemplates(input);
  const byRegion = new Map(platform.regionalStacks.map((stack) => [stack.region, stack.template]));
  return {
    config: platform.config,
    regions: platform.config.regions.map((plan) => plan.region),
    template(region: string): Template {
      const found = byRegion.get(region);
      if (found === undefined) {
        throw new Error(`no regional stack in ${region}`);
      }
      return found;
    },
  };
}

/** Resources of a type, by logical id. */
export function resources(t: Template, type: string): Record<string, Resource> {
  return t.findResources(type) as Record<string, Resource>;
}

/** The metric alarms of a template by their name suffix (`<app>-<region>-<suffix>`), with their logical ids. */
export function alarmsBySuffix(t: Template, appName: string, region: string): Map<string, { readonly id: string; readonly alarm: Resource }> {
  const prefix = `${appName}-${region}-`;
  const result = new Map<string, { id: string; alarm: Resource }>();
  for (const [id, alarm] of Object.entries(resources(t, 'AWS::CloudWatch::Alarm'))) {
    const name = String(alarm.Properties.AlarmName);
    if (!name.startsWith(prefix)) {
      throw new Error(`alarm ${id} is named ${name}, not ${prefix}...`);
    }
    result.set(name.slice(prefix.length), { id, alarm });
  }
  return result;
}

/** cdk-nag findings (not acknowledged) on the observability and chaos constructs. */
export function observabilityNagFindings(input: Record<string, unknown>): string[] {
  return sharedNagViolations(input).filter((finding) => finding.includes('/Observability/') || finding.includes('/Chaos/'));
}
