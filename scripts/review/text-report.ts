import { formatDifferences } from '@aws-cdk/cloudformation-diff';
import type { Review, StackReview } from './compare';
import { ASSETS_ONLY_WORDS, calloutLine, displayPath, stackStatusWords, StringStream, summaryLine, totalsOf, type ReviewContext } from './wording';

/** What `cdk diff` prints for one stack, by the CDK's own formatter. */
export function cdkDiffText(stack: StackReview, columns?: number): string {
  const stream = new StringStream(columns);
  formatDifferences(stream, stack.shownDiff, { ...stack.constructPaths });
  return stream.text();
}

function assetOnlyLine(stack: StackReview): string {
  const names = stack.assetOnly.map((resource) => (resource.constructPath !== undefined
    ? `${resource.logicalId} (${displayPath(resource.constructPath)})`
    : resource.logicalId));
  return `${ASSETS_ONLY_WORDS}: ${names.join(', ')}`;
}

/** The terminal report: stateful callouts first, then per stack what `cdk diff` prints, then a summary. */
export function textReport(review: Review, context: ReviewContext, columns?: number): string {
  const lines: string[] = [
    `Template review: ${context.headLabel} against ${context.baseLabel}`,
    `Both synthesized with ${context.contextArgs.length > 0 ? context.contextArgs.map((arg) => `-c ${arg}`).join(' ') : 'no -c context'}; base dependencies: ${context.baseDependencies}`,
    '',
  ];
  if (review.statefulCallouts.length > 0) {
    lines.push(`STATEFUL RESOURCES REPLACED, DESTROYED OR ORPHANED (${review.statefulCallouts.length}):`);
    for (const callout of review.statefulCallouts) lines.push(`  ! ${calloutLine(callout)}`);
    lines.push('');
  }
  const unchanged: string[] = [];
  for (const stack of review.stacks) {
    if (stack.status === 'unchanged') {
      unchanged.push(stack.stackName);
      continue;
    }
    lines.push(`Stack ${stack.stackName} (${stack.environment}): ${stackStatusWords(stack)}`);
    if (!stack.shownDiff.isEmpty) lines.push(cdkDiffText(stack, columns).trimEnd());
    if (stack.assetOnly.length > 0) lines.push(assetOnlyLine(stack));
    lines.push('');
  }
  if (unchanged.length > 0) lines.push(`No differences: ${unchanged.join(', ')}`, '');
  lines.push(summaryLine(totalsOf(review)));
  return `${lines.join('\n')}\n`;
}
