/**
 * Counting the priced components of synthesized CloudFormation templates, and pricing them with a
 * reviewed price list. Pure functions over template JSON: `scripts/cost.ts` feeds them the
 * templates of a synthesized platform, the tests feed them small hand-written templates.
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
}

export interface Price {
  readonly label: string;
  readonly unit: string;
  /** Exactly one of these: an hourly rate (× hoursPerMonth), a price per event, or a monthly price. */
  readonly hourly?: number;
  readonly each?: number;
  readonly monthly?: number;
}

export interface PriceList {
  readonly source: string;
  readonly reviewed: string;
  readonly hoursPerMonth: number;
  readonly prices: Readonly<Record<string, Price>>;
}

/** Quantities by price key (`nat-gateway`, `aurora-db.r6g.large`, `canary-run`, ...). */
export type Counts = Map<string, number>;

const MINUTES_PER_MONTH = (hoursPerMonth: number): number => hoursPerMonth * 60;

function add(counts: Counts, key: string, quantity: number): void {
  if (quantity !== 0) {
    counts.set(key, (counts.get(key) ?? 0) + quantity);
  }
}

function resourcesOf(templates: readonly CfnTemplate[]): { readonly id: string; readonly resource: CfnResource; readonly template: CfnTemplate }[] {
  return templates.flatMap((template) => Object.entries(template.Resources ?? {}).map(([id, resource]) => ({ id, resource, template })));
}

function props(resource: CfnResource): Readonly<Record<string, unknown>> {
  return resource.Properties ?? {};
}

function numberOf(value: unknown, what: string): number {
  const parsed = typeof value === 'string' ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed)) {
    throw new Error(`${what} is not a literal number in the template: ${JSON.stringify(value)}`);
  }
  return parsed;
}

function stringOf(value: unknown, what: string): string {
  if (typeof value !== 'string') {
    throw new Error(`${what} is not a literal string in the template: ${JSON.stringify(value)}`);
  }
  return value;
}

function lengthOf(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

/** The logical id a `{ Ref }` points at, in the same template. */
function refTarget(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && typeof (value as { Ref?: unknown }).Ref === 'string') {
    return (value as { Ref: string }).Ref;
  }
  return undefined;
}

/** Runs per month of a Synthetics schedule expression (`rate(5 minutes)`, `rate(1 hour)`, `rate(0 minutes)` = once). */
export function runsPerMonth(expression: string, hoursPerMonth: number): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(expression);
  if (match === null) {
    throw new Error(`Unsupported canary schedule ${expression}`);
  }
  const every = Number(match[1]) * (match[2]?.startsWith('hour') === true ? 60 : 1);
  return every === 0 ? 0 : Math.round(MINUTES_PER_MONTH(hoursPerMonth) / every);
}

/** Aurora instances: provisioned by class, Serverless v2 by its cluster's minimum ACUs. */
function countAurora(templates: readonly CfnTemplate[], counts: Counts): void {
  for (const { id, resource, template } of resourcesOf(templates)) {
    if (resource.Type !== 'AWS::RDS::DBInstance') continue;
    const instanceClass = stringOf(props(resource).DBInstanceClass, `${id}.DBInstanceClass`);
    if (instanceClass !== 'db.serverless') {
      add(counts, `aurora-${instanceClass}`, 1);
      continue;
    }
    const clusterId = refTarget(props(resource).DBClusterIdentifier);
    const cluster = clusterId === undefined ? undefined : template.Resources?.[clusterId];
    const scaling = cluster === undefined ? undefined : (props(cluster).ServerlessV2ScalingConfiguration as { MinCapacity?: unknown } | undefined);
    if (scaling === undefined) {
      throw new Error(`${id} is db.serverless but its cluster has no ServerlessV2ScalingConfiguration`);
    }
    add(counts, 'aurora-acu', numberOf(scaling.MinCapacity, `${clusterId ?? id}.MinCapacity`));
  }
}

/** Fargate: task size × desired count of every ECS service. */
function countFargate(templates: readonly CfnTemplate[], counts: Counts): void {
  for (const { id, resource, template } of resourcesOf(templates)) {
    if (resource.Type !== 'AWS::ECS::Service') continue;
    const desired = numberOf(props(resource).DesiredCount ?? 1, `${id}.DesiredCount`);
    const taskDefinitionId = refTarget(props(resource).TaskDefinition);
    const taskDefinition = taskDefinitionId === undefined ? undefined : template.Resources?.[taskDefinitionId];
    if (taskDefinition === undefined) {
      throw new Error(`${id} has no task definition in its template`);
    }
    add(counts, 'fargate-vcpu', (desired * numberOf(props(taskDefinition).Cpu, `${taskDefinitionId ?? ''}.Cpu`)) / 1024);
    add(counts, 'fargate-gb', (desired * numberOf(props(taskDefinition).Memory, `${taskDefinitionId ?? ''}.Memory`)) / 1024);
  }
}

