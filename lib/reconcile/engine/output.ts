/**
 * Report files. The out dir only ever holds a report.json written by a run that
 * finished:
 * - at start, files a previous run left (report.json first, summary.md, *.jsonl, temp
 *   files) are removed, so a failed run cannot leave an older report behind;
 * - `<table>.jsonl` files are streamed into `.reconcile-partial/` and moved into the
 *   out dir only when the run succeeds;
 * - summary.md and then report.json are written last, each to a temp file then renamed.
 * On failure `abort()` removes the partial directory and temp files.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ReconcileError, errorMessage } from './errors';
import type { DiffRecord, ReconcileReport } from './types';
import { encodeDiffLine } from './values';

export const REPORT_FILE = 'report.json';
export const SUMMARY_FILE = 'summary.md';
const PARTIAL_DIR = '.reconcile-partial';
const TEMP_PREFIX = '.reconcile-tmp-';
const FLUSH_BYTES = 1 << 20;
/** Lines at least this long bypass the batch. */
const DIRECT_BYTES = 64 * 1024;
const MAX_BASE_LENGTH = 200;

/**
 * File name of a table's differences: characters outside [A-Za-z0-9_.-] (and a leading
 * dot) become %XX of their UTF-8 bytes, so distinct tables get distinct names and none
 * can escape the directory. Over-long names are shortened and made unique with a hash.
 */
export function tableFileName(table: string): string {
  let base = '';
  for (const byte of Buffer.from(table, 'utf8')) {
    const ch = String.fromCharCode(byte);
    const plain = /[A-Za-z0-9_.-]/.test(ch) && !(base === '' && ch === '.');
    base += plain ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (base === '') base = '%00';
  if (base.length > MAX_BASE_LENGTH) {
    const hash = createHash('sha256').update(table, 'utf8').digest('hex').slice(0, 16);
    base = `${base.slice(0, MAX_BASE_LENGTH - 17)}~${hash}`;
  }
  return `${base}.jsonl`;
}

/** Streams JSON lines to a file in ~1 MiB writes; nothing is created until the first line. */
export class JsonlWriter {
  private handle: fs.promises.FileHandle | undefined;
  private chunks: string[] = [];
  private size = 0;
  lines = 0;

  constructor(readonly file: string) {}

  async write(record: DiffRecord): Promise<void> {
    const line = encodeDiffLine(record);
    this.lines += 1;
    if (line.length >= DIRECT_BYTES) {
      // A wide row is written as it is: joining it into a batch would copy it once more.
      await this.flush();
      await this.writeOut(line);
      return;
    }
    this.chunks.push(line);
    this.size += line.length;
    if (this.size >= FLUSH_BYTES) await this.flush();
  }

  private async writeOut(data: string): Promise<void> {
    if (!this.handle) this.handle = await fs.promises.open(this.file, 'wx');
    await this.handle.write(data, null, 'utf8');
  }

  private async flush(): Promise<void> {
    if (this.chunks.length === 0) return;
    const data = this.chunks.join('');
    this.chunks = [];
    this.size = 0;
    await this.writeOut(data);
  }

  /** Flushes and closes; returns whether the file exists (had at least one line). */
  async close(): Promise<boolean> {
    try {
      await this.flush();
      if (this.handle) await this.handle.sync();
    } finally {
      await this.discardHandle();
    }
    return this.lines > 0;
  }

  async discardHandle(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await h.close().catch(() => undefined);
  }
}

async function writeAtomically(dir: string, name: string, content: string): Promise<string> {
  const tmp = path.join(dir, `${TEMP_PREFIX}${name}`);
  const fh = await fs.promises.open(tmp, 'w');
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  const target = path.join(dir, name);
  await fs.promises.rename(tmp, target);
  return target;
}

function isOurs(name: string): boolean {
  return name === REPORT_FILE || name === SUMMARY_FILE || name.endsWith('.jsonl') || name === PARTIAL_DIR || name.startsWith(TEMP_PREFIX);
}

export class ReportWriter {
  private readonly writers = new Map<string, JsonlWriter>();
  /** Files already moved into the out dir by an unfinished commit. */
  private readonly placed: string[] = [];
  private finished = false;

  private constructor(
    readonly outDir: string,
    private readonly partialDir: string,
  ) {}

  static async create(outDir: string): Promise<ReportWriter> {
    const dir = path.resolve(outDir);
    try {
      await fs.promises.mkdir(dir, { recursive: true });
      // report.json first: whatever happens next, no stale report claims completeness.
      await fs.promises.rm(path.join(dir, REPORT_FILE), { force: true });
      for (const name of await fs.promises.readdir(dir)) {
        if (isOurs(name)) await fs.promises.rm(path.join(dir, name), { recursive: true, force: true });
      }
      const partialDir = path.join(dir, PARTIAL_DIR);
      await fs.promises.mkdir(partialDir);
      return new ReportWriter(dir, partialDir);
    } catch (err) {
      throw new ReconcileError(`cannot prepare output directory ${dir}: ${errorMessage(err)}`);
    }
  }

  /** The writer for a table's differences (file created on the first line). */
  table(table: string): JsonlWriter {
    const name = tableFileName(table);
    let w = this.writers.get(name);
    if (!w) {
      w = new JsonlWriter(path.join(this.partialDir, name));
      this.writers.set(name, w);
    }
    return w;
  }

  /** Moves the table files into place, then writes summary.md and report.json (last). */
  async commit(report: ReconcileReport, summary: string): Promise<string[]> {
    const files: string[] = [];
    for (const [name, w] of this.writers) {
      if (await w.close()) {
        const target = path.join(this.outDir, name);
        this.placed.push(target);
        await fs.promises.rename(w.file, target);
        files.push(target);
      }
    }
    await fs.promises.rm(this.partialDir, { recursive: true, force: true });
    this.placed.push(path.join(this.outDir, SUMMARY_FILE));
    files.push(await writeAtomically(this.outDir, SUMMARY_FILE, summary));
    files.push(await writeAtomically(this.outDir, REPORT_FILE, `${JSON.stringify(report, null, 2)}\n`));
    this.finished = true;
    return files;
  }

  /** Removes everything this run wrote; the out dir is left without a report. */
  async abort(): Promise<void> {
    if (this.finished) return;
    for (const w of this.writers.values()) await w.discardHandle();
    for (const file of this.placed) await fs.promises.rm(file, { force: true }).catch(() => undefined);
    await fs.promises.rm(this.partialDir, { recursive: true, force: true }).catch(() => undefined);
    const names = await fs.promises.readdir(this.outDir).catch(() => [] as string[]);
    for (const name of names) {
      if (name.startsWith(TEMP_PREFIX)) await fs.promises.rm(path.join(this.outDir, name), { force: true }).catch(() => undefined);
    }
  }
}
