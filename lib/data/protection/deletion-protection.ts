import * as path from 'path';
import { createHash } from 'crypto';
import { ArnFormat, CfnResource, CustomResource, Duration, Lazy, Stack, type IResolveContext } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { functionLogsAndRole, platformFunction } from '../../common/node-function';
import type { ProtectionProperties } from './runtime/protection';

/** A resource to protect: its name for the API, and the construct that creates it. */
export interface ProtectedResource {
  readonly identifier: string;
  readonly resource: IConstruct;
}

export interface ProtectedTableResource extends ProtectedResource {
  /** Every Region holding a replica, this one included. */
  readonly regions: readonly string[];
}

export interface DeletionProtectionProps {
  /** Aurora DB clusters of this stack's Region. */
  readonly clusters?: readonly ProtectedResource[];
  readonly globalClusters?: readonly ProtectedResource[];
  readonly tables?: readonly ProtectedTableResource[];
  /** Load balancers of this stack's Region; the identifier is the load balancer's ARN. */
  readonly loadBalancers?: readonly ProtectedResource[];
  readonly logKey: kms.IKey;
  readonly logRetentionDays: number;
}

/**
 * SHA-256 of the synthesized definitions (type, properties) of the given resources: the CloudFormation
 * resource itself or an L2 construct's default child.
 */
export function definitionFingerprint(ctx: IResolveContext, resources: readonly IConstruct[]): string {
  const hash = createHash('sha256');
  for (const resource of resources) {
    const cfn = resource instanceof CfnResource ? resource : resource.node.defaultChild;
    if (!(cfn instanceof CfnResource)) throw new Error(`${resource.node.path}: no CloudFormation resource to fingerprint`);
    const definition = ctx.resolve(cfn._toCloudFormation()) as { Resources?: Record<string, { Type?: string; Properties?: unknown }> };
    for (const [id, body] of Object.entries(definition.Resources ?? {})) hash.update(JSON.stringify([id, body.Type, body.Properties ?? null]));
  }
  return hash.digest('hex');
}

/** The custom resource's type, named in the cdk-nag acknowledgements of the resources it protects. */
export const DELETION_PROTECTION_TYPE = 'Custom::DeletionProtection';

/**
 * Turns deletion protection on for the stack's stateful resources with fixed names once the
 * stack's creation has otherwise succeeded: the resources themselves are created without it, so
 * that a failed first deploy deletes them on its rollback and the retry finds no orphan. Delete
 * turns protection off only while the stack's creation rolls back (see runtime/protection.ts);
 * a stack deletion, an update, an update rollback or a replacement leave it on.
 *
 * The resource is the stack's last: it depends on every other resource of the stack, including
 * those added while the app is validated (the CDK's own log groups).
 */
export class DeletionProtection extends Construct {
  readonly resource: CustomResource;
  readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: DeletionProtectionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const clusters = props.clusters ?? [];
    const globalClusters = props.globalClusters ?? [];
    const tables = props.tables ?? [];
    const loadBalancers = props.loadBalancers ?? [];
    if (clusters.length + globalClusters.length + tables.length + loadBalancers.length === 0) {
      throw new Error(`${this.node.path}: nothing to protect`);
    }

    const { logGroup, role } = functionLogsAndRole(this, {
      logKey: props.logKey,
      logRetentionDays: props.logRetentionDays,
      roleDescription: 'Turns deletion protection on at the end of stack creation, off only while that creation rolls back',
    });
    for (const statement of this.statements(props, logGroup)) {
      role.addToPrincipalPolicy(statement);
    }

    this.function = platformFunction(this, 'Function', {
      description: 'Deletion protection of the stack\'s stateful resources, on once the stack exists',
      entry: path.join(__dirname, 'runtime', 'index.ts'),
      // Busy resources are retried every 10 s within this budget; calls have 10 s deadlines.
      timeout: Duration.minutes(5),
      role,
      logGroup,
    });
    this.function.node.addDependency(role);