/** Every priced component of the templates, by price key. */
/**
 * Backup storage is usage-based: priced at an assumed size per store (docs/cost.md) — one full copy
 * plus the daily changes kept for the rule's retention, in the vault and in every copy target.
 */
export const BACKUP_ASSUMPTIONS = { auroraGb: 10, dynamodbGb: 1, dailyChange: 0.02 } as const;

/** The logical id a `{ Fn::GetAtt: [id, attribute] }` points at, in the same template. */
function getAttTarget(value: unknown): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

function countBackups(templates: readonly CfnTemplate[], counts: Counts): void {
  for (const { resource, template } of resourcesOf(templates)) {
    if (resource.Type !== 'AWS::Backup::BackupSelection') continue;
    const selection = props(resource).BackupSelection as { Resources?: unknown[] } | undefined;
    const planId = getAttTarget(props(resource).BackupPlanId);
    const plan = planId !== undefined ? template.Resources?.[planId] : undefined;
    const rules = ((plan?.Properties?.BackupPlan as { BackupPlanRule?: { Lifecycle?: { DeleteAfterDays?: unknown }; CopyActions?: unknown[] }[] } | undefined)?.BackupPlanRule) ?? [];
    for (const rule of rules) {
      const days = numberOf(rule.Lifecycle?.DeleteAfterDays ?? 0, 'backup rule DeleteAfterDays');
      const copies = 1 + lengthOf(rule.CopyActions);
      for (const arn of selection?.Resources ?? []) {
        const dynamodb = JSON.stringify(arn).includes(':dynamodb:');
        const size = dynamodb ? BACKUP_ASSUMPTIONS.dynamodbGb : BACKUP_ASSUMPTIONS.auroraGb;
        add(counts, dynamodb ? 'backup-storage-dynamodb' : 'backup-storage-aurora', Math.round(size * (1 + BACKUP_ASSUMPTIONS.dailyChange * days) * copies * 100) / 100);
      }
    }
  }
}

