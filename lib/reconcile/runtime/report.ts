/**
 * The report function's three operations:
 * - `summarize` (SummarizeReport): reads the uploaded report.json, which the task writes
 *   last, and returns the S3 location and totals for the notification.
 * - `comparison-failed` (ComparisonFailed): always throws, naming the task's exit code and
 *   logs, so that the step fails and the document moves on to the cleanup.
 * - `outcome` (ReportOutcome, the last step on every path): lists this execution's step
 *   results; if any critical step failed, it publishes a failure notice and throws, so the
 *   execution ends Failed AFTER the cleanup left the temporary resources deleted. Otherwise
 *   it returns the document output (snapshot used, report location, totals).
 */
import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DescribeAutomationStepExecutionsCommand, type SSMClient, type StepExecution } from '@aws-sdk/client-ssm';
import type { RuntimeConfig } from './config';
import { asRecord, errorMessage, errorName, isRecord, readBoolean, readEnum, readInteger, readOptionalString, readPayload, readString, ReconcileStepError, type JsonRecord } from './input';
import { baseName, cloneName, DATABASE_NAMES, reportPrefix, temporaryName } from './names';
import { CLEANUP_STEPS, RECONCILE_STEP } from './steps';

export interface Totals {
  readonly missingInNew: number;
  readonly changed: number;
  readonly onlyInNew: number;
}

export interface TableLine {
  readonly table: string;
  readonly missingInNew: number;
  readonly changed: number;
  readonly onlyInNew: number;
  readonly skipped: string | null;
}

export interface ReportSummary {
  readonly database: string;
  readonly executionId: string;
  readonly outcome: 'NO_DIFFERENCES' | 'DIFFERENCES_FOUND';
  readonly reportUri: string;
  readonly summaryUri: string;
  readonly generatedAt: string;
  readonly totals: Totals;
  readonly tablesCompared: number;
  readonly tablesNotCompared: number;
  /** Tables with differences or not compared, most differences first (at most 20). */
  readonly tables: readonly TableLine[];
  readonly message: string;
}

export interface OutcomeResult {
  readonly outcome: 'DRY_RUN' | 'NO_DIFFERENCES' | 'DIFFERENCES_FOUND';
  readonly database: string;
  readonly executionId: string;
  readonly snapshotUsed: string;
  readonly snapshotCreateTime: string;
  readonly reportUri?: string;
  readonly totals?: Totals;
  readonly tablesNotCompared?: number;
  readonly message: string;
}

export interface ReportDependencies {
  readonly config: RuntimeConfig;
  readonly region: string;
  readonly s3: S3Client;
  readonly ssm: SSMClient;
  readonly sns: SNSClient;
  /** The comparison task's log group (for messages). */
  readonly taskLogGroupName: string;
}

/** Step statuses meaning the step did not do its work. */
const FAILED_STATES = new Set(['Failed', 'TimedOut', 'Cancelled']);

function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/** Reads report.json into a summary; undefined when the object does not exist. Exported for tests. */
export async function readReport(deps: ReportDependencies, database: string, executionId: string): Promise<ReportSummary | undefined> {
  const prefix = reportPrefix(database, executionId);
  let text: string;
  try {
    const out = await deps.s3.send(new GetObjectCommand({ Bucket: deps.config.bucketName, Key: `${prefix}/report.json` }));
    if (out.Body === undefined) return undefined;
    text = await out.Body.transformToString('utf8');
  } catch (error) {
    if (error instanceof NoSuchKey || errorName(error) === 'NoSuchKey') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ReconcileStepError(`s3://${deps.config.bucketName}/${prefix}/report.json is not JSON`);
  }
  const report = asRecord(parsed, 'report.json');
  const totalsRecord = isRecord(report.totals) ? report.totals : {};
  const totals: Totals = { missingInNew: count(totalsRecord.missingInNew), changed: count(totalsRecord.changed), onlyInNew: count(totalsRecord.onlyInNew) };
  const tables: TableLine[] = (Array.isArray(report.tables) ? report.tables : []).filter(isRecord).map((t: JsonRecord) => ({
    table: typeof t.table === 'string' ? t.table : '?',
    missingInNew: count(t.missingInNew),
    changed: count(t.changed),
    onlyInNew: count(t.onlyInNew),
    skipped: typeof t.skipped === 'string' ? t.skipped : null,
  }));
  const notCompared = tables.filter((t) => t.skipped !== null).length;
  const differences = totals.missingInNew + totals.changed + totals.onlyInNew;
  const outcome = differences > 0 || notCompared > 0 ? 'DIFFERENCES_FOUND' : 'NO_DIFFERENCES';
  const reportUri = `s3://${deps.config.bucketName}/${prefix}/report.json`;
  const notable = tables
    .filter((t) => t.skipped !== null || t.missingInNew + t.changed + t.onlyInNew > 0)
    .sort((a, b) => b.missingInNew + b.changed + b.onlyInNew - (a.missingInNew + a.changed + a.onlyInNew))
    .slice(0, 20);
  return {
    database,
    executionId,
    outcome,
    reportUri,
    summaryUri: `s3://${deps.config.bucketName}/${prefix}/summary.md`,
    generatedAt: typeof report.generatedAt === 'string' ? report.generatedAt : '',
    totals,
    tablesCompared: tables.length - notCompared,
    tablesNotCompared: notCompared,
    tables: notable,
    message:
      outcome === 'NO_DIFFERENCES'
        ? `${database}: no differences between the old primary's failover snapshot and the new primary (${tables.length} tables). Report: ${reportUri}`
        : `${database}: DIFFERENCES FOUND - ${totals.missingInNew} missing in the new primary, ${totals.changed} changed, ${totals.onlyInNew} only in the new primary, ${notCompared} table(s) not compared. Report: ${reportUri}`,
  };
}

