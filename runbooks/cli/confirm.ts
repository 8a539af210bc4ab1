import type { CliOptions } from './args';
import type { CliDeps } from './deps';
import { badInput } from './errors';

/** Runs that change something ask first; dry runs and --yes do not; without a terminal, refuse. */
export async function confirmOrRefuse(deps: CliDeps, options: CliOptions, question: string): Promise<boolean> {
  if (options.dryRun || options.yes) return true;
  if (!deps.interactive) {
    throw badInput('refusing to start without confirmation: no terminal to ask on. Re-run with --yes (or --dry-run).');
  }
  return deps.confirm(question);
}
