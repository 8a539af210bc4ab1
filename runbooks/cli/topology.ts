import { topologyParameterName, PlatformTopology } from '../../lib/topology/topology';
import { summarizeError } from '../../lib/runbooks/runtime/errors';
import { readTopologyParameter } from '../../lib/runbooks/runtime/topology-source';
import type { CliDeps } from './deps';
import { CliError, EXIT } from './errors';

export interface LoadedTopology {
  readonly topology: PlatformTopology;
  /** The Region whose SSM answered. */
  readonly region: string;
  /** Regions tried before it, with why they were skipped. */
  readonly skipped: readonly { readonly region: string; readonly error: string }[];
}

/** `preferred` first, then the rest, without duplicates or excluded Regions. */
export function regionOrder(preferred: readonly (string | undefined)[], regions: readonly string[], exclude: readonly string[] = []): string[] {
  const order: string[] = [];
  for (const region of [...preferred, ...regions]) {
    if (region !== undefined && !order.includes(region) && !exclude.includes(region)) {
      order.push(region);
    }
  }
  return order;
}

/**
 * Reads the topology parameter from the first Region whose SSM answers, so the CLI
 * keeps working when one Region's APIs are down. Throws (exit 4) with every Region's
 * error when none answered.
 */
export async function loadTopology(deps: CliDeps, app: string, order: readonly string[]): Promise<LoadedTopology> {
  const name = topologyParameterName(app);
  const skipped: { region: string; error: string }[] = [];
  for (const region of order) {
    try {
      const topology = await readTopologyParameter(deps.ssm(region), name);
      return { topology, region, skipped };
    } catch (error) {
      const summary = summarizeError(error);
      skipped.push({ region, error: `${summary.name}: ${summary.message}` });
    }
  }
  throw new CliError(
    EXIT.UNAVAILABLE,
    `Could not read ${name} from any Region: ${skipped.map((s) => `${s.region}: ${s.error}`).join(' | ') || 'no Region to try'}`,
  );
}
