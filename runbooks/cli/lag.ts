import type { GlobalDatabaseTopology } from '../../lib/topology/topology';
import { summarizeError } from '../../lib/runbooks/runtime/errors';

/**
 * Replication lag of a secondary member.
 *
 * Source: the CloudWatch metric `AuroraGlobalDBReplicationLag` (AWS/RDS, milliseconds,
 * dimension DBClusterIdentifier = the SECONDARY cluster, published in the secondary's
 * Region, Aurora MySQL and PostgreSQL). The RDS API itself reports no lag; it only
 * says whether a secondary is `connected` or `pending-resync`, which `status` shows
 * too. Reading the metric needs `@aws-sdk/client-cloudwatch`, which this project does
 * not install yet: `main.ts` uses `lagUnavailable` until it does, and
 * `cloudWatchLagReader` is ready to be given a fetcher built on that client.
 */
export type LagReading =
  | { readonly kind: 'value'; readonly milliseconds: number; readonly metric: string }
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface ReplicationLagReader {
  read(db: GlobalDatabaseTopology, secondaryRegion: string): Promise<LagReading>;
}

export interface MetricQuery {
  readonly region: string;
  readonly namespace: 'AWS/RDS';
  readonly metricName: string;
  readonly dimensions: readonly { readonly Name: string; readonly Value: string }[];
  readonly start: Date;
  readonly end: Date;
  readonly periodSeconds: number;
}

/** Returns the Maximum statistic over the window, or undefined without datapoints. */
export type MetricMaxFetcher = (query: MetricQuery) => Promise<number | undefined>;

export const LAG_METRIC = 'AuroraGlobalDBReplicationLag';

export function cloudWatchLagReader(fetchMax: MetricMaxFetcher, now: () => Date, windowMinutes = 5): ReplicationLagReader {
  return {
    async read(db, secondaryRegion) {
      const member = db.members[secondaryRegion];
      if (member === undefined) {
        return { kind: 'unavailable', reason: `no member in ${secondaryRegion}` };
      }
      const end = now();
      const start = new Date(end.getTime() - windowMinutes * 60_000);
      try {
        const value = await fetchMax({
          region: secondaryRegion,
          namespace: 'AWS/RDS',
          metricName: LAG_METRIC,
          dimensions: [{ Name: 'DBClusterIdentifier', Value: member.clusterIdentifier }],
          start,
          end,
          periodSeconds: 60,
        });
        return value === undefined
          ? { kind: 'unavailable', reason: `no ${LAG_METRIC} datapoints in the last ${windowMinutes} minutes` }
          : { kind: 'value', milliseconds: value, metric: LAG_METRIC };
      } catch (error) {
        const summary = summarizeError(error);
        return { kind: 'unavailable', reason: `${summary.name}: ${summary.message}` };
      }
    },
  };
}

export const lagUnavailable: ReplicationLagReader = {
  async read() {
    return {
      kind: 'unavailable',
      reason: `${LAG_METRIC} needs @aws-sdk/client-cloudwatch, which is not installed`,
    };
  },
};
