import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeGlobalClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetRoutingControlStateCommand, Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { GetObjectCommand, GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import {
  AutomationExecution,
  AutomationExecutionStatus,
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  GetParameterCommand,
  SendAutomationSignalCommand,
  SendAutomationSignalCommandInput,
  SSMClient,
  StartAutomationExecutionCommand,
  StartAutomationExecutionCommandInput,
  StepExecution,
} from '@aws-sdk/client-ssm';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { mockClient } from 'aws-sdk-client-mock';
import type { PlatformTopology } from '../../../lib/topology/topology';
import type { CliDeps } from '../../../runbooks/cli/deps';
import { ClusterState, EAST, endpointHost, EXECUTION_ID, globalCluster, serviceError, topology, unreachable, WEST } from './fixtures';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

function cachedPerKey<T>(create: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    const existing = cache.get(key);
    if (existing !== undefined) return existing;
    const created = create(key);
    cache.set(key, created);
    return created;
  };
}

export interface Captured {
  readonly out: string[];
  readonly err: string[];
  readonly prompts: string[];
}

export interface FakeDepsOptions {
  readonly interactive?: boolean;
  readonly answer?: boolean;
}

/** CLI dependencies with real SDK clients (their classes mocked by FakeAws), a fake clock and captured output. */
export function fakeDeps(options: FakeDepsOptions = {}): { deps: CliDeps; captured: Captured; clock: { ms: number } } {
  const captured: Captured = { out: [], err: [], prompts: [] };
  const clock = { ms: Date.parse('2026-01-01T03:00:00Z') };
  const deps: CliDeps = {
    ssm: cachedPerKey((region) => new SSMClient({ region, credentials })),
    rds: cachedPerKey((region) => new RDSClient({ region, credentials })),
    cloudwatch: cachedPerKey((region) => new CloudWatchClient({ region, credentials })),
    s3: cachedPerKey((region) => new S3Client({ region, credentials })),
    arcClientFor: (() => {
      const forKey = cachedPerKey((key) => {
        const [region, endpoint] = key.split(' ');
        return new Route53RecoveryClusterClient({ region, endpoint, credentials, maxAttempts: 1 });
      });
      return (endpoint: { region: string; endpoint: string }) => forKey(`${endpoint.region} ${endpoint.endpoint}`);
    })(),
    random: () => 0.5,
    now: () => new Date(clock.ms),
    sleep: async (ms) => {
      clock.ms += ms;
    },
    out: (line) => captured.out.push(line),
    err: (line) => captured.err.push(line),
    interactive: options.interactive ?? false,
    confirm: async (question) => {
      captured.prompts.push(question);
      return options.answer ?? false;
    },
  };
  return { deps, captured, clock };
}

async function regionOf(client: { config: { region: unknown } }): Promise<string> {
  const region = client.config.region;
  return typeof region === 'function' ? String(await region()) : String(region);
}

async function hostOf(client: Route53RecoveryClusterClient): Promise<string> {
  const endpoint = client.config.endpoint ? await client.config.endpoint() : undefined;
  return endpoint?.hostname ?? 'unknown';
}

interface ScriptedPoll {
  readonly execution: AutomationExecution;
  readonly steps: StepExecution[];
}

/**
 * The AWS side of the CLI tests, behind class-level mocks of the real SDK clients: per Region,
 * the published topology, each Region's own view of the global databases, CloudWatch lag, one
 * Automation execution (in one Region), the ARC cluster's endpoints and S3 objects. A Region in
 * `down` times out on every API.
 */
export class FakeAws {
  public readonly ssm = mockClient(SSMClient);
  public readonly rds = mockClient(RDSClient);
  public readonly cloudwatch = mockClient(CloudWatchClient);
  public readonly arc = mockClient(Route53RecoveryClusterClient);
  public readonly s3 = mockClient(S3Client);

