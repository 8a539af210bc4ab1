import { topologyParameterName, type PlatformTopology, type RoutingMode } from '../../lib/topology/topology';
import type { CliOptions } from './args';
import { Deadline, formatSeconds, settle, Settled } from './deadline';
import type { CliDeps } from './deps';
import { failureOf, RegionFailure, unavailable } from './discovery';
import { CliError, describeError, EXIT, ExitCode } from './errors';
import { CommandResult, Output, table, utcDateTime } from './output';
import { ArcUnreadableError, ControlState, DatabaseView, describeRotation, EndpointFailure, LagReading, readDatabases, readLag, readRoutingControls, readTopology, RotationProgress, RoutingRead } from './reads';
import { chooseView } from './views';

/**
 * `status`: asks every Region at once (SSM topology, RDS global databases, CloudWatch lag of the
 * local members) and the ARC cluster, prints each Region's line as it answers, and stops waiting
 * at --timeout whatever is still silent.
 */

export interface RegionStatus {
  readonly region: string;
  /** At least one of the Region's APIs answered. */
  readonly answered: boolean;
  /** Every read in the Region succeeded. */
  readonly complete: boolean;
  readonly elapsedMs: number;
  readonly problems: readonly string[];
  readonly routingControl: ControlState | 'Unknown';
  readonly serving: boolean;
  readonly writerFor: readonly string[];
}

export interface MemberStatus {
  readonly region: string;
  readonly role: 'writer' | 'secondary';
  readonly synchronization?: string;
  readonly lag?: LagReading;
}

export interface DatabaseStatus {
  readonly name: string;
  readonly engine: string;
  readonly globalClusterIdentifier: string;
  readonly status: string;
  readonly writerRegion?: string;
  readonly operation?: DatabaseView['operation'];
  /** The Region whose view is shown (the writer's own Region when it answered). */
  readonly seenFrom: string;
  readonly members: readonly MemberStatus[];
}

export type StatusOutcome = 'complete' | 'incomplete' | 'nothing-reachable' | 'no-credentials' | 'topology-not-found';

export interface StatusReport {
  readonly command: 'status';
  readonly app: string;
  readonly checkedAt: string;
  readonly timeoutSeconds: number;
  readonly elapsedMs: number;
  readonly outcome: StatusOutcome;
  readonly exitCode: ExitCode;
  readonly routingMode?: RoutingMode;
  readonly topologyFrom?: string;
  readonly regions: readonly RegionStatus[];
  readonly arc: { readonly answered: boolean; readonly endpoint?: string; readonly endpointFailures: readonly EndpointFailure[]; readonly error?: string };
  readonly databases: readonly DatabaseStatus[];
  readonly notes: readonly string[];
}

interface RegionProbe {
  readonly region: string;
  readonly elapsedMs: number;
  readonly topology?: PlatformTopology;
  readonly views?: readonly DatabaseView[];
  readonly lag: ReadonlyMap<string, LagReading>;
  readonly failures: readonly RegionFailure[];
  readonly answered: boolean;
}

/** Resolves with the first topology any Region returns, or undefined once no Region can return one. */
class FirstTopology {
  private resolveFirst: (value: { topology: PlatformTopology; region: string } | undefined) => void = () => undefined;
  public readonly first = new Promise<{ topology: PlatformTopology; region: string } | undefined>((resolve) => {
    this.resolveFirst = resolve;
  });
  private value: { topology: PlatformTopology; region: string } | undefined;
  private pending = 0;

  started(): void {
    this.pending += 1;
  }

  /** Returns true for the first topology. */
  ended(region: string, topology: PlatformTopology | undefined): boolean {
    this.pending -= 1;
    if (topology !== undefined && this.value === undefined) {
      this.value = { topology, region };
      this.resolveFirst(this.value);
      return true;
    }
    if (this.pending === 0 && this.value === undefined) this.resolveFirst(undefined);
    return false;
  }

  get current(): { topology: PlatformTopology; region: string } | undefined {
    return this.value;
  }
}

function lagText(lag: LagReading | undefined): string {
  if (lag === undefined) return '-';
  return lag.kind === 'value' ? `${Math.round(lag.milliseconds)} ms` : 'n/a';
}

