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
import { BaseClassifier, emptyClassCounts, planBaseTable } from './three-way';
import type { TableCounts } from './table-compare';
import type { ClassCounts, ComparisonStrategy, ConnectionSpec, EngineName, ReconcileOptions, ReconcileReport, ReconcileResult, SchemaDrift, SideName, TableReport, Tuning } from './types';
import { AUTO_STRATEGY, DEFAULT_TUNING, DIFF_CLASSES, ENGINES, STRATEGIES } from './types';
import { describeTarget, parseConnectionUrl } from './url';
import type { Diff, RowShape } from './values';
import { toDiffRecord } from './values';

const TUNING_MINIMUM: Record<keyof Tuning, number> = { chunkSize: 1, leafRows: 1, maxSplit: 2, fetchSize: 1, fetchBytes: 1 };

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

/** Opens the snapshots (old, new and the optional base); if one fails, the others are closed again. */
async function openAll(engine: EngineName, specs: readonly [ConnectionSpec, ConnectionSpec, ConnectionSpec?], schema: string): Promise<Side[]> {
  const names: SideName[] = ['old', 'new', 'base'];
  const opened = await Promise.allSettled(specs.flatMap((spec, i) => (spec ? [openSide(engine, names[i], spec, schema)] : [])));
  const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return opened.map((r) => (r as PromiseFulfilledResult<Side>).value);
  await Promise.all(opened.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  throw failed.reason;
}

const sumClasses = (tables: readonly TableReport[]): ClassCounts => {
  const out = emptyClassCounts();
  for (const t of tables) for (const c of DIFF_CLASSES) out[c] += t.classes?.[c] ?? 0;
  return out;
};

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

/** Options checked and resolved: what every later step works from. */
interface RunSettings {
  readonly engine: EngineName;
  /** PostgreSQL schema; '' for MySQL (the URL's database). */
  readonly schema: string;
  readonly tuning: Tuning;
  /** Resolved per engine (never auto). */
  readonly strategy: Exclude<ComparisonStrategy, 'auto'>;
  readonly oldSpec: ConnectionSpec;
  readonly newSpec: ConnectionSpec;
  readonly baseSpec: ConnectionSpec | undefined;
}

/** The open snapshots of one run. */
interface OpenSides {
  readonly oldSide: Side;
  readonly newSide: Side;
  readonly baseSide: Side | undefined;
}

/** The tables to compare, by name, as each side lists them. */
interface Discovered {
  /** Sorted by code point. */
  readonly names: readonly string[];
  readonly old: ReadonlyMap<string, TableMeta>;
  readonly new: ReadonlyMap<string, TableMeta>;
  readonly base: ReadonlyMap<string, TableMeta>;
}

/** Step 1: every option checked before any connection is made. */
function resolveSettings(options: ReconcileOptions): RunSettings {
  const engine = options.engine;
  if (!ENGINES.includes(engine)) throw new ReconcileError(`unsupported engine "${String(engine)}" (supported: ${ENGINES.join(', ')})`);
  if (engine === 'mysql' && options.schema !== undefined) {
    throw new ReconcileError('--schema is not supported with --engine mysql: the database named in the URL is the schema');
  }
  const schema = engine === 'postgres' ? options.schema ?? 'public' : '';
  if (engine === 'postgres' && schema === '') throw new ReconcileError('--schema must not be empty');
  const tuning = resolveTuning(options.tuning);
  const requested = options.strategy ?? 'auto';
  if (!STRATEGIES.includes(requested)) throw new ReconcileError(`--strategy must be one of ${STRATEGIES.join(', ')}, got "${String(requested)}"`);
  const strategy = requested === 'auto' ? AUTO_STRATEGY[engine] : requested;
  const env = options.env ?? {};
  const oldSpec = resolveSpec(engine, options.old, 'old', env);
  const newSpec = resolveSpec(engine, options.new, 'new', env);
  const baseSpec = options.base !== undefined ? resolveSpec(engine, options.base, 'base', env) : undefined;
  if (options.tables !== undefined && options.tables.length === 0) throw new ReconcileError('--tables must name at least one table');
  return { engine, schema, tuning, strategy, oldSpec, newSpec, baseSpec };
}

/** Step 2: the tables of both sides (and the base), limited to --tables. */
async function discoverTables(sides: OpenSides, settings: RunSettings, only: readonly string[] | undefined): Promise<Discovered> {
  const { oldSide, newSide, baseSide } = sides;
  const [oldTables, newTables, baseTables] = await Promise.all([oldSide.listTables(), newSide.listTables(), baseSide ? baseSide.listTables() : []]);
  const oldByName = new Map(oldTables.map((t) => [t.name, t]));
  const newByName = new Map(newTables.map((t) => [t.name, t]));
  let names = [...new Set([...oldByName.keys(), ...newByName.keys()])];
  if (only) {
    const unknown = only.filter((t) => !oldByName.has(t) && !newByName.has(t));
    if (unknown.length) {
      const where = settings.engine === 'postgres' ? `schema "${settings.schema}"` : `database "${settings.oldSpec.database}"`;
      throw new ReconcileError(`unknown table${unknown.length > 1 ? 's' : ''} in --tables: ${list(unknown)} (not in ${where} of either database)`);
    }
    const wanted = new Set(only);
    names = names.filter((n) => wanted.has(n));
  }
  names.sort(compareCodePoints);
  return { names, old: oldByName, new: newByName, base: new Map(baseTables.map((t) => [t.name, t])) };
}

/** Step 3: refuses when a listed table cannot be read in full (privileges, row-level security). */
async function checkReadable(sides: OpenSides, found: Discovered): Promise<void> {
  const { oldSide, newSide, baseSide } = sides;
  const metas = (byName: ReadonlyMap<string, TableMeta>): TableMeta[] => found.names.flatMap((n) => byName.get(n) ?? []);
  const [oldProblems, newProblems, baseProblems] = await Promise.all([
    oldSide.readProblems(metas(found.old)),
    newSide.readProblems(metas(found.new)),
    baseSide ? baseSide.readProblems(metas(found.base)) : [],
  ]);
  const parts = [
    ...(oldProblems.length ? [`old database: ${oldProblems.join('; ')}`] : []),
    ...(newProblems.length ? [`new database: ${newProblems.join('; ')}`] : []),
    ...(baseProblems.length ? [`base database: ${baseProblems.join('; ')}`] : []),
  ];
  if (parts.length) throw new ReconcileError(`cannot read every table in full, so a report would be silently incomplete: ${parts.join(' | ')}`);
}

/** Step 4: how each table is compared; refuses (all at once) keys no range can follow. */
function planTables(sides: OpenSides, found: Discovered): Map<string, TablePlan> {
  const { oldSide, newSide } = sides;
  const sameKeyOrders = (o: TableMeta, n: TableMeta): boolean => list(oldSide.keyOrders(o)) === list(newSide.keyOrders(n));
  const plans = new Map<string, TablePlan>();
  const problems: string[] = [];
  for (const name of found.names) {
    const plan = planTable(found.old.get(name), found.new.get(name), sameKeyOrders);
    plans.set(name, plan);
    if (plan.mode !== 'keyed') continue;
    const problem = oldSide.unorderedKey?.(plan.old) ?? newSide.unorderedKey?.(plan.new) ?? null;
    if (problem) problems.push(problem);
  }
  if (problems.length) {
    throw new ReconcileError(
      `primary key without an order key ranges can follow (every range query would scan the whole table, and bounds could not be matched exactly): ${problems.join('; ')}; leave these tables out with --tables`,
    );
  }
  return plans;
}

/** Report entry of a table that is not compared row by row. */
async function skippedTable(sides: OpenSides, name: string, oldMeta: TableMeta | undefined, newMeta: TableMeta | undefined, reason: string): Promise<TableReport> {
  const [oldRows, newRows] = await Promise.all([oldMeta ? sides.oldSide.countRows(oldMeta) : 0, newMeta ? sides.newSide.countRows(newMeta) : 0]);
  return {
    table: name,
    primaryKey: [...(oldMeta ?? newMeta)?.primaryKey ?? []],
    oldRows,
    newRows,
    missingInNew: 0,
    changed: 0,
    onlyInNew: 0,
    skipped: reason,
    drift: null,
    notes: [],
    ...(sides.baseSide ? { classes: emptyClassCounts() } : {}),
  };
}

/** Running totals for progress events. */
interface Progress {
  rowsCompared: number;
  differences: number;
  readonly onProgress: ReconcileOptions['onProgress'];
}

/** Step 5: one table compared row by row (keyed or as a multiset), its differences written. */
async function compareOneTable(
  sides: OpenSides,
  found: Discovered,
  name: string,
  plan: Exclude<TablePlan, { mode: 'skip' }>,
  writer: ReportWriter,
  tuning: Tuning,
  strategy: Exclude<ComparisonStrategy, 'auto'>,
  progress: Progress,
): Promise<TableReport> {
  const { oldSide, newSide, baseSide } = sides;
  const oldT = plan.old;
  const shape: RowShape = {
    columns: oldT.columns.map((c) => c.name),
    kinds: oldSide.valueKinds(oldT),
    keyIndexes: plan.mode === 'keyed' ? oldT.primaryKey.map((k) => oldT.columns.findIndex((c) => c.name === k)) : [],
  };
  const out = writer.table(name);
  const write = async (diff: Diff): Promise<void> => {
    await out.write(toDiffRecord(shape, diff));
  };
  // Three-way: differences pass through the base lookup (batched) before they are written.
  const notes = [...plan.notes];
  let classifier: BaseClassifier | undefined;
  if (baseSide) {
    const base = plan.mode === 'keyed' ? planBaseTable(baseSide, oldT, found.base.get(name)) : 'no primary key: the base cannot be looked up by key';
    if (typeof base === 'string') notes.push(`three-way: ${base}; its differences are unclassified`);
    classifier = new BaseClassifier(typeof base === 'string' ? null : base, write, Math.min(tuning.fetchSize, 500), Math.max(1, Math.floor(tuning.fetchBytes / 4)));
  }
  const emit = async (diff: Diff): Promise<void> => {
    progress.differences += 1;
    await (classifier ? classifier.add(diff) : write(diff));
  };
  const onRows = (rows: number): void => {
    progress.rowsCompared += rows;
    progress.onProgress?.({ table: name, rowsCompared: progress.rowsCompared, differences: progress.differences });
  };
  let counts: TableCounts;
  try {
    counts =
      plan.mode === 'keyed'
        ? await compareTable({ oldSide, newSide, table: oldT, newTable: plan.new, tuning, strategy, emit, onRows })
        : await compareMultiset({ oldSide, newSide, oldTable: oldT, newTable: plan.new, tuning, emit, onRows });
    await classifier?.flush();
  } catch (err) {
    throw new ReconcileError(`table ${name}: ${errorMessage(err)}`);
  }
  const impossible = impossibleCounts(counts);
  if (impossible) throw new ReconcileError(`table ${name}: impossible counts (${impossible}); the databases disagree on key order, so no report is written`);
  return {
    table: name,
    primaryKey: plan.mode === 'keyed' ? [...oldT.primaryKey] : [],
    ...counts,
    skipped: null,
    drift: plan.drift,
    notes,
    ...(classifier ? { classes: { ...classifier.counts } } : {}),
  };
}

/** Step 6: the report's totals. */
function buildReport(engine: EngineName, tables: TableReport[], threeWay: boolean): ReconcileReport {
  return {
    engine,
    generatedAt: new Date().toISOString(),
    tables,
    totals: {
      missingInNew: tables.reduce((s, t) => s + t.missingInNew, 0),
      changed: tables.reduce((s, t) => s + t.changed, 0),
      onlyInNew: tables.reduce((s, t) => s + t.onlyInNew, 0),
      ...(threeWay ? { classes: sumClasses(tables) } : {}),
    },
  };
}

/** What summary.md says about the databases compared. */
function summaryContext(sides: OpenSides, settings: RunSettings): Parameters<typeof renderSummary>[1] {
  const describe = (side: Side, spec: ConnectionSpec): string => `${side.serverVersion} at ${describeTarget(spec)}`;
  return {
    oldDescription: describe(sides.oldSide, settings.oldSpec),
    newDescription: describe(sides.newSide, settings.newSpec),
    schema: settings.engine === 'postgres' ? settings.schema : settings.oldSpec.database,
    ...(sides.baseSide && settings.baseSpec ? { baseDescription: describe(sides.baseSide, settings.baseSpec) } : {}),
  };
}

/**
 * Compares the old and new databases and writes report.json, summary.md and one
 * `<table>.jsonl` per table with differences into `options.outDir`.
 * Throws ReconcileError (one-line, operator-facing message) on bad input or an
 * unreachable/unsupported database; the out dir is then left without a report.json.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const settings = resolveSettings(options);
  const writer = await ReportWriter.create(options.outDir);
  let open: Side[] | undefined;
  try {
    open = await openAll(settings.engine, [settings.oldSpec, settings.newSpec, settings.baseSpec], settings.schema);
    const sides: OpenSides = { oldSide: open[0], newSide: open[1], baseSide: open[2] };
    const found = await discoverTables(sides, settings, options.tables);
    await checkReadable(sides, found);
    const plans = planTables(sides, found);
    const progress: Progress = { rowsCompared: 0, differences: 0, onProgress: options.onProgress };
    const tables: TableReport[] = [];
    for (const name of found.names) {
      const plan = plans.get(name);
      if (!plan) throw new Error(`internal: no plan for table ${name}`);
      tables.push(
        plan.mode === 'skip'
          ? await skippedTable(sides, name, found.old.get(name), found.new.get(name), plan.reason)
          : await compareOneTable(sides, found, name, plan, writer, settings.tuning, settings.strategy, progress),
      );
    }
    const context = summaryContext(sides, settings);
    const closing = open;
    open = undefined;
    await Promise.all(closing.map((x) => x.close()));
    const report = buildReport(settings.engine, tables, sides.baseSide !== undefined);
    const files = await writer.commit(report, renderSummary(report, context));
    return { report, files, hasDifferences: hasDifferences(report) };
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    if (open) await Promise.all(open.map((s) => s.close()));
  }
}
