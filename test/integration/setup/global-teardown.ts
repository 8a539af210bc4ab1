/** Stops the servers of global-setup.ts and removes their temp dirs (also after failed tests). */
import * as fs from 'fs';
import * as path from 'path';
import { stopServer } from './servers';
import { STATE_ENV } from './state';
import type { IntegrationState } from './state';

export default async function globalTeardown(): Promise<void> {
  const file = process.env[STATE_ENV];
  if (!file || !fs.existsSync(file)) return;
  const state = JSON.parse(fs.readFileSync(file, 'utf8')) as IntegrationState;
  const results = await Promise.allSettled([stopServer(state.postgres), stopServer(state.mysql)]);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  delete process.env[STATE_ENV];
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
