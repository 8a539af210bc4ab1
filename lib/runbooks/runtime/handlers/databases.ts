import { worstCaseCallMs, INCIDENT_DEADLINES } from '../../../common/aws-client';
import type { DatabaseName, PlatformTopology } from '../../../topology/topology';
import { nextSteps, WriterPlacement } from '../advice';
import {
  DatabaseMoveMode,
  describeGlobalDatabases,
  describeProgress,
  MoveAction,
  MoveProgress,
  OldPrimaryState,
  oldPrimaryState,
  planMove,
  startMoves,
  waitForMoves,
  writingRegion,
} from '../aurora';
import { createRunbookClients, RunbookClients } from '../clients';
import { FUNCTION_TIMEOUT_SECONDS, WAIT_COMPLETE, WAIT_PENDING, WaitState } from '../contract';
import { DatabaseMoveIncompleteError, DatabaseWaitTimeoutError, RunbookRefusedError } from '../errors';
import { asRecord, isRecord, JsonRecord, readBoolean, readEnum, readJsonObject, readPositiveInteger, readRegion } from '../events';
import { retryTransient, RetryPolicy } from '../retry';
import { createTopologyLoader, TopologyLoader } from '../topology-source';
import type { RDSClient } from '@aws-sdk/client-rds';
import { HandlerEnvironment, HandlerRuntime, InvocationContext, lazy, readHandlerEnvironment, REAL_RUNTIME, remainingMs } from './environment';

/**
 * Databases: promotes every Aurora global database whose writer is not in the target
 * Region.
 *
 * - `{ operation: 'start', mode, targetRegion, dryRun }` calls FailoverGlobalCluster
 *   (AllowDataLoss, unplanned) or SwitchoverGlobalCluster (planned) for every database
 *   that needs it, ALL before any waiting, and returns the plan with `startedAt`. A
 *   database whose start fails is recorded (`startError`) while the others go on; the
 *   step fails at once only when nothing is moving.
 * - `{ operation: 'wait', mode, targetRegion, dryRun, timeoutMinutes, startResult }`
 *   polls the target Region until each target member (by ARN) is the writer and its
 *   cluster is `available`. Transient errors are polled through. One invocation polls
 *   only as long as fits in the Lambda's time and returns `waitState: DATABASES_PENDING`
 *   so the document loops; past `startedAt + timeoutMinutes` it fails with the last state
 *   seen. When the run ends with databases writing in different Regions, the failure says
 *   where each writes and the exact command to finish or undo.
 */

const OPERATIONS = ['start', 'wait'] as const;
/** Pause before retrying a call that failed with a transient error. */
const RETRY_PAUSE_MS = 5_000;
const MODES: readonly DatabaseMoveMode[] = ['failover', 'switchover'];

export interface DatabasesDeps {
  readonly loadTopology: TopologyLoader;
  readonly rds: RDSClient;
  readonly executionRegion: string;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly pollIntervalMs: number;
  /** Upper bound of one wait invocation's polling. */
  readonly maxWaitBudgetMs: number;
  /** Kept free before the Lambda timeout to return a result. */
  readonly safetyMarginMs: number;
  /** The longest one poll can take (deadlines and retries of its calls). */
  readonly pollWorstCaseMs: number;
}

export interface DatabaseStartEntry {
  readonly name: DatabaseName;
  readonly globalClusterIdentifier: string;
  readonly oldWriterRegion?: string;
  readonly targetClusterArn: string;
  readonly action: MoveAction;
  readonly called: boolean;
  readonly startError?: string;
}

export interface DatabaseStartResult {
  readonly operation: 'start';
  readonly mode: DatabaseMoveMode;
  readonly targetRegion: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly databases: readonly DatabaseStartEntry[];
}

