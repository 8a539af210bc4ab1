/**
 * FindFailoverSnapshot: read-only preflight and snapshot discovery.
 *
 * 1. This Region's member must be the writer of the global database (the new primary):
 *    the comparison reads the new primary here and the temporary cluster is created here.
 * 2. No temporary resource of an earlier run may remain (one run per database and Region),
 *    and FailoverTime, when set, lies in this Region's member's restore window.
 * 3. In the OLD primary's Region, among the snapshots of that Region's member cluster,
 *    the newest `available` one named `rds:unplanned-global-failover-*` is chosen, or the
 *    one named by SnapshotArn after the same checks. Nothing found: the error says what
 *    was searched, where, and what was seen.
 */
import { DescribeGlobalClustersCommand, type DBClusterSnapshot, type RDSClient } from '@aws-sdk/client-rds';
import type { DatabaseName } from '../../topology/topology';
import { databaseOf, memberArnIn, type RuntimeConfig } from './config';
import { asRecord, readBoolean, readEnum, readOptionalString, readRegion, readString, ReconcileStepError } from './input';
import { describeMember, parseFailoverTime, requireRestorable } from './clone';
import { clusterIdentifierFromArn, DATABASE_NAMES, FAILOVER_SNAPSHOT_PREFIX, reportPrefix, TAG_EXECUTION, temporaryClusterNames, temporaryName } from './names';
import { findCluster, findInstance, findSnapshot, listClusterSnapshots, parseRdsArn, tagValue } from './rds';

export interface SnapshotPlan {
  readonly database: DatabaseName;
  /** The Region this runbook runs in: the new primary's. */
  readonly region: string;
  readonly oldPrimaryRegion: string;
  readonly sourceClusterIdentifier: string;
  readonly sourceSnapshotArn: string;
  readonly sourceSnapshotIdentifier: string;
  readonly snapshotCreateTime: string;
  readonly engine: string;
  readonly engineVersion: string;
  readonly selectedBy: 'newest' | 'SnapshotArn';
  /** Available snapshots with the failover prefix that were considered. */
  readonly candidates: number;
  readonly temporaryName: string;
  readonly reportPrefix: string;
  readonly executionId: string;
  readonly dryRun: boolean;
  /** FailoverTime: the base of a three-way verdict is the new primary restored to it. */
  readonly failoverTime?: string;
}

export interface DiscoveryDependencies {
  readonly config: RuntimeConfig;
  /** The Region the function (and the document) runs in. */
  readonly region: string;
  readonly rdsIn: (region: string) => RDSClient;
}

const lower = (value: string | undefined): string => (value ?? '').toLowerCase();

async function requireLocalWriter(deps: DiscoveryDependencies, database: DatabaseName): Promise<void> {
  const db = databaseOf(deps.config, database);
  const localArn = memberArnIn(deps.config, database, deps.region);
  const out = await deps.rdsIn(deps.region).send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: db.globalClusterIdentifier }));
  const members = out.GlobalClusters?.[0]?.GlobalClusterMembers ?? [];
  const writer = members.find((member) => member.IsWriter === true)?.DBClusterArn;
  if (lower(writer) !== lower(localArn)) {
    throw new ReconcileStepError(
      `this Region's ${database} member (${localArn}) is not the writer of global database ${db.globalClusterIdentifier} ` +
        `(writer: ${writer ?? 'none'}). Start this runbook in the Region that is now primary, after the failover completed.`,
    );
  }
}

async function requireNoLeftovers(deps: DiscoveryDependencies, name: string, clusterNames: readonly string[]): Promise<void> {
  const rds = deps.rdsIn(deps.region);
  const [clusters, snapshot] = await Promise.all([
    Promise.all(clusterNames.map(async (cluster) => ({ cluster, found: await Promise.all([findCluster(rds, cluster), findInstance(rds, cluster)]) }))),
    findSnapshot(rds, name),
  ]);
  const found: string[] = [];
  for (const { cluster: clusterName, found: [cluster, instance] } of clusters) {
    if (cluster !== undefined) found.push(`cluster ${clusterName} (${cluster.Status ?? '?'}, execution ${tagValue(cluster.TagList, TAG_EXECUTION) ?? 'unknown'})`);
    if (instance !== undefined) found.push(`instance ${clusterName} (${instance.DBInstanceStatus ?? '?'}, execution ${tagValue(instance.TagList, TAG_EXECUTION) ?? 'unknown'})`);
  }
  if (snapshot !== undefined) found.push(`snapshot ${name} (${snapshot.Status ?? '?'}, execution ${tagValue(snapshot.TagList, TAG_EXECUTION) ?? 'unknown'})`);
  if (found.length > 0) {
    throw new ReconcileStepError(
      `temporary resources of an earlier run remain in ${deps.region}: ${found.join('; ')}. ` +
        'Wait for that execution to finish (it deletes them), or, if it is no longer running, delete them and start again.',
    );
  }
}

function describeSeen(snapshots: readonly DBClusterSnapshot[]): string {
  if (snapshots.length === 0) return 'none';
  return snapshots
    .slice(0, 5)
    .map((s) => `${s.DBClusterSnapshotIdentifier ?? '?'} (${s.Status ?? '?'})`)
    .join(', ')
    .concat(snapshots.length > 5 ? `, and ${snapshots.length - 5} more` : '');
}

function createdAt(snapshot: DBClusterSnapshot): number {
  return snapshot.SnapshotCreateTime instanceof Date ? snapshot.SnapshotCreateTime.getTime() : Number.NEGATIVE_INFINITY;
}

