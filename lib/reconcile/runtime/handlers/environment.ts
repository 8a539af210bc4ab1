/** Process-level settings of the restore-and-reconcile functions (read once per container). */
import { ENV_CONFIG, parseConfig, type RuntimeConfig } from '../config';
import { ReconcileStepError } from '../input';

export const ENV_TASK_LOG_GROUP = 'RECONCILE_TASK_LOG_GROUP';

export function executionRegion(): string {
  const region = process.env.AWS_REGION;
  if (region === undefined || region === '') throw new ReconcileStepError('AWS_REGION is not set');
  return region;
}

export function runtimeConfig(): RuntimeConfig {
  return parseConfig(process.env[ENV_CONFIG]);
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new ReconcileStepError(`environment variable ${name} is not set`);
  return value;
}

/** Builds the dependencies on first use, so that a cold start with bad settings fails the step with the reason. */
export function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    if (value === undefined) value = build();
    return value;
  };
}
