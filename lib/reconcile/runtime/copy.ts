/**
 * CopySnapshotToThisRegion: starts CopyDBClusterSnapshot in this Region from the old
 * primary's Region, re-encrypted with this Region's key.
 *
 * Why a Lambda: the source snapshot is encrypted with the old Region's key, and a
 * cross-Region copy of an encrypted snapshot needs a SigV4-presigned CopyDBClusterSnapshot
 * request for the source Region. The SDK v3 RDS client builds it (middleware-sdk-rds)
 * whenever the source identifier is an ARN in another Region than the client's; a native
 * `aws:executeAwsApi` step cannot presign. The document waits for the copy natively.
 *
 * Idempotent: if the target already exists and carries this execution's id (a retried
 * step), its state is returned; a target of another execution is an error (never reused).
 */
import { CopyDBClusterSnapshotCommand, DBClusterSnapshotAlreadyExistsFault, type RDSClient } from '@aws-sdk/client-rds';
import type { RuntimeConfig } from './config';
import { asRecord, errorName, readPayload, readString, ReconcileStepError } from './input';
import { DATABASE_NAMES, TAG_EXECUTION, temporaryName } from './names';
import { findSnapshot, parseRdsArn, tagValue, temporaryTags } from './rds';

export interface CopyResult {
  readonly targetSnapshotIdentifier: string;
  readonly targetSnapshotArn: string;
  readonly status: string;
  readonly sourceSnapshotArn: string;
  readonly sourceRegion: string;
  readonly kmsKeyId: string;
  readonly alreadyStarted: boolean;
}

export interface CopyDependencies {
  readonly config: RuntimeConfig;
  readonly region: string;
  /** Client in THIS Region (the copy's destination). */
  readonly rds: RDSClient;
}

export function createCopy(deps: CopyDependencies): (event: unknown) => Promise<CopyResult> {
  return async (event) => {
    const input = asRecord(event, 'event');
    const executionId = readString(input, 'executionId');
    const plan = readPayload(input, 'plan');
    const database = DATABASE_NAMES.find((name) => name === plan.database);
    if (database === undefined) throw new ReconcileStepError('the discovery output names no known database');
    const sourceSnapshotArn = readString(plan, 'sourceSnapshotArn');
    const source = parseRdsArn(sourceSnapshotArn, 'sourceSnapshotArn');
    if (source.resourceType !== 'cluster-snapshot' || source.region === deps.region) {
      throw new ReconcileStepError(`the source must be a DB cluster snapshot in another Region than ${deps.region}, got ${sourceSnapshotArn}`);
    }
    // Recomputed, not read from the payload: IAM only allows this name.
    const target = temporaryName(deps.config.appName, database);
    try {
      const out = await deps.rds.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: sourceSnapshotArn,
          TargetDBClusterSnapshotIdentifier: target,
          KmsKeyId: deps.config.dataKeyArn,
          // The source's tags describe the production member; the copy is marked temporary instead.
          CopyTags: false,
          Tags: temporaryTags(database, executionId),
        }),
      );
      const copy = out.DBClusterSnapshot;
      return {
        targetSnapshotIdentifier: target,
        targetSnapshotArn: copy?.DBClusterSnapshotArn ?? '',
        status: copy?.Status ?? 'unknown',
        sourceSnapshotArn,
        sourceRegion: source.region,
        kmsKeyId: deps.config.dataKeyArn,
        alreadyStarted: false,
      };
    } catch (error) {
      if (!(error instanceof DBClusterSnapshotAlreadyExistsFault || errorName(error) === 'DBClusterSnapshotAlreadyExistsFault')) throw error;
      const existing = await findSnapshot(deps.rds, target);
      const owner = tagValue(existing?.TagList, TAG_EXECUTION);
      if (existing === undefined || owner !== executionId) {
        throw new ReconcileStepError(`snapshot ${target} already exists in ${deps.region} and belongs to execution ${owner ?? 'unknown'}; it is not reused`);
      }
      return {
        targetSnapshotIdentifier: target,
        targetSnapshotArn: existing.DBClusterSnapshotArn ?? '',
        status: existing.Status ?? 'unknown',
        sourceSnapshotArn,
        sourceRegion: source.region,
        kmsKeyId: deps.config.dataKeyArn,
        alreadyStarted: true,
      };
    }
  };
}
