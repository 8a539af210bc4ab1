/**
 * `npm run review`: synthesizes a base git ref (in a temporary worktree) and the working tree with the
 * same context, and reports per stack what `cdk diff` would show between them. No AWS account needed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAssembly } from './assembly';
import { compareAssemblies, type Review } from './compare';
import { markdownReport } from './markdown-report';
import { parseReviewArgs, USAGE, UsageError, type ReviewOptions } from './options';
import { stopRunningCommands } from './process';
import { textReport } from './text-report';
import { stripAnsi, type ReviewContext } from './wording';
import { checkoutBase, DEFAULT_DEADLINES, describeHead, projectAt, resolveCommit, synthesize, type Deadlines } from './workspace';

export const EXIT_NO_DIFFERENCES = 0;
export const EXIT_DIFFERENCES = 1;
export const EXIT_TROUBLE = 2;
const EXIT_INTERRUPTED = 130;

export interface ReviewRun {
  readonly review: Review;
  readonly context: ReviewContext;
}

/** Synthesizes both sides and compares them. Everything temporary is removed, whatever happens. */
export async function runReview(options: ReviewOptions, cwd: string, deadlines: Deadlines = DEFAULT_DEADLINES, log: (line: string) => void = () => {}): Promise<ReviewRun> {
  const project = await projectAt(cwd, deadlines);
  const baseCommit = await resolveCommit(project, options.base, deadlines);
  const head = await describeHead(project, deadlines);
  const scratch = mkdtempSync(join(tmpdir(), 'cdk-review-'));
  try {
    log(`base: checking out ${options.base} (${baseCommit.slice(0, 10)})`);
    const base = await checkoutBase(project, baseCommit, join(scratch, 'base'), deadlines, log);
    try {
      log('synthesizing the base and the working tree');
      const baseOut = join(scratch, 'base.out');
      const headOut = join(scratch, 'head.out');
      // In parallel: each synth is one mostly single-threaded Node process.
      const results = await Promise.allSettled([
        synthesize(base.directory, baseOut, options.contextArgs, deadlines),
        synthesize(project.directory, headOut, options.contextArgs, deadlines),
      ]);
      const failures = results.flatMap((result, index) => (result.status === 'rejected'
        ? [`${index === 0 ? `base (${options.base})` : 'working tree'}: ${(result.reason as Error).message}`]
        : []));
      if (failures.length > 0) throw new Error(`synthesis failed\n${failures.join('\n')}`);
      const review = compareAssemblies(readAssembly(baseOut), readAssembly(headOut));
      const context: ReviewContext = {
        baseLabel: `${options.base} (${baseCommit.slice(0, 10)})`,
        headLabel: `working tree (HEAD ${head.commit}${head.dirty ? ', with uncommitted changes' : ''})`,
        contextArgs: options.contextArgs,
        baseDependencies: base.install.reason,
      };
      return { review, context };
    } finally {
      await base.remove();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function report(run: ReviewRun, options: ReviewOptions): string {
  if (options.markdown) return markdownReport(run.review, run.context);
  const toTerminal = options.out === undefined && process.stdout.isTTY === true;
  const text = textReport(run.review, run.context, toTerminal ? process.stdout.columns : undefined);
  return toTerminal ? text : stripAnsi(text);
}

export async function main(argv: readonly string[], cwd: string): Promise<number> {
  let options: ReviewOptions;
  try {
    options = parseReviewArgs(argv, cwd);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_TROUBLE;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_NO_DIFFERENCES;
  }
  // Ctrl-C: stop the synths (they run in their own process groups), let the cleanup run, then exit.
  let interrupted = false;
  const interrupt = (): void => {
    interrupted = true;
    process.stderr.write('review: interrupted, removing the temporary worktree\n');
    stopRunningCommands();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const run = await runReview(options, cwd, DEFAULT_DEADLINES, (line) => process.stderr.write(`review: ${line}\n`));
    const text = report(run, options);
    if (options.out !== undefined) {
      writeFileSync(options.out, text);
      process.stderr.write(`review: wrote ${options.out}\n`);
    } else {
      process.stdout.write(text);
    }
    return run.review.changed ? EXIT_DIFFERENCES : EXIT_NO_DIFFERENCES;
  } catch (error) {
    if (interrupted) return EXIT_INTERRUPTED;
    process.stderr.write(`review failed: ${(error as Error).message}\n`);
    return EXIT_TROUBLE;
  } finally {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.cwd()).then((code) => {
    process.exitCode = code;
  }, (error: unknown) => {
    process.stderr.write(`review failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = EXIT_TROUBLE;
  });
}
