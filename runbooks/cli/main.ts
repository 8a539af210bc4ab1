/**
 * Operator CLI for the failover runbooks: `npm run -s runbook -- <command>`.
 * See runbooks/cli/README.md for commands and exit codes.
 */
import { run } from './commands';
import { realDeps } from './deps';

const deps = realDeps();
run(process.argv.slice(2), deps).then(
  (code) => {
    process.exitCode = code;
    // Closes the sockets of calls the CLI stopped waiting for (deadline passed), so it exits now.
    deps.destroy();
    // Nothing may keep the process alive after its answer: an SDK retry still sleeping, for one.
    setTimeout(() => process.exit(code), 1_000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
