import type { PlatformTopology, RunbookNames } from '../../lib/topology/topology';
import { CliOptions, INVOCATION, isCommand, parseArgs, usage, wantsJson } from './args';
import type { CliDeps } from './deps';
import { discoverTopology, readViewsEverywhere, regionOrder } from './discovery';
import { badInput, CliError, CREDENTIALS_HINT, describeError, EXIT, isCredentialsError } from './errors';
import { followExecution, locateExecution, MAX_FOLLOW_MS, outcomeLines, sendApprovalSignal, startExecution } from './execute';
import { CommandResult, Output, utcTime } from './output';
import { reconcileCommand, reportSection, requireRegion } from './reconcile';
import { statusCommand } from './status';
import { confirmOrRefuse } from './confirm';
import { chooseDatabaseView } from './views';

type RunbookKind = 'failover' | 'switchover' | 'failback';

function documentName(topology: PlatformTopology, region: string, kind: keyof RunbookNames): string {
  const names = topology.runbooks[region];
  if (names === undefined) throw badInput(`the topology lists no runbooks in ${region}`);
  return names[kind];
}

/** Confirms, starts the runbook in `runRegion`, follows it with the databases' progress. */
async function runRunbook(
  deps: CliDeps,
  options: CliOptions,
  output: Output,
  run: { readonly kind: RunbookKind; readonly runRegion: string; readonly topology: PlatformTopology; readonly parameters: Record<string, string[]>; readonly question: string },
): Promise<CommandResult> {
  const name = documentName(run.topology, run.runRegion, run.kind);
  if (!(await confirmOrRefuse(deps, options, run.question))) {
    return { exitCode: EXIT.DECLINED, document: { command: run.kind, started: false }, text: ['Not confirmed; nothing was started.'] };
  }
  const parameters: Record<string, string[]> = { ...run.parameters, DryRun: [String(options.dryRun)] };
  if (options.approvers !== undefined) parameters.Approvers = [...options.approvers];
  const executionId = await startExecution(deps, { region: run.runRegion, documentName: name, parameters, timeoutSeconds: options.timeoutSeconds });
  output.progress(`[${utcTime(deps.now())}] Started ${name} in ${run.runRegion}: execution ${executionId}${options.dryRun ? ' (dry run: nothing changes)' : ''}`);
  output.progress(`Re-attach any time: ${INVOCATION} follow ${executionId}`);
  output.progress(`Console: https://${run.runRegion}.console.aws.amazon.com/systems-manager/automation/execution/${executionId}?region=${run.runRegion}`);
  const outcome = await followExecution(deps, output, {
    region: run.runRegion,
    executionId,
    databasesOf: run.topology,
    pollMs: options.pollSeconds * 1000,
    maxFollowMs: MAX_FOLLOW_MS,
  });
  return {
    exitCode: outcome.exitCode,
    document: { command: run.kind, app: options.app, documentName: name, parameters, dryRun: options.dryRun, ...outcome },
    text: outcomeLines(outcome),
  };
}

async function failoverOrSwitchover(deps: CliDeps, options: CliOptions, output: Output, kind: 'failover' | 'switchover'): Promise<CommandResult> {
  const target = options.to;
  if (target === undefined) throw badInput(`${kind} needs --to <region>`);
  const { topology } = await discoverTopology(deps, options);
  requireRegion(topology, target, '--to');

  if (kind === 'switchover') {
    const { views, failures } = await readViewsEverywhere(deps, topology, topology.regions, options.timeoutSeconds);
    const preferred = regionOrder([target], topology.regions);
    const current = topology.databases.map((db) => chooseDatabaseView(views, db.name, preferred)?.view.writerRegion);
    if (current.length > 0 && current.every((writer) => writer === target)) {
      throw badInput(`${target} is already the writer of every global database; nothing to switch over`);
    }
    for (const failure of failures) output.warn(`warning: ${failure.region}: ${failure.error}; the runbook's preflight checks again`);
  }

  const parameters: Record<string, string[]> = { TargetRegion: [target] };
  if (options.timeoutMinutes !== undefined) parameters.DatabaseTimeoutMinutes = [String(options.timeoutMinutes)];
  const what = kind === 'failover' ? 'UNPLANNED FAILOVER (data not yet replicated is lost)' : 'planned switchover (no data loss)';
  return runRunbook(deps, options, output, { kind, runRegion: target, topology, parameters, question: `Start ${what} of ${options.app} to ${target}?` });
}

async function failback(deps: CliDeps, options: CliOptions, output: Output): Promise<CommandResult> {
  const restore = options.region;
  if (restore === undefined) throw badInput('failback needs --region <region>');
  // Never read from, nor run in, the Region being restored.
  const loaded = await discoverTopology(deps, { ...options, regions: regionOrder([options.runIn], options.regions) }, [restore]);
  const topology = loaded.topology;
  requireRegion(topology, restore, '--region');
  if (options.runIn !== undefined) requireRegion(topology, options.runIn, '--run-in');
  const runRegion = options.runIn ?? loaded.region;
  return runRunbook(deps, options, output, {
    kind: 'failback',
    runRegion,
    topology,
    parameters: { Region: [restore] },
    question: `Bring ${restore} back into service for ${options.app} (the runbook runs in ${runRegion})?`,
  });
}

