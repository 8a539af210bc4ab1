/**
 * Operator CLI for the failover runbooks: `npm run runbook -- <command>`.
 * See runbooks/cli/README.md for commands and exit codes.
 */
import { run } from './commands';
import { realDeps } from './deps';

run(process.argv.slice(2), realDeps()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
