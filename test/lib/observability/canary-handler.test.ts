import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, Stack } from 'aws-cdk-lib';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as synthetics from 'aws-cdk-lib/aws-synthetics';
import { mockClient } from 'aws-sdk-client-mock';
import {
  httpStepOptions,
  journeyPath,
  probe,
  resolveStoreUrl,
  syntheticsStepRunner,
  type HttpStepOptions,
  type SyntheticsLibrary,
} from '../../../lib/observability/canary/handler';
import { CANARY_RUNTIME, STORE_PROBE_HANDLER, storeProbeCode } from '../../../lib/observability/canary-code';
import { FakeStore, PRODUCT_ID } from './fake-store';

const ssm = mockClient(SSMClient);
afterEach(() => ssm.reset());

describe('which store a canary probes', () => {
  test('STORE_URL wins and needs no SSM call', async () => {
    await expect(resolveStoreUrl({ STORE_URL: 'https://us-east-1.shop.example.com' }, () => new SSMClient({}))).resolves.toBe('https://us-east-1.shop.example.com');
    expect(ssm.calls()).toHaveLength(0);
  });

  test('another Region\'s URL is read from that Region\'s parameter, with a client of that Region', async () => {
    ssm.on(GetParameterCommand, { Name: '/retail/platform/store-url' }).resolves({ Parameter: { Value: 'http://peer-alb.us-west-2.elb.amazonaws.com' } });
    const regions: string[] = [];
    const url = await resolveStoreUrl({ STORE_URL_PARAMETER: '/retail/platform/store-url', TARGET_REGION: 'us-west-2' }, (region) => {
      regions.push(region);
      return new SSMClient({ region });
    });
    expect(url).toBe('http://peer-alb.us-west-2.elb.amazonaws.com');
    expect(regions).toEqual(['us-west-2']);
  });

  test('a missing parameter value or configuration fails the run', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: {} });
    await expect(resolveStoreUrl({ STORE_URL_PARAMETER: '/p', TARGET_REGION: 'eu-west-1' }, () => new SSMClient({}))).rejects.toThrow('/p in eu-west-1 has no value');
    await expect(resolveStoreUrl({}, () => new SSMClient({}))).rejects.toThrow('needs STORE_URL');
  });
});

describe('Synthetics HTTP steps', () => {
  test('request options carry host, port, path with query and the body length', () => {
    const options = httpStepOptions({
      name: 'carts-add',
      method: 'POST',
      url: new URL('https://shop.example.com/cart?x=1'),
      headers: { Accept: 'text/html' },
      body: 'productId=a&quantity=1',
    });
    expect(options).toEqual({
      hostname: 'shop.example.com',
      method: 'POST',
      path: '/cart?x=1',
      port: 443,
      protocol: 'https:',
      headers: { Accept: 'text/html', 'Content-Length': '22' },
      body: 'productId=a&quantity=1',
    });
    expect(httpStepOptions({ name: 'home', method: 'GET', url: new URL('http://alb:8080/'), headers: {} }).port).toBe(8080);
  });

  function fakeLibrary(status: number, body: string, steps: string[]): SyntheticsLibrary {
    return {
      executeStep: async (name, fn) => {
        steps.push(name);
        return fn();
      },
      executeHttpStep: async (name, _options, callback) => {
        steps.push(name);
        const stream = new PassThrough();
        const response = Object.assign(stream, { statusCode: status, headers: { 'set-cookie': ['s=1'] } }) as unknown as IncomingMessage;
        const done = callback(response);
        stream.end(body);
        // Like the runtime: a rejected callback marks the step failed, the run goes on.
        await done.catch(() => undefined);
      },
    };
  }

  test('the response reaches the journey, and a failed check fails the step and the journey', async () => {
    const steps: string[] = [];
    const run = syntheticsStepRunner(fakeLibrary(200, 'hello', steps));
    const request = { name: 'home', method: 'GET' as const, url: new URL('https://s.example/'), headers: {} };
    await expect(run(request, () => undefined)).resolves.toEqual({ status: 200, headers: { 'set-cookie': ['s=1'] }, body: 'hello' });
    await expect(run(request, () => { throw new Error('home: HTTP 200 is not enough'); })).rejects.toThrow('home: HTTP 200 is not enough');
    expect(steps).toEqual(['home', 'home']);
  });

  test('probe resolves the URL as a step, then walks the journey', async () => {
    const steps: string[] = [];
    const store = new FakeStore();
    const library: SyntheticsLibrary = {
      executeStep: async (name, fn) => {
        steps.push(name);
        return fn();
      },
      executeHttpStep: async (name, options: HttpStepOptions, callback) => {
        steps.push(name);
        const answer = store.handle({ method: options.method, path: options.path, ...(options.headers.Cookie !== undefined ? { cookie: options.headers.Cookie } : {}), ...(options.body !== undefined ? { body: options.body } : {}) });
        const stream = new PassThrough();
        const done = callback(Object.assign(stream, { statusCode: answer.status, headers: answer.headers }) as unknown as IncomingMessage);
        stream.end(answer.body);
        await done;
      },
    };
    const summary = await probe({ STORE_URL: 'https://shop.example.com', JOURNEY: 'order' }, library, () => new SSMClient({}));
    expect(steps[0]).toBe('resolve-store-url');
    expect(steps).toContain('orders');
    expect(summary).toMatch(/^https:\/\/shop\.example\.com \(order\): home, catalog/);
    expect(store.orders).toHaveLength(1);
  });
});

