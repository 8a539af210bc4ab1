import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync, version as esbuildVersion, type BuildOptions } from 'esbuild';

/**
 * Bundles the platform's runtime code (Lambda handlers, the canary script, the comparison task)
 * with esbuild's API, in-process, once per content: a synth reuses a bundle whose every input file
 * (sources and the node_modules files esbuild read) still has the same content.
 *
 * Why not `NodejsFunction`: it spawns esbuild per function per stack per synth (dozens of runs
 * for one `cdk synth`), and its bundling is skipped for stacks the CLI does not select, which
 * breaks assets that must be staged in a fixed layout (Synthetics). Here every bundle is a plain
 * directory, staged by the asset system like any other, and its asset hash depends only on its
 * content: two checkouts in different folders produce the same S3 key.
 */

/** The project root: the folder holding package.json (lib/common/ → ../..). */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const CACHE_ROOT = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'platform-bundles');

export interface BundleSpec {
  /** The TypeScript entry file (absolute path). */
  readonly entry: string;
  /** Where the bundle goes inside the output directory (e.g. `index.js`, `nodejs/node_modules/probe.js`). */
  readonly outputFile: string;
  /** esbuild's `target`, e.g. `node24`. */
  readonly target: string;
  /** Modules left out of the bundle (provided by the runtime or optional native bindings). */
  readonly external?: readonly string[];
  /** A source map next to the bundle, for stack traces (`--enable-source-maps`); sources not embedded. */
  readonly sourceMap?: boolean;
}

export interface Bundle {
  /** A directory holding exactly the bundle (and its source map), ready to be an asset. */
  readonly directory: string;
  /** SHA-256 of the output, hex: the same content always gives the same hash. */
  readonly contentHash: string;
}

interface ManifestInput {
  readonly file: string;
  readonly sha256: string;
  /** Size and modification time seen when hashed: an input whose stat is unchanged is not read again. */
  readonly size: number;
  readonly mtimeMs: number;
}

interface Manifest {
  readonly inputs: readonly ManifestInput[];
  readonly contentHash: string;
}

function sha256File(file: string): string | undefined {
  return fs.existsSync(file) ? createHash('sha256').update(new Uint8Array(fs.readFileSync(file))).digest('hex') : undefined;
}

function describeInput(file: string): ManifestInput | undefined {
  const stat = fs.statSync(path.join(PROJECT_ROOT, file), { throwIfNoEntry: false });
  const sha256 = stat === undefined ? undefined : sha256File(path.join(PROJECT_ROOT, file));
  return stat === undefined || sha256 === undefined ? undefined : { file, sha256, size: stat.size, mtimeMs: stat.mtimeMs };
}

/** Unchanged when its stat is the one recorded, or (after a checkout or a touch) when its content still hashes the same. */
function isUnchanged(input: ManifestInput): boolean {
  const stat = fs.statSync(path.join(PROJECT_ROOT, input.file), { throwIfNoEntry: false });
  if (stat === undefined) return false;
  if (stat.size === input.size && stat.mtimeMs === input.mtimeMs) return true;
  return stat.size === input.size && sha256File(path.join(PROJECT_ROOT, input.file)) === input.sha256;
}

function buildOptions(spec: BundleSpec): BuildOptions {
  return {
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [spec.entry],
    // Written by this module, not esbuild: paths in the source map are relative to this fixed place in the project.
    outfile: path.join(CACHE_ROOT, 'out', spec.outputFile),
    write: false,
    metafile: true,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: spec.target,
    minify: true,
    sourcemap: spec.sourceMap === true ? 'external' : false,
    sourcesContent: false,
    legalComments: 'none',
    // Paths as seen from the project, not resolved through links: a checkout whose node_modules is a
    // link to another checkout's (the review diff's base worktree) then bundles byte for byte the same.
    preserveSymlinks: true,
    external: [...(spec.external ?? [])],
    logLevel: 'silent',
  };
}

