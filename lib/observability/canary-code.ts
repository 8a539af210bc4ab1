import * as path from 'path';
import * as synthetics from 'aws-cdk-lib/aws-synthetics';
import { bundle } from '../common/bundle';
import { SYNTHETICS_LOGGER_MODULE, SYNTHETICS_MODULE } from './canary/contract';

/**
 * The canaries' runtime: the newest Node.js + Puppeteer Synthetics runtime (aws-cdk-lib 2.276 names
 * versions up to 13.0 only, hence the explicit name). From 13.1 on the runtime's modules are
 * `@aws/synthetics-puppeteer` and `@aws/synthetics-logger` (the legacy `Synthetics` names are
 * deprecated); from 11.0 on the script may sit at the root of the asset or, as here, in the
 * `nodejs/node_modules/` layout every Node.js runtime accepts.
 */
export const CANARY_RUNTIME = new synthetics.Runtime('syn-nodejs-puppeteer-15.0', synthetics.RuntimeFamily.NODEJS);

/** The canary's handler as Synthetics names it: `nodejs/node_modules/store-probe.js`, export `handler`. */
export const STORE_PROBE_HANDLER = 'store-probe.handler';

const ENTRY = path.join(__dirname, 'canary', 'handler.ts');

/**
 * The store canary script, written in TypeScript and bundled at synth time (lib/common/bundle.ts).
 * The SSM client is bundled so the canary runs the SDK version the tests ran against; the
 * Synthetics library and logger come from the runtime and stay external. The asset is a plain
 * directory, so it stages the same way whether or not the CLI bundles this stack (`cdk ls`,
 * `--exclusively`).
 */
export function storeProbeCode(): synthetics.Code {
  const code = bundle({
    entry: ENTRY,
    outputFile: path.join('nodejs', 'node_modules', 'store-probe.js'),
    // The runtime's Lambda Node.js is 22 or newer.
    target: 'node22',
    external: [SYNTHETICS_MODULE, SYNTHETICS_LOGGER_MODULE],
  });
  return synthetics.Code.fromAsset(code.directory);
}