function viewSummary(views: readonly DatabaseView[]): string {
  return views
    .map((v) => `${v.name}: writer ${v.writerRegion ?? 'none'}, ${v.status}${v.operation ? ` (${v.operation.status} ${v.operation.fromRegion ?? '?'}->${v.operation.toRegion ?? '?'})` : ''}`)
    .join('; ');
}

function probeLine(probe: RegionProbe): string {
  const label = probe.region.padEnd(15);
  const time = `(${formatSeconds(Math.round(probe.elapsedMs / 100) * 100)})`;
  if (!probe.answered) {
    return `  ${label} NO ANSWER ${time}: ${probe.failures.map((f) => f.error).join('; ')}`;
  }
  const problems = probe.failures.length > 0 ? `; could not read: ${probe.failures.map((f) => f.error).join('; ')}` : '';
  return `  ${label} answered ${time}: ${probe.views ? viewSummary(probe.views) : 'no database view'}${problems}`;
}

function arcLine(result: Settled<RoutingRead>): string {
  if (result.ok) {
    const states = Object.entries(result.value.states).map(([region, state]) => `${region} ${state}`).join(', ');
    return `  ${'ARC'.padEnd(15)} answered (${formatSeconds(Math.round(result.elapsedMs / 100) * 100)}) via ${result.value.endpoint.region} endpoint: ${states}`;
  }
  return `  ${'ARC'.padEnd(15)} NO ANSWER: ${describeError(result.error)}`;
}

/** Reads everything, printing one line per Region (and ARC) as it answers. */
async function probeEverything(deps: CliDeps, options: CliOptions, output: Output, deadline: Deadline) {
  const gate = new FirstTopology();
  const probes: Promise<RegionProbe>[] = [];
  const asked = new Set<string>();
  let arc: Promise<Settled<RoutingRead> | undefined> = Promise.resolve(undefined);
  const now = deps.now();

  const waitForAnyTopology = async (): Promise<PlatformTopology | undefined> =>
    (await Promise.race([gate.first, deadline.expired.then(() => undefined)]))?.topology;

  const probe = async (region: string): Promise<RegionProbe> => {
    const started = Date.now();
    const failures: RegionFailure[] = [];
    gate.started();
    const ssm = await settle(deadline, (signal) => readTopology(deps, region, options.app, signal));
    if (!ssm.ok) failures.push(failureOf(region, ssm, 'SSM GetParameter'));
    if (gate.ended(region, ssm.ok ? ssm.value : undefined) && ssm.ok) onFirstTopology(ssm.value);
    // RDS and CloudWatch need the databases' names: this Region's topology, or any other Region's.
    const topology = ssm.ok ? ssm.value : await waitForAnyTopology();
    const lag = new Map<string, LagReading>();
    let views: readonly DatabaseView[] | undefined;
    if (topology !== undefined) {
      const [rds, lagReads] = await Promise.all([
        settle(deadline, (signal) => readDatabases(deps, region, topology, signal)),
        settle(deadline, (signal) => Promise.all(topology.databases.map(async (db) => [db.name, await readLag(deps, db, region, now, signal)] as const))),
      ]);
      if (rds.ok) views = rds.value;
      else failures.push(failureOf(region, rds, 'RDS DescribeGlobalClusters'));
      if (lagReads.ok) lagReads.value.forEach(([name, reading]) => lag.set(name, reading));
      else {
        const failure = failureOf(region, lagReads, 'CloudWatch GetMetricStatistics');
        failures.push(failure);
        topology.databases.forEach((db) => lag.set(db.name, { kind: 'unavailable', reason: `${region}: ${failure.error}` }));
      }
    }
    const calls = topology !== undefined ? 3 : 1;
    const answered = failures.length < calls || failures.some((f) => f.reached);
    const result: RegionProbe = { region, elapsedMs: Date.now() - started, topology: ssm.ok ? ssm.value : undefined, views, lag, failures, answered };
    if (!options.json) output.progress(probeLine(result));
    return result;
  };

  const ask = (region: string): void => {
    if (asked.has(region)) return;
    asked.add(region);
    probes.push(probe(region));
  };

  function onFirstTopology(topology: PlatformTopology): void {
    const rotation: RotationProgress = { failures: [] };
    arc = settle(deadline, (signal) => readRoutingControls(deps, topology, deps.random, signal, rotation)).then((result) => {
      if (!result.ok && result.timedOut) return { ...result, error: new Error(`${describeError(result.error)}; ${describeRotation(rotation)}`) };
      return result;
    }).then((result) => {
      if (!options.json) output.progress(arcLine(result));
      return result;
    });
    topology.regions.forEach(ask);
  }

  options.regions.forEach(ask);
  const results: RegionProbe[] = [];
  // Probes are added while earlier ones run (the topology names the rest of the Regions).
  for (let i = 0; i < probes.length; i++) results.push(await probes[i]);
  return { results, arc: await arc, first: gate.current };
}

