import type { PlatformTopology, RunbookNames } from '../../lib/topology/topology';
import type { RunbookKind } from '../../lib/runbooks/runtime/contract';
import { CliOptions, parseArgs, USAGE } from './args';
import type { CliDeps } from './deps';
import { badInput, CliError, EXIT } from './errors';
import { startAndFollow } from './execute';
import { collectStatus, formatStatus, readDatabases } from './status';
import { loadTopology, regionOrder } from './topology';

/** Upper bound for following one execution; the runbook itself keeps running after it. */
const MAX_FOLLOW_MS = 3 * 60 * 60 * 1000;

function requireKnownRegion(topology: PlatformTopology, region: string, role: string): void {
  if (!topology.regions.includes(region)) {
    throw badInput(`Unknown Region ${region} (${role}); the platform runs in ${topology.regions.join(', ')}`);
  }
}

function documentName(topology: PlatformTopology, region: string, kind: keyof RunbookNames): string {
  const names = topology.runbooks[region];
  if (names === undefined) {
    throw new CliError(EXIT.FAILED, `The topology lists no runbooks for ${region}`);
  }
  return names[kind];
}

async function status(deps: CliDeps, options: CliOptions): Promise<number> {
  const order = regionOrder([options.region], options.regions);
  const loaded = await loadTopology(deps, options.app, order);
  for (const s of loaded.skipped) deps.err(`warning: topology not read from ${s.region}: ${s.error}`);
  const report = await collectStatus(deps, loaded.topology, loaded.region, regionOrder([loaded.region], order));
  if (options.json) {
    deps.out(JSON.stringify(report, null, 2));
  } else {
    for (const line of formatStatus(report)) deps.out(line);
  }
  return report.errors.length === 0 ? EXIT.OK : EXIT.FAILED;
}

async function confirmOrRefuse(deps: CliDeps, options: CliOptions, question: string): Promise<boolean> {
  if (options.dryRun || options.yes) return true;
  if (!deps.interactive) {
    throw badInput(`Refusing to start without confirmation: no terminal to ask on. Re-run with --yes (or --dry-run).`);
  }
  return deps.confirm(question);
}

async function runRunbook(
  deps: CliDeps,
  options: CliOptions,
  kind: RunbookKind,
  runRegion: string,
  topology: PlatformTopology,
  parameters: Record<string, string[]>,
  question: string,
): Promise<number> {
  if (!(await confirmOrRefuse(deps, options, question))) {
    deps.err('Not confirmed; nothing was started.');
    return EXIT.DECLINED;
  }
  if (options.approvers && options.approvers.length > 0) parameters.Approvers = [...options.approvers];
  const outcome = await startAndFollow(deps, {
    region: runRegion,
    documentName: documentName(topology, runRegion, kind),
    parameters: { ...parameters, DryRun: [String(options.dryRun)] },
    pollMs: options.pollSeconds * 1000,
    maxFollowMs: MAX_FOLLOW_MS,
  });
  return outcome.exitCode;
}

async function failoverOrSwitchover(deps: CliDeps, options: CliOptions, kind: 'failover' | 'switchover'): Promise<number> {
  const target = options.to;
  if (target === undefined) throw badInput(`${kind} needs --to <region>`);
  // The runbook runs in the target; read the topology there first.
  const order = regionOrder([target], options.regions);
  const loaded = await loadTopology(deps, options.app, order);
  const topology = loaded.topology;
  requireKnownRegion(topology, target, '--to');

  if (kind === 'switchover') {
    const dbs = await readDatabases(deps, topology, regionOrder([target], topology.regions));
    if ('snapshots' in dbs) {
      if (dbs.snapshots.length > 0 && dbs.snapshots.every((s) => s.writerRegion === target)) {
        throw badInput(`${target} is already the primary Region of every global database; nothing to switch over`);
      }
    } else {
      deps.err(`warning: ${dbs.error}; the runbook's preflight will check again`);
    }
  }

  const parameters: Record<string, string[]> = { TargetRegion: [target] };
  if (options.timeoutMinutes !== undefined) parameters.DatabaseTimeoutMinutes = [String(options.timeoutMinutes)];
  const what = kind === 'failover' ? 'UNPLANNED FAILOVER (data loss possible)' : 'planned switchover';
  return runRunbook(deps, options, kind, target, topology, parameters, `Start ${what} of ${options.app} to ${target}?`);
}

async function failback(deps: CliDeps, options: CliOptions): Promise<number> {
  const restore = options.region;
  if (restore === undefined) throw badInput('failback needs --region <region>');
  // Never read from or run in the Region being restored.
  const order = regionOrder([options.runIn], options.regions, [restore]);
  const loaded = await loadTopology(deps, options.app, order);
  const topology = loaded.topology;
  requireKnownRegion(topology, restore, '--region');
  if (options.runIn !== undefined) requireKnownRegion(topology, options.runIn, '--run-in');
  const runRegion = options.runIn ?? loaded.region;
  return runRunbook(
    deps,
    options,
    'failback',
    runRegion,
    topology,
    { Region: [restore] },
    `Bring ${restore} back into service for ${options.app} (runbook runs in ${runRegion})?`,
  );
}

/** Runs the CLI; returns the process exit code. */
export async function run(argv: readonly string[], deps: CliDeps): Promise<number> {
  try {
    const options = parseArgs(argv);
    switch (options.command) {
      case 'help':
        deps.out(USAGE);
        return EXIT.OK;
      case 'status':
        return await status(deps, options);
      case 'failover':
      case 'switchover':
        return await failoverOrSwitchover(deps, options, options.command);
      case 'failback':
        return await failback(deps, options);
    }
  } catch (error) {
    if (error instanceof CliError) {
      deps.err(`error: ${error.message}`);
      if (error.exitCode === EXIT.BAD_INPUT) deps.err('Run "npm run runbook -- help" for usage.');
      return error.exitCode;
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    deps.err(`error: ${message}`);
    return EXIT.FAILED;
  }
}
