import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CallDeadlines, deadlineClientConfig, INCIDENT_DEADLINES } from '../../common/aws-client';
import { ArcClientFactory, createArcClientFactory } from './arc';

/**
 * The SDK clients of the runbook handlers, all with deadlines (`lib/common/aws-client.ts`):
 * RDS and SSM of a Region with `INCIDENT_DEADLINES`, SSM of another Region (which may be the
 * failed one) with `PEER_REGION_DEADLINES`, and the ARC cluster endpoints with one attempt
 * each. The real handlers and the offline drill build their clients here; the drill only
 * passes endpoint overrides pointing at loopback servers.
 */

/** A call into another Region that may be the impaired one: one short attempt, so it never holds up a runbook. */
export const PEER_REGION_DEADLINES: CallDeadlines = { connectMs: 2_000, requestMs: 3_000, maxAttempts: 1 };

export type RunbookService = 'rds' | 'ssm';

/** An endpoint URL for a service in a Region, or undefined for the SDK's own resolution. */
export type EndpointOverride = (service: RunbookService, region: string) => string | undefined;

export interface RunbookClients {
  /** RDS of `region` (incident deadlines, SDK retries on). */
  rds(region: string): RDSClient;
  /** SSM of `region` (incident deadlines, SDK retries on). */
  ssm(region: string): SSMClient;
  /** SSM of another platform Region, for best-effort checks that must not wait on a failed Region. */
  peerSsm(region: string): SSMClient;
  readonly arc: ArcClientFactory;
}

function cached<T>(create: (region: string) => T): (region: string) => T {
  const clients = new Map<string, T>();
  return (region) => {
    let client = clients.get(region);
    if (client === undefined) {
      client = create(region);
      clients.set(region, client);
    }
    return client;
  };
}

export function createRunbookClients(endpointFor: EndpointOverride = () => undefined): RunbookClients {
  return {
    rds: cached((region) => new RDSClient(deadlineClientConfig(region, INCIDENT_DEADLINES, endpointFor('rds', region)))),
    ssm: cached((region) => new SSMClient(deadlineClientConfig(region, INCIDENT_DEADLINES, endpointFor('ssm', region)))),
    peerSsm: cached((region) => new SSMClient(deadlineClientConfig(region, PEER_REGION_DEADLINES, endpointFor('ssm', region)))),
    arc: createArcClientFactory(),
  };
}
