import {
  CookieJar,
  JOURNEY_STEPS,
  ProbeError,
  SYNTHETIC_ORDER,
  firstDeliveryToken,
  firstProductId,
  isSuccessOrRedirect,
  runStoreJourney,
  type ProbeRequest,
  type ProbeResponse,
  type JourneyPath,
  type StepRunner,
} from '../../../lib/observability/canary/store-probe';
import { FakeStore, PRODUCT_ID, SESSION_COOKIE, type FakeStoreOptions } from './fake-store';

/** Runs each step against the fake store, failing the step like the Synthetics runner does. */
function runnerFor(store: FakeStore, seen: ProbeRequest[] = []): StepRunner {
  return async (request, check) => {
    seen.push(request);
    const response: ProbeResponse = store.handle({
      method: request.method,
      path: `${request.url.pathname}${request.url.search}`,
      ...(request.headers.Cookie !== undefined ? { cookie: request.headers.Cookie } : {}),
      ...(request.body !== undefined ? { body: request.body } : {}),
    });
    check(response);
    return response;
  };
}

async function journey(options: FakeStoreOptions = {}, path: JourneyPath = 'order') {
  const store = new FakeStore(options);
  const seen: ProbeRequest[] = [];
  const result = await runStoreJourney('https://shop.example.com', runnerFor(store, seen), { path }).catch((error: unknown) => error);
  return { store, seen, result };
}

describe('store journey', () => {
  test('walks every backend through the ui and places one synthetic order', async () => {
    const { store, seen, result } = await journey();
    expect(result).toEqual({
      steps: ['home', 'catalog', 'carts-add', 'carts', 'checkout', 'checkout-shipping', 'checkout-delivery', 'orders'],
      productId: PRODUCT_ID,
    });
    expect(seen.map((request) => `${request.method} ${request.url.pathname}`)).toEqual([
      'GET /', 'GET /catalog', 'POST /cart', 'GET /cart', 'GET /checkout', 'POST /checkout', 'POST /checkout/delivery', 'POST /checkout/payment',
    ]);
    expect(seen.every((request) => request.url.host === 'shop.example.com')).toBe(true);
    expect(store.orders).toHaveLength(1);
    expect(store.orders[0]?.cardNumber).toMatch(/^[0-9]{16}$/);
  });

  test('keeps the session cookie from the first answer on every later request', async () => {
    const { seen } = await journey();
    expect(seen[0]?.headers.Cookie).toBeUndefined();
    expect(seen.slice(1).every((request) => request.headers.Cookie === SESSION_COOKIE)).toBe(true);
  });

  test('posts forms: the product to the cart, the synthetic address, the first delivery option', async () => {
    const { seen } = await journey();
    const body = (path: string) => new URLSearchParams(seen.find((request) => request.method === 'POST' && request.url.pathname === path)?.body ?? '');
    expect(body('/cart').get('productId')).toBe(PRODUCT_ID);
    expect(body('/checkout').get('email')).toBe(SYNTHETIC_ORDER.email);
    expect(body('/checkout').get('zipCode')).toBe(SYNTHETIC_ORDER.zip);
    expect(body('/checkout/delivery').get('token')).toBe('priority-mail');
    expect(seen.filter((request) => request.method === 'POST').every((request) => request.headers['Content-Type'] === 'application/x-www-form-urlencoded')).toBe(true);
  });

  test.each([
    ['catalog', 'catalog'],
    ['carts', 'carts-add'],
    ['checkout', 'checkout'],
    ['orders', 'orders'],
  ] as const)('a broken %s backend fails the journey at step %s and stops there', async (broken, step) => {
    const { seen, result } = await journey({ broken });
    expect(result).toBeInstanceOf(ProbeError);
    expect((result as Error).message).toMatch(new RegExp(`^${step}: .*HTTP 500`));
    expect(seen[seen.length - 1]?.name).toBe(step);
  });

  test('a payment form that comes back means no order: the orders step fails', async () => {
    const { store, result } = await journey({ rejectPayment: true });
    expect((result as Error).message).toMatch(/^orders: the payment form came back/);
    expect(store.orders).toHaveLength(0);
  });

  test('the read path is home, catalog and cart: no checkout, no order, nothing through the global writer', async () => {
    const { store, seen, result } = await journey({}, 'read');
    expect((result as { steps: string[] }).steps).toEqual(['home', 'catalog', 'carts-add', 'carts']);
    expect(seen.map((request) => request.url.pathname)).toEqual(['/', '/catalog', '/cart', '/cart']);
    expect(store.orders).toHaveLength(0);
  });

  test.each([
    ['checkout', 'read', 'succeeds'],
    ['orders', 'read', 'succeeds'],
    ['catalog', 'read', 'fails'],
    ['carts', 'read', 'fails'],
    ['orders', 'order', 'fails'],
  ] as const)('a broken %s backend: the %s path %s', async (broken, path, outcome) => {
    const { result } = await journey({ broken }, path);
    expect(result instanceof ProbeError ? 'fails' : 'succeeds').toBe(outcome);
  });

  test('each path reports exactly its documented steps', async () => {
    for (const path of ['read', 'order'] as const) {
      const { result } = await journey({}, path);
      expect((result as { steps: string[] }).steps).toEqual(JOURNEY_STEPS[path]);
    }
  });

  test('an empty catalog fails the catalog step with the reason', async () => {
    const run: StepRunner = async (request, check) => {
      const response = { status: 200, headers: {}, body: request.url.pathname === '/catalog' ? '<p>No products</p>' : '<p>ok</p>' };
      check(response);
      return response;
    };
    await expect(runStoreJourney('http://store.example', run, { path: 'read' })).rejects.toThrow('catalog: the catalog page lists no product');
  });
});

describe('page parsing', () => {
  test('the first product link, not a tag filter', () => {
    expect(firstProductId('<a href="/catalog?tag=a">x</a><a href="/catalog/abc-123">y</a>')).toBe('abc-123');
    expect(firstProductId('<a href="/cart">x</a>')).toBeUndefined();
  });

  test('the first radio input carries the delivery token, whatever the attribute order', () => {
    expect(firstDeliveryToken('<input type="text" value="x"/><input class="a" value="fast" type="radio"/>')).toBe('fast');
    expect(firstDeliveryToken('<input type="text" value="x"/>')).toBeUndefined();
  });

  test('redirects count as success for form posts only', () => {
    expect(isSuccessOrRedirect(303)).toBe(true);
    expect(isSuccessOrRedirect(404)).toBe(false);
  });

  test('the cookie jar keeps the latest value of each cookie', () => {
    const jar = new CookieJar();
    expect(jar.header()).toBeUndefined();
    jar.remember({ 'set-cookie': ['a=1; Path=/', 'b=2'] });
    jar.remember({ 'set-cookie': 'a=3; HttpOnly' });
    expect(jar.header()).toBe('a=3; b=2');
  });
});
