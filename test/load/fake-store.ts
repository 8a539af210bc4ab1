/**
 * A stand-in for the store's UI on 127.0.0.1 only: the routes and the markup the load test's
 * journeys rely on (links to /catalog/<id>, the delivery radio inputs, the order page), the
 * SESSIONID cookie, and a hard cap on requests so a runaway test cannot load the machine.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeStoreMode = 'healthy' | 'failing-checkout' | 'slow';

export interface FakeStore {
  readonly url: string;
  /** Requests served, by "METHOD path". */
  readonly hits: Map<string, number>;
  readonly total: () => number;
  close(): Promise<void>;
}

const PRODUCTS = ['6d62d909-f957-430e-8689-b5129c0bb75e', 'a1258cd2-176c-4507-ade6-746dab5ad625', '79bce3f3-935f-4912-8c62-0d2f3e059405'];
const page = (title: string, body: string) => `<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`;
const catalog = page('Catalog', PRODUCTS.map((id) => `<a href="/catalog/${id}">product</a>`).join(''));

function route(method: string, path: string, mode: FakeStoreMode): { status: number; body?: string; location?: string } {
  if (method === 'GET' && (path === '/' || path === '/home')) return { status: 200, body: page('Home', PRODUCTS.map((id) => `<a href="/catalog/${id}">p</a>`).join('')) };
  if (method === 'GET' && path === '/catalog') return { status: 200, body: catalog };
  if (method === 'GET' && path.startsWith('/catalog/') && PRODUCTS.includes(path.slice('/catalog/'.length))) {
    return { status: 200, body: page('Product', '<form action="/cart" method="POST"><input type="hidden" name="productId" value="x"/></form>') };
  }
  if (method === 'POST' && path === '/cart') // Spring WebFlux redirects after a POST with 303 See Other.
    return { status: 303, location: '/cart' };
  if (method === 'GET' && path === '/cart') return { status: 200, body: page('Cart', '<a href="/checkout">Checkout</a>') };
  if (method === 'GET' && path === '/checkout') return { status: 200, body: page('Shipping', '<form method="POST" action="/checkout"></form>') };
  if (method === 'POST' && path === '/checkout') {
    return { status: 200, body: page('Delivery', '<input type="radio" id="token1" name="token" value="priority-mail" class="peer sr-only"/>') };
  }
  if (method === 'POST' && path === '/checkout/delivery') return { status: 200, body: page('Payment', '<form method="POST" action="/checkout/payment"></form>') };
  if (method === 'POST' && path === '/checkout/payment') {
    return mode === 'failing-checkout' ? { status: 500, body: page('Error', 'Something went wrong') } : { status: 200, body: page('Order', '<h1>Order confirmed</h1>') };
  }
  return { status: 404, body: page('Not found', '') };
}

export async function startFakeStore(mode: FakeStoreMode, maxRequests: number): Promise<FakeStore> {
  const hits = new Map<string, number>();
  let total = 0;
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      total += 1;
      if (total > maxRequests) {
        response.writeHead(503).end();
        return;
      }
      const path = (request.url ?? '/').split('?')[0]!;
      const key = `${request.method ?? 'GET'} ${path.startsWith('/catalog/') ? '/catalog/<id>' : path}`;
      hits.set(key, (hits.get(key) ?? 0) + 1);
      const result = route(request.method ?? 'GET', path, mode);
      const headers: Record<string, string> = { 'content-type': 'text/html;charset=UTF-8' };
      if (!(request.headers.cookie ?? '').includes('SESSIONID=')) headers['set-cookie'] = `SESSIONID=${Math.random().toString(16).slice(2)}; Path=/`;
      if (result.location !== undefined) headers.location = result.location;
      const send = () => response.writeHead(result.status, headers).end(result.body ?? '');
      if (mode === 'slow') setTimeout(send, 2000);
      else send();
    });
  });
  // Loopback only: the load test must never reach anything else from here.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    total: () => total,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