/** The chosen snapshot among the old member's, or a clear error. Exported for tests. */
export function chooseSnapshot(
  snapshots: readonly DBClusterSnapshot[],
  sourceCluster: string,
  oldRegion: string,
  requestedArn: string | undefined,
): { readonly snapshot: DBClusterSnapshot; readonly candidates: number } {
  const ofCluster = snapshots.filter((s) => lower(s.DBClusterIdentifier) === lower(sourceCluster));
  const named = ofCluster.filter((s) => (s.DBClusterSnapshotIdentifier ?? '').startsWith(FAILOVER_SNAPSHOT_PREFIX));
  const usable = named.filter((s) => s.Status === 'available' && createdAt(s) > Number.NEGATIVE_INFINITY);
  if (requestedArn !== undefined) {
    const requested = named.find((s) => s.DBClusterSnapshotArn === requestedArn);
    if (requested === undefined) {
      throw new ReconcileStepError(
        `SnapshotArn ${requestedArn} is not a ${FAILOVER_SNAPSHOT_PREFIX}* snapshot of cluster ${sourceCluster} in ${oldRegion} ` +
          `(failover snapshots of that cluster: ${describeSeen(named)})`,
      );
    }
    if (requested.Status !== 'available') {
      throw new ReconcileStepError(`SnapshotArn ${requestedArn} is ${requested.Status ?? 'in an unknown state'}, not available; wait for it or choose another`);
    }
    return { snapshot: requested, candidates: usable.length };
  }
  const newest = [...usable].sort((a, b) => createdAt(b) - createdAt(a))[0];
  if (newest === undefined) {
    throw new ReconcileStepError(
      `no available snapshot named ${FAILOVER_SNAPSHOT_PREFIX}* of cluster ${sourceCluster} in ${oldRegion}: ` +
        `searched ${ofCluster.length} snapshot(s) of that cluster, ${named.length} with that prefix (${describeSeen(named)}). ` +
        'Aurora takes it when the old primary Region recovers after an unplanned failover; wait for it, or pass SnapshotArn.',
    );
  }
  return { snapshot: newest, candidates: usable.length };
}

export function createDiscovery(deps: DiscoveryDependencies): (event: unknown) => Promise<SnapshotPlan> {
  return async (event) => {
    const input = asRecord(event, 'event');
    const database = readEnum(input, 'database', DATABASE_NAMES);
    const oldPrimaryRegion = readRegion(input, 'oldPrimaryRegion');
    const executionId = readString(input, 'executionId');
    const requestedArn = readOptionalString(input, 'snapshotArn');
    const dryRun = readBoolean(input, 'dryRun', false);
    const failoverText = readOptionalString(input, 'failoverTime');
    const failoverTime = failoverText !== undefined ? parseFailoverTime(failoverText) : undefined;
    const { config, region } = deps;
    if (!config.regions.includes(oldPrimaryRegion)) {
      throw new ReconcileStepError(`OldPrimaryRegion ${oldPrimaryRegion} is not a Region of this platform (${config.regions.join(', ')})`);
    }
    if (oldPrimaryRegion === region) {
      throw new ReconcileStepError(`OldPrimaryRegion is this Region (${region}); start the runbook in the Region that is now primary`);
    }
    if (requestedArn !== undefined) {
      const arn = parseRdsArn(requestedArn, 'SnapshotArn');
      if (arn.resourceType !== 'cluster-snapshot' || arn.region !== oldPrimaryRegion) {
        throw new ReconcileStepError(`SnapshotArn must be a DB cluster snapshot in OldPrimaryRegion ${oldPrimaryRegion}, got ${requestedArn}`);
      }
    }

    const sourceArn = memberArnIn(config, database, oldPrimaryRegion);
    const sourceCluster = clusterIdentifierFromArn(sourceArn);
    const name = temporaryName(config.appName, database);
    await requireLocalWriter(deps, database);
    await requireNoLeftovers(deps, name, temporaryClusterNames(config.appName, database));
    // The base (three-way) must be restorable before anything is created.
    if (failoverTime !== undefined) requireRestorable(await describeMember(deps.rdsIn(region), config, database, region), failoverTime, 'FailoverTime');

    const snapshots = await listClusterSnapshots(deps.rdsIn(oldPrimaryRegion), sourceCluster);
    const { snapshot, candidates } = chooseSnapshot(snapshots, sourceCluster, oldPrimaryRegion, requestedArn);
    const expectedEngine = databaseOf(config, database).engine;
    if (snapshot.Engine !== undefined && snapshot.Engine !== expectedEngine) {
      throw new ReconcileStepError(`snapshot ${snapshot.DBClusterSnapshotIdentifier ?? '?'} is ${snapshot.Engine}, but ${database} runs ${expectedEngine}`);
    }
    const sourceSnapshotArn = snapshot.DBClusterSnapshotArn;
    if (sourceSnapshotArn === undefined || sourceSnapshotArn === '') {
      throw new ReconcileStepError(`snapshot ${snapshot.DBClusterSnapshotIdentifier ?? '?'} was described without an ARN; pass SnapshotArn`);
    }
    return {
      database,
      region,
      oldPrimaryRegion,
      sourceClusterIdentifier: sourceCluster,
      sourceSnapshotArn,
      sourceSnapshotIdentifier: snapshot.DBClusterSnapshotIdentifier ?? '',
      snapshotCreateTime: new Date(createdAt(snapshot)).toISOString(),
      engine: snapshot.Engine ?? expectedEngine,
      engineVersion: snapshot.EngineVersion ?? '',
      selectedBy: requestedArn !== undefined ? 'SnapshotArn' : 'newest',
      candidates,
      temporaryName: name,
      reportPrefix: reportPrefix(database, executionId),
      executionId,
      dryRun,
      ...(failoverTime !== undefined ? { failoverTime: failoverTime.toISOString() } : {}),
    };
  };
}
