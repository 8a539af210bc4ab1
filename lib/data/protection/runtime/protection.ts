import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, UpdateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ModifyLoadBalancerAttributesCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ModifyDBClusterCommand, ModifyGlobalClusterCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { CustomResourceEvent, CustomResourceOutcome } from '../../../common/runtime/cfn-response';

/**
 * Deletion protection of the stateful resources with fixed names, turned on once the stack that
 * owns them has otherwise been created, and off again only while that creation rolls back.
 *
 * Why: the resources are created unprotected so that a failed first deploy can delete them on
 * its rollback (CloudFormation cannot delete a protected Aurora cluster, global cluster,
 * DynamoDB table or load balancer; the rollback would fail, and an orphan's fixed name would
 * block the retry). This custom resource is the
 * stack's last resource: it only runs once everything else exists.
 *
 * - Create: protection on, for every resource named.
 * - Update: protection on again (idempotent); an update never turns protection off.
 * - Delete: what the owning stack is doing decides (DescribeStacks on the event's StackId):
 *   - `ROLLBACK_IN_PROGRESS` is only ever the rollback of the stack's creation. Protection off,
 *     so that the rollback can delete the resources (they were created by this attempt).
 *   - anything else leaves protection on: `DELETE_IN_PROGRESS` (the stack is deleted, the
 *     resources are retained), `UPDATE_ROLLBACK_IN_PROGRESS` / `..._CLEANUP_IN_PROGRESS`
 *     (an update rolled back, or this resource was replaced), `IMPORT_ROLLBACK_IN_PROGRESS`.
 */

export interface ProtectedTable {
  readonly TableName: string;
  /** Every Region that holds a replica (the table's own Region included). */
  readonly Regions: readonly string[];
}

export interface ProtectionProperties {
  /** Aurora DB cluster identifiers in the function's Region. */
  readonly DbClusters?: readonly string[];
  /** Aurora global cluster identifiers. */
  readonly GlobalClusters?: readonly string[];
  readonly Tables?: readonly ProtectedTable[];
  /** Load balancer ARNs in the function's Region (attribute `deletion_protection.enabled`). */
  readonly LoadBalancers?: readonly string[];
  /**
   * Hash of the protected resources' definitions; not read here. It changes whenever one of them
   * is updated, so that CloudFormation follows that update with an Update of this resource.
   */
  readonly Fingerprint?: string;
}

export type ProtectionEvent = CustomResourceEvent<ProtectionProperties>;

export type ProtectionOutcome = CustomResourceOutcome;

export interface ProtectionDeps {
  readonly rds: RDSClient;
  readonly dynamodb: (region: string) => DynamoDBClient;
  readonly cloudformation: CloudFormationClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  /** Epoch ms by which the work must be over (the function's remaining time, less the response). */
  readonly notAfterMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Pause between attempts while a resource is busy (modifying, updating). */
  readonly busyRetryMs?: number;
}

/** The only stack status in which a Delete means "this stack's creation is rolling back". */
export const CREATE_ROLLBACK_STATUS = 'ROLLBACK_IN_PROGRESS';

/** Errors that mean "the resource is busy right now": retried until the deadline. */
const BUSY_ERRORS = new Set(['InvalidDBClusterStateFault', 'InvalidGlobalClusterStateFault', 'ResourceInUseException']);
/** Errors that mean "the resource does not exist": nothing to protect or unprotect. */
const NOT_FOUND_ERRORS = new Set(['DBClusterNotFoundFault', 'GlobalClusterNotFoundFault', 'ResourceNotFoundException', 'LoadBalancerNotFoundException']);

/** The load balancer attribute that holds its deletion protection ("true" / "false"). */
export const LOAD_BALANCER_PROTECTION_KEY = 'deletion_protection.enabled';

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** One protection target: what it is called in messages and how to set it. */
interface Target {
  readonly label: string;
  /** Sets protection to `on`; returns the value the service reports afterwards. */
  readonly set: (on: boolean) => Promise<boolean | undefined>;
}