    const properties: ProtectionProperties = {
      DbClusters: clusters.map((c) => c.identifier),
      GlobalClusters: globalClusters.map((c) => c.identifier),
      Tables: tables.map((t) => ({ TableName: t.identifier, Regions: [...t.regions] })),
      // Left out when there is none, so that a stack without one keeps its properties as they were.
      ...(loadBalancers.length > 0 ? { LoadBalancers: loadBalancers.map((l) => l.identifier) } : {}),
    };
    const protectedResources = [...clusters, ...globalClusters, ...tables, ...loadBalancers];
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      resourceType: DELETION_PROTECTION_TYPE,
      properties: {
        ...properties,
        // Changes with the definition of any protected resource, so every deploy that updates one
        // is followed by an Update here, which sets protection again: not every resource handler
        // is known to leave an absent protection property alone when it applies an update.
        Fingerprint: Lazy.uncachedString({ produce: (ctx: IResolveContext) => definitionFingerprint(ctx, protectedResources.map((p) => p.resource)) }),
      },
    });
    this.resource.node.addDependency(...[...clusters, ...globalClusters, ...tables, ...loadBalancers].map((p) => p.resource));
    this.createLast(stack);
  }

  /** Least privilege: the named clusters, tables and load balancers, the owning stack, the function's own logs. */
  private statements(props: DeletionProtectionProps, logGroup: logs.LogGroup): iam.PolicyStatement[] {
    const stack = Stack.of(this);
    const statements = [
      new iam.PolicyStatement({ sid: 'ReadOwningStackStatus', actions: ['cloudformation:DescribeStacks'], resources: [stack.stackId] }),
      new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    ];
    if ((props.clusters ?? []).length > 0) {
      statements.push(new iam.PolicyStatement({
        sid: 'SetClusterProtection',
        actions: ['rds:ModifyDBCluster'],
        resources: (props.clusters ?? []).map((c) => stack.formatArn({ service: 'rds', resource: 'cluster', resourceName: c.identifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
      }));
    }
    if ((props.globalClusters ?? []).length > 0) {
      statements.push(new iam.PolicyStatement({
        sid: 'SetGlobalClusterProtection',
        actions: ['rds:ModifyGlobalCluster'],
        resources: (props.globalClusters ?? []).map((c) => stack.formatArn({ service: 'rds', region: '', resource: 'global-cluster', resourceName: c.identifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
      }));
    }
    if ((props.tables ?? []).length > 0) {
      statements.push(new iam.PolicyStatement({
        sid: 'SetTableProtection',
        actions: ['dynamodb:DescribeTable', 'dynamodb:UpdateTable'],
        resources: (props.tables ?? []).flatMap((t) => t.regions.map((region) => stack.formatArn({ service: 'dynamodb', region, resource: 'table', resourceName: t.identifier }))),
      }));
    }
    if ((props.loadBalancers ?? []).length > 0) {
      statements.push(new iam.PolicyStatement({
        sid: 'SetLoadBalancerProtection',
        actions: ['elasticloadbalancing:ModifyLoadBalancerAttributes'],
        resources: (props.loadBalancers ?? []).map((l) => l.identifier),
      }));
    }
    return statements;
  }

  /**
   * Depend on every other resource of the stack. A validation, because some resources are only
   * added while the app is validated (encryptCdkFunctionLogs); templates are rendered afterwards.
   */
  private createLast(stack: Stack): void {
    this.node.addValidation({
      validate: () => {
        const own = new Set<IConstruct>(this.node.findAll());
        const resource = this.resource.node.defaultChild as CfnResource;
        // CfnResource.addResourceDependency (DependsOn), not node.addDependency: construct dependencies
        // are turned into DependsOn before validation runs.
        for (const node of stack.node.findAll()) {
          if (node instanceof CfnResource && !own.has(node) && Stack.of(node) === stack) resource.addResourceDependency(node);
        }
        return [];
      },
    });
  }
}
