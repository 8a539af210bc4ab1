/** summary.md: the report for the operator who has to act on it. */
import { tableFileName } from './output';
import type { ClassCounts, ReconcileReport, TableReport } from './types';

export interface SummaryContext {
  /** e.g. "PostgreSQL 15.8 at db-old.example:5432/orders" (never a password). */
  readonly oldDescription: string;
  readonly newDescription: string;
  readonly schema: string;
  /** Three-way runs: the base database (the new primary as of the failover time). */
  readonly baseDescription?: string;
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

/** Advice without a base: missingInNew rows may have been deleted on purpose, so nothing is to be re-inserted blindly. */
function twoWayAdvice(): string[] {
  return [
    '## What each kind means and what to do',
    '',
    '- **missingInNew**: the row is in the old primary but not in the new one. Two histories look exactly the same here: a write lost in the failover, ' +
      'or a row **deleted on the new primary after the failover** (on purpose, by the application or an operator). This report alone cannot tell them apart: ' +
      '**do not insert these rows back blindly**. Check each with the application owner (e.g. in the application\'s own audit trail), or run the report ' +
      'three-way (`--base`, the new primary as of the failover time) which separates the two.',
    '- **changed**: the row is on both sides with different values. Either an update was lost in the failover (the `old` values are the newer ones) or the row was updated on the new primary after the failover (the `new` values are newer). **Review each one** with the application owner before overwriting anything.',
    '- **onlyInNew**: the row is only in the new primary. Normally it was written after the failover: **keep it**. (Rarely, it was deleted on the old primary and the delete was lost.)',
    '- Tables without a primary key are compared as multisets of whole rows: each line carries `copies` (`old`, `new`), the number of identical copies on each side.',
    '',
  ];
}

function threeWay(report: ReconcileReport, c: ClassCounts): string[] {
  const lines = [
    '## Three-way verdict',
    '',
    `Each difference was looked up in the base: **${plural(c.lostInFailover, 'row')} lost in the failover** (candidates to put back), ` +
      `${plural(c.changedAfterFailover, 'row')} changed or deleted on the new primary after the failover (keep the new primary's version), ` +
      `**${plural(c.both, 'row')} lost in the failover and changed after it** (conflicts: resolve by hand)` +
      (c.unclassified ? `, **${plural(c.unclassified, 'row')} unclassified** (see "How tables were compared")` : '') +
      '.',
    '',
    '| Table | Lost in the failover | Changed/deleted after the failover | Both | Unclassified |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const t of report.tables) {
    const k = t.classes;
    if (!k || t.missingInNew + t.changed + t.onlyInNew === 0) continue;
    lines.push(`| ${code(t.table)} | ${k.lostInFailover} | ${k.changedAfterFailover} | ${k.both} | ${k.unclassified} |`);
  }
  lines.push(`| **Total** | **${c.lostInFailover}** | **${c.changedAfterFailover}** | **${c.both}** | **${c.unclassified}** |`, '');
  return lines;
}

/** Advice that follows the class: only rows lost in the failover are ever candidates to put back. */
function threeWayAdvice(): string[] {
  return [
    '## What each class means and what to do',
    '',
    'Each line of `<table>.jsonl` carries `class` and `base` (the row in the base, or null). Compare the old primary (`old`), the new primary as of the failover time (`base`) and the new primary now (`new`):',
    '',
    '- **lostInFailover** (old ≠ base, base = new): the old primary\'s write never reached the new primary and nobody touched the row since. ' +
      'These are the **candidates to put back**, after review with the application owner: for `missingInNew` insert the `old` row; for `changed` restore the `old` values; ' +
      'for `onlyInNew` the row was deleted on the old primary and the delete was lost (delete it again only if the application agrees).',
    '- **changedAfterFailover** (old = base, base ≠ new): the row was changed, inserted or **deleted on the new primary after the failover**, on purpose. ' +
      '**Never re-insert or overwrite these rows**: the new primary\'s version (including its absence) is the newer one. Nothing to do.',
    '- **both** (old ≠ base, base ≠ new): a write was lost in the failover *and* the row was changed or deleted after it. Conflicts: **do not re-insert**; ' +
      'decide row by row with the application owner from `old`, `base` and `new`.',
    '- **unclassified**: the base could not answer for this table (no primary key, or the table or a column is missing in the base): treat as in a two-way report — ' +
      'a `missingInNew` row may have been deleted on purpose, so **do not insert it back blindly**.',
    '- Tables without a primary key are compared as multisets of whole rows: each line carries `copies` (`old`, `new`), the number of identical copies on each side.',
    '',
  ];
}

export function renderSummary(report: ReconcileReport, ctx: SummaryContext): string {
  const skipped = report.tables.filter((t) => t.skipped !== null);
  const lines: string[] = [];
  lines.push('# Missing-transaction report', '');
  lines.push(`Generated ${report.generatedAt} by reconcile (engine ${report.engine}, schema ${code(ctx.schema)}).`, '');
  lines.push(`- Old primary (restored snapshot): ${ctx.oldDescription}`);
  lines.push(`- New primary: ${ctx.newDescription}`);
  if (ctx.baseDescription) lines.push(`- Base (the new primary as of the failover time): ${ctx.baseDescription}`);
  lines.push('');
  lines.push('## Verdict', '', verdict(report, skipped), '');
  const classes = report.totals.classes;
  if (classes) lines.push(...threeWay(report, classes));

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

  if (classes) {
    lines.push(...threeWayAdvice());
  } else {
    lines.push(...twoWayAdvice());
  }

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
  lines.push('- `<table>.jsonl` (only for tables with differences): one JSON object per line with `kind`, `key` (primary key values), `old` and `new` (full rows, or null)' + (classes ? ', and `class` and `base` (the row in the base, or null).' : '.'));
  lines.push(
    '- Values: NULL is `null`; booleans and integers of up to 32 bits are JSON values; binary data is the text `\\x` followed by lowercase hex (in JSON: `"\\\\x00ff"`); everything else (bigint, decimal, float, dates, timestamps in UTC, JSON, text) is the database\'s exact text as a string.',
  );
  lines.push('- File names: characters other than letters, digits, `_`, `.` and `-` in table names are written as `%XX` (UTF-8 bytes).', '');
  return `${lines.join('\n')}\n`;
}
