import { Writable } from 'node:stream';
import { ResourceImpact } from '@aws-cdk/cloudformation-diff';
import type { Review, ResourceChangeSummary, StackReview, StatefulCallout } from './compare';

/** What the report says about where the two sides came from (filled in by the CLI). */
export interface ReviewContext {
  /** e.g. "main (3f2a1c9)" */
  readonly baseLabel: string;
  /** e.g. "working tree (HEAD 9d8e7f6, with uncommitted changes)" */
  readonly headLabel: string;
  /** The `-c key=value` pairs both synths were given. */
  readonly contextArgs: readonly string[];
  /** How the base got its node_modules, and why. */
  readonly baseDependencies: string;
}

/** Collects what the CDK's formatter writes, with a terminal width for its tables. */
export class StringStream extends Writable {
  private readonly chunks: string[] = [];
  constructor(readonly columns?: number) {
    super();
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    callback();
  }
  text(): string {
    return this.chunks.join('');
  }
}

// The CDK's formatter colours with chalk; files and PR comments get plain text.
const ANSI_ESCAPE = /\u001b\[[0-9;]*m/g;
export function stripAnsi(text: string): string {
  return text.replace(ANSI_ESCAPE, '');
}

export function impactWords(impact: ResourceImpact, stackStatus: StackReview['status']): string {
  const viaDestroy = stackStatus === 'removed' ? ' if the stack is destroyed' : '';
  switch (impact) {
    case ResourceImpact.WILL_DESTROY: return `will be destroyed${viaDestroy}`;
    case ResourceImpact.WILL_ORPHAN: return `will be orphaned${viaDestroy} (left in the account, no longer managed)`;
    case ResourceImpact.WILL_REPLACE: return 'will be replaced';
    case ResourceImpact.MAY_REPLACE: return 'may be replaced';
    case ResourceImpact.WILL_CREATE: return 'created';
    case ResourceImpact.WILL_UPDATE: return 'updated in place';
    case ResourceImpact.WILL_IMPORT: return 'imported';
    case ResourceImpact.NO_CHANGE: return 'no change';
    default: return String(impact);
  }
}

/** The properties that force (or may force) a replacement, for "why is this replaced". */
export function replacementCauses(resource: ResourceChangeSummary): string[] {
  return resource.changes.filter((change) => change.replacement !== 'never')
    .map((change) => (change.replacement === 'maybe' ? `${change.name} (may)` : change.name));
}

export function calloutLine(callout: StatefulCallout): string {
  const path = callout.constructPath !== undefined ? ` (${displayPath(callout.constructPath)})` : '';
  const causes = replacementCauses(callout);
  const because = causes.length > 0 ? `; caused by ${causes.join(', ')}` : '';
  return `${callout.stackName}: ${callout.resourceType} ${callout.logicalId}${path} ${impactWords(callout.impact, callout.stackStatus)}${because}`;
}

/** A construct path without the stack name and the trailing "Resource"/"Default", as `cdk diff` shows it. */
export function displayPath(constructPath: string): string {
  let parts = constructPath.replace(/^\//, '').split('/');
  if (parts.length > 1) {
    parts = parts.slice(1);
    const last = parts[parts.length - 1];
    if (parts.length > 1 && (last === 'Resource' || last === 'Default')) parts = parts.slice(0, -1);
  }
  return parts.join('/');
}

export function stackStatusWords(stack: StackReview): string {
  switch (stack.status) {
    case 'added': return 'new stack (not in the base)';
    case 'removed': return 'removed from the app (`cdk deploy` leaves the deployed stack in place; this is what `cdk destroy` would remove)';
    case 'modified': return 'modified';
    case 'unchanged': return 'no differences';
  }
}

export interface ReviewTotals {
  readonly stacksChanged: number;
  readonly stacksAdded: number;
  readonly stacksRemoved: number;
  readonly stacks: number;
  readonly added: number;
  readonly removed: number;
  readonly modified: number;
  readonly replaced: number;
  readonly assetOnly: number;
  readonly iamChanges: number;
  readonly securityGroupChanges: number;
}

export function totalsOf(review: Review): ReviewTotals {
  const resources = review.stacks.flatMap((stack) => stack.resources);
  const count = (predicate: (resource: ResourceChangeSummary) => boolean): number => resources.filter(predicate).length;
  const rows = (table: string[][]): number => Math.max(0, table.length - 1);
  return {
    stacks: review.stacks.length,
    stacksChanged: review.stacks.filter((stack) => stack.status !== 'unchanged').length,
    stacksAdded: review.stacks.filter((stack) => stack.status === 'added').length,
    stacksRemoved: review.stacks.filter((stack) => stack.status === 'removed').length,
    added: count((resource) => resource.action === 'added'),
    removed: count((resource) => resource.action === 'removed'),
    modified: count((resource) => resource.action === 'modified'),
    replaced: count((resource) => resource.impact === ResourceImpact.WILL_REPLACE || resource.impact === ResourceImpact.MAY_REPLACE),
    assetOnly: review.stacks.reduce((sum, stack) => sum + stack.assetOnly.length, 0),
    iamChanges: review.stacks.reduce((sum, stack) => sum + rows(stack.shownDiff.iamChanges.summarizeStatements())
      + rows(stack.shownDiff.iamChanges.summarizeManagedPolicies()), 0),
    securityGroupChanges: review.stacks.reduce((sum, stack) => sum + rows(stack.shownDiff.securityGroupChanges.summarize()), 0),
  };
}

export function summaryLine(totals: ReviewTotals): string {
  if (totals.stacksChanged === 0) return `No differences in ${totals.stacks} stacks.`;
  const stackParts = [`${totals.stacksChanged} of ${totals.stacks} stacks changed`];
  if (totals.stacksAdded > 0) stackParts.push(`${totals.stacksAdded} new`);
  if (totals.stacksRemoved > 0) stackParts.push(`${totals.stacksRemoved} removed`);
  const parts = [
    stackParts.join(', '),
    `resources: ${totals.added} added, ${totals.removed} removed, ${totals.modified} modified (${totals.replaced} replaced or may be replaced)`,
    `${totals.assetOnly} with only asset hashes changed`,
    `IAM: ${totals.iamChanges} changes`,
    `security groups: ${totals.securityGroupChanges} rule changes`,
  ];
  return `${parts.join('; ')}.`;
}

export const ASSETS_ONLY_WORDS = 'Assets changed (only an asset hash differs: function code, container image or staged file content)';
