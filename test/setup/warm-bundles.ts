/**
 * Jest global setup for the unit tests: synthesizes the default platform once before the workers
 * start, so every Lambda, canary and task bundle is in the content-hash cache (lib/common/bundle.ts)
 * and no two workers build the same bundle at the same time.
 */
import { App } from 'aws-cdk-lib';
import { resolveConfig } from '../../lib/config/resolve';
import { buildPlatform } from '../../lib/platform';

export default function warmBundles(): void {
  const app = new App({ builtinCloudFormationValidation: false, autoSynth: false });
  buildPlatform(app, resolveConfig({ account: '123456789012' }));
}
