/**
 * The run: open both snapshots, discover tables, compare each, write the report.
 * No AWS SDK here; the Fargate task and the CLI both call `reconcile()`.
 */
import { compareCodePoints } from './compare';
import { ReconcileError, errorMessage } from './errors';
import { MysqlSide } from './mysql';
import { ReportWriter } from './output';
import { PostgresSide } from './postgres';
import type { Side, TableMeta } from './side';
import { renderSummary } from './summary';
import { compareTable } from './table-compare';
import type { TableCounts } from './table-compare';
import type { ConnectionSpec, EngineName, ReconcileOptions, ReconcileReport, ReconcileResult, SideName, TableReport, Tuning } from './types';
import { DEFAULT_TUNING, ENGINES } from './types';
import { describeTarget, parseConnectionUrl } from './url';
import type { RowShape } from './values';
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

/** Why a table cannot be compared row by row, or null when it can. */
export function skipReason(oldMeta: TableMeta | undefined, newMeta: TableMeta | undefined): string | null {
  if (!newMeta) return 'table missing in new primary';
  if (!oldMeta) return 'table missing in old primary';
  const oldPk = oldMeta.primaryKey.length > 0;
  const newPk = newMeta.primaryKey.length > 0;
  if (!oldPk && !newPk) return 'no primary key';
  if (!oldPk) return 'no primary key in old primary';
  if (!newPk) return 'no primary key in new primary';
  if (list(oldMeta.primaryKey) !== list(newMeta.primaryKey)) {
    return `primary key differs: old (${list(oldMeta.primaryKey)}), new (${list(newMeta.primaryKey)})`;
  }
  const newCols = new Map(newMeta.columns.map((c) => [c.name, c]));
  const oldNames = new Set(oldMeta.columns.map((c) => c.name));
  const onlyOld = oldMeta.columns.filter((c) => !newCols.has(c.name)).map((c) => c.name);
  const onlyNew = newMeta.columns.filter((c) => !oldNames.has(c.name)).map((c) => c.name);
  const typeDiffs = oldMeta.columns
    .filter((c) => newCols.has(c.name) && newCols.get(c.name)?.type !== c.type)
    .map((c) => `${c.name} (${c.type} vs ${newCols.get(c.name)?.type ?? ''})`);
  if (onlyOld.length || onlyNew.length || typeDiffs.length) {
    const parts: string[] = [];
    if (onlyOld.length) parts.push(`only in old: ${list(onlyOld)}`);
    if (onlyNew.length) parts.push(`only in new: ${list(onlyNew)}`);
    if (typeDiffs.length) parts.push(`type differs: ${list(typeDiffs)}`);
    return `columns differ: ${parts.join('; ')}`;
  }
  for (const k of oldMeta.primaryKey) {
    const a = oldMeta.columns.find((c) => c.name === k)?.collation ?? null;
    const b = newCols.get(k)?.collation ?? null;
    // Ranges are evaluated in the key's collation on each side: it must be the same.
    if (a !== b) return `collation of key column ${k} differs: old ${a ?? 'none'}, new ${b ?? 'none'}`;
  }
  return null;
}

export function hasDifferences(report: ReconcileReport): boolean {
  const t = report.totals;
  return t.missingInNew + t.changed + t.onlyInNew > 0 || report.tables.some((x) => x.skipped !== null);
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

    let rowsCompared = 0;
    let differences = 0;
    const tables: TableReport[] = [];
    for (const name of names) {
      const oldMeta = oldByName.get(name);
      const newMeta = newByName.get(name);
      const primaryKey = [...(oldMeta ?? newMeta)?.primaryKey ?? []];
      const reason = skipReason(oldMeta, newMeta);
      if (reason !== null || !oldMeta) {
        const [oldRows, newRows] = await Promise.all([oldMeta ? oldSide.countRows(oldMeta) : 0, newMeta ? newSide.countRows(newMeta) : 0]);
        tables.push({ table: name, primaryKey, oldRows, newRows, missingInNew: 0, changed: 0, onlyInNew: 0, skipped: reason ?? 'table missing in old primary' });
        continue;
      }
      // Both sides have the same columns and key (checked above): the old side's list is used for both.
      const shape: RowShape = {
        columns: oldMeta.columns.map((c) => c.name),
        kinds: oldSide.valueKinds(oldMeta),
        keyIndexes: oldMeta.primaryKey.map((k) => oldMeta.columns.findIndex((c) => c.name === k)),
      };
      const out = writer.table(name);
      const counts: TableCounts = await compareTable({
        oldSide,
        newSide,
        table: oldMeta,
        tuning,
        emit: async (diff) => {
          differences += 1;
          await out.write(toDiffRecord(shape, diff));
        },
        onRows: (rows) => {
          rowsCompared += rows;
          options.onProgress?.({ table: name, rowsCompared, differences });
        },
      }).catch((err: unknown) => {
        throw new ReconcileError(`table ${name}: ${errorMessage(err)}`);
      });
      tables.push({ table: name, primaryKey, ...counts, skipped: null });
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
