/**
 * What the canary construct and the canary script agree on: the runtime's module names and the
 * environment variables each canary is configured with. Kept free of imports so the CDK app can
 * use it without loading the script's SDK clients.
 */

/**
 * The Synthetics library's module name in `syn-nodejs-puppeteer-13.1` and later: the runtime renamed
 * `Synthetics` to `@aws/synthetics-puppeteer` and `SyntheticsLogger` to `@aws/synthetics-logger`
 * (CloudWatch User Guide, "Runtime versions using Node.js and Puppeteer"). Only the runtime provides
 * them, so the bundle keeps them external.
 */
export const SYNTHETICS_MODULE = '@aws/synthetics-puppeteer';
export const SYNTHETICS_LOGGER_MODULE = '@aws/synthetics-logger';

/** The canary's environment. */
export const CANARY_ENV = {
  /** The store to probe, given directly (this Region's store, or the global name). */
  storeUrl: 'STORE_URL',
  /** For another Region's store: the SSM parameter holding its URL, read in `targetRegion`. */
  storeUrlParameter: 'STORE_URL_PARAMETER',
  targetRegion: 'TARGET_REGION',
  /** Which journey to walk: `read` or `order` (store-probe.ts). */
  journey: 'JOURNEY',
} as const;
