/**
 * The operator's decision table: what each alarm of a Region means and what to do about it, and
 * which runbook a combination of alarms across Regions calls for. The README's operator guide
 * prints the same table (a test keeps them equal); `RegionalObservability` routes each alarm to
 * the page or notify topic by the severity given here.
 *
 * Alarm names are `<app>-<region>-<suffix>`; a suffix here may hold a placeholder for a family
 * (`<region>`, `<service>`, `<database>`).
 */

/** `page`: wake someone up (page topic). `notify`: look at it during working hours (alarm topic). */
export type Severity = 'page' | 'notify';

export interface AlarmDecision {
  readonly alarm: string;
  readonly severity: Severity;
  readonly means: string;
  readonly action: string;
}

export const DECISION_TABLE: readonly AlarmDecision[] = [
  {
    alarm: 'region-impaired',
    severity: 'page',
    means: 'This Region fails its customers: the read-path canary (home, catalog, cart) failed twice in a row AND the load balancer shows it (no healthy ui target, or 5xx from the load balancer or the ui).',
    action: 'If this Region serves traffic, move it to a healthy Region (no `region-impaired`, no failing `canary-to-<it>`): to the writer\'s Region with `failover --to <it>` (traffic only, the writer is already there); if the writer is here and `writer-health` is OK elsewhere, `switchover --to <healthy Region>` (no data loss); if the writer is lost with this Region, `failover --to <healthy Region>`.',
  },
  {
    alarm: 'writer-health',
    severity: 'page',
    means: 'Orders cannot be placed through this Region: the order canary (the only one that writes: to the Aurora PostgreSQL writer, forwarded from this Region\'s member, and to this Region\'s broker) failed twice in a row.',
    action: 'In every Region: the writer is lost; `status` shows where it is. If that Region has `region-impaired` too, `failover --to <healthy Region>`; otherwise investigate the orders database before failing over. In this Region only: its broker, checkout or orders service, not the writer; no failover.',
  },
  {
    alarm: 'canary-local',
    severity: 'notify',
    means: 'The read-path journey against this Region\'s own store failed twice in a row (the failed step names the backend).',
    action: 'Open the canary run report: the failed step is the backend to fix. It pages only together with a load balancer signal (`region-impaired`).',
  },
  {
    alarm: 'canary-to-<region>',
    severity: 'notify',
    means: 'The read-path journey against another Region\'s store, run from here, failed twice in a row.',
    action: 'Check that Region\'s own `region-impaired`; if it is OK there, suspect the path between the Regions. Never fail over to a Region whose `canary-to-<it>` fails.',
  },
  {
    alarm: 'peer-region-unreachable',
    severity: 'notify',
    means: 'Any `canary-to-<region>` of this Region is in ALARM. Guardrail: it stops the drills that take this Region down.',
    action: 'As `canary-to-<region>`. Drills started here stop on it; do not start one while it is in ALARM.',
  },
  {
    alarm: 'canary-global',
    severity: 'notify',
    means: 'The read-path journey against the global name (where ARC routes customers) failed twice in a row.',
    action: '`status`: check that a healthy Region\'s routing control is On. If every Region\'s `canary-local` is OK, suspect DNS or the routing controls.',
  },
  {
    alarm: 'ui-no-healthy-targets',
    severity: 'notify',
    means: 'No ui task passes the load balancer health check (or none is registered) for 3 minutes.',
    action: 'Look at the ui service\'s events and tasks; together with `canary-local` it is `region-impaired`.',
  },
  {
    alarm: 'ui-unhealthy-targets',
    severity: 'notify',
    means: 'At least one ui task fails the load balancer health check for 3 minutes.',
    action: 'Look at the ui tasks\' logs; ECS replaces failing tasks.',
  },
  {
    alarm: 'alb-5xx',
    severity: 'notify',
    means: 'The load balancer itself answers at least 10 5xx a minute, 3 minutes out of 5 (no healthy target, timeouts).',
    action: 'Look at ui targets and response times; together with `canary-local` it is `region-impaired`.',
  },
  {
    alarm: 'ui-target-5xx',
    severity: 'notify',
    means: 'The ui answers at least 10 5xx a minute, 3 minutes out of 5 (a backend or store behind it fails).',
    action: 'Find the failing backend (canary step, service logs); together with `canary-local` it is `region-impaired`.',
  },
  {
    alarm: '<service>-tasks-below-desired',
    severity: 'notify',
    means: 'The service has run fewer tasks than desired for 5 minutes (tasks fail to start or are being stopped).',
    action: 'Look at the service\'s events and stopped-task reasons (image pull, secrets, health check, capacity).',
  },
  {
    alarm: '<database>-rpo-lag',
    severity: 'notify',
    means: 'This Region\'s member lags the global writer by more than 30 s: a failover now would lose that much.',
    action: 'Prefer `switchover` over `failover` while it lasts; check the writer\'s load and the member\'s status (`status`).',
  },
  {
    alarm: 'carts-replication-to-<region>',
    severity: 'notify',
    means: 'Carts written here reach that Region more than 30 s late, or not at all (writes here, no replication), for 10 minutes.',
    action: 'Carts in that Region are stale; after a failover customers may miss recent cart changes. Check the table\'s replica status in both Regions.',
  },
  {
    alarm: 'cache-engine-cpu',
    severity: 'notify',
    means: 'A checkout cache node runs its engine above 80 % CPU for 5 minutes (or reports nothing).',
    action: 'Scale the cache node type; check checkout traffic.',
  },
  {
    alarm: 'cache-memory',
    severity: 'notify',
    means: 'A checkout cache node uses more than 90 % of its memory for 5 minutes (or reports nothing).',
    action: 'Scale the cache node type; checkouts are evicted when it is full.',
  },
  {
    alarm: 'broker-cpu',
    severity: 'notify',
    means: 'The busiest broker node runs above 85 % CPU for 10 minutes (or reports nothing).',
    action: 'Scale the broker instance type; check the order event consumers.',
  },
  {
    alarm: 'broker-memory',
    severity: 'notify',
    means: 'The busiest broker node uses more than 80 % of its memory high watermark for 5 minutes; at 100 % RabbitMQ blocks publishers and orders fail.',
    action: 'Check queue depths and consumers; scale the broker instance type.',
  },
  {
    alarm: 'routing-state-unreadable',
    severity: 'notify',
    means: 'From this Region no ARC cluster endpoint answered for 5 minutes (or the publisher did not run).',
    action: 'Runbooks started in this Region cannot switch traffic: start them from another Region.',
  },
  {
    alarm: 'backup-jobs-failed',
    severity: 'notify',
    means: 'A backup job of this Region\'s vault (daily snapshot or continuous backup of a database or the carts table) failed, was aborted or expired unstarted in the last hour.',
    action: 'Open the job in AWS Backup (Jobs) for its status message; start an on-demand backup of that resource once fixed. The point-in-time window keeps running in the meantime.',
  },
  {
    alarm: 'backup-copy-jobs-failed',
    severity: 'notify',
    means: 'A copy of this Region\'s daily backups to the next Region\'s vault (or to backup.copyToVaultArn) failed in the last hour.',
    action: 'Open the copy job in AWS Backup for its status message (often the destination key or vault policy); copy the recovery point again once fixed.',
  },
  {
    alarm: 'restore-test-failed',
    severity: 'notify',
    means: 'A restore test did not prove a backup usable: the restore job failed, or the restored store could not be read or its row count differs from the live one by more than backup.rowCountTolerancePercent.',
    action: 'Read the validation message on the restore job (AWS Backup, Restore testing); treat the backups of that store as unproven until a restore test passes.',
  },
  {
    alarm: 'rotation-redeploy-failed',
    severity: 'page',
    means: 'Services were not redeployed after a master secret rotation in at least one Region (the function in the Region that rotates the secrets failed at least once): tasks there still hold the old password, and every new database connection they open fails.',
    action: "Read the rotation redeploy function's log (the regional stack's RotationRedeploy function, in the Region that rotates the secrets) for the Region and the error; once that Region answers, force a new deployment of catalog and orders there (`aws ecs update-service --force-new-deployment`). Until then its running tasks serve on their open connections only.",
  },
];