/** Discovery for commands that can do without the topology when --region names the Region. */
async function optionalTopology(deps: CliDeps, options: CliOptions, output: Output): Promise<PlatformTopology | undefined> {
  try {
    return (await discoverTopology(deps, options)).topology;
  } catch (error) {
    if (options.region === undefined || !(error instanceof CliError) || error.exitCode === EXIT.NO_CREDENTIALS) throw error;
    output.warn(`warning: ${error.message}; continuing in ${options.region} without the topology (no database lines)`);
    return undefined;
  }
}

function searchRegions(options: CliOptions, topology: PlatformTopology | undefined): string[] {
  return options.region !== undefined ? [options.region] : regionOrder(topology?.regions ?? [], options.regions);
}

async function follow(deps: CliDeps, options: CliOptions, output: Output): Promise<CommandResult> {
  const executionId = options.executionId as string;
  const topology = await optionalTopology(deps, options, output);
  const located = await locateExecution(deps, executionId, searchRegions(options, topology), options.timeoutSeconds);
  const name = located.execution.DocumentName ?? '?';
  const names = topology?.runbooks[located.region];
  const followsDatabases = names !== undefined && [names.failover, names.switchover, names.failback].includes(name);
  output.progress(`[${utcTime(deps.now())}] Following ${name} in ${located.region}: execution ${executionId}, ${located.execution.AutomationExecutionStatus ?? 'Unknown'}`);
  const outcome = await followExecution(deps, output, {
    region: located.region,
    executionId,
    databasesOf: followsDatabases ? topology : undefined,
    pollMs: options.pollSeconds * 1000,
    maxFollowMs: MAX_FOLLOW_MS,
  });
  const isReconcile = names !== undefined && name === names.reconcile;
  const report = isReconcile && outcome.exitCode === EXIT.OK ? await reportSection(deps, outcome, options.timeoutSeconds) : { document: {}, text: [] };
  return {
    exitCode: outcome.exitCode,
    document: { command: 'follow', app: options.app, ...outcome, ...report.document },
    text: [...outcomeLines(outcome), ...report.text],
  };
}

async function signal(deps: CliDeps, options: CliOptions, output: Output, kind: 'approve' | 'reject'): Promise<CommandResult> {
  const executionId = options.executionId as string;
  const topology = await optionalTopology(deps, options, output);
  const located = await locateExecution(deps, executionId, searchRegions(options, topology), options.timeoutSeconds);
  const signalType = kind === 'approve' ? 'Approve' : 'Reject';
  await sendApprovalSignal(deps, located, signalType, options.comment, options.timeoutSeconds);
  const name = located.execution.DocumentName ?? '?';
  const at = deps.now();
  return {
    exitCode: EXIT.OK,
    document: { command: kind, app: options.app, executionId, region: located.region, documentName: name, signal: signalType, comment: options.comment ?? null, sentAt: at.toISOString() },
    text: [
      `[${utcTime(at)}] ${signalType} sent to ${executionId} (${name} in ${located.region}).`,
      kind === 'approve' ? `Follow it: ${INVOCATION} follow ${executionId}` : 'The runbook stops at the approval step; nothing more changes.',
    ],
  };
}

async function dispatch(deps: CliDeps, options: CliOptions, output: Output): Promise<CommandResult> {
  switch (options.command) {
    case 'help': {
      const text = usage(options.topic);
      return { exitCode: EXIT.OK, document: { command: 'help', topic: options.topic ?? null, usage: text }, text: [text] };
    }
    case 'status':
      return statusCommand(deps, options, output);
    case 'failover':
    case 'switchover':
      return failoverOrSwitchover(deps, options, output, options.command);
    case 'failback':
      return failback(deps, options, output);
    case 'reconcile':
      return reconcileCommand(deps, options, output);
    case 'follow':
      return follow(deps, options, output);
    case 'approve':
    case 'reject':
      return signal(deps, options, output, options.command);
  }
}

/**
 * Runs the CLI and returns the exit code. Writes exactly one JSON document to stdout with --json
 * (the result, or the error), and nothing else there; people get text on stdout, errors on stderr.
 */
export async function run(argv: readonly string[], deps: CliDeps): Promise<number> {
  const json = wantsJson(argv);
  const output = new Output(deps, json);
  const command = argv[0] !== undefined && !argv[0].startsWith('-') ? argv[0] : 'help';
  let result: CommandResult;
  try {
    const options = parseArgs(argv);
    result = await dispatch(deps, options, output);
  } catch (error) {
    const failure =
      error instanceof CliError
        ? error
        : isCredentialsError(error)
          ? new CliError(EXIT.NO_CREDENTIALS, `${CREDENTIALS_HINT} (${describeError(error)})`)
          : new CliError(EXIT.FAILED, describeError(error));
    result = { exitCode: failure.exitCode, document: { command, error: failure.message }, text: [] };
    deps.err(`error: ${failure.message}`);
    if (failure.exitCode === EXIT.BAD_INPUT) deps.err(`Run "${INVOCATION} ${isCommand(command) && command !== 'help' ? `${command} ` : ''}--help" for usage.`);
  }
  if (json) {
    deps.out(JSON.stringify({ ...result.document, exitCode: result.exitCode }, null, 2));
  } else {
    for (const line of result.text) deps.out(line);
  }
  return result.exitCode;
}
