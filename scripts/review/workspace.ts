import { existsSync, lstatSync, readFileSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { runChecked, runCommand } from './process';

/** Every child process has a deadline; these are the defaults (the CLI takes no overrides, tests pass their own). */
export interface Deadlines {
  readonly gitMs: number;
  readonly npmCiMs: number;
  readonly synthMs: number;
}

export const DEFAULT_DEADLINES: Deadlines = { gitMs: 60_000, npmCiMs: 15 * 60_000, synthMs: 20 * 60_000 };

/** Where the project sits in the repository (a CDK app need not be at the repository root). */
export interface Project {
  readonly repoRoot: string;
  /** The project folder relative to the repository root, '' or ending in '/'. */
  readonly prefix: string;
  readonly directory: string;
}

export async function projectAt(directory: string, deadlines: Deadlines): Promise<Project> {
  const git = (args: string[]): Promise<string> => runChecked('git', args, { cwd: directory, deadlineMs: deadlines.gitMs }).then((r) => r.stdout.trim());
  const repoRoot = await git(['rev-parse', '--show-toplevel']);
  const prefix = await git(['rev-parse', '--show-prefix']);
  return { repoRoot, prefix, directory };
}

/** The commit a ref names, or an error that says which ref was not found. */
export async function resolveCommit(project: Project, ref: string, deadlines: Deadlines): Promise<string> {
  const result = await runCommand('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: project.directory, deadlineMs: deadlines.gitMs });
  if (result.exitCode !== 0) {
    throw new Error(`--base: '${ref}' is not a commit in ${project.repoRoot} (a branch, tag or commit id; in a shallow CI clone, fetch it first)`);
  }
  return result.stdout.trim();
}

/** Short commit id and whether the working tree (untracked files included) differs from it. */
export async function describeHead(project: Project, deadlines: Deadlines): Promise<{ commit: string; dirty: boolean }> {
  const options = { cwd: project.directory, deadlineMs: deadlines.gitMs };
  const commit = (await runChecked('git', ['rev-parse', '--short', 'HEAD'], options)).stdout.trim();
  const status = (await runChecked('git', ['status', '--porcelain', '--untracked-files=normal', '--', '.'], options)).stdout.trim();
  return { commit, dirty: status !== '' };
}

export type InstallPlan =
  | { readonly kind: 'share'; readonly reason: string }
  | { readonly kind: 'ci'; readonly reason: string };

/**
 * The base shares the working tree's node_modules when both lockfiles are byte-identical: `npm ci`
 * would install exactly that tree, so sharing is the same result without a minute of installing.
 * Any difference (or no installed node_modules to share) means a clean `npm ci` in the base.
 */
export function planInstall(baseLockfile: string | undefined, headLockfile: string | undefined, headHasNodeModules: boolean): InstallPlan {
  if (baseLockfile === undefined) return { kind: 'ci', reason: 'npm ci (the base has no package-lock.json)' };
  if (headLockfile === undefined) return { kind: 'ci', reason: 'npm ci (the working tree has no package-lock.json)' };
  if (baseLockfile !== headLockfile) return { kind: 'ci', reason: 'npm ci (package-lock.json differs from the working tree)' };
  if (!headHasNodeModules) return { kind: 'ci', reason: 'npm ci (the working tree has no node_modules to share)' };
  return { kind: 'share', reason: "the working tree's node_modules (package-lock.json is identical)" };
}

async function fileAtCommit(project: Project, commit: string, path: string, deadlines: Deadlines): Promise<string | undefined> {
  const result = await runCommand('git', ['show', `${commit}:${project.prefix}${path}`], { cwd: project.directory, deadlineMs: deadlines.gitMs });
  return result.exitCode === 0 ? result.stdout : undefined;
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

export interface BaseCheckout {
  /** The project folder inside the base worktree. */
  readonly directory: string;
  readonly install: InstallPlan;
  /** Removes the worktree (never following the shared node_modules link). */
  readonly remove: () => Promise<void>;
}

/** Checks the base commit out into `worktreeDir` (a detached `git worktree`) and gives it dependencies. */
export async function checkoutBase(project: Project, commit: string, worktreeDir: string, deadlines: Deadlines, log: (line: string) => void): Promise<BaseCheckout> {
  await runChecked('git', ['worktree', 'add', '--detach', '--quiet', worktreeDir, commit], { cwd: project.directory, deadlineMs: deadlines.gitMs });
  const directory = join(worktreeDir, project.prefix);
  const sharedModules = join(directory, 'node_modules');
  const remove = async (): Promise<void> => {
    // Unlink the shared node_modules first: removing the worktree must never reach into the working tree's.
    if (existsSync(sharedModules) && lstatSync(sharedModules).isSymbolicLink()) unlinkSync(sharedModules);
    const removed = await runCommand('git', ['worktree', 'remove', '--force', worktreeDir], { cwd: project.directory, deadlineMs: deadlines.gitMs });
    if (removed.exitCode !== 0) {
      rmSync(worktreeDir, { recursive: true, force: true });
      await runCommand('git', ['worktree', 'prune'], { cwd: project.directory, deadlineMs: deadlines.gitMs });
    }
  };
  try {
    const headModules = join(project.directory, 'node_modules');
    const install = planInstall(
      await fileAtCommit(project, commit, 'package-lock.json', deadlines),
      readIfExists(join(project.directory, 'package-lock.json')),
      existsSync(headModules),
    );
    if (install.kind === 'share') {
      symlinkSync(headModules, sharedModules, 'dir');
    } else {
      log(`base: ${install.reason}`);
      await runChecked('npm', ['ci', '--no-audit', '--no-fund'], { cwd: directory, deadlineMs: deadlines.npmCiMs });
    }
    return { directory, install, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** `cdk synth` of the project in `directory` into `outDir`, with the project's own CLI and cdk.json. */
export async function synthesize(directory: string, outDir: string, contextArgs: readonly string[], deadlines: Deadlines): Promise<void> {
  const cdk = join(directory, 'node_modules', '.bin', 'cdk');
  if (!existsSync(cdk)) throw new Error(`no CDK CLI at ${cdk}: the project's dependencies are not installed (npm ci)`);
  const args = ['synth', '--quiet', '--no-notices', '--output', outDir, ...contextArgs.flatMap((arg) => ['--context', arg])];
  // The same environment for both sides; no telemetry from an offline review.
  const env = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' };
  await runChecked(cdk, args, { cwd: directory, deadlineMs: deadlines.synthMs, env });
}
