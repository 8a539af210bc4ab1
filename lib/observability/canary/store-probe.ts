/**
 * The store journeys a canary walks through the ui service, one HTTP step per backend.
 *
 * - `read`: home → catalog (catalog service and its database) → add to cart and view the cart
 *   (carts service, the Region's DynamoDB replica). Nothing here writes through the Aurora global
 *   writer, so it tells whether *this* Region serves, whichever Region holds the writer.
 * - `order`: the read path, then start a checkout (checkout service and its Valkey cache) →
 *   shipping → delivery → payment, which submits the order (orders service, the Aurora PostgreSQL
 *   writer, forwarded from the Region's member, and the Region's RabbitMQ broker): the writer's health as seen from a Region.
 *
 * The ui has no read-only orders page, so submitting an order is the only way to exercise orders
 * through the ui. Canary orders carry a recognisable address (see SYNTHETIC_ORDER) so that reports
 * and the reconcile tooling can tell them from customers' orders.
 *
 * Pure logic: the HTTP transport is injected, so the journey is unit-tested without Synthetics.
 */

export type HttpMethod = 'GET' | 'POST';

export interface ProbeRequest {
  /** The step name shown in the canary's report. */
  readonly name: string;
  readonly method: HttpMethod;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface ProbeResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: string;
}

/**
 * Sends one request as one canary step. `check` throws to fail the step; the runner must then
 * reject, so that the journey stops at the first broken backend and says which one.
 */
export type StepRunner = (request: ProbeRequest, check: (response: ProbeResponse) => void) => Promise<ProbeResponse>;

/** `read`: home, catalog, cart. `order`: the read path, then checkout and a submitted order. */
export type JourneyPath = 'read' | 'order';

export const JOURNEY_PATHS: readonly JourneyPath[] = ['read', 'order'];

/** The steps of each path, in order (the step names the canary reports). */
export const JOURNEY_STEPS: Readonly<Record<JourneyPath, readonly string[]>> = {
  read: ['home', 'catalog', 'carts-add', 'carts'],
  order: ['home', 'catalog', 'carts-add', 'carts', 'checkout', 'checkout-shipping', 'checkout-delivery', 'orders'],
};

export interface JourneyOptions {
  readonly path: JourneyPath;
}

export interface JourneyReport {
  readonly steps: readonly string[];
  readonly productId: string;
}

/** The address canary orders are placed with: the `.invalid` domain can never receive mail. */
export const SYNTHETIC_ORDER = {
  firstName: 'Synthetic',
  lastName: 'Canary',
  email: 'canary@synthetics.invalid',
  address1: '1 Canary Way',
  city: 'Probe',
  state: 'WA',
  zip: '98101',
} as const;

/** The ui's payment form validates these formats (16 digits, MM/YY, 3 digits). */
const SYNTHETIC_PAYMENT = {
  cardHolder: 'Synthetic Canary',
  cardNumber: '4111111111111111',
  expiryDate: '01/35',
  cvc: '123',
} as const;

export class ProbeError extends Error {
  constructor(step: string, detail: string) {
    super(`${step}: ${detail}`);
    this.name = 'ProbeError';
  }
}

/** Carries the ui's session cookie from step to step, as a browser would. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  remember(headers: ProbeResponse['headers']): void {
    const raw = headers['set-cookie'];
    const values = raw === undefined ? [] : typeof raw === 'string' ? [raw] : [...raw];
    for (const value of values) {
      const pair = value.split(';')[0] ?? '';
      const separator = pair.indexOf('=');
      if (separator > 0) {
        this.cookies.set(pair.slice(0, separator).trim(), pair.slice(separator + 1).trim());
      }
    }
  }

  header(): string | undefined {
    if (this.cookies.size === 0) {
      return undefined;
    }
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** A form POST answered with a redirect (the ui's `redirect:` views answer 303) is a success too. */
export function isSuccessOrRedirect(status: number): boolean {
  return status >= 200 && status < 400;
}