export interface DatabaseWaitEntry {
  readonly name: DatabaseName;
  readonly globalClusterIdentifier: string;
  readonly oldWriterRegion?: string;
  /** Where the database writes as last seen. */
  readonly newWriterRegion?: string;
  /** The target cluster's status (DescribeDBClusters in the target Region). */
  readonly status: string;
  readonly globalStatus?: string;
  readonly operation?: string;
  readonly complete: boolean;
  /** The old primary as the global cluster lists it (reported, never waited on). */
  readonly oldPrimary?: OldPrimaryState;
  readonly startError?: string;
  /** Seconds from the start step to the check that saw this database complete. */
  readonly secondsSinceStart?: number;
}

export interface DatabaseWaitResult {
  readonly operation: 'wait';
  readonly mode: DatabaseMoveMode;
  readonly targetRegion: string;
  readonly dryRun: boolean;
  readonly waitState: WaitState;
  readonly startedAt: string;
  readonly deadline: string;
  readonly checkedAt: string;
  readonly checks: number;
  /** Checks of this invocation that failed with a transient error (polled through). */
  readonly failedChecks: number;
  readonly lastError?: string;
  readonly databases: readonly DatabaseWaitEntry[];
}

export type DatabasesResult = DatabaseStartResult | DatabaseWaitResult;

interface StartFacts {
  readonly oldWriterRegion?: string;
  readonly called: boolean;
  readonly startError?: string;
}

function startFactsFrom(startResult: JsonRecord | undefined): Map<string, StartFacts> {
  const facts = new Map<string, StartFacts>();
  const list = startResult?.databases;
  if (Array.isArray(list)) {
    for (const item of list) {
      if (isRecord(item) && typeof item.name === 'string') {
        facts.set(item.name, {
          oldWriterRegion: typeof item.oldWriterRegion === 'string' ? item.oldWriterRegion : undefined,
          called: item.called === true,
          startError: typeof item.startError === 'string' ? item.startError : undefined,
        });
      }
    }
  }
  return facts;
}