describe('which journey a canary walks', () => {
  test('read or order, as configured', () => {
    expect(journeyPath({ JOURNEY: 'read' })).toBe('read');
    expect(journeyPath({ JOURNEY: 'order' })).toBe('order');
  });

  test('a missing or unknown journey is an error naming the variable and the allowed values, never a default', () => {
    expect(() => journeyPath({})).toThrow('JOURNEY must be one of read, order, got nothing');
    expect(() => journeyPath({ JOURNEY: 'true' })).toThrow('JOURNEY must be one of read, order, got "true"');
  });
});

/**
 * The bundle CDK uploads, run in a separate Node.js process with a stand-in Synthetics module (under
 * the name the runtime provides it as)
 * that does what the runtime's does (HTTP request, then the step callback) against a fake store
 * on the loopback interface.
 */
describe('the synthesized canary bundle', () => {
  let server: Server;
  let store: FakeStore;
  let workDir: string;

  beforeAll(async () => {
    store = new FakeStore();
    server = createServer((request, response) => {
      const chunks: Uint8Array[] = [];
      request.on('data', (chunk: Uint8Array) => chunks.push(chunk));
      request.on('end', () => {
        const answer = store.handle({
          method: request.method ?? 'GET',
          path: request.url ?? '/',
          ...(typeof request.headers.cookie === 'string' ? { cookie: request.headers.cookie } : {}),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        response.writeHead(answer.status, Object.fromEntries(Object.entries(answer.headers).filter(([, value]) => value !== undefined)) as Record<string, string | string[]>);
        response.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

    const app = new App();
    const stack = new Stack(app, 'Bundle');
    storeProbeCode().bind(stack, STORE_PROBE_HANDLER, synthetics.RuntimeFamily.NODEJS, CANARY_RUNTIME.name);
    const asset = stack.node.findChild('Code') as s3assets.Asset;
    workDir = mkdtempSync(join(tmpdir(), 'canary-bundle-'));
    cpSync(join(app.outdir, asset.assetPath), workDir, { recursive: true });
    // Only the module name the runtime provides (syn-nodejs-puppeteer-13.1 and later) exists: a
    // bundle requiring the legacy `Synthetics` fails to run.
    mkdirSync(join(workDir, 'nodejs', 'node_modules', '@aws', 'synthetics-puppeteer'), { recursive: true });
    writeFileSync(join(workDir, 'nodejs', 'node_modules', '@aws', 'synthetics-puppeteer', 'index.js'), `
      const http = require('http');
      exports.executeStep = async (name, fn) => fn();
      exports.executeHttpStep = (name, options, callback) => new Promise((resolve, reject) => {
        const request = http.request(options, (response) => { callback(response).then(resolve, reject); });
        request.on('error', reject);
        if (options.body !== undefined) request.write(options.body);
        request.end();
      });
    `);
  }, 60_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(workDir, { recursive: true, force: true });
  });

  function runBundle(journey: string): Promise<string> {
    const { port } = server.address() as AddressInfo;
    const bundle = join(workDir, 'nodejs', 'node_modules', 'store-probe.js');
    return new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['-e', `require(${JSON.stringify(bundle)}).handler().then((r) => console.log(r), (e) => { console.error(e); process.exit(1); })`], {
        env: { PATH: process.env.PATH ?? '', STORE_URL: `http://127.0.0.1:${port}`, JOURNEY: journey },
        timeout: 30_000,
      }, (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(`${error.message}\n${stderr}`))));
    });
  }

  test('the read journey walks home, catalog and cart and places no order', async () => {
    const before = store.orders.length;
    const output = await runBundle('read');
    expect(output).toContain('(read): home, catalog, carts-add, carts');
    expect(store.orders).toHaveLength(before);
    expect(store.requests.some((request) => request.path === '/cart' && request.body?.includes(PRODUCT_ID) === true)).toBe(true);
  }, 60_000);

  test('the order journey places one order through the ui of the store it is pointed at', async () => {
    const before = store.orders.length;
    const output = await runBundle('order');
    expect(output).toContain('(order): home, catalog, carts-add, carts, checkout, checkout-shipping, checkout-delivery, orders');
    expect(store.orders).toHaveLength(before + 1);
  }, 60_000);
});
