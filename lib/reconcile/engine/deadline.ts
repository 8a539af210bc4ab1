/**
 * What both engines do when a database stops answering: every query has a deadline
 * (the URL's query_timeout), after which the connection is dropped and the run fails
 * with a message saying which database, what it was waiting for and for how long.
 */
import { ReconcileError, oneLine } from './errors';
import { describeTarget } from './url';
import type { ConnectionSpec, SideName } from './types';

/** How long closing may wait for the server to acknowledge before the socket is dropped. */
export const CLOSE_WAIT_MS = 5_000;

/** The table a statement reads, for messages: the first quoted name after FROM, or null. */
export function statementTable(sql: string): string | null {
  const m = /\bFROM\s+(?:ONLY\s+)?((?:`[^`]+`|"[^"]+")(?:\.(?:`[^`]+`|"[^"]+"))?)/i.exec(sql);
  return m ? m[1] : null;
}

/** The start of a statement, on one line, for messages. */
function statementStart(sql: string): string {
  const text = oneLine(sql);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

export function noAnswer(side: SideName, spec: ConnectionSpec, sql: string): ReconcileError {
  const table = statementTable(sql);
  const seconds = Math.round(spec.queryTimeoutMs / 1000);
  return new ReconcileError(
    `${side} database (${describeTarget(spec)}): no answer within ${seconds} s to ${table ? `a query on ${table}` : `"${statementStart(sql)}"`}: ` +
      `the server or the network to it stopped answering, and the connection was dropped. ` +
      `If a query there legitimately takes longer, raise query_timeout=<seconds> in the --${side} URL.`,
  );
}

/** Runs `end` (a polite disconnect), and drops the socket with `destroy` if it is not done within CLOSE_WAIT_MS. */
export async function closeWithin(end: () => Promise<void>, destroy: () => void, waitMs = CLOSE_WAIT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), waitMs);
  });
  try {
    const outcome = await Promise.race([end().then(() => 'ended' as const), timedOut]);
    if (outcome === 'timeout') destroy();
  } catch {
    destroy();
  } finally {
    clearTimeout(timer);
  }
}
