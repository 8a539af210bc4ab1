import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { DatabaseName } from '../../../topology/topology';
import {
  DatabaseMoveMode,
  describeGlobalDatabases,
  MoveAction,
  planMove,
  startMoves,
  waitForMoves,
} from '../aurora';
import { WAIT_COMPLETE, WAIT_PENDING, WaitState } from '../contract';
import { RunbookRefusedError } from '../errors';
import { asRecord, isRecord, JsonRecord, readBoolean, readEnum, readJsonObject, readPositiveInteger, readRegion } from '../events';
import { createTopologyLoader, TopologyLoader } from '../topology-source';
import { ENV_TOPOLOGY_PARAMETER, executionRegion, InvocationContext, lazy, requireEnv } from './environment';

/**
 * Databases: promotes every Aurora global database whose writer is not in the target
 * Region.
 *
 * - `{ operation: 'start', mode, targetRegion, dryRun }` calls FailoverGlobalCluster
 *   (AllowDataLoss, unplanned) or SwitchoverGlobalCluster (planned) for every database
 *   that needs it, ALL before any waiting, and returns the plan with `startedAt`.
 * - `{ operation: 'wait', mode, targetRegion, dryRun, timeoutMinutes, startResult }`
 *   polls DescribeGlobalClusters until each target member is the writer and the
 *   global cluster is available. A single invocation polls for at most a few minutes
 *   (an SSM Lambda step is capped at 300 s) and returns `waitState: DATABASES_PENDING`
 *   so the document loops; past `startedAt + timeoutMinutes` it throws with every
 *   database's state.
 */

const OPERATIONS = ['start', 'wait'] as const;
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
}

export interface DatabaseStartEntry {
  readonly name: DatabaseName;
  readonly globalClusterIdentifier: string;
  readonly oldWriterRegion?: string;
  readonly targetClusterArn: string;
  readonly action: MoveAction;
  readonly called: boolean;
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
  readonly newWriterRegion?: string;
  readonly status: string;
  readonly complete: boolean;
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
  readonly databases: readonly DatabaseWaitEntry[];
}

export type DatabasesResult = DatabaseStartResult | DatabaseWaitResult;

function oldWritersFrom(startResult: JsonRecord | undefined): Map<string, string | undefined> {
  const writers = new Map<string, string | undefined>();
  const list = startResult?.databases;
  if (Array.isArray(list)) {
    for (const item of list) {
      if (isRecord(item) && typeof item.name === 'string') {
        writers.set(item.name, typeof item.oldWriterRegion === 'string' ? item.oldWriterRegion : undefined);
      }
    }
  }
  return writers;
}

function startedAtFrom(startResult: JsonRecord | undefined, fallback: Date): Date {
  const value = startResult?.startedAt;
  if (typeof value === 'string') {
    const parsed = new Date(value);
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  return fallback;
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
    const topology = await deps.loadTopology();
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
      const snapshots = await describeGlobalDatabases(deps.rds, topology.databases);
      const plans = topology.databases.map((db, i) => planMove(snapshots[i], db, target));
      const started = await startMoves(deps.rds, plans, mode, dryRun);
      return { operation, mode, targetRegion: target, dryRun, startedAt, databases: started };
    }

    const timeoutMinutes = readPositiveInteger(input, 'timeoutMinutes', 20);
    const startResult = readJsonObject(input, 'startResult');
    const startedAt = startedAtFrom(startResult, deps.now());
    const deadline = new Date(startedAt.getTime() + timeoutMinutes * 60_000);
    const oldWriters = oldWritersFrom(startResult);

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
        databases: topology.databases.map((db) => ({
          name: db.name,
          globalClusterIdentifier: db.globalClusterIdentifier,
          oldWriterRegion: oldWriters.get(db.name),
          newWriterRegion: target,
          status: 'dry-run',
          complete: true,
        })),
      };
    }

    const remaining = context ? context.getRemainingTimeInMillis() - deps.safetyMarginMs : deps.maxWaitBudgetMs;
    const budgetMs = Math.max(0, Math.min(deps.maxWaitBudgetMs, remaining));
    const outcome = await waitForMoves(deps, topology.databases, target, {
      deadline,
      budgetMs,
      pollIntervalMs: deps.pollIntervalMs,
    });
    const checkedAt = deps.now();
    return {
      operation,
      mode,
      targetRegion: target,
      dryRun,
      waitState: outcome.complete ? WAIT_COMPLETE : WAIT_PENDING,
      startedAt: startedAt.toISOString(),
      deadline: deadline.toISOString(),
      checkedAt: checkedAt.toISOString(),
      checks: outcome.checks,
      databases: outcome.databases.map((p) => ({
        name: p.name,
        globalClusterIdentifier: p.globalClusterIdentifier,
        oldWriterRegion: oldWriters.get(p.name),
        newWriterRegion: p.writerRegion,
        status: p.status,
        complete: p.complete,
        // A database that was already writing in the target took no time to move.
        secondsSinceStart: !p.complete
          ? undefined
          : oldWriters.get(p.name) === target
            ? 0
            : Math.round((checkedAt.getTime() - startedAt.getTime()) / 1000),
      })),
    };
  };
}

const realHandler = lazy(() => {
  const region = executionRegion();
  return createDatabasesHandler({
    loadTopology: createTopologyLoader(new SSMClient({ region }), requireEnv(ENV_TOPOLOGY_PARAMETER)),
    rds: new RDSClient({ region }),
    executionRegion: region,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    pollIntervalMs: 15_000,
    maxWaitBudgetMs: 240_000,
    safetyMarginMs: 20_000,
  });
});

export async function handler(event: unknown, context: InvocationContext): Promise<DatabasesResult> {
  return realHandler()(event, context);
}
