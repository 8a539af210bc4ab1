import { RDSClient } from '@aws-sdk/client-rds';
import { createCopy, type CopyResult } from '../copy';
import { executionRegion, lazy, runtimeConfig } from './environment';

const run = lazy(() => {
  const region = executionRegion();
  // The client's Region is the destination; the SDK presigns for the source ARN's Region.
  return createCopy({ config: runtimeConfig(), region, rds: new RDSClient({ region }) });
});

export async function handler(event: unknown): Promise<CopyResult> {
  return run()(event);
}
