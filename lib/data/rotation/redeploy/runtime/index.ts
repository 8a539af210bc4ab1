import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { deadlineClientConfig, type CallDeadlines } from '../../../../common/aws-client';
import { redeployAfterRotation, rotatedSecretArn } from './redeploy';

/** A call into a Region that may be impaired: short attempts, so one Region never holds up the rest. */
export const REGION_DEADLINES: CallDeadlines = { connectMs: 2_000, requestMs: 5_000, maxAttempts: 2 };

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

const ssmClients = new Map<string, SSMClient>();
const ecsClients = new Map<string, ECSClient>();

export async function handler(event: unknown): Promise<void> {
  const secretArn = rotatedSecretArn(event);
  const outcomes = await redeployAfterRotation(secretArn, {
    regions: required('REGIONS').split(','),
    servicesBySecret: JSON.parse(required('SERVICES_BY_SECRET')) as Record<string, string[]>,
    targetsParameterName: required('TARGETS_PARAMETER'),
    ssm: (region) => ssmClients.get(region) ?? ssmClients.set(region, new SSMClient(deadlineClientConfig(region, REGION_DEADLINES))).get(region)!,
    ecs: (region) => ecsClients.get(region) ?? ecsClients.set(region, new ECSClient(deadlineClientConfig(region, REGION_DEADLINES))).get(region)!,
  });
  console.log(JSON.stringify({ secretArn, outcomes }));
}