  public readonly down = new Set<string>();
  /** Regions whose every API call never returns (a socket that accepts and never answers). */
  public readonly hang = new Set<string>();
  /** Regions whose SSM answers ParameterNotFound (the platform is not there). */
  public readonly notDeployed = new Set<string>();
  public readonly calls: { readonly service: string; readonly region: string; readonly command: string }[] = [];
  public readonly starts: { readonly region: string; readonly input: StartAutomationExecutionCommandInput }[] = [];
  public readonly signals: { readonly region: string; readonly input: SendAutomationSignalCommandInput }[] = [];
  /** Each Region's view of each database (default: `states`). */
  public readonly views = new Map<string, Record<string, ClusterState>>();
  /** Lag (ms) each Region's CloudWatch reports for its own member of each database. */
  public readonly lag = new Map<string, Record<string, number>>();
  public readonly arcStates = new Map<string, 'On' | 'Off'>();
  public readonly arcDown = new Set<string>();
  public readonly objects = new Map<string, string>();
  /** Where the execution lives; GetAutomationExecution elsewhere is "not found". */
  public executionRegion: string = WEST;
  public startError: Error | undefined;
  public credentialsMissing = false;
  private readonly script: ScriptedPoll[] = [];
  private polls = 0;

  constructor(
    public states: Record<string, ClusterState> = { catalog: { writer: EAST }, orders: { writer: EAST } },
    public published: PlatformTopology = topology(),
  ) {
    this.arcStates.set(EAST, 'On');
    this.arcStates.set(WEST, 'Off');
    this.ssm.on(GetParameterCommand).callsFake(async (input: { Name: string }, getClient) => {
      const region = await this.enter('ssm', region0(getClient), 'GetParameter');
      if (this.notDeployed.has(region) || input.Name !== `/${this.published.appName}/platform/topology`) {
        throw serviceError('ParameterNotFound', `Parameter ${input.Name} not found.`);
      }
      return { Parameter: { Name: input.Name, Value: JSON.stringify(this.published) } };
    });
    this.rds.on(DescribeGlobalClustersCommand).callsFake(async (input: { GlobalClusterIdentifier?: string }, getClient) => {
      const region = await this.enter('rds', region0(getClient), 'DescribeGlobalClusters');
      const name = (input.GlobalClusterIdentifier ?? '').replace(/^retail-/, '');
      const state = (this.views.get(region) ?? this.states)[name];
      if (state === undefined) throw serviceError('GlobalClusterNotFoundFault', `${input.GlobalClusterIdentifier} not found`);
      return { GlobalClusters: [globalCluster(name, state, this.published.regions)] };
    });
    this.cloudwatch.on(GetMetricStatisticsCommand).callsFake(async (input: { Dimensions?: { Value?: string }[] }, getClient) => {
      const region = await this.enter('cloudwatch', region0(getClient), 'GetMetricStatistics');
      const cluster = input.Dimensions?.[0]?.Value ?? '';
      const db = cluster.split('-')[1];
      const value = this.lag.get(region)?.[db];
      return { Datapoints: value === undefined ? [] : [{ Maximum: value / 2 }, { Maximum: value }] };
    });
    this.arc.on(GetRoutingControlStateCommand).callsFake(async (input: { RoutingControlArn: string }, getClient) => {
      const host = await hostOf(getClient() as Route53RecoveryClusterClient);
      this.calls.push({ service: 'arc', region: host, command: 'GetRoutingControlState' });
      if (this.credentialsMissing) throw serviceError('CredentialsProviderError', 'Could not load credentials from any providers');
      if ([...this.arcDown].some((r) => endpointHost(r) === host)) throw unreachable(host);
      const region = input.RoutingControlArn.split('/').pop() as string;
      return { RoutingControlArn: input.RoutingControlArn, RoutingControlState: this.arcStates.get(region) ?? 'Off' };
    });
    this.ssm.on(StartAutomationExecutionCommand).callsFake(async (input: StartAutomationExecutionCommandInput, getClient) => {
      const region = await this.enter('ssm', region0(getClient), 'StartAutomationExecution');
      if (this.startError !== undefined) throw this.startError;
      this.starts.push({ region, input });
      this.executionRegion = region;
      return { AutomationExecutionId: EXECUTION_ID };
    });
    this.ssm.on(GetAutomationExecutionCommand).callsFake(async (input: { AutomationExecutionId: string }, getClient) => {
      const region = await this.enter('ssm', region0(getClient), 'GetAutomationExecution');
      if (region !== this.executionRegion || input.AutomationExecutionId !== EXECUTION_ID || this.script.length === 0) {
        throw serviceError('AutomationExecutionNotFoundException', `Automation execution ${input.AutomationExecutionId} not found`);
      }
      this.polls += 1;
      return { AutomationExecution: this.current().execution };
    });
    this.ssm.on(DescribeAutomationStepExecutionsCommand).callsFake(async (_input: unknown, getClient) => {
      await this.enter('ssm', region0(getClient), 'DescribeAutomationStepExecutions');
      return { StepExecutions: this.current().steps };
    });
    this.ssm.on(SendAutomationSignalCommand).callsFake(async (input: SendAutomationSignalCommandInput, getClient) => {
      const region = await this.enter('ssm', region0(getClient), 'SendAutomationSignal');
      this.signals.push({ region, input });
      return {};
    });
    this.s3.on(GetObjectCommand).callsFake(async (input: { Bucket: string; Key: string }, getClient) => {
      await this.enter('s3', region0(getClient), 'GetObject');
      const body = this.objects.get(`${input.Bucket}/${input.Key}`);
      if (body === undefined) throw serviceError('NoSuchKey', 'The specified key does not exist.');
      return { Body: objectBody(body) };
    });
  }

