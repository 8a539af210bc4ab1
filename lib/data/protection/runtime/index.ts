import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { deadlineClientConfig, type CallDeadlines } from '../../../common/aws-client';
import { sendResponse } from '../../../common/runtime/cfn-response';
import { applyProtection, type ProtectionEvent } from './protection';

/** Control-plane calls at deploy time: a few seconds per attempt, three attempts. */
export const PROTECTION_DEADLINES: CallDeadlines = { connectMs: 2_000, requestMs: 10_000, maxAttempts: 3 };

/** Time kept back for the response to CloudFormation. */
const RESPONSE_RESERVE_MS = 12_000;

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

interface Clients {
  readonly rds: RDSClient;
  readonly cloudformation: CloudFormationClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly dynamodb: (inRegion: string) => DynamoDBClient;
}

// Built on the first event, not at load: the bundle must load (and be checked) without Lambda's environment.
let clients: Clients | undefined;
function lambdaClients(): Clients {
  if (clients !== undefined) return clients;
  const region = required('AWS_REGION');
  const dynamodbClients = new Map<string, DynamoDBClient>();
  clients = {
    rds: new RDSClient(deadlineClientConfig(region, PROTECTION_DEADLINES)),
    cloudformation: new CloudFormationClient(deadlineClientConfig(region, PROTECTION_DEADLINES)),
    elbv2: new ElasticLoadBalancingV2Client(deadlineClientConfig(region, PROTECTION_DEADLINES)),
    dynamodb: (inRegion) =>
      dynamodbClients.get(inRegion) ?? dynamodbClients.set(inRegion, new DynamoDBClient(deadlineClientConfig(inRegion, PROTECTION_DEADLINES))).get(inRegion)!,
  };
  return clients;
}

export async function handler(event: ProtectionEvent, context: { getRemainingTimeInMillis(): number }): Promise<void> {
  const outcome = await applyProtection(event, {
    ...lambdaClients(),
    notAfterMs: Date.now() + context.getRemainingTimeInMillis() - RESPONSE_RESERVE_MS,
  });
  console.log(JSON.stringify({ requestType: event.RequestType, status: outcome.status, reason: outcome.reason }));
  await sendResponse(event, outcome);
}
