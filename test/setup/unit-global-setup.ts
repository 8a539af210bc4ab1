/**
 * Jest global setup for the unit tests:
 * - synthesizes the default platform once before the workers start, so every Lambda, canary and
 *   task bundle is in the content-hash cache (lib/common/bundle.ts) and no two workers build the
 *   same bundle at once;
 * - creates this run's template cache (test/helpers/assemblies.ts): each configuration is
 *   synthesized once per run, whichever test file asks first.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { resolveConfig } from '../../lib/config/resolve';
import { buildPlatform } from '../../lib/platform';
import { TEMPLATE_CACHE_ENV } from '../helpers/assemblies';

export default function unitGlobalSetup(): void {
  const app = new App({ builtinCloudFormationValidation: false, autoSynth: false });
  buildPlatform(app, resolveConfig({ account: '123456789012' }));
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-templates-'));
  process.env[TEMPLATE_CACHE_ENV] = directory;
}