const PLACEHOLDER = /<(region|service|database)>/g;

function pattern(alarm: string): RegExp {
  const escaped = alarm.split(PLACEHOLDER).map((part, index) => (index % 2 === 1 ? '[a-z0-9-]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${escaped}$`);
}

/** The decision for an alarm by its name suffix (`canary-to-us-west-2` → the `canary-to-<region>` row). */
export function decisionFor(suffix: string): AlarmDecision | undefined {
  return DECISION_TABLE.find((row) => pattern(row.alarm).test(suffix));
}

/** The severity of an alarm suffix; an alarm without a row is a programming error. */
export function severityOf(suffix: string): Severity {
  const decision = decisionFor(suffix);
  if (decision === undefined) {
    throw new Error(`No decision-table row for alarm ${suffix}: add one to lib/observability/decision-table.ts and the README`);
  }
  return decision.severity;
}

/** The alarms of one Region that are in ALARM, by suffix. */
export interface RegionAlarms {
  readonly region: string;
  readonly inAlarm: ReadonlySet<string>;
}

export interface Situation {
  readonly regions: readonly RegionAlarms[];
  /** Where the Aurora global writer is (`npm run runbook -- status`). */
  readonly writerRegion: string;
  /** Regions whose routing control is On. */
  readonly servingRegions: readonly string[];
}

export type Recommendation =
  | { readonly kind: 'none' }
  | { readonly kind: 'failover'; readonly to: string; readonly reason: string }
  | { readonly kind: 'switchover'; readonly to: string; readonly reason: string }
  | { readonly kind: 'investigate'; readonly reason: string }
  | { readonly kind: 'no-healthy-target'; readonly reason: string };

function impaired(alarms: RegionAlarms): boolean {
  return alarms.inAlarm.has('region-impaired');
}

/** A Region traffic can move to: not impaired itself, and no other Region sees its store fail. */
function healthyTargets(situation: Situation, excluding: string): string[] {
  return situation.regions
    .filter((candidate) => candidate.region !== excluding && !impaired(candidate))
    .filter((candidate) => !situation.regions.some((seer) => seer.inAlarm.has(`canary-to-${candidate.region}`)))
    .map((candidate) => candidate.region);
}

/**
 * What the page-level alarms of all Regions call for. Only region-impaired and writer-health
 * decide; every other alarm is a lead for the investigation (its row in DECISION_TABLE).
 */
export function recommend(situation: Situation): Recommendation {
  const writerLostEverywhere = situation.regions.length > 0 && situation.regions.every((region) => region.inAlarm.has('writer-health'));
  const writer = situation.regions.find((region) => region.region === situation.writerRegion);
  const impairedServing = situation.regions.filter((region) => impaired(region) && situation.servingRegions.includes(region.region));

  if (writerLostEverywhere && writer !== undefined && impaired(writer)) {
    const targets = healthyTargets(situation, writer.region);
    const to = targets[0];
    return to === undefined
      ? { kind: 'no-healthy-target', reason: `The writer is lost with ${writer.region}, and no other Region is healthy: fix a Region before failing over.` }
      : { kind: 'failover', to, reason: `The writer is lost with ${writer.region} (writer-health everywhere, region-impaired there).` };
  }
  if (writerLostEverywhere) {
    return { kind: 'investigate', reason: `Orders fail from every Region but ${situation.writerRegion}, which holds the writer, is not impaired: investigate the orders database before failing over.` };
  }
  const first = impairedServing[0];
  if (first !== undefined) {
    const targets = healthyTargets(situation, first.region);
    if (first.region !== situation.writerRegion && targets.includes(situation.writerRegion)) {
      return { kind: 'failover', to: situation.writerRegion, reason: `${first.region} is impaired; the writer's Region ${situation.writerRegion} is healthy: traffic moves, no database changes.` };
    }
    const to = targets[0];
    return to === undefined
      ? { kind: 'no-healthy-target', reason: `${first.region} is impaired and no other Region is healthy.` }
      : { kind: 'switchover', to, reason: `${first.region} is impaired and the writer is healthy: move without data loss.` };
  }
  const lonely = situation.regions.find((region) => region.inAlarm.has('writer-health'));
  if (lonely !== undefined) {
    return { kind: 'investigate', reason: `Orders fail only through ${lonely.region}: its broker, checkout or orders service, not the writer.` };
  }
  return { kind: 'none' };
}
