import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import { deadlineClientConfig } from '../../../common/aws-client';
import { createCleanup, executionStatusFrom, type CleanupResult } from '../cleanup';
import { executionRegion, lazy, runtimeConfig } from './environment';

const run = lazy(() => {
  const ssm = new SSMClient(deadlineClientConfig(executionRegion()));
  return createCleanup({
    config: runtimeConfig(),
    rds: new RDSClient({ region: executionRegion() }),
    executionStatus: executionStatusFrom(ssm),
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    pollIntervalMs: 20_000,
    // One Automation Lambda step may run 300 s at most; return well before.
    maxWaitBudgetMs: 230_000,
  });
});

export async function handler(event: unknown): Promise<CleanupResult> {
  return run()(event);
}
