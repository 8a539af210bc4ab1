import * as readline from 'readline';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ARC_ENDPOINT_DEADLINES, CallDeadlines, deadlineClientConfig, INCIDENT_DEADLINES } from '../../lib/common/aws-client';
import type { ArcClusterEndpoint } from '../../lib/topology/topology';

export type ArcClientFactory = (endpoint: ArcClusterEndpoint) => Route53RecoveryClusterClient;

/** The AWS clients the CLI uses: one per service and Region (ARC: per cluster endpoint), all with deadlines. */
export interface AwsClients {
  readonly ssm: (region: string) => SSMClient;
  readonly rds: (region: string) => RDSClient;
  readonly cloudwatch: (region: string) => CloudWatchClient;
  readonly s3: (region: string) => S3Client;
  readonly arcClientFor: ArcClientFactory;
}

/**
 * Everything the CLI touches outside itself, injected so tests run without AWS, timers or a
 * terminal.
 */
export interface CliDeps extends AwsClients {
  /** Returns a number in [0, 1): the ARC endpoint order. */
  readonly random: () => number;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** One line to stdout. */
  readonly out: (line: string) => void;
  /** One line to stderr. */
  readonly err: (line: string) => void;
  /** Whether a person can answer a prompt (stdin and stderr are terminals). */
  readonly interactive: boolean;
  readonly confirm: (question: string) => Promise<boolean>;
}

export type AwsService = 'ssm' | 'rds' | 'cloudwatch' | 's3';

export interface AwsClientOptions {
  /** A fixed endpoint per service and Region (tests on loopback); default: the SDK resolves it. */
  readonly endpointFor?: (service: AwsService, region: string) => string | undefined;
  /** Static credentials (tests); default: the SDK's provider chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly deadlines?: CallDeadlines;
  readonly arcDeadlines?: CallDeadlines;
}

function perKey<T extends { destroy(): void }>(create: (key: string) => T, created: { destroy(): void }[]): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let client = cache.get(key);
    if (client === undefined) {
      client = create(key);
      cache.set(key, client);
      created.push(client);
    }
    return client;
  };
}

/**
 * Real SDK clients with connect and request deadlines (`lib/common/aws-client.ts`): a Region that
 * accepts connections and never answers fails each call within the deadlines instead of holding
 * the CLI. `destroy` closes every socket they hold.
 */
export function awsClients(options: AwsClientOptions = {}): AwsClients & { readonly destroy: () => void } {
  const created: { destroy(): void }[] = [];
  const deadlines = options.deadlines ?? INCIDENT_DEADLINES;
  const config = (service: AwsService, region: string) => ({
    ...deadlineClientConfig(region, deadlines, options.endpointFor?.(service, region)),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
  });
  return {
    ssm: perKey((region) => new SSMClient(config('ssm', region)), created),
    rds: perKey((region) => new RDSClient(config('rds', region)), created),
    cloudwatch: perKey((region) => new CloudWatchClient(config('cloudwatch', region)), created),
    s3: perKey((region) => new S3Client(config('s3', region)), created),
    arcClientFor: (() => {
      const forKey = perKey((key) => {
        const [region, endpoint] = key.split(' ');
        return new Route53RecoveryClusterClient({
          ...deadlineClientConfig(region, options.arcDeadlines ?? ARC_ENDPOINT_DEADLINES, endpoint),
          ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
        });
      }, created);
      return (endpoint: ArcClusterEndpoint) => forKey(`${endpoint.region} ${endpoint.endpoint}`);
    })(),
    destroy: () => created.forEach((client) => client.destroy()),
  };
}

/** Asks on stderr, so that stdout stays clean for `--json` and pipes. */
async function askYesNo(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function realDeps(): CliDeps & { readonly destroy: () => void } {
  return {
    ...awsClients(),
    random: Math.random,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    confirm: askYesNo,
  };
}
