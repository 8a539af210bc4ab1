import * as http from 'node:http';
import { Backend, FaultyEndpoint, Reply, SSM_PROTOCOL } from './fault';

/**
 * SSM of one Region: the Automation APIs the runbooks call (DescribeAutomationExecutions)
 * are answered by the drill's automation engine of that Region; everything else
 * (GetParameter, PutParameter) goes to moto, which keeps one backend per Region (from the
 * request's signing Region).
 */

export type AutomationApi = (operation: string, input: Record<string, unknown>) => Reply | undefined;

function proxy(motoUrl: string, request: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }): Promise<Reply> {
  const target = new URL(request.url, motoUrl);
  return new Promise((resolve, reject) => {
    const headers = { ...request.headers, host: target.host };
    const req = http.request(target, { method: request.method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 500, contentType: String(res.headers['content-type'] ?? SSM_PROTOCOL.contentType), body }),
      );
    });
    req.on('error', reject);
    req.end(request.body);
  });
}

export function ssmBackend(motoUrl: string, automation: () => AutomationApi): Backend {
  return async (request) => {
    const answered = automation()(request.operation, JSON.parse(request.body || '{}') as Record<string, unknown>);
    return answered ?? proxy(motoUrl, request);
  };
}

export async function startFakeSsm(
  region: string,
  motoUrl: string,
  automation: () => AutomationApi,
  onEvent: (endpoint: string, message: string) => void,
): Promise<FaultyEndpoint> {
  return FaultyEndpoint.start(`ssm ${region}`, SSM_PROTOCOL, ssmBackend(motoUrl, automation), onEvent);
}
