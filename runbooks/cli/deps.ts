import * as readline from 'readline';
import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ArcClientFactory, createArcClientFactory, RandomSource } from '../../lib/runbooks/runtime/arc';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { cloudWatchLagReader, cloudWatchMaxFetcher, type ReplicationLagReader } from './lag';

/**
 * Everything the CLI touches outside itself, injected so tests run without AWS,
 * timers or a terminal.
 */
export interface CliDeps {
  readonly ssm: (region: string) => SSMClient;
  readonly rds: (region: string) => RDSClient;
  readonly arcClientFor: ArcClientFactory;
  readonly random: RandomSource;
  readonly lagReader: ReplicationLagReader;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Whether a person can answer a prompt (stdin and stdout are terminals). */
  readonly interactive: boolean;
  readonly confirm: (question: string) => Promise<boolean>;
}

function perRegion<T>(create: (region: string) => T): (region: string) => T {
  const cache = new Map<string, T>();
  return (region) => {
    let client = cache.get(region);
    if (client === undefined) {
      client = create(region);
      cache.set(region, client);
    }
    return client;
  };
}

async function askYesNo(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function realDeps(): CliDeps {
  return {
    // SDK retries stay on for regular APIs; a Region that does not answer is skipped by the callers.
    ssm: perRegion((region) => new SSMClient({ region, maxAttempts: 3 })),
    rds: perRegion((region) => new RDSClient({ region, maxAttempts: 3 })),
    arcClientFor: createArcClientFactory(),
    random: Math.random,
    lagReader: cloudWatchLagReader(cloudWatchMaxFetcher(perRegion((region) => new CloudWatchClient({ region, maxAttempts: 2 }))), () => new Date()),
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    confirm: askYesNo,
  };
}
