import { Formatter } from '@aws-cdk/cloudformation-diff';
import type { Review, ResourceChangeSummary, StackReview } from './compare';
import { cdkDiffText } from './text-report';
import {
  ASSETS_ONLY_WORDS, displayPath, impactWords, replacementCauses, stackStatusWords, StringStream, stripAnsi, summaryLine, totalsOf,
  type ReviewContext,
} from './wording';

/** Lets a CI job find and update its own earlier comment. */
export const COMMENT_MARKER = '<!-- cdk-template-review -->';

/** GitHub refuses comments over 65,536 characters; keep a margin for the marker and the notes. */
export const GITHUB_COMMENT_LIMIT = 65_000;

function cell(text: string): string {
  return stripAnsi(text).replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, '<br>');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

function changedWords(resource: ResourceChangeSummary): string {
  return resource.changes
    .map((change) => `${code(change.name)}${change.replacement === 'always' ? ' (replaces)' : change.replacement === 'maybe' ? ' (may replace)' : ''}`)
    .join(', ');
}

function impactCell(resource: ResourceChangeSummary, stack: StackReview): string {
  const words = impactWords(resource.impact, stack.status);
  return resource.action !== 'added' && /replaced|destroyed|orphaned/.test(words) ? `**${words}**` : words;
}

function resourceRows(stack: StackReview, limit: number): string[] {
  if (limit === 0) return [`${stack.resources.length} resources changed (table left out to fit).`];
  const shown = stack.resources.slice(0, limit);
  const lines = table(
    ['', 'Logical id', 'Type', 'Construct path', 'Impact', 'Changed'],
    shown.map((resource) => [
      resource.action,
      code(resource.logicalId),
      code(resource.resourceType),
      resource.constructPath !== undefined ? cell(displayPath(resource.constructPath)) : '',
      impactCell(resource, stack),
      changedWords(resource),
    ]),
  );
  if (stack.resources.length > shown.length) lines.push('', `…and ${stack.resources.length - shown.length} more resources (see the job log or run \`npm run review\`).`);
  return lines;
}

/** The library's summary tables, with `${LogicalId}` references shown as construct paths like `cdk diff` does. */
function securityTables(stack: StackReview): string[] {
  const formatter = new Formatter(new StringStream(), { ...stack.constructPaths }, stack.shownDiff);
  const sections: Array<[string, string[][]]> = [
    ['IAM statement changes', stack.shownDiff.iamChanges.summarizeStatements()],
    ['IAM managed policy changes', stack.shownDiff.iamChanges.summarizeManagedPolicies()],
    ['Security group changes', stack.shownDiff.securityGroupChanges.summarize()],
  ];
  const lines: string[] = [];
  for (const [title, rawRows] of sections) {
    if (rawRows.length <= 1) continue;
    const [header, ...rows] = formatter.deepSubstituteBracedLogicalIds(rawRows);
    lines.push('', `**${title}**`, '', ...table(header.map(cell), rows.map((row) => row.map(cell))));
  }
  return lines;
}

interface Detail {
  /** Rows per resource table. */
  readonly rowLimit: number;
  /** Whether each stack gets the full `cdk diff` text in a collapsed block. */
  readonly cdkDiffText: boolean;
}

function stackSection(stack: StackReview, detail: Detail): string[] {
  const lines = ['', `#### ${code(stack.stackName)} · ${stack.environment} · ${stackStatusWords(stack)}`];
  if (stack.resources.length > 0) lines.push('', ...resourceRows(stack, detail.rowLimit));
  const others = Object.entries(stack.otherSections).map(([section, count]) => `${section}: ${count}`);
  if (others.length > 0) lines.push('', `Other template changes: ${others.join(', ')}.`);
  if (stack.assetOnly.length > 0) {
    const names = stack.assetOnly.map((resource) => code(resource.logicalId));
    lines.push('', `**${ASSETS_ONLY_WORDS}:** ${names.join(', ')}`);
  }
  lines.push(...securityTables(stack));
  if (detail.cdkDiffText && !stack.shownDiff.isEmpty) {
    lines.push('', '<details><summary>cdk diff output</summary>', '', '```text', stripAnsi(cdkDiffText(stack)).trimEnd(), '```', '', '</details>');
  }
  return lines;
}

function render(review: Review, context: ReviewContext, detail: Detail, note?: string): string {
  const settings = context.contextArgs.length > 0 ? context.contextArgs.map((arg) => code(`-c ${arg}`)).join(' ') : 'no `-c` context';
  const lines = [
    COMMENT_MARKER,
    '### CloudFormation template review',
    '',
    `**${cell(context.headLabel)}** against **${cell(context.baseLabel)}**, both synthesized with ${settings}.`,
    '',
    `**${summaryLine(totalsOf(review))}**`,
  ];
  if (review.statefulCallouts.length > 0) {
    lines.push('', '> [!CAUTION]', `> **Stateful resources replaced, destroyed or orphaned: ${review.statefulCallouts.length}.** Read these first.`, '');
    lines.push(...table(['Stack', 'Logical id', 'Type', 'Construct path', 'Impact', 'Caused by'], review.statefulCallouts.map((callout) => [
      code(callout.stackName),
      code(callout.logicalId),
      code(callout.resourceType),
      callout.constructPath !== undefined ? cell(displayPath(callout.constructPath)) : '',
      `**${impactWords(callout.impact, callout.stackStatus)}**`,
      replacementCauses(callout).map(code).join(', '),
    ])));
  }
  for (const stack of review.stacks) {
    if (stack.status !== 'unchanged') lines.push(...stackSection(stack, detail));
  }
  const unchanged = review.stacks.filter((stack) => stack.status === 'unchanged').map((stack) => code(stack.stackName));
  if (unchanged.length > 0) lines.push('', `No differences: ${unchanged.join(', ')}.`);
  if (note !== undefined) lines.push('', `_${note}_`);
  lines.push('', `<sub>Base dependencies: ${cell(context.baseDependencies)}. Produced by \`npm run review\` with @aws-cdk/cloudformation-diff.</sub>`);
  return `${lines.join('\n')}\n`;
}

/**
 * The PR comment. When it would exceed `limit` characters, the collapsed `cdk diff` texts go first,
 * then resource tables are cut shorter; the stateful callouts and the summary always stay.
 */
export function markdownReport(review: Review, context: ReviewContext, limit = GITHUB_COMMENT_LIMIT): string {
  const attempts: Array<[Detail, string | undefined]> = [
    [{ rowLimit: Number.POSITIVE_INFINITY, cdkDiffText: true }, undefined],
    [{ rowLimit: Number.POSITIVE_INFINITY, cdkDiffText: false }, 'The full cdk diff output did not fit in a comment: see the job log or run `npm run review` locally.'],
    [{ rowLimit: 50, cdkDiffText: false }, 'Shortened to fit in a comment: see the job log or run `npm run review` locally.'],
    [{ rowLimit: 10, cdkDiffText: false }, 'Shortened to fit in a comment: see the job log or run `npm run review` locally.'],
    [{ rowLimit: 0, cdkDiffText: false }, 'Resource tables left out to fit in a comment: see the job log or run `npm run review` locally.'],
  ];
  let text = '';
  for (const [detail, note] of attempts) {
    text = render(review, context, detail, note);
    if (text.length <= limit) return text;
  }
  const cut = '\n\n_Cut to fit in a comment: see the job log or run `npm run review` locally._\n';
  return text.slice(0, limit - cut.length) + cut;
}
