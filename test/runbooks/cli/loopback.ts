import * as http from 'node:http';
import * as net from 'node:net';
import type { PlatformTopology } from '../../../lib/topology/topology';
import { ClusterState, globalCluster } from './fixtures';

/** Servers on 127.0.0.1 for tests of the real SDK: one that never answers, one that answers like AWS. */

export interface LoopbackServer {
  readonly url: string;
  readonly connections: () => number;
  readonly requests: () => readonly string[];
  readonly close: () => Promise<void>;
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      sockets.forEach((socket) => socket.destroy());
      server.close(() => resolve());
    });
}

/** Accepts every connection, reads what it is sent, never answers. */
export async function silentServer(): Promise<LoopbackServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => accepted, requests: () => [], close: closer(server, sockets) };
}

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** DescribeGlobalClusters as the RDS query API writes it (list items of both lists are <GlobalClusterMember>). */
function describeGlobalClustersXml(name: string, state: ClusterState, regions: readonly string[]): string {
  const cluster = globalCluster(name, state, regions);
  const members = (cluster.GlobalClusterMembers ?? [])
    .map(
      (m) =>
        `<GlobalClusterMember><DBClusterArn>${xmlEscape(m.DBClusterArn ?? '')}</DBClusterArn><IsWriter>${String(m.IsWriter)}</IsWriter>` +
        (m.SynchronizationStatus ? `<SynchronizationStatus>${m.SynchronizationStatus}</SynchronizationStatus>` : '') +
        '</GlobalClusterMember>',
    )
    .join('');
  return (
    '<DescribeGlobalClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeGlobalClustersResult><GlobalClusters><GlobalClusterMember>' +
    `<GlobalClusterIdentifier>${cluster.GlobalClusterIdentifier ?? ''}</GlobalClusterIdentifier><Status>${cluster.Status ?? ''}</Status>` +
    `<GlobalClusterMembers>${members}</GlobalClusterMembers>` +
    '</GlobalClusterMember></GlobalClusters></DescribeGlobalClustersResult><ResponseMetadata><RequestId>loopback</RequestId></ResponseMetadata></DescribeGlobalClustersResponse>'
  );
}

/**
 * Answers the three reads `status` makes in a Region, on the wire formats the SDK expects: SSM
 * GetParameter (JSON 1.1), RDS DescribeGlobalClusters (query/XML), CloudWatch GetMetricStatistics
 * (JSON 1.0).
 */
export async function answeringServer(published: PlatformTopology, states: Record<string, ClusterState>, lagMs: number): Promise<LoopbackServer> {
  const sockets = new Set<net.Socket>();
  const seen: string[] = [];
  let accepted = 0;
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      if (target === 'AmazonSSM.GetParameter') {
        seen.push('ssm:GetParameter');
        const name = (JSON.parse(body) as { Name: string }).Name;
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ Parameter: { Name: name, Type: 'String', Value: JSON.stringify(published), Version: 1 } }));
      } else if (target.endsWith('.GetMetricStatistics')) {
        seen.push('cloudwatch:GetMetricStatistics');
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ Label: 'AuroraGlobalDBReplicationLag', Datapoints: [{ Timestamp: Date.now() / 1000, Maximum: lagMs, Unit: 'Milliseconds' }] }));
      } else if (new URLSearchParams(body).get('Action') === 'DescribeGlobalClusters') {
        seen.push('rds:DescribeGlobalClusters');
        const name = (new URLSearchParams(body).get('GlobalClusterIdentifier') ?? '').replace(/^retail-/, '');
        response.writeHead(200, { 'content-type': 'text/xml' });
        response.end(describeGlobalClustersXml(name, states[name], published.regions));
      } else {
        seen.push(`unexpected:${target || body.slice(0, 40)}`);
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ __type: 'UnknownOperationException', message: 'not served by the loopback server' }));
      }
    });
  });
  server.on('connection', (socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => accepted, requests: () => seen, close: closer(server, sockets) };
}
