import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP endpoint on loopback in front of a fake (or moto), with injectable faults:
 * - `silent`: accepts the connection and the request, never answers;
 * - `reset`: destroys the connection as soon as the request arrives;
 * - `server-error`: answers 5xx in the service's error format;
 * - `throttle`: answers the service's throttling error.
 * Faults apply to every request or to the next `times` requests, optionally only for some operations.
 */
export type Fault = 'silent' | 'reset' | 'server-error' | 'throttle';

export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

export interface ServiceRequest {
  readonly operation: string;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly method: string;
  readonly url: string;
}

export type Backend = (request: ServiceRequest) => Promise<Reply>;

export interface ErrorShape {
  readonly status: number;
  readonly code: string;
}

/** The wire protocol: how to find the operation and how to write an error. */
export interface Protocol {
  readonly name: 'json' | 'query';
  readonly contentType: string;
  readonly throttle: ErrorShape;
  readonly serverError: ErrorShape;
}

export const ARC_PROTOCOL: Protocol = {
  name: 'json',
  contentType: 'application/x-amz-json-1.0',
  throttle: { status: 429, code: 'ThrottlingException' },
  serverError: { status: 500, code: 'InternalServerException' },
};

export const SSM_PROTOCOL: Protocol = {
  name: 'json',
  contentType: 'application/x-amz-json-1.1',
  throttle: { status: 400, code: 'ThrottlingException' },
  serverError: { status: 500, code: 'InternalServerError' },
};

export const RDS_PROTOCOL: Protocol = {
  name: 'query',
  contentType: 'text/xml',
  throttle: { status: 400, code: 'Throttling' },
  serverError: { status: 503, code: 'ServiceUnavailable' },
};

export function errorReply(protocol: Protocol, shape: ErrorShape, message: string): Reply {
  if (protocol.name === 'json') {
    return { status: shape.status, contentType: protocol.contentType, body: JSON.stringify({ __type: shape.code, message }) };
  }
  const type = shape.status >= 500 ? 'Receiver' : 'Sender';
  return {
    status: shape.status,
    contentType: protocol.contentType,
    body: `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>${type}</Type><Code>${shape.code}</Code><Message>${escapeXml(
      message,
    )}</Message></Error><RequestId>drill</RequestId></ErrorResponse>`,
  };
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface FaultRule {
  readonly fault: Fault;
  readonly operations?: readonly string[];
  remaining?: number;
}

export interface RequestRecord {
  readonly operation: string;
  readonly fault?: Fault;
}

export class FaultyEndpoint {
  public readonly requests: RequestRecord[] = [];
  private rules: FaultRule[] = [];
  private readonly sockets = new Set<Socket>();
  /** Connections holding a request that is never answered. */
  private readonly held = new Set<Socket>();

  private constructor(
    public readonly name: string,
    private readonly server: http.Server,
    public readonly url: string,
  ) {}

  static async start(
    name: string,
    protocol: Protocol,
    backend: Backend,
    onEvent: (endpoint: string, message: string) => void = () => undefined,
  ): Promise<FaultyEndpoint> {
    let self: FaultyEndpoint | undefined;
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        const operation = operationOf(protocol, req.headers, body);
        const endpoint = self;
        if (endpoint === undefined) return;
        const fault = endpoint.takeFault(operation);
        endpoint.requests.push({ operation, fault });
        if (fault !== undefined) onEvent(name, `${operation}: ${fault}`);
        switch (fault) {
          case 'silent':
            endpoint.held.add(req.socket);
            return; // Hold the request: never answer.
          case 'reset':
            req.socket.destroy();
            return;
          case 'throttle':
            return send(res, errorReply(protocol, protocol.throttle, 'Rate exceeded'));
          case 'server-error':
            return send(res, errorReply(protocol, protocol.serverError, 'The endpoint is unavailable'));
          case undefined:
            backend({ operation, body, headers: req.headers, method: req.method ?? 'POST', url: req.url ?? '/' }).then(
              (reply) => send(res, reply),
              (error: unknown) => send(res, errorReply(protocol, protocol.serverError, `fake failed: ${String(error)}`)),
            );
        }
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    self = new FaultyEndpoint(name, server, `http://127.0.0.1:${port}`);
    const endpoint = self;
    server.on('connection', (socket) => {
      endpoint.sockets.add(socket);
      socket.on('close', () => endpoint.sockets.delete(socket));
    });
    return self;
  }

  /** Adds a fault for every request (or the next `times` ones), optionally only for `operations`. */
  inject(fault: Fault, options: { readonly operations?: readonly string[]; readonly times?: number } = {}): this {
    this.rules.push({ fault, operations: options.operations, remaining: options.times });
    return this;
  }

  heal(): this {
    this.rules = [];
    // Held requests are dropped, as a recovering endpoint would.
    for (const socket of this.held) socket.destroy();
    this.held.clear();
    return this;
  }

  count(operation?: string): number {
    return this.requests.filter((r) => operation === undefined || r.operation === operation).length;
  }

  resetCounts(): void {
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private takeFault(operation: string): Fault | undefined {
    const rule = this.rules.find((r) => r.operations === undefined || r.operations.includes(operation));
    if (rule === undefined) return undefined;
    if (rule.remaining !== undefined) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    }
    return rule.fault;
  }
}

function operationOf(protocol: Protocol, headers: http.IncomingHttpHeaders, body: string): string {
  if (protocol.name === 'json') {
    const target = String(headers['x-amz-target'] ?? '');
    return target.slice(target.lastIndexOf('.') + 1);
  }
  return new URLSearchParams(body).get('Action') ?? 'unknown';
}

function send(res: http.ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { 'content-type': reply.contentType, 'x-amzn-requestid': 'drill' });
  res.end(reply.body);
}
