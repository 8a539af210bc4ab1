import type { ProbeResponse } from '../../../lib/observability/canary/store-probe';

/**
 * A stand-in for the retail store's ui, answering the way its controllers do: a session cookie on
 * the first visit, product links on the catalog page, a 303 after adding to the cart, delivery
 * options after the shipping form, and the order page after payment. One backend can be "broken".
 */
export type Backend = 'catalog' | 'carts' | 'checkout' | 'orders';

export interface FakeStoreOptions {
  readonly broken?: Backend;
  /** Answer the payment with the payment form again (a validation failure). */
  readonly rejectPayment?: boolean;
}

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly cookie?: string;
  readonly body?: string;
}

export const PRODUCT_ID = '510a0d7e-8e83-4193-b483-e27e09ddc34d';
export const SESSION_COOKIE = 'SESSIONID=abc123';

export class FakeStore {
  readonly requests: FakeRequest[] = [];
  readonly orders: Record<string, string>[] = [];
  private readonly carts = new Map<string, string[]>();

  constructor(private readonly options: FakeStoreOptions = {}) {}

  handle(request: FakeRequest): ProbeResponse {
    this.requests.push(request);
    const session = request.cookie?.includes(SESSION_COOKIE) === true ? 'abc123' : undefined;
    const headers: Record<string, string | string[]> = session === undefined ? { 'set-cookie': [`${SESSION_COOKIE}; Path=/; HttpOnly`] } : {};
    const page = (body: string, status = 200): ProbeResponse => ({ status, headers, body });
    const fail = (backend: Backend): ProbeResponse | undefined => (this.options.broken === backend ? page('<h1>Something went wrong</h1>', 500) : undefined);
    const cartOf = (): string[] => this.carts.get(session ?? '') ?? [];

    const key = `${request.method} ${request.path}`;
    switch (key) {
      case 'GET /':
        return page('<html><a href="/catalog">Shop</a></html>');
      case 'GET /catalog':
        return fail('catalog') ?? page(`<div><a href="/catalog/${PRODUCT_ID}">Watch</a><a href="/catalog?tag=x">Tag</a></div>`);
      case 'POST /cart': {
        const failed = fail('carts');
        if (failed !== undefined) return failed;
        const productId = new URLSearchParams(request.body ?? '').get('productId') ?? '';
        this.carts.set(session ?? '', [...cartOf(), productId]);
        return { status: 303, headers: { ...headers, location: '/cart' }, body: '' };
      }
      case 'GET /cart':
        return fail('carts') ?? page(`<ul>${cartOf().map((id) => `<li data-product="${id}">${id}</li>`).join('')}</ul>`);
      case 'GET /checkout':
        return fail('checkout') ?? page('<form action="/checkout" method="POST"></form>');
      case 'POST /checkout':
        return fail('checkout') ?? page('<form action="/checkout/delivery"><input type="radio" name="token" value="priority-mail" id="token1"/><input type="radio" name="token" value="ground" id="token2"/></form>');
      case 'POST /checkout/delivery':
        return fail('checkout') ?? page('<form action="/checkout/payment" method="POST"></form>');
      case 'POST /checkout/payment': {
        const failed = fail('orders');
        if (failed !== undefined) return failed;
        if (this.options.rejectPayment === true) return page('<form action="/checkout/payment" method="POST"><p>Invalid card number</p></form>');
        this.orders.push(Object.fromEntries(new URLSearchParams(request.body ?? '')));
        return page('<h1>Order confirmed</h1>');
      }
      default:
        return page('not found', 404);
    }
  }
}
