import { BackupClient } from '@aws-sdk/client-backup';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { deadlineClientConfig } from '../../common/aws-client';
import { countRows } from './row-counts';
import { validateRestoreJob, type ValidatedStore, type ValidationOutcome, type ValidationSettings } from './validate';

/** The EventBridge event of AWS Backup: "Restore Job State Change". */
export interface RestoreJobEvent {
  readonly detail?: { readonly restoreJobId?: string };
}

export function settingsFromEnvironment(env: NodeJS.ProcessEnv): ValidationSettings {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  return {
    restoreTestingPlanName: required('RESTORE_TESTING_PLAN_NAME'),
    tolerancePercent: Number(required('TOLERANCE_PERCENT')),
    stores: JSON.parse(required('STORES')) as ValidatedStore[],
    metricNamespace: required('VALIDATION_METRIC_NAMESPACE'),
    region: required('AWS_REGION'),
    sqlTimeoutMs: 30_000,
    // The function has 10 minutes; AWS Backup's calls and the report need the rest.
    budgetMs: 8 * 60_000,
  };
}

export async function handler(event: RestoreJobEvent): Promise<ValidationOutcome> {
  const restoreJobId = event.detail?.restoreJobId;
  if (restoreJobId === undefined) return { outcome: 'skipped', reason: 'the event names no restore job' };
  const region = process.env.AWS_REGION ?? '';
  const config = deadlineClientConfig(region);
  const outcome = await validateRestoreJob({
    backup: new BackupClient(config),
    rds: new RDSClient(config),
    dynamodb: new DynamoDBClient(config),
    secrets: new SecretsManagerClient(config),
    cloudwatch: new CloudWatchClient(config),
    countRows,
    now: () => Date.now(),
  }, settingsFromEnvironment(process.env), restoreJobId);
  console.log(JSON.stringify(outcome));
  return outcome;
}
