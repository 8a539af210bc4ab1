/**
 * Environment contract between the `RegionalRunbooks` construct and the Lambda
 * handlers. The construct sets these variables; handlers fail fast without them.
 */
export const ENV_TOPOLOGY_PARAMETER = 'TOPOLOGY_PARAMETER_NAME';
export const ENV_ARC_CLUSTER_ARN = 'ARC_CLUSTER_ARN';

/** Minimal view of the Lambda context, so tests do not need a full `Context`. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Environment variable ${name} is not set`);
  }
  return value;
}

/** The Region the function runs in: Lambda always sets AWS_REGION. */
export function executionRegion(): string {
  return requireEnv('AWS_REGION');
}

/** Builds real dependencies once per container, on first use (not at import time). */
export function lazy<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => {
    if (value === undefined) value = create();
    return value;
  };
}

/** What every handler reads from its Lambda environment. */
export interface HandlerEnvironment {
  /** The Region the function (and the automation) runs in. */
  readonly region: string;
  readonly topologyParameterName: string;
}

export function readHandlerEnvironment(): HandlerEnvironment {
  return { region: executionRegion(), topologyParameterName: requireEnv(ENV_TOPOLOGY_PARAMETER) };
}

/** Time and randomness, injected so the offline drill can run the real wiring on its own clock. */
export interface HandlerRuntime {
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

export const REAL_RUNTIME: HandlerRuntime = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** Time left before the Lambda deadline, minus `marginMs`; `fallbackMs` when there is no context (direct calls, tests). */
export function remainingMs(context: InvocationContext | undefined, marginMs: number, fallbackMs: number): number {
  return context ? Math.max(0, context.getRemainingTimeInMillis() - marginMs) : fallbackMs;
}
