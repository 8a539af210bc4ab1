/**
 * Small RDS helpers shared by the functions: ARN parsing, tag lookup, and describe calls
 * that answer "absent" instead of throwing when the resource does not exist.
 */
import {
  DBClusterNotFoundFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceNotFoundFault,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  type DBCluster,
  type DBClusterSnapshot,
  type DBInstance,
  type RDSClient,
  type Tag,
} from '@aws-sdk/client-rds';
import { errorName, ReconcileStepError } from './input';
import { TAG_DATABASE, TAG_EXECUTION, TAG_TEMPORARY } from './names';

export interface RdsArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly resourceType: string;
  /** Everything after the resource type; automated snapshot ids contain colons (`rds:...`). */
  readonly resourceId: string;
}

export function parseRdsArn(arn: string, what: string): RdsArn {
  const parts = arn.split(':');
  if (parts.length < 7 || parts[0] !== 'arn' || parts[2] !== 'rds' || parts[6] === '') {
    throw new ReconcileStepError(`${what} is not an RDS ARN: ${arn}`);
  }
  return { partition: parts[1], region: parts[3], account: parts[4], resourceType: parts[5], resourceId: parts.slice(6).join(':') };
}

export function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}

function isFault(error: unknown, fault: new (...args: never[]) => Error, name: string): boolean {
  return error instanceof fault || errorName(error) === name;
}

export function isClusterNotFound(error: unknown): boolean {
  return isFault(error, DBClusterNotFoundFault, 'DBClusterNotFoundFault');
}

export function isInstanceNotFound(error: unknown): boolean {
  return isFault(error, DBInstanceNotFoundFault, 'DBInstanceNotFoundFault');
}

export function isSnapshotNotFound(error: unknown): boolean {
  return isFault(error, DBClusterSnapshotNotFoundFault, 'DBClusterSnapshotNotFoundFault');
}

export async function findCluster(rds: RDSClient, identifier: string): Promise<DBCluster | undefined> {
  try {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
    return out.DBClusters?.[0];
  } catch (error) {
    if (isClusterNotFound(error)) return undefined;
    throw error;
  }
}

export async function findInstance(rds: RDSClient, identifier: string): Promise<DBInstance | undefined> {
  try {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
    return out.DBInstances?.[0];
  } catch (error) {
    if (isInstanceNotFound(error)) return undefined;
    throw error;
  }
}

/** A manual cluster snapshot in the client's Region (the copy is a manual snapshot). */
export async function findSnapshot(rds: RDSClient, identifier: string): Promise<DBClusterSnapshot | undefined> {
  try {
    const out = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: identifier }));
    return out.DBClusterSnapshots?.[0];
  } catch (error) {
    if (isSnapshotNotFound(error)) return undefined;
    throw error;
  }
}

/** Every snapshot of one cluster (automated and manual: no SnapshotType filter), all pages. */
export async function listClusterSnapshots(rds: RDSClient, clusterIdentifier: string): Promise<DBClusterSnapshot[]> {
  const snapshots: DBClusterSnapshot[] = [];
  let marker: string | undefined;
  do {
    const out = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: clusterIdentifier, MaxRecords: 100, ...(marker !== undefined ? { Marker: marker } : {}) }));
    snapshots.push(...(out.DBClusterSnapshots ?? []));
    marker = out.Marker;
  } while (marker !== undefined && marker !== '');
  return snapshots;
}

/** Tags of every temporary resource: cleanup deletes only what carries its own execution id. */
export function temporaryTags(database: string, executionId: string): Tag[] {
  return [
    { Key: TAG_EXECUTION, Value: executionId },
    { Key: TAG_TEMPORARY, Value: 'true' },
    { Key: TAG_DATABASE, Value: database },
  ];
}
