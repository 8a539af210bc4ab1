import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DatabaseAdmin } from './database-admin';
import { consoleLogger } from './log';
import { MysqlAdmin } from './mysql-admin';
import { PostgresAdmin } from './postgres-admin';
import { rotate } from './rotation';
import { isSecretEngine, type SecretEngine } from './secret';

/** Environment variable naming the engine the function rotates (set by MasterSecretRotation). */
export const ENGINE_ENVIRONMENT_VARIABLE = 'DATABASE_ENGINE';

// Created once per execution environment and reused by warm invocations.
const secretsManager = new SecretsManagerClient({});
const admins: Record<SecretEngine, DatabaseAdmin> = { mysql: new MysqlAdmin(), postgres: new PostgresAdmin() };

/** Secrets Manager rotation handler for the Aurora master secrets. */
export async function handler(event: unknown): Promise<void> {
  const expectedEngine = process.env[ENGINE_ENVIRONMENT_VARIABLE];
  if (!isSecretEngine(expectedEngine)) {
    throw new Error(`${ENGINE_ENVIRONMENT_VARIABLE} must be mysql or postgres`);
  }
  await rotate(event, { secretsManager, databaseAdmin: (engine) => admins[engine], expectedEngine, log: consoleLogger });
}
