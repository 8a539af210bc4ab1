/**
 * A database that stops answering cannot hold the report: through a loopback proxy that
 * goes silent (keeps the connection open, forwards nothing), a query fails after the
 * URL's query_timeout naming the database and the table, the connection is dropped and
 * closing returns at once; a database that accepts and never completes the handshake
 * fails within connect_timeout. Real PostgreSQL and MariaDB behind the proxy.
 */
import * as net from 'net';
import { ReconcileError, parseConnectionUrl, reconcile } from '../../lib/reconcile/engine';
import type { EngineName } from '../../lib/reconcile/engine';
import { MysqlSide } from '../../lib/reconcile/engine/mysql';
import { PostgresSide } from '../../lib/reconcile/engine/postgres';
import type { Side } from '../../lib/reconcile/engine/side';
import { createPair, server } from './helpers';
import { serverUrl } from './setup/servers';

jest.setTimeout(60_000);

/** Forwards loopback connections to a server until `silence()`; then keeps them open and forwards nothing. */
class SilentProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private silent = false;

  constructor(target: { host: string; port: number }, forward = true) {
    this.server = net.createServer((client) => {
      this.sockets.add(client);
      client.on('error', () => undefined);
      client.on('close', () => this.sockets.delete(client));
      if (!forward) return;
      const upstream = net.connect(target.port, target.host);
      this.sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('data', (d: Uint8Array) => {
        if (!this.silent) upstream.write(d);
      });
      upstream.on('data', (d: Uint8Array) => {
        if (!this.silent) client.write(d);
      });
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  silence(): void {
    this.silent = true;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function viaProxy(url: string, port: number, params: string): string {
  const u = new URL(url);
  u.host = `127.0.0.1:${port}`;
  u.search = params;
  return u.toString();
}

async function openSide(engine: EngineName, url: string): Promise<Side> {
  const spec = parseConnectionUrl(engine, url, '--old');
  return engine === 'postgres' ? PostgresSide.open('old', spec, 'public') : MysqlSide.open('old', spec);
}

describe.each(['postgres', 'mysql'] as const)('%s: a database that stops answering', (engine) => {
  it('fails the query after query_timeout, naming the database and table, and closes at once', async () => {
    const pair = await createPair(engine, `${engine === 'postgres' ? 'pg' : 'my'}_silent`, ['CREATE TABLE t (id int PRIMARY KEY, v varchar(10))', engine === 'postgres' ? "INSERT INTO t SELECT g, 'v' FROM generate_series(1, 100) g" : "INSERT INTO t SELECT seq, 'v' FROM seq_1_to_100"]);
    const info = server(engine);
    const proxy = new SilentProxy(info);
    const port = await proxy.start();
    try {
      const side = await openSide(engine, viaProxy(pair.oldUrl, port, '?query_timeout=2'));
      const [meta] = await side.listTables();
      expect((await side.checksums(meta, { lower: null, upper: null }, []))[0].count).toBe(100);
      proxy.silence();
      const started = Date.now();
      const failed = side.checksums(meta, { lower: null, upper: null }, []);
      await expect(failed).rejects.toThrow(ReconcileError);
      const table = engine === 'postgres' ? '"public"."t"' : `\`${pair.oldDb}\`.\`t\``;
      await expect(failed).rejects.toThrow(
        `old database (127.0.0.1:${port}/${pair.oldDb}): no answer within 2 s to a query on ${table}: the server or the network to it stopped answering, ` +
          'and the connection was dropped. If a query there legitimately takes longer, raise query_timeout=<seconds> in the --old URL.',
      );
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(1_900);
      expect(waited).toBeLessThan(10_000);
      // Later queries fail at once; closing does not wait for the silent server.
      await expect(side.countRows(meta)).rejects.toThrow('old database connection lost');
      const closing = Date.now();
      await side.close();
      expect(Date.now() - closing).toBeLessThan(1_000);
    } finally {
      await proxy.stop();
    }
  });

  it('stops the read check when the connection goes silent, rather than listing tables as unreadable', async () => {
    const pair = await createPair(engine, `${engine === 'postgres' ? 'pg' : 'my'}_silent_probe`, ['CREATE TABLE a (id int PRIMARY KEY)', 'CREATE TABLE b (id int PRIMARY KEY)']);
    const proxy = new SilentProxy(server(engine));
    const port = await proxy.start();
    try {
      const side = await openSide(engine, viaProxy(pair.oldUrl, port, '?query_timeout=1'));
      const tables = await side.listTables();
      proxy.silence();
      await expect(side.readProblems(tables)).rejects.toThrow(/no answer within 1 s/);
      await side.close();
    } finally {
      await proxy.stop();
    }
  });

  it('fails the run within connect_timeout when the database accepts and never answers', async () => {
    const pair = await createPair(engine, `${engine === 'postgres' ? 'pg' : 'my'}_mute`, ['CREATE TABLE t (id int PRIMARY KEY)']);
    const mute = new SilentProxy(server(engine), false);
    const port = await mute.start();
    try {
      const started = Date.now();
      const run = reconcile({ engine, old: viaProxy(pair.oldUrl, port, '?connect_timeout=1'), new: serverUrl(server(engine), pair.newDb), outDir: '/nonexistent-never-written' });
      await expect(run).rejects.toThrow(/cannot connect to the old database \(127\.0\.0\.1:\d+\/\w+\)/);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await mute.stop();
    }
  });
});
