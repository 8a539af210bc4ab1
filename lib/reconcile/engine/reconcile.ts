/**
 * The run: open both snapshots, discover tables, compare each, write the report.
 * No AWS SDK here; the Fargate task and the CLI both call `reconcile()`.
 */
import { compareCodePoints } from './compare';
import { ReconcileError, errorMessage } from './errors';
import { MysqlSide } from './mysql';
import { ReportWriter } from './output';
import { PostgresSide } from './postgres';
import { compareMultiset } from './multiset';
import type { ColumnMeta, Side, TableMeta } from './side';
import { renderSummary } from './summary';
import { compareTable } from './table-compare';
import type { TableCounts } from './table-compare';
import type { ConnectionSpec, EngineName, ReconcileOptions, ReconcileReport, ReconcileResult, SchemaDrift, SideName, TableReport, Tuning } from './types';
import { DEFAULT_TUNING, ENGINES } from './types';
import { describeTarget, parseConnectionUrl } from './url';
import type { Diff, RowShape } from './values';
import { toDiffRecord } from './values';

const TUNING_MINIMUM: Record<keyof Tuning, number> = { chunkSize: 1, leafRows: 1, maxSplit: 2, fetchSize: 1 };

export function resolveTuning(partial: Partial<Tuning> | undefined): Tuning {
  const t = { ...DEFAULT_TUNING, ...(partial ?? {}) };
  for (const key of Object.keys(TUNING_MINIMUM) as (keyof Tuning)[]) {
    const v = t[key];
    if (!Number.isSafeInteger(v) || v < TUNING_MINIMUM[key]) throw new ReconcileError(`tuning ${key} must be an integer >= ${TUNING_MINIMUM[key]}, got ${String(v)}`);
  }
  return t;
}

function resolveSpec(engine: EngineName, value: string | ConnectionSpec, side: SideName, env: Readonly<Record<string, string | undefined>>): ConnectionSpec {
  if (typeof value === 'string') return parseConnectionUrl(engine, value, `--${side}`, env[`RECONCILE_${side.toUpperCase()}_PASSWORD`]);
  if (value.engine !== engine) throw new ReconcileError(`the ${side} connection is for ${value.engine}, not ${engine}`);
  return value;
}

async function openSide(engine: EngineName, side: SideName, spec: ConnectionSpec, schema: string): Promise<Side> {
  return engine === 'postgres' ? PostgresSide.open(side, spec, schema) : MysqlSide.open(side, spec);
}

/** Opens both snapshots; if one fails, the other is closed again. */
async function openBoth(engine: EngineName, oldSpec: ConnectionSpec, newSpec: ConnectionSpec, schema: string): Promise<[Side, Side]> {
  const [o, n] = await Promise.allSettled([openSide(engine, 'old', oldSpec, schema), openSide(engine, 'new', newSpec, schema)]);
  if (o.status === 'fulfilled' && n.status === 'fulfilled') return [o.value, n.value];
  if (o.status === 'fulfilled') await o.value.close();
  if (n.status === 'fulfilled') await n.value.close();
  throw o.status === 'rejected' ? o.reason : (n as PromiseRejectedResult).reason;
}

const list = (names: readonly string[]): string => names.join(', ');

/** How one table is compared, decided from both sides' metadata. */
export type TablePlan =
  | { readonly mode: 'skip'; readonly reason: string }
  | {
      readonly mode: 'keyed' | 'multiset';
      /** Both restricted to the shared columns, in the old side's column order. */
      readonly old: TableMeta;
      readonly new: TableMeta;
      readonly drift: SchemaDrift | null;
      readonly notes: readonly string[];
    };

/** Columns only one side has, and shared columns whose type differs. */
export function schemaDrift(oldMeta: TableMeta, newMeta: TableMeta): SchemaDrift | null {
  const newCols = new Map(newMeta.columns.map((c) => [c.name, c]));
  const oldNames = new Set(oldMeta.columns.map((c) => c.name));
  const onlyInOld = oldMeta.columns.filter((c) => !newCols.has(c.name)).map((c) => c.name);
  const onlyInNew = newMeta.columns.filter((c) => !oldNames.has(c.name)).map((c) => c.name);
  const retyped = oldMeta.columns.flatMap((c) => {
    const n = newCols.get(c.name);
    return n && n.type !== c.type ? [{ column: c.name, old: c.type, new: n.type }] : [];
  });
  return onlyInOld.length || onlyInNew.length || retyped.length ? { onlyInOld, onlyInNew, retyped } : null;
}

const ordering = (c: ColumnMeta | undefined): string | null => (c ? c.ordering ?? c.collation : null);

/**
 * Decides how a table is compared. Skipped only when there is nothing to compare (the
 * table or every column is missing on one side). Schema drift: the shared columns are
 * compared. Without the same primary key (and key order) on both sides: as multisets.
 * Key columns whose ordering (collation, provider, version) is not proven equal: key
 * ranges in byte order on both sides.
 */
