import * as path from 'path';
import { DockerImage } from 'aws-cdk-lib';
import * as synthetics from 'aws-cdk-lib/aws-synthetics';
import { buildSync } from 'esbuild';

/** The canary's handler as Synthetics names it: `nodejs/node_modules/store-probe.js`, export `handler`. */
export const STORE_PROBE_HANDLER = 'store-probe.handler';

const SOURCE_DIR = path.join(__dirname, 'canary');

/**
 * The store canary script, written in TypeScript and bundled at synth time with esbuild (already
 * required by NodejsFunction). The SSM client is bundled so the canary runs the SDK version the
 * tests ran against; `Synthetics` and `SyntheticsLogger` come from the runtime and stay external.
 * The legacy `nodejs/node_modules/` layout is accepted by every Node.js Synthetics runtime.
 */
export function storeProbeCode(): synthetics.Code {
  return synthetics.Code.fromAsset(SOURCE_DIR, {
    bundling: {
      // Never pulled: local bundling below always succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
      local: {
        tryBundle(outputDir: string): boolean {
          buildSync({
            entryPoints: [path.join(SOURCE_DIR, 'handler.ts')],
            outfile: path.join(outputDir, 'nodejs', 'node_modules', 'store-probe.js'),
            bundle: true,
            platform: 'node',
            target: 'node22',
            format: 'cjs',
            minify: true,
            legalComments: 'none',
            external: ['Synthetics', 'SyntheticsLogger'],
            logLevel: 'error',
          });
          return true;
        },
      },
    },
  });
}
