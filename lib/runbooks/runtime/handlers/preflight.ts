import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { RoutingMode } from '../../../topology/topology';
import { describeGlobalDatabases, failbackProblems, GlobalDatabaseSnapshot, switchoverProblems } from '../aurora';
import { createRunbookClients, RunbookClients } from '../clients';
import { ConcurrentExecutionError, RunbookRefusedError, summarizeError } from '../errors';
import { asRecord, JsonRecord, readBoolean, readEnum, readRegion } from '../events';
import { checkOtherExecutions, describeExecution, ExecutionCheck } from '../executions';
import { RUNBOOK_KINDS, RunbookKind } from '../contract';
import { createTopologyLoader, TopologyLoader } from '../topology-source';
import { HandlerEnvironment, HandlerRuntime, lazy, readHandlerEnvironment, REAL_RUNTIME } from './environment';

/**
 * Preflight: read-only checks run first by every runbook. Throws `RunbookRefused`
 * (the step fails, nothing changed) with every reason found.
 *
 * Event: `{ runbook: 'failover'|'switchover'|'failback', targetRegion, dryRun, executionId? }`
 * where targetRegion is the Region to promote (failover, switchover) or to restore
 * (failback) and executionId is the automation's own id (`{{ automation:EXECUTION_ID }}`).
 *
 * Where each runbook must not run: failover and switchover only in the Region being
 * promoted (their RDS calls go to the Lambda's own Region); failback never in the Region
 * being restored. Any of the three refuses while another execution of the three, started
 * earlier, is still running in any platform Region.
 */
export interface PreflightDeps {
  readonly loadTopology: TopologyLoader;
  readonly rds: RDSClient;
  /** SSM of the execution Region, for running executions. */
  readonly ssm: SSMClient;
  /** SSM of another platform Region (short deadlines: it may be the failed one). */
  readonly peerSsm: (region: string) => SSMClient;
  readonly executionRegion: string;
  readonly now: () => Date;
}

export interface PreflightResult {
  readonly runbook: RunbookKind;
  readonly targetRegion: string;
  readonly executionRegion: string;
  readonly dryRun: boolean;
  readonly routingMode: RoutingMode;
  readonly checksPassed: readonly string[];
  readonly databases: readonly GlobalDatabaseSnapshot[];
  readonly checkedAt: string;
}

export function createPreflightHandler(deps: PreflightDeps): (event: unknown) => Promise<PreflightResult> {
  return async (event) => {
    const input = asRecord(event, 'event');
    const runbook = readEnum(input, 'runbook', RUNBOOK_KINDS);
    const target = readRegion(input, 'targetRegion');
    const dryRun = readBoolean(input, 'dryRun', false);
    const executionId = optionalExecutionId(input);
    const topology = await deps.loadTopology();
    const title = `${runbook} ${runbook === 'failback' ? 'of' : 'to'} ${target} refused`;

    if (!topology.regions.includes(target)) {
      throw new RunbookRefusedError(title, [`unknown Region ${target}; the platform runs in ${topology.regions.join(', ')}`]);
    }
    const reasons: string[] = [];
    const passed: string[] = [`${target} is a platform Region`];
    if (runbook !== 'failback') {
      // RDS promotion calls go to the Lambda's own Region: it must be the target.
      if (target !== deps.executionRegion) {
        reasons.push(`the ${runbook} runbook must run in the Region being promoted (${target}), not ${deps.executionRegion}`);
      } else {
        passed.push(`running in the target Region ${target}`);
      }
    } else if (target === deps.executionRegion) {
      // The Region being restored is the one that failed: nothing about it may be decided from inside it.
      reasons.push(`the failback runbook must run in a serving Region, never in the Region being restored (${target})`);
    } else {
      passed.push(`running in ${deps.executionRegion}, not in the Region being restored`);
    }

    const [described, executions] = await Promise.all([
      describeGlobalDatabases(deps.rds, topology.databases).then(
        (value) => ({ value }),
        (error: unknown) => ({ error: summarizeError(error) }),
      ),
      checkOtherExecutions({ topology, executionRegion: deps.executionRegion, executionId, ssm: deps.ssm, peerSsm: deps.peerSsm }).then(
        (value): { value: ExecutionCheck } => ({ value }),
        (error: unknown) => ({ error: summarizeError(error) }),
      ),
    ]);
    if ('error' in executions) {
      throw new RunbookRefusedError(title, [executions.error.message]);
    }
    if (executions.value.blockers.length > 0) {
      throw new ConcurrentExecutionError(`${title}: another runbook execution is running`, [
        ...executions.value.blockers.map(describeExecution),
        'wait for it to end (or stop it: aws ssm stop-automation-execution --region <region> --automation-execution-id <id>), then start again',
      ]);
    }
    passed.push(...executions.value.notes);
    if ('error' in described) {
      throw new RunbookRefusedError(title, [
        `cannot describe the global databases from ${deps.executionRegion}: ${described.error.name}: ${described.error.message}`,
      ]);
    }
    const snapshots: GlobalDatabaseSnapshot[] = described.value;

    for (const snapshot of snapshots) {
      if (!snapshot.members.some((m) => m.region === target)) {
        reasons.push(`${snapshot.name}: the global database has no member in ${target}`);
      }
    }

    switch (runbook) {
      case 'failover':
        for (const s of snapshots) {
          if (s.operation !== undefined && s.operation.toRegion !== target) {
            reasons.push(`${s.name}: a ${s.operation.status} operation towards ${s.operation.toRegion ?? 'another Region'} is in progress`);
          }
        }
        break;
      case 'switchover':
        if (snapshots.length > 0 && snapshots.every((s) => s.writerRegion === target)) {
          throw new RunbookRefusedError(title, [`${target} is already the primary Region of every global database`]);
        }
        for (const s of snapshots) reasons.push(...switchoverProblems(s, target));
        break;
      case 'failback':
        for (const s of snapshots) reasons.push(...failbackProblems(s, target));
        break;
    }

    if (reasons.length > 0) {
      throw new RunbookRefusedError(title, [...new Set(reasons)]);
    }
    passed.push(`global databases ready for ${runbook}: ${snapshots.map((s) => s.name).join(', ') || 'none'}`);
    return {
      runbook,
      targetRegion: target,
      executionRegion: deps.executionRegion,
      dryRun,
      routingMode: topology.routingMode,
      checksPassed: passed,
      databases: snapshots,
      checkedAt: deps.now().toISOString(),
    };
  };
}

function optionalExecutionId(input: JsonRecord): string | undefined {
  const value = input.executionId;
  // An unresolved SSM variable (a direct invocation) is no id.
  return typeof value === 'string' && value.trim() !== '' && !value.includes('{{') ? value.trim() : undefined;
}

/** The production wiring; the offline drill calls it with loopback endpoints and its own clock. */
export function preflightHandlerFor(
  env: HandlerEnvironment,
  clients: RunbookClients,
  runtime: HandlerRuntime = REAL_RUNTIME,
): (event: unknown) => Promise<PreflightResult> {
  return createPreflightHandler({
    loadTopology: createTopologyLoader(clients.ssm(env.region), env.topologyParameterName),
    rds: clients.rds(env.region),
    ssm: clients.ssm(env.region),
    peerSsm: (region) => clients.peerSsm(region),
    executionRegion: env.region,
    now: runtime.now,
  });
}

const realHandler = lazy(() => preflightHandlerFor(readHandlerEnvironment(), createRunbookClients()));

export async function handler(event: unknown): Promise<PreflightResult> {
  return realHandler()(event);
}
