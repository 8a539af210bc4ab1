import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { RoutingMode } from '../../../topology/topology';
import { describeGlobalDatabases, failbackProblems, GlobalDatabaseSnapshot, switchoverProblems } from '../aurora';
import { RunbookRefusedError, summarizeError } from '../errors';
import { asRecord, readBoolean, readEnum, readRegion } from '../events';
import { RUNBOOK_KINDS, RunbookKind } from '../contract';
import { createTopologyLoader, TopologyLoader } from '../topology-source';
import { ENV_TOPOLOGY_PARAMETER, executionRegion, lazy, requireEnv } from './environment';

/**
 * Preflight: read-only checks run first by every runbook. Throws `RunbookRefused`
 * (the step fails, nothing changed) with every reason found.
 *
 * Event: `{ runbook: 'failover'|'switchover'|'failback', targetRegion, dryRun }` where
 * targetRegion is the Region to promote (failover, switchover) or to restore (failback).
 */
export interface PreflightDeps {
  readonly loadTopology: TopologyLoader;
  readonly rds: RDSClient;
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
    }

    let snapshots: GlobalDatabaseSnapshot[];
    try {
      snapshots = await describeGlobalDatabases(deps.rds, topology.databases);
    } catch (error) {
      const summary = summarizeError(error);
      throw new RunbookRefusedError(title, [
        `cannot describe the global databases from ${deps.executionRegion}: ${summary.name}: ${summary.message}`,
      ]);
    }

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

const realHandler = lazy(() => {
  const region = executionRegion();
  return createPreflightHandler({
    loadTopology: createTopologyLoader(new SSMClient({ region }), requireEnv(ENV_TOPOLOGY_PARAMETER)),
    rds: new RDSClient({ region }),
    executionRegion: region,
    now: () => new Date(),
  });
});

export async function handler(event: unknown): Promise<PreflightResult> {
  return realHandler()(event);
}
