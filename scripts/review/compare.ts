import { deepEqual, fullDiff, isPropertyDifference, ResourceImpact, type ResourceDifference, type TemplateDiff } from '@aws-cdk/cloudformation-diff';
import { stackKey, templatePaths, type CfnTemplate, type SynthesizedAssembly, type SynthesizedStack } from './assembly';

/**
 * Resource types whose replacement or removal loses or strands data (or keys that decrypt it).
 * Their destructive changes are called out before anything else.
 */
export const STATEFUL_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  'AWS::RDS::DBCluster',
  'AWS::RDS::GlobalCluster',
  'AWS::RDS::DBInstance',
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::AmazonMQ::Broker',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::ElastiCache::CacheCluster',
  'AWS::ElastiCache::ServerlessCache',
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::Logs::LogGroup',
  'AWS::SecretsManager::Secret',
  'AWS::EFS::FileSystem',
]);

/** Impacts `cdk diff` (and `cdk diff --fail-on destructive`) treats as destructive, worst first. */
export const DESTRUCTIVE_IMPACTS: readonly ResourceImpact[] = [
  ResourceImpact.WILL_DESTROY,
  ResourceImpact.WILL_REPLACE,
  ResourceImpact.MAY_REPLACE,
  ResourceImpact.WILL_ORPHAN,
];

export type StackStatus = 'added' | 'removed' | 'modified' | 'unchanged';
export type ResourceAction = 'added' | 'removed' | 'modified';

/** One changed property (or other resource attribute such as `DeletionPolicy`) of a modified resource. */
export interface AttributeChange {
  /** A property name, or `DependsOn`, `Metadata`, `DeletionPolicy`, ... */
  readonly name: string;
  readonly isProperty: boolean;
  /** Whether changing this property replaces the resource (from the CloudFormation resource specification). */
  readonly replacement: 'always' | 'maybe' | 'never';
}

export interface ResourceChangeSummary {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly constructPath?: string;
  readonly action: ResourceAction;
  readonly impact: ResourceImpact;
  readonly stateful: boolean;
  /** For `modified` only: what changed. */
  readonly changes: readonly AttributeChange[];
}

export interface StackReview {
  readonly stackName: string;
  readonly environment: string;
  readonly status: StackStatus;
  /**
   * The diff as `cdk diff` shows it (AWS::CDK::Metadata and the bootstrap-version rule hidden), minus
   * the resources in `assetOnly`. Rendered by the CDK's own formatter.
   */
  readonly shownDiff: TemplateDiff;
  /** Logical id -> construct path, from both sides (head wins), for the formatter and the tables. */
  readonly constructPaths: Readonly<Record<string, string>>;
  /** Changed resources, in `cdk diff` order (removed, added, modified). */
  readonly resources: readonly ResourceChangeSummary[];
  /** Resources whose only differences are asset hashes (function code, container image, staged file). */
  readonly assetOnly: readonly ResourceChangeSummary[];
  /** Changes outside `Resources`: section name -> number of changed entries. */
  readonly otherSections: Readonly<Record<string, number>>;
}

export interface StatefulCallout extends ResourceChangeSummary {
  readonly stackName: string;
  readonly environment: string;
  readonly stackStatus: StackStatus;
}

export interface Review {
  /** Head stacks in assembly order, then the stacks only the base has. */
  readonly stacks: readonly StackReview[];
  /** Destructive changes to stateful resources, worst impact first. */
  readonly statefulCallouts: readonly StatefulCallout[];
  readonly changed: boolean;
}

/** What `cdk diff` hides unless `--strict`: the analytics resource and the bootstrap-version rule. */
function hideCdkMetadata(diff: TemplateDiff): void {
  diff.unknown = diff.unknown.filter((change) => {
    const value = (change?.newValue ?? change?.oldValue) as { CheckBootstrapVersion?: unknown } | undefined;
    return value?.CheckBootstrapVersion === undefined;
  });
  diff.resources = diff.resources.filter((change) => change === undefined
    || (change.newResourceType !== 'AWS::CDK::Metadata' && change.oldResourceType !== 'AWS::CDK::Metadata'));
}

const ASSET_PLACEHOLDER = '<asset-hash>';

/**
 * Replaces every known asset hash so that two resources differing only there compare equal. The hash
 * appears in the S3 key or image tag and in the `aws:asset:path` metadata (`asset.<hash>`).
 */
function withoutAssetHashes(value: unknown, hashPattern: RegExp | undefined): unknown {
  if (typeof value === 'string') return hashPattern === undefined ? value : value.replace(hashPattern, ASSET_PLACEHOLDER);
  if (Array.isArray(value)) return value.map((item) => withoutAssetHashes(item, hashPattern));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutAssetHashes(v, hashPattern)]));
  }
  return value;
}

function hashPatternOf(hashes: ReadonlySet<string>): RegExp | undefined {
  if (hashes.size === 0) return undefined;
  return new RegExp([...hashes].join('|'), 'g');
}

export function isAssetOnlyChange(change: ResourceDifference, hashPattern: RegExp | undefined): boolean {
  if (!change.isUpdate || change.resourceTypeChanged) return false;
  return deepEqual(withoutAssetHashes(change.oldValue, hashPattern), withoutAssetHashes(change.newValue, hashPattern));
}

