import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { PlatformTopology } from '../../lib/topology/topology';
import { INVOCATION, type CliOptions } from './args';
import { Deadline, settle } from './deadline';
import type { CliDeps } from './deps';
import { discoverTopology, readViewsEverywhere, unavailable } from './discovery';
import { badInput, describeError, EXIT } from './errors';
import { FollowOutcome, followExecution, MAX_FOLLOW_MS, outcomeLines, startExecution } from './execute';
import { CommandResult, Output, utcTime } from './output';
import { confirmOrRefuse } from './confirm';
import { invalidReconcileOptions, reconcileDocumentParameters } from './reconcile-parameters';
import { chooseDatabaseView } from './views';

/**
 * `reconcile`: starts `<app>-RestoreAndReconcile` in the database's current writer Region, follows
 * it, then prints the report's location and `summary.md`.
 *
 * Where the report is: the execution's own output. The document's last step (`ReportOutcome`)
 * returns `reportUri` (`s3://<bucket>/reports/<database>/<execution id>/report.json`); `summary.md`
 * sits next to it. Nothing is guessed from stack outputs or bucket names.
 */

export interface ReportLocation {
  readonly outcome?: string;
  readonly message?: string;
  readonly reportUri?: string;
  readonly summaryUri?: string;
  /** The folder holding report.json, summary.md and one <table>.jsonl per table with differences. */
  readonly folder?: string;
  readonly totals?: unknown;
  readonly snapshotUsed?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The report location and outcome from an execution's outputs (whatever step name carries them). */
export function reportLocationOf(outputs: Readonly<Record<string, readonly unknown[]>>): ReportLocation | undefined {
  const payloads = Object.values(outputs).flat().filter(isRecord);
  const payload = payloads.find((p) => typeof p.reportUri === 'string') ?? payloads.find((p) => typeof p.outcome === 'string');
  if (payload === undefined) return undefined;
  const text = (key: string): string | undefined => (typeof payload[key] === 'string' ? (payload[key] as string) : undefined);
  const reportUri = text('reportUri');
  const folder = reportUri?.replace(/[^/]+$/, '');
  return {
    outcome: text('outcome'),
    message: text('message'),
    reportUri,
    summaryUri: text('summaryUri') ?? (folder !== undefined ? `${folder}summary.md` : undefined),
    folder,
    totals: payload.totals,
    snapshotUsed: text('snapshotUsed'),
  };
}

function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return match === null ? undefined : { bucket: match[1], key: match[2] };
}

/** summary.md from S3 in the Region that ran the report; a failed read says why instead. */
export async function readSummary(deps: CliDeps, region: string, summaryUri: string, timeoutSeconds: number): Promise<{ markdown?: string; error?: string }> {
  const location = parseS3Uri(summaryUri);
  if (location === undefined) return { error: `not an S3 URI: ${summaryUri}` };
  const deadline = new Deadline(timeoutSeconds * 1000);
  try {
    const result = await settle(deadline, async (signal) => {
      const response = await deps.s3(region).send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), { abortSignal: signal });
      if (response.Body === undefined) throw new Error('empty object');
      return response.Body.transformToString('utf8');
    });
    return result.ok ? { markdown: result.value } : { error: describeError(result.error) };
  } finally {
    deadline.cancel();
  }
}

/** After a successful reconcile execution: the location, and summary.md when it can be read. */
export async function reportSection(deps: CliDeps, outcome: FollowOutcome, timeoutSeconds: number): Promise<{ document: Record<string, unknown>; text: string[] }> {
  const location = reportLocationOf(outcome.outputs);
  if (location === undefined) {
    return { document: { report: null }, text: ['The execution output names no report (see its outputs above).'] };
  }
  const text: string[] = [''];
  if (location.message !== undefined) text.push(location.message);
  if (location.reportUri === undefined) {
    return { document: { report: location }, text };
  }
  text.push(`Report: ${location.folder ?? location.reportUri} (report.json, summary.md, one <table>.jsonl per table with differences)`);
  const summary = location.summaryUri !== undefined ? await readSummary(deps, outcome.region, location.summaryUri, timeoutSeconds) : { error: 'no summary location' };
  if (summary.markdown !== undefined) {
    text.push('', `----- ${location.summaryUri} -----`, summary.markdown.trimEnd(), '-----');
  } else {
    text.push(`summary.md not read (${summary.error ?? 'unknown'}); read it with: aws s3 cp ${location.summaryUri ?? location.reportUri} - --region ${outcome.region}`);
  }
  return { document: { report: location, summaryMarkdown: summary.markdown ?? null, summaryError: summary.error ?? null }, text };
}

