import * as path from 'path';
import * as synthetics from 'aws-cdk-lib/aws-synthetics';
import { bundle } from '../common/bundle';

/** The canary's handler as Synthetics names it: `nodejs/node_modules/store-probe.js`, export `handler`. */
export const STORE_PROBE_HANDLER = 'store-probe.handler';

const ENTRY = path.join(__dirname, 'canary', 'handler.ts');

/**
 * The store canary script, written in TypeScript and bundled at synth time (lib/common/bundle.ts)
 * into the `nodejs/node_modules/` layout every Node.js Synthetics runtime accepts. The SSM client
 * is bundled so the canary runs the SDK version the tests ran against; `Synthetics` and
 * `SyntheticsLogger` come from the runtime and stay external. The asset is a plain directory, so
 * it stages the same way whether or not the CLI bundles this stack (`cdk ls`, `--exclusively`).
 */
export function storeProbeCode(): synthetics.Code {
  const code = bundle({
    entry: ENTRY,
    outputFile: path.join('nodejs', 'node_modules', 'store-probe.js'),
    target: 'node22',
    external: ['Synthetics', 'SyntheticsLogger'],
  });
  return synthetics.Code.fromAsset(code.directory);
}