export function planTable(oldMeta: TableMeta | undefined, newMeta: TableMeta | undefined, keyOrders?: (o: TableMeta, n: TableMeta) => boolean): TablePlan {
  if (!newMeta) return { mode: 'skip', reason: 'table missing in new primary' };
  if (!oldMeta) return { mode: 'skip', reason: 'table missing in old primary' };
  const newCols = new Map(newMeta.columns.map((c) => [c.name, c]));
  const shared = oldMeta.columns.filter((c) => newCols.has(c.name));
  if (shared.length === 0) return { mode: 'skip', reason: 'no column in common' };
  const drift = schemaDrift(oldMeta, newMeta);
  const oldT: TableMeta = { ...oldMeta, columns: shared };
  const newT: TableMeta = { ...newMeta, columns: shared.map((c) => newCols.get(c.name) as ColumnMeta) };
  const notes: string[] = [];
  const multiset = (why: string): TablePlan => ({ mode: 'multiset', old: oldT, new: newT, drift, notes: [...notes, `${why}: compared as a multiset of whole rows (shared columns)`] });
  const oldPk = oldMeta.primaryKey;
  const newPk = newMeta.primaryKey;
  if (oldPk.length === 0 && newPk.length === 0) return multiset('no primary key');
  if (oldPk.length === 0) return multiset('no primary key in old primary');
  if (newPk.length === 0) return multiset('no primary key in new primary');
  if (list(oldPk) !== list(newPk)) return multiset(`primary key differs: old (${list(oldPk)}), new (${list(newPk)})`);
  const missingKey = oldPk.filter((k) => !newCols.has(k) || !shared.some((c) => c.name === k));
  if (missingKey.length) return multiset(`key column ${list(missingKey)} not on both sides`);
  if (keyOrders && !keyOrders(oldT, newT)) return multiset('primary key types sort differently');
  const unproven = oldPk.filter((k) => ordering(oldT.columns.find((c) => c.name === k)) !== ordering(newCols.get(k)));
  if (unproven.length) {
    for (const k of unproven) {
      notes.push(`key column ${k} may sort differently (old: ${ordering(oldT.columns.find((c) => c.name === k)) ?? 'none'}; new: ${ordering(newCols.get(k)) ?? 'none'}): key ranges compared in byte order, without the index`);
    }
    return { mode: 'keyed', old: { ...oldT, byteOrderKeys: true }, new: { ...newT, byteOrderKeys: true }, drift, notes };
  }
  return { mode: 'keyed', old: oldT, new: newT, drift, notes };
}

/** Counts no correct comparison can produce: the sides' key orders disagreed. */
export function impossibleCounts(c: TableCounts): string | null {
  if (c.missingInNew + c.changed > c.oldRows) return `missingInNew ${c.missingInNew} + changed ${c.changed} > ${c.oldRows} rows in the old database`;
  if (c.onlyInNew + c.changed > c.newRows) return `onlyInNew ${c.onlyInNew} + changed ${c.changed} > ${c.newRows} rows in the new database`;
  return null;
}

export function hasDifferences(report: ReconcileReport): boolean {
  const t = report.totals;
  return t.missingInNew + t.changed + t.onlyInNew > 0 || report.tables.some((x) => x.skipped !== null || x.drift !== null);
}