export async function reconcileCommand(deps: CliDeps, options: CliOptions, output: Output): Promise<CommandResult> {
  const database = options.database;
  const oldRegion = options.oldRegion;
  if (database === undefined || oldRegion === undefined) throw badInput('reconcile needs --database and --old-region');
  const invalid = invalidReconcileOptions(options.reconcileOptional);
  if (invalid.length > 0) throw badInput(invalid.join('; '));
  const { topology } = await discoverTopology(deps, options);
  requireRegion(topology, oldRegion, '--old-region');

  const others = topology.regions.filter((r) => r !== oldRegion);
  const { views, failures } = await readViewsEverywhere(deps, topology, topology.regions, options.timeoutSeconds);
  const chosen = chooseDatabaseView(views, database, [...others, oldRegion]);
  if (chosen === undefined) throw unavailable(`could not find the current writer of ${database}`, failures);
  if (chosen.note !== undefined) output.warn(`warning: ${chosen.note}`);
  const writer = chosen.view.writerRegion;
  if (writer === undefined || chosen.view.operation !== undefined) {
    throw badInput(`${database} has no settled writer right now (${chosen.view.status}${chosen.view.operation ? `, ${chosen.view.operation.status}` : ''}); wait for the failover to finish (status)`);
  }
  if (writer === oldRegion) {
    throw badInput(`${database} writes in ${oldRegion}: --old-region must be the Region that was primary BEFORE the unplanned failover, not the current writer`);
  }

  const documentName = topology.runbooks[writer]?.reconcile;
  if (documentName === undefined) throw badInput(`the topology lists no restore-and-reconcile runbook in ${writer}`);
  const parameters = reconcileDocumentParameters({ database, oldRegion, dryRun: options.dryRun, optional: options.reconcileOptional });
  const question = `Start ${documentName} in ${writer} (${database}: old primary ${oldRegion}; creates temporary clusters: the restored old primary, a clone of the new primary${parameters.FailoverTime !== undefined ? ' and the base' : ''}, deleted at the end)?`;
  if (!(await confirmOrRefuse(deps, options, question))) {
    return { exitCode: EXIT.DECLINED, document: { command: 'reconcile', started: false }, text: ['Not confirmed; nothing was started.'] };
  }

  const executionId = await startExecution(deps, { region: writer, documentName, parameters, timeoutSeconds: options.timeoutSeconds });
  output.progress(`[${utcTime(deps.now())}] Started ${documentName} in ${writer} (the current writer of ${database}): execution ${executionId}`);
  output.progress(`Re-attach any time: ${INVOCATION} follow ${executionId}`);
  const outcome = await followExecution(deps, output, { region: writer, executionId, pollMs: options.pollSeconds * 1000, maxFollowMs: MAX_FOLLOW_MS });
  const report = outcome.exitCode === EXIT.OK ? await reportSection(deps, outcome, options.timeoutSeconds) : { document: {}, text: [] };
  return {
    exitCode: outcome.exitCode,
    document: { command: 'reconcile', app: options.app, database, oldRegion, documentName, parameters, dryRun: options.dryRun, ...outcome, ...report.document },
    text: [...outcomeLines(outcome), ...report.text],
  };
}

export function requireRegion(topology: PlatformTopology, region: string, option: string): void {
  if (!topology.regions.includes(region)) {
    throw badInput(`${option}: ${region} is not a Region of ${topology.appName}; it runs in ${topology.regions.join(', ')}`);
  }
}