function targets(props: ProtectionProperties, deps: ProtectionDeps): Target[] {
  const clusters = (props.DbClusters ?? []).map((id): Target => ({
    label: `DB cluster ${id}`,
    set: async (on) => (await deps.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: id, DeletionProtection: on, ApplyImmediately: true }))).DBCluster?.DeletionProtection,
  }));
  const globalClusters = (props.GlobalClusters ?? []).map((id): Target => ({
    label: `global cluster ${id}`,
    set: async (on) => (await deps.rds.send(new ModifyGlobalClusterCommand({ GlobalClusterIdentifier: id, DeletionProtection: on }))).GlobalCluster?.DeletionProtection,
  }));
  const tables = (props.Tables ?? []).flatMap((table) => table.Regions.map((region): Target => ({
    label: `table ${table.TableName} in ${region}`,
    set: async (on) => {
      const client = deps.dynamodb(region);
      // UpdateTable with nothing to change is refused: read first.
      const current = (await client.send(new DescribeTableCommand({ TableName: table.TableName }))).Table?.DeletionProtectionEnabled ?? false;
      if (current === on) return current;
      return (await client.send(new UpdateTableCommand({ TableName: table.TableName, DeletionProtectionEnabled: on }))).TableDescription?.DeletionProtectionEnabled;
    },
  })));
  // The value is read back from ModifyLoadBalancerAttributes' own answer (the load balancer's
  // attributes after the change): DescribeLoadBalancerAttributes takes no resource-level
  // permission, so calling it would need `Resource: *`.
  const loadBalancers = (props.LoadBalancers ?? []).map((arn): Target => ({
    label: `load balancer ${arn}`,
    set: async (on) => {
      const attributes = (await deps.elbv2.send(new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: arn,
        Attributes: [{ Key: LOAD_BALANCER_PROTECTION_KEY, Value: String(on) }],
      }))).Attributes ?? [];
      const value = attributes.find((attribute) => attribute.Key === LOAD_BALANCER_PROTECTION_KEY)?.Value;
      return value === 'true' ? true : value === 'false' ? false : undefined;
    },
  }));
  return [...clusters, ...globalClusters, ...tables, ...loadBalancers];
}

/** Sets one target, retrying while it is busy until the deadline; says what it last saw when it gives up. */
async function setOne(target: Target, on: boolean, deps: ProtectionDeps, tolerateMissing: boolean): Promise<string> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pauseMs = deps.busyRetryMs ?? 10_000;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      const reported = await target.set(on);
      if (reported !== on) throw new Error(`${target.label}: deletion protection reads ${String(reported)} after setting it to ${String(on)}`);
      return `${target.label}: protection ${on ? 'on' : 'off'}`;
    } catch (error) {
      const name = errorName(error);
      if (tolerateMissing && name !== undefined && NOT_FOUND_ERRORS.has(name)) return `${target.label}: gone`;
      if (name === undefined || !BUSY_ERRORS.has(name)) throw new Error(`${target.label}: ${describe(error)}`);
      if (now() + pauseMs > deps.notAfterMs) {
        throw new Error(`${target.label}: still busy after ${attempts} attempt(s), last seen ${describe(error)}`);
      }
      await sleep(pauseMs);
    }
  }
}

/** Sets every target (in parallel); fails with every target's problem at once. */
async function setAll(props: ProtectionProperties, on: boolean, deps: ProtectionDeps, tolerateMissing: boolean): Promise<string[]> {
  const results = await Promise.allSettled(targets(props, deps).map((target) => setOne(target, on, deps, tolerateMissing)));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [describe(result.reason).replace(/^Error: /, '')] : []));
  if (failures.length > 0) throw new Error(`Deletion protection could not be turned ${on ? 'on' : 'off'}: ${failures.join('; ')}`);
  return results.map((result) => (result.status === 'fulfilled' ? result.value : ''));
}

/** The owning stack's status (the event's StackId is the stack's unique id). */
async function stackStatus(client: CloudFormationClient, stackId: string): Promise<string> {
  const stack = (await client.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks?.[0];
  if (stack?.StackStatus === undefined) throw new Error(`DescribeStacks returned no status for ${stackId}`);
  return stack.StackStatus;
}

export async function applyProtection(event: ProtectionEvent, deps: ProtectionDeps): Promise<ProtectionOutcome> {
  const physicalResourceId = event.PhysicalResourceId ?? `deletion-protection:${event.LogicalResourceId}`;
  const props = event.ResourceProperties;
  try {
    if (event.RequestType !== 'Delete') {
      const done = await setAll(props, true, deps, false);
      return { status: 'SUCCESS', physicalResourceId, reason: `${event.RequestType}: ${done.join(', ')}`, data: {} };
    }
    let status: string;
    try {
      status = await stackStatus(deps.cloudformation, event.StackId);
    } catch (error) {
      throw new Error(`Cannot tell a creation rollback from a stack deletion (DescribeStacks ${event.StackId}): ${describe(error)}; protection left as it is`);
    }
    if (status !== CREATE_ROLLBACK_STATUS) {
      return { status: 'SUCCESS', physicalResourceId, reason: `Delete during ${status}: protection left on`, data: {} };
    }
    const done = await setAll(props, false, deps, true);
    return { status: 'SUCCESS', physicalResourceId, reason: `Delete during ${status} (creation rolls back): ${done.join(', ')}`, data: {} };
  } catch (error) {
    return { status: 'FAILED', physicalResourceId, reason: error instanceof Error ? error.message : String(error), data: {} };
  }
}