function outcomeOf(exitCode: ExitCode): StatusOutcome {
  switch (exitCode) {
    case EXIT.OK:
      return 'complete';
    case EXIT.NO_CREDENTIALS:
      return 'no-credentials';
    case EXIT.NOTHING_REACHABLE:
      return 'nothing-reachable';
    case EXIT.BAD_INPUT:
      return 'topology-not-found';
    default:
      return 'incomplete';
  }
}

export async function collectStatus(deps: CliDeps, options: CliOptions, output: Output): Promise<StatusReport> {
  const checkedAt = deps.now();
  const started = Date.now();
  const deadline = new Deadline(options.timeoutSeconds * 1000);
  if (!options.json) {
    output.progress(`${options.app} status at ${utcDateTime(checkedAt)}: asking ${options.regions.join(', ')} in parallel (timeout ${options.timeoutSeconds} s)`);
  }
  let probed: Awaited<ReturnType<typeof probeEverything>>;
  try {
    probed = await probeEverything(deps, options, output, deadline);
  } finally {
    deadline.cancel();
  }
  const base = { command: 'status' as const, app: options.app, checkedAt: checkedAt.toISOString(), timeoutSeconds: options.timeoutSeconds, elapsedMs: Date.now() - started };

  if (probed.first === undefined) {
    const failures = probed.results.flatMap((r) => r.failures);
    const error: CliError = unavailable(`could not read ${topologyParameterName(options.app)}`, failures);
    const exitCode = error.exitCode === EXIT.OK ? EXIT.INCOMPLETE : error.exitCode;
    return {
      ...base,
      outcome: outcomeOf(exitCode),
      exitCode,
      regions: probed.results.map((r) => ({ region: r.region, answered: r.answered, complete: false, elapsedMs: r.elapsedMs, problems: r.failures.map((f) => f.error), routingControl: 'Unknown', serving: false, writerFor: [] })),
      arc: { answered: false, endpointFailures: [], error: 'not asked: no topology' },
      databases: [],
      notes: [error.message],
    };
  }

  const topology = probed.first.topology;
  const notes: string[] = [];
  const arcResult = probed.arc;
  const states = arcResult?.ok ? arcResult.value.states : undefined;
  const byRegion = new Map(probed.results.map((r) => [r.region, r]));
  const serving = topology.regions.filter((r) => states?.[r] === 'On');

  const databases: DatabaseStatus[] = [];
  for (const db of topology.databases) {
    const views = new Map<string, DatabaseView>();
    for (const region of topology.regions) {
      const view = byRegion.get(region)?.views?.find((v) => v.name === db.name);
      if (view !== undefined) views.set(region, view);
    }
    const chosen = chooseView(views, [...serving, ...topology.regions]);
    if (chosen === undefined) {
      notes.push(`${db.name}: no Region described it`);
      continue;
    }
    if (chosen.note !== undefined) notes.push(chosen.note);
    const members: MemberStatus[] = chosen.view.members.map((member) => {
      if (member.isWriter) return { region: member.region, role: 'writer' };
      const probe = byRegion.get(member.region);
      const lag: LagReading = probe?.lag.get(db.name) ?? { kind: 'unavailable', reason: `${member.region} did not answer` };
      return { region: member.region, role: 'secondary', synchronization: member.synchronizationStatus, lag };
    });
    databases.push({
      name: db.name,
      engine: db.engine,
      globalClusterIdentifier: db.globalClusterIdentifier,
      status: chosen.view.status,
      writerRegion: chosen.view.writerRegion,
      operation: chosen.view.operation,
      seenFrom: chosen.seenFrom,
      members,
    });
  }

  const regions: RegionStatus[] = topology.regions.map((region) => {
    const probe = byRegion.get(region);
    const state = states?.[region];
    return {
      region,
      answered: probe?.answered ?? false,
      complete: probe !== undefined && probe.failures.length === 0,
      elapsedMs: probe?.elapsedMs ?? 0,
      problems: probe?.failures.map((f) => f.error) ?? ['not asked'],
      routingControl: state ?? 'Unknown',
      serving: state === 'On',
      writerFor: databases.filter((d) => d.writerRegion === region).map((d) => d.name),
    };
  });
  for (const extra of probed.results.filter((r) => !topology.regions.includes(r.region))) {
    notes.push(`${extra.region} is not a Region of ${options.app} (asked because of --regions); ignored`);
  }

  const arc = arcResult?.ok
    ? { answered: true, endpoint: arcResult.value.endpoint.endpoint, endpointFailures: arcResult.value.failures }
    : {
        answered: false,
        endpointFailures: arcResult && arcResult.error instanceof ArcUnreadableError ? arcResult.error.failures : [],
        error: arcResult ? describeError(arcResult.error) : 'not asked',
      };

  const exitCode: ExitCode = regions.every((r) => r.complete) && arc.answered ? EXIT.OK : EXIT.INCOMPLETE;
  return {
    ...base,
    outcome: outcomeOf(exitCode),
    exitCode,
    routingMode: topology.routingMode,
    topologyFrom: probed.first.region,
    regions,
    arc,
    databases,
    notes,
  };
}

