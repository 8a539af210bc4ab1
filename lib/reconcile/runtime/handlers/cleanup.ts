import { RDSClient } from '@aws-sdk/client-rds';
import { createCleanup, type CleanupResult } from '../cleanup';
import { executionRegion, lazy, runtimeConfig } from './environment';

const run = lazy(() =>
  createCleanup({
    config: runtimeConfig(),
    rds: new RDSClient({ region: executionRegion() }),
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    pollIntervalMs: 20_000,
    // One Automation Lambda step may run 300 s at most; return well before.
    maxWaitBudgetMs: 230_000,
  }),
);

export async function handler(event: unknown): Promise<CleanupResult> {
  return run()(event);
}
