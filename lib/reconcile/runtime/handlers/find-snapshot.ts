import { RDSClient } from '@aws-sdk/client-rds';
import { createDiscovery, type SnapshotPlan } from '../discovery';
import { executionRegion, lazy, runtimeConfig } from './environment';

const clients = new Map<string, RDSClient>();

const run = lazy(() =>
  createDiscovery({
    config: runtimeConfig(),
    region: executionRegion(),
    rdsIn: (region) => {
      let client = clients.get(region);
      if (client === undefined) {
        client = new RDSClient({ region });
        clients.set(region, client);
      }
      return client;
    },
  }),
);

export async function handler(event: unknown): Promise<SnapshotPlan> {
  return run()(event);
}