export function formatStatus(report: StatusReport): string[] {
  const lines: string[] = [''];
  if (report.routingMode !== undefined) {
    lines.push(`${report.app}: routing mode ${report.routingMode}; topology from ${report.topologyFrom ?? '?'}; checked ${utcDateTime(new Date(report.checkedAt))}`, '');
  }
  if (report.regions.length > 0) {
    lines.push(
      ...table([
        ['REGION', 'APIS', 'ROUTING CONTROL', 'SERVING', 'WRITER FOR'],
        ...report.regions.map((r) => [r.region, r.complete ? 'ok' : r.answered ? 'partly' : 'NO ANSWER', r.routingControl, r.serving ? 'yes' : 'no', r.writerFor.join(', ') || '-']),
      ]),
      '',
    );
  }
  if (report.databases.length > 0) {
    const rows: string[][] = [['DATABASE', 'ENGINE', 'STATUS', 'WRITER', 'SECONDARY', 'SYNC', 'LAG', 'SEEN FROM']];
    const lagNotes = new Set<string>();
    for (const db of report.databases) {
      const status = db.operation ? `${db.status} (${db.operation.status} -> ${db.operation.toRegion ?? '?'})` : db.status;
      const secondaries = db.members.filter((m) => m.role === 'secondary');
      if (secondaries.length === 0) rows.push([db.name, db.engine, status, db.writerRegion ?? 'none', '-', '-', '-', db.seenFrom]);
      secondaries.forEach((m, index) => {
        if (m.lag?.kind === 'unavailable') lagNotes.add(m.lag.reason);
        const lead = index === 0 ? [db.name, db.engine, status, db.writerRegion ?? 'none'] : ['', '', '', ''];
        rows.push([...lead, m.region, m.synchronization ?? 'unknown', lagText(m.lag), index === 0 ? db.seenFrom : '']);
      });
    }
    lines.push(...table(rows));
    for (const note of lagNotes) lines.push(`lag n/a: ${note}`);
    lines.push('');
  }
  if (!report.arc.answered) lines.push(`ARC routing controls unknown: ${report.arc.error ?? 'no answer'}`);
  for (const failure of report.arc.endpointFailures) {
    if (report.arc.answered) lines.push(`note: ARC endpoint ${failure.endpoint} (${failure.region}) failed first: ${failure.error}`);
  }
  for (const region of report.regions.filter((r) => !r.complete)) {
    lines.push(`${region.answered ? 'partly read' : 'NO ANSWER'}: ${region.region}: ${region.problems.join('; ')}`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  lines.push(`exit ${report.exitCode} (${report.outcome}) after ${formatSeconds(Math.round(report.elapsedMs / 100) * 100)}`);
  return lines;
}

export async function statusCommand(deps: CliDeps, options: CliOptions, output: Output): Promise<CommandResult> {
  const report = await collectStatus(deps, options, output);
  return { exitCode: report.exitCode, document: { ...report }, text: formatStatus(report) };
}
