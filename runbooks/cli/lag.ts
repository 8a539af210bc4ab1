import { GetMetricStatisticsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { GlobalDatabaseTopology } from '../../lib/topology/topology';
import { summarizeError } from '../../lib/runbooks/runtime/errors';

/**
 * Replication lag of a secondary member.
 *
 * Source: the CloudWatch metric `AuroraGlobalDBReplicationLag` (AWS/RDS, milliseconds,
 * dimension DBClusterIdentifier = the SECONDARY cluster, published in the secondary's
 * Region, Aurora MySQL and PostgreSQL). The RDS API itself reports no lag; it only
 * says whether a secondary is `connected` or `pending-resync`, which `status` shows
 * too. The CLI reads the metric through `cloudWatchMaxFetcher` (GetMetricStatistics in the
 * secondary's Region); an unreachable Region yields an `unavailable` reading with the reason.
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

/** The fetcher on the real CloudWatch API: GetMetricStatistics, Maximum, one client per Region. */
export function cloudWatchMaxFetcher(clientFor: (region: string) => CloudWatchClient): MetricMaxFetcher {
  return async (query) => {
    const response = await clientFor(query.region).send(
      new GetMetricStatisticsCommand({
        Namespace: query.namespace,
        MetricName: query.metricName,
        Dimensions: query.dimensions.map((d) => ({ Name: d.Name, Value: d.Value })),
        StartTime: query.start,
        EndTime: query.end,
        Period: query.periodSeconds,
        Statistics: ['Maximum'],
      }),
    );
    const values = (response.Datapoints ?? []).map((point) => point.Maximum).filter((v): v is number => v !== undefined);
    return values.length === 0 ? undefined : Math.max(...values);
  };
}

/** For tests and for environments without CloudWatch access. */
export const lagUnavailable: ReplicationLagReader = {
  async read() {
    return {
      kind: 'unavailable',
      reason: `${LAG_METRIC} is not read in this context`,
    };
  },
};
