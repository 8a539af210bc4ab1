/** What CloudFormation sends a Lambda-backed custom resource, with its own properties `P`. */
export interface CustomResourceEvent<P> {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResourceProperties: P & { readonly ServiceToken?: string };
  readonly PhysicalResourceId?: string;
  readonly LogicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly ResponseURL: string;
}

/** What a handler decides, sent back to CloudFormation by `sendResponse`. */
export interface CustomResourceOutcome {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly physicalResourceId: string;
  readonly reason: string;
  readonly data: Record<string, string>;
}

/** CloudFormation's response body is limited to 4 KB: the reason is cut to fit. */
const MAX_REASON = 3_000;

/**
 * Sends the outcome to CloudFormation's pre-signed URL, within a deadline: a response that never
 * arrives would leave the stack waiting an hour for the custom resource.
 */
export async function sendResponse(event: Pick<CustomResourceEvent<unknown>, 'StackId' | 'RequestId' | 'LogicalResourceId' | 'ResponseURL'>, outcome: CustomResourceOutcome, deadlineMs = 10_000): Promise<void> {
  const body = JSON.stringify({
    Status: outcome.status,
    Reason: outcome.reason.slice(0, MAX_REASON),
    PhysicalResourceId: outcome.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: outcome.data,
  });
  const response = await fetch(event.ResponseURL, {
    method: 'PUT',
    body,
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    signal: AbortSignal.timeout(deadlineMs),
  });
  if (!response.ok) {
    throw new Error(`CloudFormation response URL answered ${response.status} ${response.statusText}`);
  }
}