function replacementOf(impact: ResourceImpact | undefined): AttributeChange['replacement'] {
  if (impact === ResourceImpact.WILL_REPLACE) return 'always';
  if (impact === ResourceImpact.MAY_REPLACE) return 'maybe';
  return 'never';
}

function summarize(logicalId: string, change: ResourceDifference, paths: Readonly<Record<string, string>>): ResourceChangeSummary {
  const resourceType = change.newResourceType ?? change.oldResourceType ?? 'unknown';
  const action: ResourceAction = change.isAddition ? 'added' : change.isRemoval ? 'removed' : 'modified';
  const changes: AttributeChange[] = [];
  if (action === 'modified') {
    change.forEachDifference((kind, name, difference) => {
      changes.push({
        name,
        isProperty: kind === 'Property',
        replacement: isPropertyDifference(difference) ? replacementOf(difference.changeImpact) : 'never',
      });
    });
  }
  const constructPath = paths[logicalId];
  return {
    logicalId,
    resourceType,
    ...(constructPath !== undefined ? { constructPath } : {}),
    action,
    impact: change.changeImpact,
    stateful: STATEFUL_RESOURCE_TYPES.has(resourceType),
    changes,
  };
}

function otherSectionsOf(diff: TemplateDiff): Record<string, number> {
  const sections: Record<string, number> = {
    AWSTemplateFormatVersion: diff.awsTemplateFormatVersion?.isDifferent ? 1 : 0,
    Description: diff.description?.isDifferent ? 1 : 0,
    Transform: diff.transform?.isDifferent ? 1 : 0,
    Parameters: diff.parameters.differenceCount,
    Mappings: diff.mappings.differenceCount,
    Conditions: diff.conditions.differenceCount,
    Metadata: diff.metadata.differenceCount,
    Outputs: diff.outputs.differenceCount,
    Other: diff.unknown.differenceCount,
  };
  return Object.fromEntries(Object.entries(sections).filter(([, count]) => count > 0));
}

/** Compares one stack: `base` or `head` is undefined when the stack exists on one side only. */
export function compareStack(base: SynthesizedStack | undefined, head: SynthesizedStack | undefined, assetHashes: ReadonlySet<string>): StackReview {
  const either = head ?? base;
  if (either === undefined) throw new Error('compareStack needs a base or a head stack');
  // A stack on one side only is compared with an empty template, as `cdk diff` does for a stack not yet deployed.
  const oldTemplate: CfnTemplate = base?.template ?? {};
  const newTemplate: CfnTemplate = head?.template ?? {};
  const diff = fullDiff(oldTemplate, newTemplate);
  hideCdkMetadata(diff);
  const constructPaths = {
    ...(base?.logicalIdPaths ?? {}),
    ...templatePaths(oldTemplate),
    ...templatePaths(newTemplate),
    ...(head?.logicalIdPaths ?? {}),
  };
  const hashPattern = hashPatternOf(assetHashes);
  const assetOnlyIds = new Set(diff.resources.logicalIds.filter((id) => isAssetOnlyChange(diff.resources.get(id), hashPattern)));
  const assetOnly = [...assetOnlyIds].sort().map((id) => summarize(id, diff.resources.get(id), constructPaths));
  for (const id of assetOnlyIds) diff.resources.remove(id);
  const resources: ResourceChangeSummary[] = [];
  diff.resources.forEachDifference((logicalId, change) => resources.push(summarize(logicalId, change, constructPaths)));
  const changed = diff.differenceCount > 0 || assetOnly.length > 0;
  const status: StackStatus = base === undefined ? 'added' : head === undefined ? 'removed' : changed ? 'modified' : 'unchanged';
  return {
    stackName: either.stackName,
    environment: either.environment,
    status,
    shownDiff: diff,
    constructPaths,
    resources,
    assetOnly,
    otherSections: otherSectionsOf(diff),
  };
}

function severity(impact: ResourceImpact): number {
  const index = DESTRUCTIVE_IMPACTS.indexOf(impact);
  return index === -1 ? DESTRUCTIVE_IMPACTS.length : index;
}

/** Compares every stack of two assemblies (matched by stack name, account and Region). */
export function compareAssemblies(base: SynthesizedAssembly, head: SynthesizedAssembly): Review {
  const assetHashes = new Set([...base.assetHashes, ...head.assetHashes]);
  const baseByKey = new Map(base.stacks.map((stack) => [stackKey(stack), stack]));
  const headKeys = new Set(head.stacks.map(stackKey));
  const stacks = [
    ...head.stacks.map((stack) => compareStack(baseByKey.get(stackKey(stack)), stack, assetHashes)),
    ...base.stacks.filter((stack) => !headKeys.has(stackKey(stack))).map((stack) => compareStack(stack, undefined, assetHashes)),
  ];
  const statefulCallouts: StatefulCallout[] = stacks
    .flatMap((stack) => stack.resources
      .filter((resource) => resource.stateful && DESTRUCTIVE_IMPACTS.includes(resource.impact))
      .map((resource) => ({ ...resource, stackName: stack.stackName, environment: stack.environment, stackStatus: stack.status })))
    .sort((a, b) => severity(a.impact) - severity(b.impact));
  return { stacks, statefulCallouts, changed: stacks.some((stack) => stack.status !== 'unchanged') };
}
