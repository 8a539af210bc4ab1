import { UpdateServiceCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

/**
 * After a master secret rotates, every task that read the old password at start keeps failing
 * to log in: ECS injects secrets only when a task starts. This forces a new deployment of each
 * service that uses the secret, in every Region (the replicas changed too). Regions are handled
 * independently and in parallel: an unreachable Region costs its deadline and is reported, the
 * others still roll.
 */

/** What a Region publishes (SSM parameter, JSON): its cluster and its services by name. */
export interface RedeployTargets {
  readonly cluster: string;
  readonly services: Readonly<Record<string, string>>;
}

export interface RedeployDeps {
  readonly regions: readonly string[];
  /** Secret ARN (primary Region) -> names of the services that read it. */
  readonly servicesBySecret: Readonly<Record<string, readonly string[]>>;
  readonly targetsParameterName: string;
  readonly ssm: (region: string) => SSMClient;
  readonly ecs: (region: string) => ECSClient;
}

export type RegionOutcome =
  | { readonly region: string; readonly status: 'rolled'; readonly services: readonly string[] }
  | { readonly region: string; readonly status: 'not-deployed' }
  | { readonly region: string; readonly status: 'failed'; readonly error: string };

export class RedeployFailedError extends Error {
  constructor(readonly outcomes: readonly RegionOutcome[]) {
    const failed = outcomes.filter((o): o is Extract<RegionOutcome, { status: 'failed' }> => o.status === 'failed');
    const rolled = outcomes.filter((o) => o.status === 'rolled').map((o) => o.region);
    super(`Redeploy after rotation failed in ${failed.map((o) => `${o.region} (${o.error})`).join(', ')}; rolled in ${rolled.join(', ') || 'no Region'}`);
    this.name = 'RedeployFailed';
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function parseTargets(region: string, value: string | undefined): RedeployTargets {
  const parsed = JSON.parse(value ?? 'null') as Partial<RedeployTargets> | null;
  if (parsed === null || typeof parsed.cluster !== 'string' || typeof parsed.services !== 'object' || parsed.services === null) {
    throw new Error(`the redeploy targets published in ${region} are not {cluster, services}: ${String(value)}`);
  }
  return parsed as RedeployTargets;
}

async function redeployRegion(region: string, services: readonly string[], deps: RedeployDeps): Promise<RegionOutcome> {
  let targets: RedeployTargets;
  try {
    const response = await deps.ssm(region).send(new GetParameterCommand({ Name: deps.targetsParameterName }));
    targets = parseTargets(region, response.Parameter?.Value);
  } catch (error) {
    // A Region whose stack is not deployed yet has no task holding the old password.
    if (error instanceof Error && error.name === 'ParameterNotFound') return { region, status: 'not-deployed' };
    return { region, status: 'failed', error: describe(error) };
  }
  const errors: string[] = [];
  for (const name of services) {
    const service = targets.services[name];
    if (service === undefined) {
      errors.push(`${name}: not among the services published in ${region}`);
      continue;
    }
    try {
      await deps.ecs(region).send(new UpdateServiceCommand({ cluster: targets.cluster, service, forceNewDeployment: true }));
    } catch (error) {
      errors.push(`${name}: ${describe(error)}`);
    }
  }
  return errors.length > 0 ? { region, status: 'failed', error: errors.join('; ') } : { region, status: 'rolled', services };
}

/** Redeploys the users of `secretArn` in every Region; throws RedeployFailedError after all Regions were tried if any failed. */
export async function redeployAfterRotation(secretArn: string, deps: RedeployDeps): Promise<readonly RegionOutcome[]> {
  const services = deps.servicesBySecret[secretArn];
  if (services === undefined) {
    throw new Error(`No services are known to use ${secretArn} (known: ${Object.keys(deps.servicesBySecret).join(', ')})`);
  }
  const outcomes = await Promise.all(deps.regions.map((region) => redeployRegion(region, services, deps)));
  if (outcomes.some((outcome) => outcome.status === 'failed')) throw new RedeployFailedError(outcomes);
  return outcomes;
}

/** The secret of a `RotationSucceeded` CloudTrail event (EventBridge). */
export function rotatedSecretArn(event: unknown): string {
  const detail = (event as { detail?: { eventName?: unknown; additionalEventData?: { SecretId?: unknown } } }).detail;
  const secretId = detail?.additionalEventData?.SecretId;
  if (detail?.eventName !== 'RotationSucceeded' || typeof secretId !== 'string') {
    throw new Error(`Not a RotationSucceeded event with a SecretId: ${JSON.stringify(event).slice(0, 500)}`);
  }
  return secretId;
}
