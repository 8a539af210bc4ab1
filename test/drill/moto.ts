import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';

/**
 * moto's server (`python3 -m moto.server`) on loopback: the SSM parameters the runbooks
 * read (the published topology). Started and stopped by the drill itself.
 */

export const MOTO_MISSING =
  'moto is not installed: the drill needs `python3 -m moto.server` (moto 5.x with its server extras). Install it with ' +
  '`pip install "moto[server]==5.2.1"` and run `npm run drill` again.';

export function motoAvailable(): boolean {
  const probe = spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore', timeout: 30_000 });
  return probe.status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class MotoServer {
  private constructor(
    private readonly process: ChildProcess,
    public readonly url: string,
  ) {}

  static async start(timeoutMs = 30_000): Promise<MotoServer> {
    const port = await freePort();
    const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2_000);
    });
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (child.exitCode !== null) throw new Error(`moto.server exited with ${child.exitCode}: ${stderr}`);
      if (await accepting(port)) return new MotoServer(child, `http://127.0.0.1:${port}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill();
    throw new Error(`moto.server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms: ${stderr}`);
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      // The development server may linger on SIGTERM; it holds no state worth a clean shutdown.
      const kill = setTimeout(() => this.process.kill('SIGKILL'), 1_000);
      this.process.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      this.process.kill('SIGTERM');
    });
  }
}
