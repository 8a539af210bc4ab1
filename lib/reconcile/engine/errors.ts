/**
 * An error whose message is meant for the operator as is (one line, no stack trace):
 * bad arguments, unreachable database, unknown table, unsupported server.
 */
export class ReconcileError extends Error {
  constructor(message: string) {
    super(oneLine(message));
    this.name = 'ReconcileError';
  }
}

/** Collapses whitespace so that a message fits on one stderr line. */
export function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').trim();
}

/** The message of anything thrown, on one line. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const msg = err.message || (typeof code === 'string' ? code : err.name);
    // AggregateError (e.g. connection refused on every resolved address) has an empty message.
    if (!err.message && err instanceof AggregateError && err.errors.length > 0) return errorMessage(err.errors[0]);
    return oneLine(msg);
  }
  return oneLine(String(err));
}
