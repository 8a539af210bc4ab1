/**
 * `npm run cost`: synthesizes the platform in-process (no CLI, no credentials) for dev and prod in
 * two and three Regions, counts every priced component in the synthesized templates and prints a
 * Markdown table per configuration (docs/cost.md holds the output and its assumptions).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { resolveConfig } from '../lib/config/resolve';
import { countComponents, formatUsd, markdownTable, priceCounts, totalOf, type CfnTemplate, type PriceList } from '../lib/cost/count';
import { buildPlatform } from '../lib/platform';

interface Configuration {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

const CONFIGURATIONS: readonly Configuration[] = [
  { name: 'dev, 2 Regions (us-east-1, us-west-2)', input: { profile: 'dev', regions: ['us-east-1', 'us-west-2'] } },
  { name: 'dev, 3 Regions (us-east-1, us-west-2, eu-west-1)', input: { profile: 'dev', regions: ['us-east-1', 'us-west-2', 'eu-west-1'] } },
  { name: 'prod, 2 Regions (us-east-1, us-west-2)', input: { profile: 'prod', regions: ['us-east-1', 'us-west-2'] } },
  { name: 'prod, 3 Regions (us-east-1, us-west-2, eu-west-1)', input: { profile: 'prod', regions: ['us-east-1', 'us-west-2', 'eu-west-1'] } },
];

function synthesizedTemplates(input: Record<string, unknown>): CfnTemplate[] {
  const config = resolveConfig({ account: '123456789012', ...input });
  const app = new App();
  buildPlatform(app, config);
  const assembly = app.synth();
  return assembly.stacks.map((stack) => stack.template as CfnTemplate);
}

function main(): void {
  const prices = JSON.parse(readFileSync(join(__dirname, 'prices.json'), 'utf8')) as PriceList;
  const sections: string[] = [];
  const totals: string[] = ['| Configuration | Monthly (USD) |', '| --- | ---: |'];
  for (const configuration of CONFIGURATIONS) {
    const lines = priceCounts(countComponents(synthesizedTemplates(configuration.input), prices.hoursPerMonth), prices);
    sections.push(markdownTable(configuration.name, lines));
    totals.push(`| ${configuration.name} | ${formatUsd(totalOf(lines))} |`);
  }
  process.stdout.write([
    `Prices: ${prices.source}`,
    '',
    ...totals,
    '',
    ...sections,
  ].join('\n'));
}

main();
