import {
  AutomationExecutionMetadata,
  AutomationExecutionStatus,
  DescribeAutomationExecutionsCommand,
  DescribeAutomationExecutionsCommandInput,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { PlatformTopology } from '../../topology/topology';
import { summarizeError } from './errors';

/**
 * Finds other executions of the three runbooks that are still running, in every platform
 * Region, so a second failover/switchover/failback refuses to start while one is active.
 *
 * Rule: an execution is refused when another active one started before it (ties broken by
 * execution id), so of two started together exactly one goes on. Regions whose SSM does not
 * answer (the failed Region, typically) are reported, not waited for.
 */

/** Statuses of an execution that has not ended. */
export const ACTIVE_EXECUTION_STATUSES: readonly AutomationExecutionStatus[] = [
  'Pending',
  'InProgress',
  'Waiting',
  'Cancelling',
  'PendingApproval',
  'Approved',
  'Scheduled',
  'RunbookInProgress',
  'PendingChangeCalendarOverride',
  'ChangeCalendarOverrideApproved',
];

/** Pages read when the status filter has to be applied here (fallback query). */
const FALLBACK_MAX_PAGES = 10;

export interface RunningExecution {
  readonly executionId: string;
  readonly documentName: string;
  readonly status: string;
  readonly region: string;
  readonly startedAt?: string;
}

export interface ExecutionCheck {
  /** Active executions that started before this one: this one must not go on. */
  readonly blockers: readonly RunningExecution[];
  /** What was checked, and what could not be. */
  readonly notes: readonly string[];
}

/** The longest common prefix of the document names (one DocumentNamePrefix value). */
export function commonPrefix(names: readonly string[]): string {
  if (names.length === 0) return '';
  let prefix = names[0];
  for (const name of names.slice(1)) {
    while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix;
}

async function describePages(ssm: SSMClient, input: DescribeAutomationExecutionsCommandInput, maxPages: number): Promise<AutomationExecutionMetadata[]> {
  const items: AutomationExecutionMetadata[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await ssm.send(new DescribeAutomationExecutionsCommand({ ...input, MaxResults: 50, NextToken: nextToken }));
    items.push(...(page.AutomationExecutionMetadataList ?? []));
    nextToken = page.NextToken;
    pages++;
  } while (nextToken !== undefined && pages < maxPages);
  return items;
}

function toRunning(items: readonly AutomationExecutionMetadata[], names: ReadonlySet<string>, region: string): RunningExecution[] {
  const active = new Set<string>(ACTIVE_EXECUTION_STATUSES);
  return items
    .filter((i) => i.DocumentName !== undefined && names.has(i.DocumentName))
    .filter((i) => i.AutomationExecutionStatus !== undefined && active.has(i.AutomationExecutionStatus))
    .filter((i): i is AutomationExecutionMetadata & { AutomationExecutionId: string } => typeof i.AutomationExecutionId === 'string')
    .map((i) => ({
      executionId: i.AutomationExecutionId,
      documentName: i.DocumentName ?? '',
      status: i.AutomationExecutionStatus ?? 'unknown',
      region,
      startedAt: i.ExecutionStartTime?.toISOString(),
    }));
}

/**
 * Active executions of `documentNames` in one Region. Filters on the names' common prefix
 * and the active statuses; when `selfId` (an execution known to be running there) is not
 * in the answer, the server-side status filter is not trusted and the statuses are
 * filtered here instead.
 */
export async function listRunningExecutions(
  ssm: SSMClient,
  region: string,
  documentNames: readonly string[],
  selfId?: string,
): Promise<RunningExecution[]> {
  const names = new Set(documentNames);
  const prefixFilter = { Key: 'DocumentNamePrefix' as const, Values: [commonPrefix(documentNames)] };
  const filtered = await describePages(ssm, { Filters: [prefixFilter, { Key: 'ExecutionStatus', Values: [...ACTIVE_EXECUTION_STATUSES] }] }, FALLBACK_MAX_PAGES);
  const running = toRunning(filtered, names, region);
  if (selfId === undefined || running.some((r) => r.executionId === selfId)) {
    return running;
  }
  return toRunning(await describePages(ssm, { Filters: [prefixFilter] }, FALLBACK_MAX_PAGES), names, region);
}

function startedBefore(other: RunningExecution, self: RunningExecution): boolean {
  const a = other.startedAt ?? '';
  const b = self.startedAt ?? '';
  if (a !== b) return a < b;
  return other.executionId < self.executionId;
}

export interface ExecutionCheckInput {
  readonly topology: PlatformTopology;
  readonly executionRegion: string;
  /** This execution (`{{ automation:EXECUTION_ID }}`); without it every other active execution blocks. */
  readonly executionId?: string;
  /** SSM of the execution Region: it must answer, or the check fails. */
  readonly ssm: SSMClient;
  /** SSM of another Region (short deadlines): best effort. */
  readonly peerSsm: (region: string) => SSMClient;
}

export async function checkOtherExecutions(input: ExecutionCheckInput): Promise<ExecutionCheck> {
  const notes: string[] = [];
  const perRegion = await Promise.all(
    input.topology.regions.map(async (region): Promise<RunningExecution[]> => {
      const names = input.topology.runbooks[region];
      if (names === undefined) {
        notes.push(`the topology lists no runbooks in ${region}; not checked`);
        return [];
      }
      const documents = [names.failover, names.switchover, names.failback];
      const own = region === input.executionRegion;
      try {
        const found = await listRunningExecutions(own ? input.ssm : input.peerSsm(region), region, documents, own ? input.executionId : undefined);
        notes.push(`checked ${region} for running runbooks`);
        return found;
      } catch (error) {
        const summary = summarizeError(error);
        if (own) {
          throw new Error(`cannot list running runbook executions in ${region}: ${summary.name}: ${summary.message}`);
        }
        notes.push(`could not check ${region} for running runbooks (${summary.name}: ${summary.message}); a runbook started there would not be seen`);
        return [];
      }
    }),
  );
  const all = perRegion.flat();
  const self = input.executionId === undefined ? undefined : all.find((e) => e.executionId === input.executionId);
  const others = all.filter((e) => e.executionId !== input.executionId);
  const blockers = self === undefined ? others : others.filter((e) => startedBefore(e, self));
  return { blockers, notes };
}

export function describeExecution(e: RunningExecution): string {
  return `${e.documentName} execution ${e.executionId} in ${e.region} is ${e.status}${e.startedAt ? ` (started ${e.startedAt})` : ''}`;
}