/** Files that change what esbuild resolves without being an input of the bundle themselves. */
const RESOLUTION_FILES = ['package-lock.json', 'tsconfig.json'];

function specKey(spec: BundleSpec): string {
  const options = buildOptions(spec);
  const resolution = RESOLUTION_FILES.map((file) => sha256File(path.join(PROJECT_ROOT, file)) ?? 'absent');
  const described = JSON.stringify({ ...options, entryPoints: [path.relative(PROJECT_ROOT, spec.entry)], esbuildVersion, resolution });
  return createHash('sha256').update(described).digest('hex').slice(0, 32);
}

function readManifest(file: string): Manifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

function isCurrent(manifest: Manifest, directory: string): boolean {
  if (!fs.existsSync(directory)) return false;
  return manifest.inputs.every(isUnchanged);
}

/** Writes `files` into a fresh directory and moves it into place atomically (parallel synths may race). */
function publish(directory: string, files: readonly { readonly path: string; readonly contents: Uint8Array }[]): void {
  if (fs.existsSync(directory)) return;
  const staging = `${directory}.${process.pid}.${Date.now()}.tmp`;
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(staging, file.path)), { recursive: true });
    fs.writeFileSync(path.join(staging, file.path), file.contents);
  }
  try {
    fs.renameSync(staging, directory);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(directory)) throw error;
  }
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}

/** Bundles `spec`, or returns the cached bundle when no input changed. Throws esbuild's errors, with their locations. */
export function bundle(spec: BundleSpec): Bundle {
  const key = specKey(spec);
  const manifestFile = path.join(CACHE_ROOT, 'manifests', `${key}.json`);
  const cached = readManifest(manifestFile);
  if (cached !== undefined && isCurrent(cached, path.join(CACHE_ROOT, 'outputs', cached.contentHash))) {
    return { directory: path.join(CACHE_ROOT, 'outputs', cached.contentHash), contentHash: cached.contentHash };
  }

  const options = buildOptions(spec);
  let result;
  try {
    result = buildSync(options);
  } catch (error) {
    const failure = error as { errors?: { text: string; location?: { file: string; line: number } | null }[] };
    const detail = (failure.errors ?? []).map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('; ');
    throw new Error(`Bundling ${path.relative(PROJECT_ROOT, spec.entry)} failed: ${detail || String(error)}`);
  }
  const outDir = path.dirname(options.outfile as string);
  const files = (result.outputFiles ?? []).map((file) => ({
    path: path.join(path.dirname(spec.outputFile), path.relative(outDir, file.path)),
    contents: file.contents,
  })).sort((a, b) => a.path.localeCompare(b.path));
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.path).update('\0').update(file.contents);
  const contentHash = hash.digest('hex');

  const directory = path.join(CACHE_ROOT, 'outputs', contentHash);
  publish(directory, files);
  const inputs = Object.keys(result.metafile?.inputs ?? {})
    .map(describeInput)
    .filter((input): input is ManifestInput => input !== undefined);
  fs.mkdirSync(path.dirname(manifestFile), { recursive: true });
  writeAtomically(manifestFile, JSON.stringify({ inputs, contentHash } satisfies Manifest));
  pruneOutputs();
  return { directory, contentHash };
}

/** Outputs no manifest names any more, left by earlier edits; only old ones, so a parallel synth never loses its bundle. */
function pruneOutputs(): void {
  const manifests = path.join(CACHE_ROOT, 'manifests');
  const outputs = path.join(CACHE_ROOT, 'outputs');
  const referenced = new Set(fs.readdirSync(manifests).map((file) => readManifest(path.join(manifests, file))?.contentHash));
  const cutoff = Date.now() - 60 * 60 * 1000;
  for (const entry of fs.readdirSync(outputs)) {
    const directory = path.join(outputs, entry);
    if (!referenced.has(entry) && fs.statSync(directory).mtimeMs < cutoff) {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  }
}
