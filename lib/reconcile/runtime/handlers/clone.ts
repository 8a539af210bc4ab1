import { RDSClient } from '@aws-sdk/client-rds';
import { deadlineClientConfig } from '../../../common/aws-client';
import { createClone, type CloneResult } from '../clone';
import { executionRegion, lazy, runtimeConfig } from './environment';

const run = lazy(() => {
  const region = executionRegion();
  return createClone({
    config: runtimeConfig(),
    region,
    rds: new RDSClient(deadlineClientConfig(region)),
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    pollIntervalMs: 20_000,
    // One Automation Lambda step may run 300 s at most; return well before.
    maxWaitBudgetMs: 230_000,
  });
});

export async function handler(event: unknown): Promise<CloneResult> {
  return run()(event);
}
