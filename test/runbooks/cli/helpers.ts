import { RDSClient } from '@aws-sdk/client-rds';
import {
  AutomationExecution,
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  GetParameterCommand,
  SSMClient,
  StartAutomationExecutionCommand,
  StartAutomationExecutionCommandInput,
  StepExecution,
} from '@aws-sdk/client-ssm';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { createArcClientFactory } from '../../../lib/runbooks/runtime/arc';
import type { PlatformTopology } from '../../../lib/topology/topology';
import type { CliDeps } from '../../../runbooks/cli/deps';
import { lagUnavailable, ReplicationLagReader } from '../../../runbooks/cli/lag';
import { seededRandom, topology, TOPOLOGY_PARAMETER } from '../../lib/runbooks/fixtures';

function cachedPerRegion<T>(create: (region: string) => T): (region: string) => T {
  const cache = new Map<string, T>();
  return (region) => {
    const existing = cache.get(region);
    if (existing !== undefined) return existing;
    const created = create(region);
    cache.set(region, created);
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
  readonly lagReader?: ReplicationLagReader;
  readonly seed?: number;
}

/** CLI dependencies with real SDK clients (mocked at class level), a fake clock and captured output. */
export function fakeDeps(options: FakeDepsOptions = {}): { deps: CliDeps; captured: Captured; clock: { ms: number } } {
  const captured: Captured = { out: [], err: [], prompts: [] };
  const clock = { ms: Date.parse('2026-01-01T00:00:00Z') };
  const deps: CliDeps = {
    ssm: cachedPerRegion((region) => new SSMClient({ region })),
    rds: cachedPerRegion((region) => new RDSClient({ region })),
    arcClientFor: createArcClientFactory(),
    random: seededRandom(options.seed ?? 1),
    lagReader: options.lagReader ?? lagUnavailable,
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

export async function regionOf(client: { config: { region: unknown } }): Promise<string> {
  const region = client.config.region;
  return typeof region === 'function' ? String(await region()) : String(region);
}

/**
 * A fake SSM per Region: the topology parameter (or an error) per Region, and an
 * Automation engine that replays a scripted sequence of execution snapshots.
 */
export class FakeSsm {
  public readonly mock: AwsClientStub<SSMClient> = mockClient(SSMClient);
  public readonly parameterCalls: string[] = [];
  public readonly starts: { readonly region: string; readonly input: StartAutomationExecutionCommandInput }[] = [];
  public readonly down = new Set<string>();
  private readonly script: { execution: AutomationExecution; steps: StepExecution[] }[] = [];
  private readonly getFailures: number[] = [];
  private polls = 0;

  constructor(private readonly value: PlatformTopology = topology()) {
    this.mock.on(GetParameterCommand).callsFake(async (input: { Name: string }, getClient) => {
      const region = await regionOf(getClient());
      this.parameterCalls.push(region);
      if (this.down.has(region)) throw new Error(`connect ETIMEDOUT ssm.${region}.amazonaws.com`);
      if (input.Name !== TOPOLOGY_PARAMETER) throw new Error(`ParameterNotFound: ${input.Name}`);
      return { Parameter: { Name: input.Name, Value: JSON.stringify(this.value) } };
    });
    this.mock.on(StartAutomationExecutionCommand).callsFake(async (input: StartAutomationExecutionCommandInput, getClient) => {
      const region = await regionOf(getClient());
      if (this.down.has(region)) throw new Error(`connect ETIMEDOUT ssm.${region}.amazonaws.com`);
      this.starts.push({ region, input });
      return { AutomationExecutionId: 'exec-1' };
    });
    this.mock.on(GetAutomationExecutionCommand).callsFake(async () => {
      const call = this.polls++;
      if (this.getFailures.includes(call)) throw new Error('ThrottlingException: Rate exceeded');
      return { AutomationExecution: this.current().execution };
    });
    this.mock.on(DescribeAutomationStepExecutionsCommand).callsFake(async () => ({ StepExecutions: this.current().steps }));
  }

  /** Adds a snapshot returned by the next GetAutomationExecution; the last one repeats. */
  then(status: string, steps: [string, string, string?][], extra: Partial<AutomationExecution> = {}): this {
    this.script.push({
      execution: { AutomationExecutionId: 'exec-1', AutomationExecutionStatus: status as AutomationExecution['AutomationExecutionStatus'], ...extra },
      steps: steps.map(([name, stepStatus, failure], i) => ({
        StepName: name,
        StepExecutionId: `${name}-${i}`,
        StepStatus: stepStatus as StepExecution['StepStatus'],
        FailureMessage: failure,
      })),
    });
    return this;
  }

  failGetOnPolls(...polls: number[]): this {
    this.getFailures.push(...polls);
    return this;
  }

  private current(): { execution: AutomationExecution; steps: StepExecution[] } {
    const index = Math.min(Math.max(this.polls - 1, 0), this.script.length - 1);
    return this.script[index];
  }
}
