import type { PlatformTopology } from '../../topology/topology';
import type { DatabaseMoveMode } from './aurora';
import type { RunbookKind } from './contract';

/**
 * What an operator runs next when a runbook stops half-way: the exact command to finish
 * it or to undo it, and where each database writes. Used in failure messages, which SSM
 * shows as the failed step's reason and the CLI prints.
 */

/** The AWS CLI command that starts `kind` in `runRegion` for `region` (the document's own parameter name). */
export function startCommand(topology: PlatformTopology, kind: RunbookKind, runRegion: string, region: string): string {
  const document = topology.runbooks[runRegion]?.[kind] ?? `${topology.appName}-${kind}`;
  const parameter = kind === 'failback' ? 'Region' : 'TargetRegion';
  return `aws ssm start-automation-execution --region ${runRegion} --document-name ${document} --parameters ${parameter}=${region}`;
}

export interface WriterPlacement {
  readonly name: string;
  /** Where the database writes now; undefined when no writer is listed. */
  readonly region?: string;
}

export function describePlacement(placements: readonly WriterPlacement[]): string {
  return placements.map((p) => `${p.name} writes in ${p.region ?? 'no Region (no writer listed)'}`).join(', ');
}

/**
 * Where writes go and what to run next after a move to `target` stopped with some
 * databases elsewhere. `origin` is the Region the databases wrote in before the run.
 */
export function nextSteps(
  topology: PlatformTopology,
  mode: DatabaseMoveMode,
  target: string,
  placements: readonly WriterPlacement[],
  origin: string | undefined,
): string {
  const regions = new Set(placements.map((p) => p.region ?? 'none'));
  const moved = placements.filter((p) => p.region === target);
  const parts: string[] = [];
  parts.push(regions.size > 1 ? `Writes are split across Regions: ${describePlacement(placements)}.` : `${describePlacement(placements)}.`);
  parts.push(
    `To finish the ${mode} to ${target}, re-run it once the cause is fixed (databases already writing there are skipped): ${startCommand(
      topology,
      mode,
      target,
      target,
    )}`,
  );
  if (moved.length > 0 && origin !== undefined && origin !== target) {
    parts.push(
      mode === 'switchover'
        ? `To undo, switch ${moved.map((p) => p.name).join(', ')} back to ${origin}: ${startCommand(topology, 'switchover', origin, origin)}`
        : `A failover is not undone with another failover (it would lose data again): once ${origin} is healthy, move back with a switchover: ${startCommand(
            topology,
            'switchover',
            origin,
            origin,
          )}`,
    );
  }
  return parts.join(' ');
}
