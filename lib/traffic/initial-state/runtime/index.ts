import { createArcClientFactory } from '../../../runbooks/runtime/arc';
import { sendResponse } from '../../../common/runtime/cfn-response';
import { applyInitialState, type CustomResourceEvent } from './initial-state';

/** Time kept back for the response to CloudFormation. */
const RESPONSE_RESERVE_MS = 12_000;

const clientFor = createArcClientFactory();

export async function handler(event: CustomResourceEvent, context: { getRemainingTimeInMillis(): number }): Promise<void> {
  const outcome = await applyInitialState(event, {
    clientFor,
    random: Math.random,
    notAfterMs: Date.now() + context.getRemainingTimeInMillis() - RESPONSE_RESERVE_MS,
  });
  console.log(JSON.stringify({ requestType: event.RequestType, status: outcome.status, reason: outcome.reason }));
  await sendResponse(event, outcome);
}
