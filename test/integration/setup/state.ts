/**
 * How the integration tests find the servers that global-setup.ts started: a JSON
 * file whose path is in RECONCILE_IT_STATE (global setup runs in the parent process;
 * the environment it sets is inherited by the test environments).
 */
import * as fs from 'fs';
import type { ServerInfo } from './servers';

export const STATE_ENV = 'RECONCILE_IT_STATE';

export interface IntegrationState {
  readonly postgres: ServerInfo;
  readonly mysql: ServerInfo;
}

export function readState(): IntegrationState {
  const file = process.env[STATE_ENV];
  if (!file || !fs.existsSync(file)) {
    throw new Error(`${STATE_ENV} is not set or its file is missing: run the integration tests with "npm run test:integration" (jest --selectProjects integration)`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as IntegrationState;
}
