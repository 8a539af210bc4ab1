/**
 * The one place that maps `reconcile` options to the `<app>-RestoreAndReconcile` document's
 * parameters. A new optional document parameter is one line in OPTIONAL_RECONCILE_PARAMETERS: the
 * parser accepts its flag, `--help` lists it and the start call passes it.
 */

export interface OptionalReconcileParameter {
  /** The document parameter. */
  readonly parameter: string;
  /** The CLI flag that sets it. */
  readonly flag: string;
  readonly placeholder: string;
  readonly help: string;
  /** What the document accepts (its allowedPattern), checked before anything is started; `allowed` says it in words. */
  readonly valid?: { readonly pattern: RegExp; readonly allowed: string };
}

export const OPTIONAL_RECONCILE_PARAMETERS: readonly OptionalReconcileParameter[] = [
  { parameter: 'SnapshotArn', flag: '--snapshot-arn', placeholder: '<arn>', help: 'a specific rds:unplanned-global-failover-* snapshot (default: the newest)' },
  { parameter: 'Tables', flag: '--tables', placeholder: '<t1,t2>', help: 'only these tables (default: every table)' },
  {
    parameter: 'FailoverTime',
    flag: '--failover-time',
    placeholder: '<time>',
    help: 'three-way: also restore the new primary to this time, e.g. 2026-01-02T03:04:05Z (default: two-way)',
    // The document's FailoverTime allowedPattern (lib/reconcile/restore-document.ts).
    valid: { pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/, allowed: 'an ISO-8601 UTC time such as 2026-01-02T03:04:05Z' },
  },
];

export interface ReconcileRequest {
  readonly database: string;
  readonly oldRegion: string;
  readonly dryRun: boolean;
  /** Values of OPTIONAL_RECONCILE_PARAMETERS, by document parameter name. */
  readonly optional: Readonly<Record<string, string>>;
}

export function reconcileDocumentParameters(request: ReconcileRequest): Record<string, string[]> {
  const parameters: Record<string, string[]> = {
    Database: [request.database],
    OldPrimaryRegion: [request.oldRegion],
    DryRun: [String(request.dryRun)],
  };
  for (const { parameter } of OPTIONAL_RECONCILE_PARAMETERS) {
    const value = request.optional[parameter];
    if (value !== undefined && value !== '') parameters[parameter] = [value];
  }
  return parameters;
}

/** Every optional value the document would refuse, all at once (empty: all fine). */
export function invalidReconcileOptions(optional: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const { parameter, flag, valid } of OPTIONAL_RECONCILE_PARAMETERS) {
    const value = optional[parameter];
    if (valid !== undefined && value !== undefined && value !== '' && !valid.pattern.test(value)) problems.push(`${flag} "${value}" is not ${valid.allowed}`);
  }
  return problems;
}
