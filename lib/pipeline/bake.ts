import { alarmName } from '../observability/names';

/**
 * The alarms a Region's bake watches, by name (`<app>-<region>-<suffix>`, see lib/observability):
 * the page-level "Region impaired" composite, and the alarms of the canaries that probe this
 * Region's own store: the read path, the order path (writer health) and, with a domain, the
 * global name. Canaries probing *other* Regions are left out: they say nothing about this change.
 */
export function bakeAlarmNames(appName: string, region: string, hasDomain: boolean): string[] {
  return ['region-impaired', 'canary-local', 'writer-health', ...(hasDomain ? ['canary-global'] : [])]
    .map((suffix) => alarmName(appName, region, suffix));
}

/** Paths of the step scripts, relative to the repository root (the steps run in the source checkout). */
export const BAKE_SCRIPT = 'lib/pipeline/scripts/bake-region.sh';
export const REQUIRE_STACK_SCRIPT = 'lib/pipeline/scripts/require-stack.sh';
/** Minutes a step may run beyond its bake before CodeBuild stops it (the script's own reads take time). */
export const BAKE_TIMEOUT_MARGIN_MINUTES = 15;
