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
  return 'The two sides share no column: nothing can be compared. Align the schema and run the report again.';
}

function verdict(report: ReconcileReport, skipped: readonly TableReport[]): string {
  const t = report.totals;
  if (t.missingInNew + t.changed + t.onlyInNew === 0 && skipped.length === 0 && report.tables.every((x) => x.drift === null)) {
    return 'No differences: every table is identical in both databases.';
  }
  const parts = [
    `**${plural(t.missingInNew, 'row')} missing in the new primary**`,
    `${plural(t.changed, 'row')} changed`,
    `${plural(t.onlyInNew, 'row')} only in the new primary`,
  ];
  if (skipped.length) parts.push(`**${plural(skipped.length, 'table')} not compared** (see below)`);
  const drifted = report.tables.filter((x) => x.drift !== null).length;
  if (drifted) parts.push(`**${plural(drifted, 'table')} with different columns** (see below)`);
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
    '- **missingInNew**: the row is in the old primary but not in the new one. Two histories look exactly the same here: a write lost in the failover, ' +
      'or a row **deleted on the new primary after the failover** (on purpose, by the application or an operator). This report alone cannot tell them apart: ' +
      '**do not insert these rows back blindly**. Check each with the application owner (e.g. in the application\'s own audit trail), or run the report ' +
      'three-way (`--base`, the new primary as of the failover time) which separates the two.',
    '- **changed**: the row is on both sides with different values. Either an update was lost in the failover (the `old` values are the newer ones) or the row was updated on the new primary after the failover (the `new` values are newer). **Review each one** with the application owner before overwriting anything.',
    '- **onlyInNew**: the row is only in the new primary. Normally it was written after the failover: **keep it**. (Rarely, it was deleted on the old primary and the delete was lost.)',
    '- Tables without a primary key are compared as multisets of whole rows: each line carries `copies` (`old`, `new`), the number of identical copies on each side.',
    '',
  );

  if (skipped.length) {
    lines.push('## Tables not compared', '');
    for (const t of skipped) lines.push(`- ${code(t.table)}: ${t.skipped ?? ''}. ${advice(t.skipped ?? '')}`);
    lines.push('');
  }

  const drifted = report.tables.filter((t) => t.drift !== null);
  if (drifted.length) {
    lines.push('## Tables with different columns', '', 'Only the columns both sides have were compared (retyped columns by their text values).', '');
    for (const t of drifted) {
      const d = t.drift;
      if (!d) continue;
      const parts: string[] = [];
      if (d.onlyInOld.length) parts.push(`only in old: ${d.onlyInOld.map(code).join(', ')}`);
      if (d.onlyInNew.length) parts.push(`only in new: ${d.onlyInNew.map(code).join(', ')}`);
      if (d.retyped.length) parts.push(`type differs: ${d.retyped.map((r) => `${code(r.column)} (${r.old} → ${r.new})`).join(', ')}`);
      lines.push(`- ${code(t.table)}: ${parts.join('; ')}`);
    }
    lines.push('');
  }
  const noted = report.tables.filter((t) => t.notes.length > 0);
  if (noted.length) {
    lines.push('## How tables were compared', '');
    for (const t of noted) lines.push(`- ${code(t.table)}: ${t.notes.join('; ')}`);
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
