import { asRecord, isRecord, JsonRecord, readBoolean, readEnum, readJsonObject, readRegion } from '../events';
import { RUNBOOK_KINDS, RunbookKind } from '../contract';

/**
 * Report: merges the outputs of the previous steps (passed as the JSON text SSM
 * exposes as `{{ Step.Payload }}`) into one document output: routing controls
 * before/after, each database's old and new writer, and timings. Pure: no AWS calls.
 *
 * Event: `{ runbook, targetRegion, dryRun, preflight?, traffic?, databaseStart?, databaseWait? }`.
 */
export interface DatabaseReportEntry {
  readonly name: string;
  readonly oldWriterRegion?: string;
  readonly newWriterRegion?: string;
  readonly action?: string;
  readonly apiCalled?: boolean;
  readonly secondsSinceStart?: number;
  /** The old primary as the global cluster still lists it (e.g. listed as writer while its Region is unreachable). */
  readonly oldPrimary?: JsonRecord;
}

export interface RunbookReport {
  readonly runbook: RunbookKind;
  readonly region: string;
  readonly dryRun: boolean;
  readonly outcome: 'DRY_RUN' | 'COMPLETED';
  readonly routingControls?: {
    readonly before: JsonRecord;
    readonly after: JsonRecord;
    readonly changedRegions: readonly string[];
    readonly updateCalled: boolean;
    readonly readBackConfirmed?: boolean;
    readonly note?: string;
  };
  readonly databases: readonly DatabaseReportEntry[];
  /** Things an operator should check although the runbook completed. */
  readonly warnings: readonly string[];
  readonly readiness?: readonly string[];
  readonly timings: {
    readonly trafficStartedAt?: string;
    readonly trafficFinishedAt?: string;
    readonly databasesStartedAt?: string;
    readonly databasesCheckedAt?: string;
    readonly reportedAt: string;
  };
}

function optionalString(record: JsonRecord | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' ? value : undefined;
}

function records(value: unknown): JsonRecord[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function buildReport(event: unknown, now: () => Date): RunbookReport {
  const input = asRecord(event, 'event');
  const runbook = readEnum(input, 'runbook', RUNBOOK_KINDS);
  const region = readRegion(input, 'targetRegion');
  const dryRun = readBoolean(input, 'dryRun', false);
  const preflight = readJsonObject(input, 'preflight');
  const traffic = readJsonObject(input, 'traffic');
  const start = readJsonObject(input, 'databaseStart');
  const wait = readJsonObject(input, 'databaseWait');

  const waited = new Map(records(wait?.databases).map((d) => [String(d.name), d]));
  const databases: DatabaseReportEntry[] = records(start?.databases).map((d) => {
    const w = waited.get(String(d.name));
    return {
      name: String(d.name),
      oldWriterRegion: optionalString(d, 'oldWriterRegion'),
      newWriterRegion: optionalString(w, 'newWriterRegion'),
      action: optionalString(d, 'action'),
      apiCalled: d.called === true,
      secondsSinceStart: typeof w?.secondsSinceStart === 'number' ? w.secondsSinceStart : undefined,
      oldPrimary: isRecord(w?.oldPrimary) ? w.oldPrimary : undefined,
    };
  });
  const warnings = [...strings(traffic?.warnings)];
  for (const d of databases) {
    if (d.oldPrimary?.listedAs === 'writer') {
      warnings.push(
        `${d.name}: the old primary in ${String(d.oldPrimary.region)} is still listed as a writer of the global cluster ` +
          '(its Region did not take part in the failover); Aurora demotes it when that Region is back. Writes that reached it ' +
          'after the failover are not replicated: reconcile them (RestoreAndReconcile runbook).',
      );
    }
  }

  return {
    runbook,
    region,
    dryRun,
    outcome: dryRun ? 'DRY_RUN' : 'COMPLETED',
    routingControls:
      traffic === undefined
        ? undefined
        : {
            before: isRecord(traffic.before) ? traffic.before : {},
            after: isRecord(traffic.after) ? traffic.after : {},
            changedRegions: strings(traffic.changedRegions),
            updateCalled: traffic.updateCalled === true,
            readBackConfirmed: typeof traffic.readBackConfirmed === 'boolean' ? traffic.readBackConfirmed : undefined,
            note: optionalString(traffic, 'note'),
          },
    databases,
    warnings,
    readiness: preflight === undefined ? undefined : strings(preflight.checksPassed),
    timings: {
      trafficStartedAt: optionalString(traffic, 'startedAt'),
      trafficFinishedAt: optionalString(traffic, 'finishedAt'),
      databasesStartedAt: optionalString(start, 'startedAt'),
      databasesCheckedAt: optionalString(wait, 'checkedAt'),
      reportedAt: now().toISOString(),
    },
  };
}

export async function handler(event: unknown): Promise<RunbookReport> {
  return buildReport(event, () => new Date());
}