  /** Adds the snapshot returned by the next GetAutomationExecution; the last one repeats. */
  then(status: AutomationExecutionStatus, steps: [string, string, string?][], extra: Partial<AutomationExecution> = {}): this {
    this.script.push({
      execution: { AutomationExecutionId: EXECUTION_ID, AutomationExecutionStatus: status, DocumentName: extra.DocumentName ?? 'retail-Failover', ...extra },
      steps: steps.map(([name, stepStatus, failure], i) => ({
        StepName: name,
        StepExecutionId: `${name}-${i}`,
        StepStatus: stepStatus as StepExecution['StepStatus'],
        FailureMessage: failure,
      })),
    });
    return this;
  }

  callsTo(service: string, command?: string): string[] {
    return this.calls.filter((c) => c.service === service && (command === undefined || c.command === command)).map((c) => c.region);
  }

  restore(): void {
    for (const mock of [this.ssm, this.rds, this.cloudwatch, this.arc, this.s3]) mock.restore();
  }

  private async enter(service: string, region: Promise<string>, command: string): Promise<string> {
    const resolved = await region;
    this.calls.push({ service, region: resolved, command });
    if (this.credentialsMissing) throw serviceError('CredentialsProviderError', 'Could not load credentials from any providers');
    if (this.down.has(resolved)) throw unreachable(`${service}.${resolved}.amazonaws.com`);
    if (this.hang.has(resolved)) await new Promise<never>(() => undefined);
    return resolved;
  }

  private current(): ScriptedPoll {
    return this.script[Math.min(Math.max(this.polls - 1, 0), this.script.length - 1)];
  }
}

/** An S3 object body as the SDK returns it in Node (a message stream with the SDK's transform methods). */
function objectBody(text: string): NonNullable<GetObjectCommandOutput['Body']> {
  const message = new IncomingMessage(new Socket());
  message.push(Buffer.from(text));
  message.push(null);
  return Object.assign(message, {
    transformToString: async () => text,
    transformToByteArray: async () => new Uint8Array(Buffer.from(text)),
    transformToWebStream: (): ReadableStream => {
      throw new Error('not used by the CLI');
    },
  });
}

function region0(getClient: () => unknown): Promise<string> {
  return regionOf(getClient() as { config: { region: unknown } });
}

/** Everything written to stdout, parsed as the one JSON document it must be. */
export function onlyJson(captured: Captured): Record<string, unknown> {
  expect(captured.out).toHaveLength(1);
  return JSON.parse(captured.out[0]) as Record<string, unknown>;
}
