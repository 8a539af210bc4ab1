import { topologyParameterName, type PlatformTopology } from '../../lib/topology/topology';
import type { CliOptions } from './args';
import { Deadline, settle, Settled } from './deadline';
import type { CliDeps } from './deps';
import { CliError, CREDENTIALS_HINT, describeError, EXIT, isCredentialsError, isUnreachableError } from './errors';
import { DatabaseView, readDatabases, readTopology } from './reads';

/** What each asked Region said, for messages. */
export interface RegionFailure {
  readonly region: string;
  readonly error: string;
  /** The Region answered (with an error), as opposed to not answering at all. */
  readonly reached: boolean;
  readonly credentials: boolean;
}

export function failureOf(region: string, settled: Settled<unknown> & { ok: false }, what: string): RegionFailure {
  return {
    region,
    error: `${what}: ${describeError(settled.error)}`,
    reached: !settled.timedOut && !isUnreachableError(settled.error) && !isCredentialsError(settled.error),
    credentials: isCredentialsError(settled.error),
  };
}

/** The exit code and message when no Region gave what was needed. */
export function unavailable(what: string, failures: readonly RegionFailure[]): CliError {
  const detail = failures.map((f) => `${f.region}: ${f.error}`).join(' | ') || 'no Region to ask';
  if (failures.some((f) => f.credentials)) return new CliError(EXIT.NO_CREDENTIALS, `${CREDENTIALS_HINT} (${detail})`);
  if (failures.length > 0 && failures.every((f) => f.reached && /ParameterNotFound/.test(f.error))) {
    return new CliError(EXIT.BAD_INPUT, `${what}: not found in ${failures.map((f) => f.region).join(', ')}; check --app and --regions`);
  }
  if (failures.some((f) => f.reached)) return new CliError(EXIT.INCOMPLETE, `${what}: ${detail}`);
  return new CliError(EXIT.NOTHING_REACHABLE, `${what}: no Region answered: ${detail}`);
}

export interface LoadedTopology {
  readonly topology: PlatformTopology;
  /** The Region that answered first. */
  readonly region: string;
}

/**
 * Asks every Region of --regions for the topology at once and takes the first answer, so a
 * Region that is down costs nothing. Bounded by --timeout; throws exit 4/5/6 (or 2 for an unknown
 * app) naming what every Region said.
 */
export async function discoverTopology(deps: CliDeps, options: CliOptions, exclude: readonly string[] = []): Promise<LoadedTopology> {
  const regions = options.regions.filter((r) => !exclude.includes(r));
  const deadline = new Deadline(options.timeoutSeconds * 1000);
  const failures: RegionFailure[] = [];
  try {
    const found = await new Promise<LoadedTopology | undefined>((resolve) => {
      let pending = regions.length;
      if (pending === 0) resolve(undefined);
      for (const region of regions) {
        void settle(deadline, (signal) => readTopology(deps, region, options.app, signal)).then((result) => {
          if (result.ok) resolve({ topology: result.value, region });
          else failures.push(failureOf(region, result, 'SSM GetParameter'));
          pending -= 1;
          if (pending === 0) resolve(undefined);
        });
      }
    });
    if (found !== undefined) return found;
  } finally {
    // Stops the reads still in flight: the first answer is all that is needed.
    deadline.cancel();
  }
  throw unavailable(`could not read ${topologyParameterName(options.app)}`, failures);
}

/** Regions of the platform, `first` leading, without excluded ones. */
export function regionOrder(first: readonly (string | undefined)[], regions: readonly string[], exclude: readonly string[] = []): string[] {
  const order: string[] = [];
  for (const region of [...first, ...regions]) {
    if (region !== undefined && !order.includes(region) && !exclude.includes(region)) order.push(region);
  }
  return order;
}

export interface ViewsEverywhere {
  /** Per Region that answered: its view of every global database. */
  readonly views: ReadonlyMap<string, readonly DatabaseView[]>;
  readonly failures: readonly RegionFailure[];
}

/** Every Region's view of the global databases, asked in parallel, bounded by --timeout. */
export async function readViewsEverywhere(deps: CliDeps, topology: PlatformTopology, regions: readonly string[], timeoutSeconds: number): Promise<ViewsEverywhere> {
  const deadline = new Deadline(timeoutSeconds * 1000);
  try {
    const results = await Promise.all(regions.map(async (region) => ({ region, result: await settle(deadline, (signal) => readDatabases(deps, region, topology, signal)) })));
    const views = new Map<string, readonly DatabaseView[]>();
    const failures: RegionFailure[] = [];
    for (const { region, result } of results) {
      if (result.ok) views.set(region, result.value);
      else failures.push(failureOf(region, result, 'RDS DescribeGlobalClusters'));
    }
    return { views, failures };
  } finally {
    deadline.cancel();
  }
}
