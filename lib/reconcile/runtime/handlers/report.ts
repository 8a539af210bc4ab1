import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createReport, type OutcomeResult, type ReportSummary } from '../report';
import { ENV_TASK_LOG_GROUP, executionRegion, lazy, requireEnv, runtimeConfig } from './environment';

const run = lazy(() => {
  const region = executionRegion();
  return createReport({
    config: runtimeConfig(),
    region,
    s3: new S3Client({ region }),
    ssm: new SSMClient({ region }),
    sns: new SNSClient({ region }),
    taskLogGroupName: requireEnv(ENV_TASK_LOG_GROUP),
  });
});

export async function handler(event: unknown): Promise<ReportSummary | OutcomeResult> {
  return run()(event);
}
