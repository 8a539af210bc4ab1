/**
 * `npm run capacity -- -c config=<file>`: the capacity plan of a configuration's peak events
 * (tasks per service, Aurora Serverless v2 ACUs and load balancer LCUs, the same in every Region)
 * and what each event adds to that month's bill. Figures: lib/capacity/throughput.ts; prices:
 * scripts/prices.json. No synthesis and no AWS call.
 */
import { parseCostArgs } from '../lib/cost/args';
import { ConfigError, resolveConfig } from '../lib/config/resolve';
import { readConfigFile } from '../lib/config/file';
import { SERVICE_NAMES, type PlatformConfig } from '../lib/config/types';
import { formatUsd, type PriceList } from '../lib/cost/count';
import { eventCost } from '../lib/capacity/cost';
import { MAX_READERS, PLANNED_DATABASES, planEvents, tasksFor } from '../lib/capacity/plan';
import type { PlannedDatabase } from '../lib/capacity/throughput';
import { loadPrices } from './cost';

export const CAPACITY_USAGE = `Usage: npm run -s capacity -- -c config=<file>

  -c config=<file>    the configuration cdk synth -c config=<file> takes
  -h, --help          this text

Prints, for every peak event in capacity.events: tasks per service, Aurora Serverless v2 ACUs or
provisioned readers (the primary Region's) and load balancer LCUs per Region (every Region, the standby too, is sized to carry the peak alone),
and the event's cost on top of the monthly bill. Exit codes: 0 printed, 1 invalid configuration, 2 bad arguments.`;

export function capacityReport(config: PlatformConfig, prices: PriceList, source: string): string {
  const regions = config.regions.map((plan) => plan.region);
  const lines: string[] = [`Capacity plan for ${source}: ${config.profile}, Regions ${regions.join(', ')} (each sized to carry the peak alone).`, ''];
  const events = planEvents(config);
  if (config.capacity.peakRequestsPerSecond !== undefined) {
    const rate = config.capacity.peakRequestsPerSecond;
    lines.push(`capacity.peakRequestsPerSecond ${rate}: target tracking can reach ${SERVICE_NAMES.map((name) => `${name} ${tasksFor(name, rate, config.services[name])}/${config.services[name].maxCount}`).join(', ')} (tasks needed / maxCount).`, '');
  }
  if (events.length === 0) {
    lines.push('No events in capacity.events: nothing is scheduled.');
    return `${lines.join('\n')}\n`;
  }
  for (const plan of events) {
    const cost = eventCost(plan, config, prices);
    lines.push(
      `## ${plan.event.name}: ${plan.event.start} to ${plan.event.end} at ${plan.event.peakRequestsPerSecond} requests/s`,
      '',
      `Raised ${plan.raiseAt.toISOString()} (lead ${config.capacity.leadMinutes} min), released ${plan.releaseAt.toISOString()} (release ${config.capacity.releaseMinutes} min): ${plan.windowHours} hours.`,
      '',
      `| Per Region (${regions.join(', ')}) | baseline minimum | event minimum | maximum |`,
      '| --- | ---: | ---: | ---: |',
      ...SERVICE_NAMES.map((name) => `| ${name} tasks | ${config.services[name].minCount} | ${plan.tasks[name]} | ${config.services[name].maxCount} |`),
      ...(plan.acus !== undefined
        ? PLANNED_DATABASES.map((name) => `| ${name} database ACUs (per instance) | ${config.database.serverlessMinCapacity} | ${plan.acus![name]} | ${config.database.serverlessMaxCapacity} |`)
        : []),
      ...(plan.readers !== undefined
        ? PLANNED_DATABASES.map((name) => `| ${name} database readers (${config.database.instanceClass}, ${config.primaryRegion} only) | ${config.database.readers} | ${plan.readers![name]} | ${MAX_READERS} |`)
        : []),
      `| load balancer LCUs (reservation) | none | ${plan.loadBalancerCapacityUnits} | |`,
      '',
      ...(plan.readers !== undefined ? standbyReaders(config, plan.readers) : []),
      '| Cost of the event | per Region | all Regions |',
      '| --- | ---: | ---: |',
      ...cost.items.map((item) => `| ${item.label} | ${item.perRegionNote ?? formatUsd(item.perRegion)} | ${formatUsd(item.total)} |`),
      `| **Added to that month's bill** | | **${formatUsd(cost.total)}** |`,
      '',
    );
  }
  lines.push(`Figures are estimates (lib/capacity/throughput.ts says how they were obtained); prices: ${prices.source}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Aurora Auto Scaling is not supported on a secondary cluster of a global database: the standby
 * Regions keep their declared instances (all readers there: 1 + database.readers).
 */
function standbyReaders(config: PlatformConfig, readers: Readonly<Record<PlannedDatabase, number>>): string[] {
  const standby = config.regions.map((plan) => plan.region).filter((region) => region !== config.primaryRegion);
  if (standby.length === 0) return [];
  const declared = config.database.readers;
  const short = PLANNED_DATABASES.filter((name) => readers[name] > declared);
  return [
    `Standby ${standby.join(', ')}: Aurora Auto Scaling is not supported on a secondary cluster, so no readers are added there; each member keeps its ${1 + declared} declared instances.`
      + (short.length === 0
        ? ''
        : ` After a failover one of them is the writer, leaving ${declared} reader(s) where the plan has ${short.map((name) => `${name} ${readers[name]}`).join(', ')}: raise database.readers for the event to match.`),
    '',
  ];
}

/** Returns the exit code; the report goes to stdout, problems to stderr. */
export function main(argv: readonly string[], write: (text: string) => void, writeError: (text: string) => void, now: Date = new Date()): number {
  let request;
  try {
    request = parseCostArgs(argv);
  } catch (error) {
    writeError(`error: ${(error as Error).message}\n${CAPACITY_USAGE}\n`);
    return 2;
  }
  if (request.kind === 'help') {
    write(`${CAPACITY_USAGE}\n`);
    return 0;
  }
  if (request.kind === 'reference') {
    writeError(`error: name a configuration\n${CAPACITY_USAGE}\n`);
    return 2;
  }
  try {
    const config = resolveConfig(readConfigFile(request.path), { now });
    write(capacityReport(config, loadPrices(), request.path));
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      writeError(`${error.message}\nNo plan was printed.\n`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), (text) => process.stdout.write(text), (text) => process.stderr.write(text));
}
