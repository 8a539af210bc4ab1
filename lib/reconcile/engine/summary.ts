/** summary.md: the report for the operator who has to act on it. */
import { tableFileName } from './output';
import type { ReconcileReport, TableReport } from './types';

export interface SummaryContext {
  /** e.g. "PostgreSQL 15.8 at db-old.example:5432/orders" (never a password). */
  readonly oldDescription: string;
  readonly newDescription: string;
  readonly schema: string;
}

/** Inline code that survives any table name inside a Markdown table cell. */
function code(text: string): string {
  const clean = text.replace(/[\r\n\t]/g, ' ').replace(/\|/g, '\\|');
  const fence = clean.includes('`') ? '``' : '`';
  return `${fence}${fence === '``' ? ' ' : ''}${clean}${fence === '``' ? ' ' : ''}${fence}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function advice(reason: string): string {
  if (reason.startsWith('table missing in new primary')) {
    return 'The table (its DDL) did not reach the new primary. Recreate it there and copy all its rows from the old primary (pg_dump -t / mysqldump).';
  }
  if (reason.startsWith('table missing in old primary')) return 'The table was created on the new primary after the failover. Usually nothing to do.';
  if (reason.startsWith('no primary key')) return 'Rows cannot be matched without a primary key. Compare this table manually (e.g. export both sides sorted on all columns and diff).';
  return 'The schemas differ (DDL lost in the failover, or changed since). Align the schema and run the report again.';
}

function verdict(report: ReconcileReport, skipped: readonly TableReport[]): string {
  const t = report.totals;
  if (t.missingInNew + t.changed + t.onlyInNew === 0 && skipped.length === 0) {
    return 'No differences: every table is identical in both databases.';
  }
  const parts = [
    `**${plural(t.missingInNew, 'row')} missing in the new primary**`,
    `${plural(t.changed, 'row')} changed`,
    `${plural(t.onlyInNew, 'row')} only in the new primary`,
  ];
  if (skipped.length) parts.push(`**${plural(skipped.length, 'table')} not compared** (see below)`);
  return `${parts.join(', ')}.`;
}

export function renderSummary(report: ReconcileReport, ctx: SummaryContext): string {
  const skipped = report.tables.filter((t) => t.skipped !== null);
  const lines: string[] = [];
  lines.push('# Missing-transaction report', '');
  lines.push(`Generated ${report.generatedAt} by reconcile (engine ${report.engine}, schema ${code(ctx.schema)}).`, '');
  lines.push(`- Old primary (restored snapshot): ${ctx.oldDescription}`);
  lines.push(`- New primary: ${ctx.newDescription}`, '');
  lines.push('## Verdict', '', verdict(report, skipped), '');

  lines.push('## Tables', '');
  lines.push('| Table | Primary key | Old rows | New rows | Missing in new | Changed | Only in new | Details |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---|');
  for (const t of report.tables) {
    const pk = t.primaryKey.length ? t.primaryKey.map(code).join(', ') : '–';
    const diffs = t.missingInNew + t.changed + t.onlyInNew;
    const details = t.skipped !== null ? `not compared: ${t.skipped.replace(/\|/g, '\\|')}` : diffs > 0 ? code(tableFileName(t.table)) : 'identical';
    const n = (v: number): string => (t.skipped !== null ? '–' : String(v));
    lines.push(`| ${code(t.table)} | ${pk} | ${t.oldRows} | ${t.newRows} | ${n(t.missingInNew)} | ${n(t.changed)} | ${n(t.onlyInNew)} | ${details} |`);
  }
  if (report.tables.length === 0) lines.push('| (no tables) | | | | | | | |');
  lines.push(
    `| **Total** | | | | **${report.totals.missingInNew}** | **${report.totals.changed}** | **${report.totals.onlyInNew}** | |`,
    '',
  );

  lines.push('## What each kind means and what to do', '');
  lines.push(
    '- **missingInNew**: the row is in the old primary but not in the new one. It was committed before the failover and never replicated: a lost write. **Re-apply it** to the new primary (insert the `old` row), after checking it does not conflict with what happened since.',
    '- **changed**: the row is on both sides with different values. Either an update was lost in the failover (the `old` values are the newer ones) or the row was updated on the new primary after the failover (the `new` values are newer). **Review each one** with the application owner before overwriting anything.',
    '- **onlyInNew**: the row is only in the new primary. Normally it was written after the failover: **keep it**. (Rarely, it was deleted on the old primary and the delete was lost.)',
    '',
  );

  if (skipped.length) {
    lines.push('## Tables not compared', '');
    for (const t of skipped) lines.push(`- ${code(t.table)}: ${t.skipped ?? ''}. ${advice(t.skipped ?? '')}`);
    lines.push('');
  }

  lines.push('## Files', '');
  lines.push('- `report.json`: counts per table, for automation.');
  lines.push('- `<table>.jsonl` (only for tables with differences): one JSON object per line with `kind`, `key` (primary key values), `old` and `new` (full rows, or null).');
  lines.push(
    '- Values: NULL is `null`; booleans and integers of up to 32 bits are JSON values; binary data is the text `\\x` followed by lowercase hex (in JSON: `"\\\\x00ff"`); everything else (bigint, decimal, float, dates, timestamps in UTC, JSON, text) is the database\'s exact text as a string.',
  );
  lines.push('- File names: characters other than letters, digits, `_`, `.` and `-` in table names are written as `%XX` (UTF-8 bytes).', '');
  return `${lines.join('\n')}\n`;
}
