/** Entry point of `npm run reconcile`; see main.ts and README.md. */
import { errorMessage } from '../../lib/reconcile/engine';
import { EXIT_ERROR, runCli } from './main';

// A failure outside the run's own error handling (e.g. a socket error event) still
// ends with one line and exit code 2, never a stack trace.
const fatal = (err: unknown): void => {
  process.stderr.write(`reconcile: ${errorMessage(err)}\n`);
  process.exit(EXIT_ERROR);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, fatal);
