import * as net from 'node:net';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { deadlineClientConfig, worstCaseCallMs } from '../../../lib/common/aws-client';

/** A server on loopback that accepts every connection and never answers. */
async function silentServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    connections: () => accepted,
    close: () => new Promise((resolve) => {
      sockets.forEach((socket) => socket.destroy());
      server.close(() => resolve());
    }),
  };
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

describe('deadlineClientConfig', () => {
  test('a silent endpoint fails the call at the request deadline, once per attempt', async () => {
    const server = await silentServer();
    try {
      const deadlines = { connectMs: 500, requestMs: 700, maxAttempts: 2 };
      const client = new SSMClient({ ...deadlineClientConfig('us-east-1', deadlines, server.url), credentials });
      const started = Date.now();
      // Bounded here too, so a regression fails this test instead of hanging the run.
      const call = client.send(new GetParameterCommand({ Name: '/x' })).then(() => undefined, (e: unknown) => e as Error);
      const error = await Promise.race([call, new Promise<Error>((resolve) => setTimeout(() => resolve(new Error('still waiting after 4 s')), 4_000).unref())]);
      const elapsed = Date.now() - started;
      expect(error?.name).toBe('TimeoutError');
      expect(server.connections()).toBe(2);
      expect(elapsed).toBeGreaterThanOrEqual(2 * 700);
      expect(elapsed).toBeLessThan(worstCaseCallMs(deadlines));
      client.destroy();
    } finally {
      await server.close();
    }
  });

  test('uses the given Region and no fixed endpoint unless one is given', () => {
    const config = deadlineClientConfig('eu-west-1');
    expect(config.region).toBe('eu-west-1');
    expect('endpoint' in config).toBe(false);
    expect(config.maxAttempts).toBe(3);
  });
});
