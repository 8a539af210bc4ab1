/**
 * `npm run cost`: synthesizes the platform in-process (no CLI, no credentials, the same
 * resolveConfig + buildPlatform as `cdk synth`), counts every priced component in the synthesized
 * templates and prints Markdown tables (docs/cost.md holds the output and its assumptions).
 *
 *   npm run -s cost                            the four reference configurations (the README's table)
 *   npm run -s cost -- -c config=<file>        your configuration
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { COST_USAGE, CostUsageError, parseCostArgs } from '../lib/cost/args';
import { ConfigError, resolveConfig } from '../lib/config/resolve';
import type { PlatformConfig } from '../lib/config/types';
import { countComponents, formatUsd, markdownTable, priceCounts, totalOf, type CfnTemplate, type CostLine, type PriceList } from '../lib/cost/count';
import { buildPlatform } from '../lib/platform';
import { readConfigFile } from '../lib/config/file';

interface Configuration {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

export const REFERENCE_CONFIGURATIONS: readonly Configuration[] = [
  { name: 'dev, 2 Regions (us-east-1, us-west-2)', input: { profile: 'dev', regions: ['us-east-1', 'us-west-2'] } },
  { name: 'dev, 3 Regions (us-east-1, us-west-2, eu-west-1)', input: { profile: 'dev', regions: ['us-east-1', 'us-west-2', 'eu-west-1'] } },
  { name: 'prod, 2 Regions (us-east-1, us-west-2)', input: { profile: 'prod', regions: ['us-east-1', 'us-west-2'] } },
  { name: 'prod, 3 Regions (us-east-1, us-west-2, eu-west-1)', input: { profile: 'prod', regions: ['us-east-1', 'us-west-2', 'eu-west-1'] } },
];

export function loadPrices(): PriceList {
  return JSON.parse(readFileSync(join(__dirname, 'prices.json'), 'utf8')) as PriceList;
}

/** The templates `cdk synth` writes for `config` (with asset bundling, as `cdk synth` does: the canary asset needs it). */
export function synthesizedTemplates(config: PlatformConfig): CfnTemplate[] {
  const app = new App();
  buildPlatform(app, config);
  return app.synth().stacks.map((stack) => stack.template as CfnTemplate);
}

export function priceConfiguration(config: PlatformConfig, prices: PriceList): CostLine[] {
  return priceCounts(countComponents(synthesizedTemplates(config), prices.hoursPerMonth), prices);
}

/** "Monthly minimum $X; the ARC cluster is $Y of it" — the line the README opens with. */
export function minimumLine(lines: readonly CostLine[]): string {
  const total = totalOf(lines);
  const arc = lines.find((line) => line.key === 'arc-cluster')?.monthly ?? 0;
  return arc > 0
    ? `monthly minimum ${formatUsd(total)}, of which ${formatUsd(arc)} (${Math.round((arc / total) * 100)}%) is the ARC cluster: share an existing one with "arcClusterArn" to drop it`
    : `monthly minimum ${formatUsd(total)} (ARC cluster shared through "arcClusterArn": not counted here)`;
}

function describeConfig(path: string, config: PlatformConfig): string {
  const regions = config.regions.map((r) => r.region);
  return `${path}: ${config.profile}, ${regions.length} Regions (${regions.join(', ')})${config.arcClusterArn !== undefined ? ', shared ARC cluster' : ''}`;
}

export function referenceReport(prices: PriceList): string {
  const sections: string[] = [];
  const totals: string[] = ['| Configuration | Monthly (USD) |', '| --- | ---: |'];
  for (const configuration of REFERENCE_CONFIGURATIONS) {
    const lines = priceConfiguration(resolveConfig({ account: '123456789012', ...configuration.input }), prices);
    sections.push(markdownTable(configuration.name, lines));
    totals.push(`| ${configuration.name} | ${formatUsd(totalOf(lines))} |`);
  }
  return [`Prices: ${prices.source}`, '', ...totals, '', ...sections].join('\n');
}

export function fileReport(path: string, prices: PriceList): string {
  const config = resolveConfig(readConfigFile(path));
  const lines = priceConfiguration(config, prices);
  const name = describeConfig(path, config);
  return [`Prices: ${prices.source}`, '', `${name}: ${minimumLine(lines)}.`, '', markdownTable(name, lines)].join('\n');
}

/** Returns the exit code; the report goes to stdout, problems to stderr. */
export function main(argv: readonly string[], write: (text: string) => void, writeError: (text: string) => void): number {
  try {
    const request = parseCostArgs(argv);
    if (request.kind === 'help') {
      write(`${COST_USAGE}\n`);
      return 0;
    }
    const prices = loadPrices();
    write(request.kind === 'file' ? fileReport(request.path, prices) : referenceReport(prices));
    return 0;
  } catch (error) {
    if (error instanceof CostUsageError) {
      writeError(`error: ${error.message}\n${COST_USAGE}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      writeError(`${error.message}\nNothing was priced.\n`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), (text) => process.stdout.write(text), (text) => process.stderr.write(text));
}