export function countComponents(templates: readonly CfnTemplate[], hoursPerMonth: number): Counts {
  const counts: Counts = new Map();
  let routingControls = 0;
  let routingStatePublishers = 0;
  for (const { id, resource } of resourcesOf(templates)) {
    const p = props(resource);
    switch (resource.Type) {
      case 'AWS::Route53RecoveryControl::Cluster':
        add(counts, 'arc-cluster', 1);
        break;
      case 'AWS::Route53RecoveryControl::RoutingControl':
        routingControls += 1;
        break;
      case 'AWS::EC2::NatGateway':
        add(counts, 'nat-gateway', 1);
        break;
      case 'AWS::EC2::EIP':
        add(counts, 'public-ipv4', 1);
        break;
      case 'AWS::EC2::VPCEndpoint':
        if (p.VpcEndpointType === 'Interface') {
          add(counts, 'interface-endpoint-az', lengthOf(p.SubnetIds));
        }
        break;
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
        if ((p.Type ?? 'application') === 'application') {
          add(counts, 'alb', 1);
          // An internet-facing load balancer holds a public IPv4 address in each of its subnets.
          if (p.Scheme === 'internet-facing') {
            add(counts, 'public-ipv4', lengthOf(p.Subnets) + lengthOf(p.SubnetMappings));
          }
        }
        break;
      case 'AWS::ElastiCache::ReplicationGroup': {
        const nodeType = stringOf(p.CacheNodeType, `${id}.CacheNodeType`);
        const nodes = p.NumCacheClusters !== undefined
          ? numberOf(p.NumCacheClusters, `${id}.NumCacheClusters`)
          : numberOf(p.NumNodeGroups ?? 1, `${id}.NumNodeGroups`) * (1 + numberOf(p.ReplicasPerNodeGroup ?? 0, `${id}.ReplicasPerNodeGroup`));
        add(counts, `cache-${nodeType}`, nodes);
        break;
      }
      case 'AWS::AmazonMQ::Broker': {
        const instanceType = stringOf(p.HostInstanceType, `${id}.HostInstanceType`);
        const mode = p.DeploymentMode;
        // A RabbitMQ cluster deployment runs three nodes; active/standby (ActiveMQ) two.
        add(counts, `mq-${instanceType}`, mode === 'CLUSTER_MULTI_AZ' ? 3 : mode === 'ACTIVE_STANDBY_MULTI_AZ' ? 2 : 1);
        break;
      }
      case 'AWS::Synthetics::Canary': {
        const schedule = p.Schedule as { Expression?: unknown } | undefined;
        add(counts, 'canary-run', runsPerMonth(stringOf(schedule?.Expression, `${id}.Schedule.Expression`), hoursPerMonth));
        break;
      }
      case 'AWS::KMS::Key':
        add(counts, 'kms-key', 1);
        break;
      case 'AWS::SecretsManager::Secret':
        add(counts, 'secret', 1 + lengthOf(p.ReplicaRegions));
        break;
      case 'AWS::SSM::Parameter':
        if (p.Tier === 'Advanced') {
          add(counts, 'ssm-advanced-parameter', 1);
        }
        break;
      case 'AWS::CloudWatch::Alarm': {
        // Metric math alarms are charged per metric they read.
        const metrics = Array.isArray(p.Metrics) ? (p.Metrics as { MetricStat?: unknown }[]).filter((m) => m.MetricStat !== undefined).length : 1;
        add(counts, 'alarm-metric', metrics);
        break;
      }
      case 'AWS::CloudWatch::CompositeAlarm':
        add(counts, 'composite-alarm', 1);
        break;
      case 'AWS::CloudWatch::Dashboard':
        add(counts, 'dashboard', 1);
        break;
      case 'AWS::WAFv2::WebACL': {
        // Monthly charges only; requests inspected are usage (npm run capacity prices an event's).
        const rules = Array.isArray(p.Rules) ? (p.Rules as { Statement?: { ManagedRuleGroupStatement?: { Name?: unknown } } }[]) : [];
        add(counts, 'waf-web-acl', 1);
        add(counts, 'waf-rule', rules.length);
        add(counts, 'waf-bot-control', rules.filter((rule) => rule.Statement?.ManagedRuleGroupStatement?.Name === 'AWSManagedRulesBotControlRuleSet').length);
        break;
      }
      case 'AWS::Route53::HealthCheck':
        add(counts, 'health-check', 1);
        break;
      case 'AWS::Lambda::Function': {
        const variables = (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
        if (variables.METRIC_NAMESPACE !== undefined) {
          routingStatePublishers += 1;
        }
        break;
      }
      default:
        break;
    }
  }
  countAurora(templates, counts);
  countFargate(templates, counts);
  countBackups(templates, counts);
  // Each publisher emits one RoutingControlOn series per control, plus its read-succeeded series.
  add(counts, 'custom-metric', routingStatePublishers * (routingControls + 1));
  return counts;
}

export interface CostLine {
  readonly key: string;
  readonly label: string;
  readonly quantity: number;
  readonly unit: string;
  /** Price of one unit for a month (or per event for per-event prices). */
  readonly unitPrice: string;
  readonly monthly: number;
}

export function monthlyUnitPrice(price: Price, hoursPerMonth: number): number {
  if (price.hourly !== undefined) return price.hourly * hoursPerMonth;
  if (price.each !== undefined) return price.each;
  if (price.monthly !== undefined) return price.monthly;
  throw new Error(`Price ${price.label} has no rate`);
}

function describePrice(price: Price, hoursPerMonth: number): string {
  if (price.hourly !== undefined) return `$${price.hourly}/h = ${formatUsd(price.hourly * hoursPerMonth)}/month`;
  if (price.each !== undefined) return `$${price.each} each`;
  return `${formatUsd(price.monthly ?? 0)}/month`;
}

/** Prices every counted component; a component without a price is an error (the list needs review). */
export function priceCounts(counts: Counts, prices: PriceList): CostLine[] {
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, quantity]) => {
      const price = prices.prices[key];
      if (price === undefined) {
        throw new Error(`No price for ${key} in scripts/prices.json: add a reviewed price`);
      }
      return {
        key,
        label: price.label,
        quantity,
        unit: price.unit,
        unitPrice: describePrice(price, prices.hoursPerMonth),
        monthly: quantity * monthlyUnitPrice(price, prices.hoursPerMonth),
      };
    });
}

export function formatUsd(value: number): string {
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function formatQuantity(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

export function markdownTable(title: string, lines: readonly CostLine[]): string {
  const total = lines.reduce((sum, line) => sum + line.monthly, 0);
  return [
    `### ${title}`,
    '',
    '| Component | Count (as synthesized) | Unit price | Monthly (USD) |',
    '| --- | ---: | --- | ---: |',
    ...[...lines].sort((a, b) => b.monthly - a.monthly).map((line) => `| ${line.label} | ${formatQuantity(line.quantity)} × ${line.unit} | ${line.unitPrice} | ${formatUsd(line.monthly)} |`),
    `| **Total** | | | **${formatUsd(total)}** |`,
    '',
  ].join('\n');
}

export function totalOf(lines: readonly CostLine[]): number {
  return lines.reduce((sum, line) => sum + line.monthly, 0);
}