/**
 * Compares the old and new databases and writes report.json, summary.md and one
 * `<table>.jsonl` per table with differences into `options.outDir`.
 * Throws ReconcileError (one-line, operator-facing message) on bad input or an
 * unreachable/unsupported database; the out dir is then left without a report.json.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const engine = options.engine;
  if (!ENGINES.includes(engine)) throw new ReconcileError(`unsupported engine "${String(engine)}" (supported: ${ENGINES.join(', ')})`);
  if (engine === 'mysql' && options.schema !== undefined) {
    throw new ReconcileError('--schema is not supported with --engine mysql: the database named in the URL is the schema');
  }
  const schema = engine === 'postgres' ? options.schema ?? 'public' : '';
  if (engine === 'postgres' && schema === '') throw new ReconcileError('--schema must not be empty');
  const tuning = resolveTuning(options.tuning);
  const env = options.env ?? {};
  const oldSpec = resolveSpec(engine, options.old, 'old', env);
  const newSpec = resolveSpec(engine, options.new, 'new', env);
  if (options.tables !== undefined && options.tables.length === 0) throw new ReconcileError('--tables must name at least one table');

  const writer = await ReportWriter.create(options.outDir);
  let sides: [Side, Side] | undefined;
  try {
    sides = await openBoth(engine, oldSpec, newSpec, schema);
    const [oldSide, newSide] = sides;
    const [oldTables, newTables] = await Promise.all([oldSide.listTables(), newSide.listTables()]);
    const oldByName = new Map(oldTables.map((t) => [t.name, t]));
    const newByName = new Map(newTables.map((t) => [t.name, t]));
    let names = [...new Set([...oldByName.keys(), ...newByName.keys()])];
    if (options.tables) {
      const unknown = options.tables.filter((t) => !oldByName.has(t) && !newByName.has(t));
      if (unknown.length) {
        const where = engine === 'postgres' ? `schema "${schema}"` : `database "${oldSpec.database}"`;
        throw new ReconcileError(`unknown table${unknown.length > 1 ? 's' : ''} in --tables: ${list(unknown)} (not in ${where} of either database)`);
      }
      const wanted = new Set(options.tables);
      names = names.filter((n) => wanted.has(n));
    }
    names.sort(compareCodePoints);

    const oldMetas = names.flatMap((n) => oldByName.get(n) ?? []);
    const newMetas = names.flatMap((n) => newByName.get(n) ?? []);
    const [oldProblems, newProblems] = await Promise.all([oldSide.readProblems(oldMetas), newSide.readProblems(newMetas)]);
    if (oldProblems.length || newProblems.length) {
      const parts = [...(oldProblems.length ? [`old database: ${oldProblems.join('; ')}`] : []), ...(newProblems.length ? [`new database: ${newProblems.join('; ')}`] : [])];
      throw new ReconcileError(`cannot read every table in full, so a report would be silently incomplete: ${parts.join(' | ')}`);
    }

    let rowsCompared = 0;
    let differences = 0;
    const tables: TableReport[] = [];
    const sameKeyOrders = (o: TableMeta, n: TableMeta): boolean => list(oldSide.keyOrders(o)) === list(newSide.keyOrders(n));
    for (const name of names) {
      const oldMeta = oldByName.get(name);
      const newMeta = newByName.get(name);
      const primaryKey = [...(oldMeta ?? newMeta)?.primaryKey ?? []];
      const plan = planTable(oldMeta, newMeta, sameKeyOrders);
      if (plan.mode === 'skip') {
        const [oldRows, newRows] = await Promise.all([oldMeta ? oldSide.countRows(oldMeta) : 0, newMeta ? newSide.countRows(newMeta) : 0]);
        tables.push({ table: name, primaryKey, oldRows, newRows, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: plan.reason, drift: null, notes: [] });
        continue;
      }
      const oldT = plan.old;
      const shape: RowShape = {
        columns: oldT.columns.map((c) => c.name),
        kinds: oldSide.valueKinds(oldT),
        keyIndexes: plan.mode === 'keyed' ? oldT.primaryKey.map((k) => oldT.columns.findIndex((c) => c.name === k)) : [],
      };
      const out = writer.table(name);
      const emit = async (diff: Diff): Promise<void> => {
        differences += 1;
        await out.write(toDiffRecord(shape, diff));
      };
      const onRows = (rows: number): void => {
        rowsCompared += rows;
        options.onProgress?.({ table: name, rowsCompared, differences });
      };
      const run =
        plan.mode === 'keyed'
          ? compareTable({ oldSide, newSide, table: oldT, newTable: plan.new, tuning, emit, onRows })
          : compareMultiset({ oldSide, newSide, oldTable: oldT, newTable: plan.new, tuning, emit, onRows });
      const counts: TableCounts = await run.catch((err: unknown) => {
        throw new ReconcileError(`table ${name}: ${errorMessage(err)}`);
      });
      const impossible = impossibleCounts(counts);
      if (impossible) throw new ReconcileError(`table ${name}: impossible counts (${impossible}); the databases disagree on key order, so no report is written`);
      tables.push({ table: name, primaryKey: plan.mode === 'keyed' ? primaryKey : [], ...counts, skipped: null, drift: plan.drift, notes: plan.notes });
    }

    const oldDescription = `${oldSide.serverVersion} at ${describeTarget(oldSpec)}`;
    const newDescription = `${newSide.serverVersion} at ${describeTarget(newSpec)}`;
    sides = undefined;
    await Promise.all([oldSide.close(), newSide.close()]);

    const report: ReconcileReport = {
      engine,
      generatedAt: new Date().toISOString(),
      tables,
      totals: {
        missingInNew: tables.reduce((s, t) => s + t.missingInNew, 0),
        changed: tables.reduce((s, t) => s + t.changed, 0),
        onlyInNew: tables.reduce((s, t) => s + t.onlyInNew, 0),
      },
    };
    const files = await writer.commit(report, renderSummary(report, { oldDescription, newDescription, schema: engine === 'postgres' ? schema : oldSpec.database }));
    return { report, files, hasDifferences: hasDifferences(report) };
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    if (sides) await Promise.all(sides.map((s) => s.close()));
  }
}