/** The first product linked from the catalog page (`href="/catalog/<id>"`). */
export function firstProductId(html: string): string | undefined {
  const match = /href="\/catalog\/([A-Za-z0-9][A-Za-z0-9_-]*)"/.exec(html);
  return match?.[1];
}

/** The first delivery option of the delivery form (radio inputs carrying the shipping token). */
export function firstDeliveryToken(html: string): string | undefined {
  for (const input of html.match(/<input\b[^>]*>/g) ?? []) {
    if (/\btype="radio"/.test(input)) {
      const value = /\bvalue="([^"]+)"/.exec(input);
      if (value?.[1] !== undefined) {
        return value[1];
      }
    }
  }
  return undefined;
}

function form(fields: Readonly<Record<string, string>>): string {
  return new URLSearchParams(fields).toString();
}

/**
 * Walks the journey against `baseUrl` (`https://host` or `http://host`). Resolves with the steps
 * taken; rejects with the first failing step.
 */
export async function runStoreJourney(baseUrl: string, run: StepRunner, options: JourneyOptions): Promise<JourneyReport> {
  const base = new URL(baseUrl);
  const jar = new CookieJar();
  const steps: string[] = [];

  const step = async (
    name: string,
    method: HttpMethod,
    path: string,
    accept: (status: number) => boolean,
    validate: (response: ProbeResponse) => void = () => undefined,
    body?: Readonly<Record<string, string>>,
  ): Promise<ProbeResponse> => {
    const cookie = jar.header();
    const headers: Record<string, string> = { Accept: 'text/html' };
    if (cookie !== undefined) {
      headers.Cookie = cookie;
    }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const request: ProbeRequest = {
      name,
      method,
      url: new URL(path, base),
      headers,
      ...(body !== undefined ? { body: form(body) } : {}),
    };
    const response = await run(request, (received) => {
      if (!accept(received.status)) {
        throw new ProbeError(name, `${method} ${path} answered HTTP ${received.status}`);
      }
      validate(received);
    });
    jar.remember(response.headers);
    steps.push(name);
    return response;
  };

  await step('home', 'GET', '/', isSuccess);

  let productId: string | undefined;
  await step('catalog', 'GET', '/catalog', isSuccess, (response) => {
    productId = firstProductId(response.body);
    if (productId === undefined) {
      throw new ProbeError('catalog', 'the catalog page lists no product (catalog service or its database)');
    }
  });
  const product = productId ?? '';

  await step('carts-add', 'POST', '/cart', isSuccessOrRedirect, undefined, { productId: product, quantity: '1' });
  await step('carts', 'GET', '/cart', isSuccess, (response) => {
    if (!response.body.includes(product)) {
      throw new ProbeError('carts', `the cart does not show product ${product} (carts service or its table)`);
    }
  });

  if (options.path === 'read') {
    return { steps, productId: product };
  }

  await step('checkout', 'GET', '/checkout', isSuccess);
  let token: string | undefined;
  await step('checkout-shipping', 'POST', '/checkout', isSuccess, (response) => {
    token = firstDeliveryToken(response.body);
    if (token === undefined) {
      throw new ProbeError('checkout-shipping', 'no delivery option offered (checkout service)');
    }
  }, { ...SYNTHETIC_ORDER, zipCode: SYNTHETIC_ORDER.zip });
  await step('checkout-delivery', 'POST', '/checkout/delivery', isSuccess, undefined, { token: token ?? '' });
  await step('orders', 'POST', '/checkout/payment', isSuccess, (response) => {
    // A rejected payment form is rendered again with HTTP 200: the order was not placed.
    if (response.body.includes('action="/checkout/payment"')) {
      throw new ProbeError('orders', 'the payment form came back instead of the order confirmation');
    }
  }, SYNTHETIC_PAYMENT);

  return { steps, productId: product };
}
