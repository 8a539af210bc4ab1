import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProtectionEvent } from '../../../../lib/data/protection/runtime/protection';

/**
 * The deployed handler end to end (real SDK clients from runtime/index.ts, real response PUT)
 * against loopback servers: a CloudFormation API that answers 500, and the response URL.
 */
describe('deletion protection handler over HTTP (real SDK, loopback)', () => {
  const saved = { ...process.env };
  const apiRequests: string[] = [];
  let responseBody = '';
  let api: http.Server;
  let responses: http.Server;
  const listen = async (server: http.Server) => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    api = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      request.on('end', () => {
        apiRequests.push(body);
        response.writeHead(500, { 'content-type': 'text/xml' }).end('<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>loopback failure</Message></Error><RequestId>r</RequestId></ErrorResponse>');
      });
    });
    responses = http.createServer((request, response) => {
      request.on('data', (chunk: Buffer) => { responseBody += chunk.toString(); });
      request.on('end', () => response.end());
    });
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    process.env.AWS_ENDPOINT_URL = await listen(api);
  });
  afterAll(() => {
    process.env = saved;
    api.close();
    responses.close();
  });

  test('a failing DescribeStacks is retried (3 attempts), then the Delete is reported FAILED with the reason, nothing touched', async () => {
    const responseUrl = `${await listen(responses)}/response`;
    const { handler } = await import('../../../../lib/data/protection/runtime/index');
    const event: ProtectionEvent = {
      RequestType: 'Delete',
      ResourceProperties: { DbClusters: ['retail-catalog-us-east-1'], GlobalClusters: [], Tables: [] },
      PhysicalResourceId: 'deletion-protection:DeletionProtection',
      LogicalResourceId: 'DeletionProtection',
      StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/retail-region-us-east-1/abc',
      RequestId: 'req-1',
      ResponseURL: responseUrl,
    };
    await handler(event, { getRemainingTimeInMillis: () => 60_000 });
    expect(apiRequests).toHaveLength(3);
    expect(apiRequests.every((body) => body.includes('Action=DescribeStacks'))).toBe(true);
    const sent = JSON.parse(responseBody) as { Status: string; Reason: string; PhysicalResourceId: string };
    expect(sent.Status).toBe('FAILED');
    expect(sent.PhysicalResourceId).toBe('deletion-protection:DeletionProtection');
    expect(sent.Reason).toMatch(/^Cannot tell a creation rollback from a stack deletion \(DescribeStacks arn:aws:cloudformation:us-east-1:111111111111:stack\/retail-region-us-east-1\/abc\): .*loopback failure.*; protection left as it is$/);
  }, 30_000);
});