async function stepExecutions(ssm: SSMClient, executionId: string): Promise<StepExecution[]> {
  const steps: StepExecution[] = [];
  let token: string | undefined;
  do {
    const out = await ssm.send(new DescribeAutomationStepExecutionsCommand({ AutomationExecutionId: executionId, MaxResults: 50, ...(token !== undefined ? { NextToken: token } : {}) }));
    steps.push(...(out.StepExecutions ?? []));
    token = out.NextToken;
  } while (token !== undefined && token !== '');
  return steps;
}

export function createReport(deps: ReportDependencies): (event: unknown) => Promise<ReportSummary | OutcomeResult> {
  return async (event) => {
    const input = asRecord(event, 'event');
    const operation = readEnum(input, 'operation', ['summarize', 'comparison-failed', 'outcome'] as const);
    const database = readEnum(input, 'database', DATABASE_NAMES);
    const executionId = readString(input, 'executionId');

    if (operation === 'summarize') {
      const summary = await readReport(deps, database, executionId);
      if (summary === undefined) {
        throw new ReconcileStepError(`the comparison task exited normally but s3://${deps.config.bucketName}/${reportPrefix(database, executionId)}/report.json does not exist`);
      }
      return summary;
    }

    if (operation === 'comparison-failed') {
      const exitCode = readInteger(input, 'exitCode');
      const taskArn = readOptionalString(input, 'taskArn') ?? 'unknown';
      const taskId = taskArn.split('/').pop() ?? taskArn;
      throw new ReconcileStepError(
        `the comparison task ${taskArn} exited with code ${exitCode ?? 'unknown'} (0 = no differences, 1 = differences, anything else = error); ` +
          `no complete report was written. Logs: log group ${deps.taskLogGroupName}, stream reconcile/reconcile/${taskId}`,
      );
    }

    const plan = readPayload(input, 'plan');
    const dryRun = readBoolean(input, 'dryRun', false);
    const snapshotUsed = typeof plan.sourceSnapshotArn === 'string' ? plan.sourceSnapshotArn : 'unknown';
    const snapshotCreateTime = typeof plan.snapshotCreateTime === 'string' ? plan.snapshotCreateTime : '';
    if (dryRun) {
      return {
        outcome: 'DRY_RUN',
        database,
        executionId,
        snapshotUsed,
        snapshotCreateTime,
        message: `dry run: would copy ${snapshotUsed} (taken ${snapshotCreateTime}) to ${deps.region}, restore it, compare it with the new primary and delete everything again; nothing was created`,
      };
    }

    const failed = (await stepExecutions(deps.ssm, executionId)).filter(
      (step) => FAILED_STATES.has(step.StepStatus ?? '') && step.IsCritical !== false && step.StepName !== RECONCILE_STEP.outcome,
    );
    const summary = await readReport(deps, database, executionId);
    if (failed.length > 0) {
      const reasons = failed.map((step) => `${step.StepName ?? '?'} ${(step.StepStatus ?? '').toLowerCase()}: ${step.FailureMessage ?? 'no message'}`).join(' | ');
      const cleanupFailed = failed.some((step) => CLEANUP_STEPS.includes(step.StepName ?? ''));
      const message =
        `restore-and-reconcile of ${database} could not complete (execution ${executionId} in ${deps.region}): ${reasons}. ` +
        (cleanupFailed
          ? `The cleanup did NOT finish: delete the instance, cluster and snapshot named ${temporaryName(deps.config.appName, database)}, ` +
            `and the instances and clusters named ${cloneName(deps.config.appName, database)} and ${baseName(deps.config.appName, database)} if they exist (tagged with this execution id).`
          : 'Temporary resources were deleted.');
      if (deps.config.topicArn !== undefined) {
        try {
          await deps.sns.send(new PublishCommand({ TopicArn: deps.config.topicArn, Subject: `${deps.config.appName} restore-and-reconcile ${database} FAILED`, Message: message }));
        } catch (error) {
          // The execution still fails with the real reason; the lost notice is appended to it.
          throw new ReconcileStepError(`${message} (failure notice not sent: ${errorMessage(error)})`);
        }
      }
      throw new ReconcileStepError(message);
    }
    if (summary === undefined) {
      throw new ReconcileStepError(`no step failed, but s3://${deps.config.bucketName}/${reportPrefix(database, executionId)}/report.json does not exist`);
    }
    return {
      outcome: summary.outcome,
      database,
      executionId,
      snapshotUsed,
      snapshotCreateTime,
      reportUri: summary.reportUri,
      totals: summary.totals,
      tablesNotCompared: summary.tablesNotCompared,
      message: summary.message,
    };
  };
}
