import type { IncomingMessage } from 'http';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CANARY_ENV, SYNTHETICS_MODULE } from './contract';
import { JOURNEY_PATHS, runStoreJourney, type JourneyPath, type ProbeRequest, type ProbeResponse, type StepRunner } from './store-probe';

/**
 * Entry point of the store canaries (bundled by esbuild at synth time; the Synthetics library is
 * provided by the CloudWatch Synthetics runtime and left external).
 *
 * The target comes from the canary's environment: `STORE_URL` (this Region's store or the global
 * name), or `STORE_URL_PARAMETER` + `TARGET_REGION` for another Region's store, read at run time
 * from that Region's SSM parameter, so that no Region's stack needs another Region's outputs.
 * `JOURNEY` says which path to walk (`read` or `order`, see store-probe.ts).
 */

/** The subset of the Synthetics library this canary uses. */
export interface SyntheticsLibrary {
  executeStep<T>(stepName: string, fn: () => Promise<T>): Promise<T>;
  executeHttpStep(
    stepName: string,
    requestOptions: HttpStepOptions,
    callback: (response: IncomingMessage) => Promise<void>,
    stepConfig?: HttpStepConfig,
  ): Promise<unknown>;
}

export interface HttpStepOptions {
  readonly hostname: string;
  readonly method: string;
  readonly path: string;
  readonly port: number;
  readonly protocol: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpStepConfig {
  readonly includeRequestHeaders: boolean;
  readonly includeResponseHeaders: boolean;
  readonly includeRequestBody: boolean;
  readonly includeResponseBody: boolean;
  readonly restrictedHeaders: readonly string[];
  readonly continueOnHttpStepFailure: boolean;
}

/** Session cookies are credentials of a sort: keep them out of the stored reports. */
const STEP_CONFIG: HttpStepConfig = {
  includeRequestHeaders: true,
  includeResponseHeaders: true,
  includeRequestBody: false,
  includeResponseBody: false,
  restrictedHeaders: ['cookie', 'set-cookie'],
  continueOnHttpStepFailure: false,
};

/** Pages of the ui are a few hundred kB at most; anything larger is cut rather than buffered. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** The canary's environment (a `process.env`-like map). */
export type ProbeEnvironment = Readonly<Record<string, string | undefined>>;

export type SsmClientFactory = (region: string) => SSMClient;

/** The URL to probe: given directly, or read from the target Region's own parameter. */
export async function resolveStoreUrl(env: ProbeEnvironment, ssmFor: SsmClientFactory): Promise<string> {
  const direct = env[CANARY_ENV.storeUrl];
  if (direct !== undefined && direct !== '') {
    return direct;
  }
  const parameter = env[CANARY_ENV.storeUrlParameter];
  const region = env[CANARY_ENV.targetRegion];
  if (parameter === undefined || region === undefined) {
    throw new Error(`The canary needs ${CANARY_ENV.storeUrl}, or ${CANARY_ENV.storeUrlParameter} and ${CANARY_ENV.targetRegion}`);
  }
  const response = await ssmFor(region).send(new GetParameterCommand({ Name: parameter }));
  const value = response.Parameter?.Value;
  if (value === undefined || value === '') {
    throw new Error(`${parameter} in ${region} has no value`);
  }
  return value;
}

export function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    response.on('data', (chunk: Uint8Array) => {
      if (size < MAX_BODY_BYTES) {
        chunks.push(chunk);
        size += chunk.length;
      }
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

export function httpStepOptions(request: ProbeRequest): HttpStepOptions {
  const https = request.url.protocol === 'https:';
  return {
    hostname: request.url.hostname,
    method: request.method,
    path: `${request.url.pathname}${request.url.search}`,
    port: request.url.port === '' ? (https ? 443 : 80) : Number(request.url.port),
    protocol: request.url.protocol,
    headers: request.body === undefined
      ? request.headers
      : { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) },
    ...(request.body !== undefined ? { body: request.body } : {}),
  };
}

/**
 * Each request is one Synthetics HTTP step (its own duration, status and report entry). A failed
 * check fails the step and is thrown again here, whatever the runtime does after a failed step,
 * so the journey stops at the broken backend.
 */
export function syntheticsStepRunner(synthetics: SyntheticsLibrary): StepRunner {
  return async (request, check) => {
    let received: ProbeResponse | undefined;
    let failure: unknown;
    await synthetics.executeHttpStep(request.name, httpStepOptions(request), async (response) => {
      const body = await readBody(response);
      received = { status: response.statusCode ?? 0, headers: response.headers, body };
      try {
        check(received);
      } catch (error) {
        failure = error;
        throw error;
      }
    }, STEP_CONFIG);
    if (failure !== undefined) {
      throw failure;
    }
    if (received === undefined) {
      throw new Error(`${request.name}: no response`);
    }
    return received;
  };
}

/** The journey the environment names; anything else is a configuration error, never a silent default. */
export function journeyPath(env: ProbeEnvironment): JourneyPath {
  const value = env[CANARY_ENV.journey];
  const path = JOURNEY_PATHS.find((candidate) => candidate === value);
  if (path === undefined) {
    throw new Error(`${CANARY_ENV.journey} must be one of ${JOURNEY_PATHS.join(', ')}, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  }
  return path;
}

export async function probe(env: ProbeEnvironment, synthetics: SyntheticsLibrary, ssmFor: SsmClientFactory): Promise<string> {
  const path = journeyPath(env);
  const url = await synthetics.executeStep('resolve-store-url', () => resolveStoreUrl(env, ssmFor));
  const report = await runStoreJourney(url, syntheticsStepRunner(synthetics), { path });
  return `${url} (${path}): ${report.steps.join(', ')}`;
}

export const handler = async (): Promise<string> => {
  // Provided by the Synthetics runtime only; loaded here so tests can import this module.
  const synthetics = require(SYNTHETICS_MODULE) as SyntheticsLibrary;
  const clients = new Map<string, SSMClient>();
  const ssmFor: SsmClientFactory = (region) => {
    const existing = clients.get(region);
    if (existing !== undefined) {
      return existing;
    }
    const client = new SSMClient({ region, maxAttempts: 2 });
    clients.set(region, client);
    return client;
  };
  return probe(process.env, synthetics, ssmFor);
};
