/**
 * Names shared by the construct (IAM scoping), the Automation document (native steps)
 * and the Lambda functions (discovery, copy, cleanup). Pure: no AWS SDK, no CDK.
 *
 * Temporary resources are named per database, not per execution: the native steps can
 * only build names from document parameters (`{{ Database }}`), and an execution id
 * (36 characters) does not fit a 63-character cluster identifier behind an app name of
 * up to 20. One run per database and Region at a time is enforced instead: preflight
 * refuses while a temporary resource exists, and every temporary resource carries the
 * id of the execution that created it, so cleanup never deletes another run's.
 */
import type { DatabaseName } from '../../topology/topology';

export const DATABASE_NAMES: readonly DatabaseName[] = ['catalog', 'orders'];

/** Name prefix of everything the runbook creates (IAM resources are scoped to it). */
export function temporaryPrefix(appName: string): string {
  return `${appName}-reconcile-`;
}

/** Copied snapshot, restored cluster, its instance, its parameter groups and task family. */
export function temporaryName(appName: string, database: string): string {
  return `${temporaryPrefix(appName)}${database}`;
}

/**
 * The copy-on-write clone of the new primary the comparison reads instead of the live member
 * (created at the start of a run, deleted with the rest).
 */
export function cloneName(appName: string, database: string): string {
  return `${temporaryName(appName, database)}-clone`;
}

/** The new primary restored to the failover time (three-way verdict, only with FailoverTime). */
export function baseName(appName: string, database: string): string {
  return `${temporaryName(appName, database)}-base`;
}

/** Every cluster (and instance) name a run may create for one database: restored old primary, clone, base. */
export function temporaryClusterNames(appName: string, database: string): readonly string[] {
  return [temporaryName(appName, database), cloneName(appName, database), baseName(appName, database)];
}

/** DB subnet group of the restored clusters (shared by both databases). */
export function subnetGroupName(appName: string): string {
  return `${appName}-reconcile`;
}

/** Name of the container in both task definitions (RunTask overrides address it). */
export const CONTAINER_NAME = 'reconcile';

/** Key prefix of one run's report in the report bucket. */
export function reportPrefix(database: string, executionId: string): string {
  return `reports/${database}/${executionId}`;
}

/** Tags every temporary resource carries. */
export const TAG_EXECUTION = 'reconcile:execution-id';
export const TAG_TEMPORARY = 'reconcile:temporary';
export const TAG_DATABASE = 'reconcile:database';

/** Identifier prefix of the snapshot Aurora takes of the old primary after an unplanned failover. */
export const FAILOVER_SNAPSHOT_PREFIX = 'rds:unplanned-global-failover-';

/** Identifier of a cluster from its ARN (`arn:<partition>:rds:<region>:<account>:cluster:<id>`). */
export function clusterIdentifierFromArn(arn: string): string {
  const parts = arn.split(':');
  if (parts.length !== 7 || parts[2] !== 'rds' || parts[5] !== 'cluster' || parts[6] === '') {
    throw new Error(`not a DB cluster ARN: ${arn}`);
  }
  return parts[6];
}

/** Cluster and instance identifiers are at most 63 characters (checked by the construct at synth). */
export const MAX_TEMPORARY_NAME_LENGTH = 63;