function startedAtFrom(startResult: JsonRecord | undefined, fallback: Date): Date {
  const value = startResult?.startedAt;
  if (typeof value === 'string') {
    const parsed = new Date(value);
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  return fallback;
}

/** The Region most databases wrote in before the run (other than the target). */
function originOf(facts: ReadonlyMap<string, StartFacts>, target: string): string | undefined {
  const counts = new Map<string, number>();
  for (const f of facts.values()) {
    if (f.oldWriterRegion !== undefined && f.oldWriterRegion !== target) counts.set(f.oldWriterRegion, (counts.get(f.oldWriterRegion) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function placementsOf(
  topology: PlatformTopology,
  progress: readonly MoveProgress[] | undefined,
  facts: ReadonlyMap<string, StartFacts>,
  target: string,
): WriterPlacement[] {
  return topology.databases.map((db) => {
    const p = progress?.find((x) => x.name === db.name);
    if (p !== undefined) return { name: db.name, region: writingRegion(p, target) };
    // Nothing read in this step: only a database that was not moved is known to write where it did.
    const f = facts.get(db.name);
    return { name: db.name, region: f !== undefined && !f.called ? f.oldWriterRegion : undefined };
  });
}

function startErrorsText(facts: ReadonlyMap<string, StartFacts>): string {
  return [...facts.entries()]
    .filter(([, f]) => f.startError !== undefined)
    .map(([name, f]) => `${name}: ${f.startError}`)
    .join('; ');
}

export function createDatabasesHandler(
  deps: DatabasesDeps,
): (event: unknown, context?: InvocationContext) => Promise<DatabasesResult> {
  return async (event, context) => {
    const input = asRecord(event, 'event');
    const operation = readEnum(input, 'operation', OPERATIONS);
    const mode = readEnum(input, 'mode', MODES);
    const target = readRegion(input, 'targetRegion');
    const dryRun = readBoolean(input, 'dryRun', false);
    // Transient errors are retried while a whole call still fits in this invocation: a blip
    // must not end a run whose traffic (failover) or first databases (switchover) already moved.
    const retry: RetryPolicy = {
      notAfterMs: deps.now().getTime() + remainingMs(context, deps.safetyMarginMs, deps.maxWaitBudgetMs),
      pauseMs: RETRY_PAUSE_MS,
      callWorstCaseMs: deps.pollWorstCaseMs,
      now: () => deps.now().getTime(),
      sleep: deps.sleep,
    };
    const topology = await retryTransient(retry, deps.loadTopology);
    if (!topology.regions.includes(target)) {
      throw new RunbookRefusedError(`${mode} refused`, [`unknown Region ${target}`]);
    }
    if (target !== deps.executionRegion) {
      throw new RunbookRefusedError(`${mode} refused`, [
        `database promotion must run in the Region being promoted (${target}), not ${deps.executionRegion}`,
      ]);
    }

    if (operation === 'start') {
      const startedAt = deps.now().toISOString();
      const snapshots = await retryTransient(retry, () => describeGlobalDatabases(deps.rds, topology.databases));
      const plans = topology.databases.map((db, i) => planMove(snapshots[i], db, target));
      const started = await startMoves(deps.rds, topology.databases, plans, mode, target, dryRun, retry);
      const failed = started.filter((s) => s.startError !== undefined);
      const moving = started.some((s) => s.called || s.action === 'in-progress');
      if (failed.length > 0 && !moving) {
        // Nothing is on its way: fail now, saying where each database writes.
        const facts = new Map(started.map((s) => [s.name, { oldWriterRegion: s.oldWriterRegion, called: s.called, startError: s.startError }]));
        const placements = started.map((s) => ({ name: s.name, region: s.action === 'none' ? target : s.oldWriterRegion }));
        throw new DatabaseMoveIncompleteError(
          `Could not start ${mode} to ${target} for ${failed.map((f) => `${f.name} (${f.globalClusterIdentifier}): ${f.startError}`).join('; ')}. ` +
            nextSteps(topology, mode, target, placements, originOf(facts, target)),
        );
      }
      return { operation, mode, targetRegion: target, dryRun, startedAt, databases: started };
    }

    const timeoutMinutes = readPositiveInteger(input, 'timeoutMinutes', 20);
    const startResult = readJsonObject(input, 'startResult');
    const startedAt = startedAtFrom(startResult, deps.now());
    const deadline = new Date(startedAt.getTime() + timeoutMinutes * 60_000);
    const facts = startFactsFrom(startResult);

    if (dryRun) {
      // Nothing was started: report the plan without polling.
      return {
        operation,
        mode,
        targetRegion: target,
        dryRun,
        waitState: WAIT_COMPLETE,
        startedAt: startedAt.toISOString(),
        deadline: deadline.toISOString(),
        checkedAt: deps.now().toISOString(),
        checks: 0,
        failedChecks: 0,
        databases: topology.databases.map((db) => ({
          name: db.name,
          globalClusterIdentifier: db.globalClusterIdentifier,
          oldWriterRegion: facts.get(db.name)?.oldWriterRegion,
          newWriterRegion: target,
          status: 'dry-run',
          complete: true,
        })),
      };
    }

    const budgetMs = Math.min(deps.maxWaitBudgetMs, remainingMs(context, deps.safetyMarginMs, deps.maxWaitBudgetMs));
    const notStarted = new Set([...facts.entries()].filter(([, f]) => f.startError !== undefined).map(([name]) => name));
    const outcome = await waitForMoves(deps, topology.databases, target, {
      deadline,
      budgetMs,
      pollIntervalMs: deps.pollIntervalMs,
      pollWorstCaseMs: deps.pollWorstCaseMs,
      notStarted,
    });
    const origin = originOf(facts, target);
    const advice = (): string => nextSteps(topology, mode, target, placementsOf(topology, outcome.progress, facts, target), origin);

    switch (outcome.kind) {
      case 'settled-incomplete':
        throw new DatabaseMoveIncompleteError(
          `The ${mode} to ${target} is incomplete: could not start it for ${startErrorsText(facts)}. ` +
            `State: ${describeProgress(outcome.progress, target)}. ${advice()}`,
        );
      case 'cancelled':
        throw new DatabaseMoveIncompleteError(
          `Operation cancelled by Aurora for ${outcome.cancelled.join(', ')}: ${describeProgress(outcome.progress, target)}. ${advice()}`,
        );
      case 'deadline': {
        const seen =
          outcome.progress !== undefined
            ? `last state seen${outcome.lastSeenAt ? ` at ${outcome.lastSeenAt.toISOString()}` : ''}: ${describeProgress(outcome.progress, target)}`
            : 'no state could be read in this step';
        const lastError = outcome.lastError !== undefined ? `; last error (${outcome.failedChecks} failed checks): ${outcome.lastError}` : '';
        throw new DatabaseWaitTimeoutError(`Databases not promoted in ${target} by ${deadline.toISOString()}: ${seen}${lastError}. ${advice()}`);
      }
      case 'complete':
      case 'pending':
        break;
    }

    const checkedAt = deps.now();
    const progress = outcome.progress;
    return {
      operation,
      mode,
      targetRegion: target,
      dryRun,
      waitState: outcome.kind === 'complete' ? WAIT_COMPLETE : WAIT_PENDING,
      startedAt: startedAt.toISOString(),
      deadline: deadline.toISOString(),
      checkedAt: checkedAt.toISOString(),
      checks: outcome.checks,
      failedChecks: outcome.kind === 'pending' ? outcome.failedChecks : 0,
      lastError: outcome.kind === 'pending' ? outcome.lastError : undefined,
      databases: topology.databases.map((db): DatabaseWaitEntry => {
        const p = progress?.find((x) => x.name === db.name);
        const f = facts.get(db.name);
        const base = {
          name: db.name,
          globalClusterIdentifier: db.globalClusterIdentifier,
          oldWriterRegion: f?.oldWriterRegion,
          startError: f?.startError,
        };
        if (p === undefined) {
          return { ...base, status: 'unknown', complete: false };
        }
        return {
          ...base,
          newWriterRegion: writingRegion(p, target),
          status: p.targetClusterStatus,
          globalStatus: p.globalStatus,
          operation: p.operation,
          complete: p.complete,
          oldPrimary: oldPrimaryState(p, f?.oldWriterRegion, target),
          // A database that was already writing in the target took no time to move.
          secondsSinceStart: !p.complete
            ? undefined
            : f?.oldWriterRegion === target
              ? 0
              : Math.round((checkedAt.getTime() - startedAt.getTime()) / 1000),
        };
      }),
    };
  };
}

/** How often the wait polls, and how much of the Lambda's time it leaves free. */
export const WAIT_POLL_INTERVAL_MS = 15_000;
export const WAIT_SAFETY_MARGIN_MS = 20_000;

/** The production wiring; the offline drill calls it with loopback endpoints and its own clock. */
export function databasesHandlerFor(
  env: HandlerEnvironment,
  clients: RunbookClients,
  runtime: HandlerRuntime = REAL_RUNTIME,
): (event: unknown, context?: InvocationContext) => Promise<DatabasesResult> {
  return createDatabasesHandler({
    loadTopology: createTopologyLoader(clients.ssm(env.region), env.topologyParameterName),
    rds: clients.rds(env.region),
    executionRegion: env.region,
    now: runtime.now,
    sleep: runtime.sleep,
    pollIntervalMs: WAIT_POLL_INTERVAL_MS,
    maxWaitBudgetMs: FUNCTION_TIMEOUT_SECONDS.databases * 1000 - WAIT_SAFETY_MARGIN_MS,
    safetyMarginMs: WAIT_SAFETY_MARGIN_MS,
    // A poll describes the global cluster and the target cluster in parallel.
    pollWorstCaseMs: worstCaseCallMs(INCIDENT_DEADLINES),
  });
}

const realHandler = lazy(() => databasesHandlerFor(readHandlerEnvironment(), createRunbookClients()));

export async function handler(event: unknown, context: InvocationContext): Promise<DatabasesResult> {
  return realHandler()(event, context);
}
