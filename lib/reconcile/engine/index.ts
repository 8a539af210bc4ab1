/**
 * Missing-transaction report engine: compares a restored snapshot of the old primary
 * with the new primary after an unplanned Aurora global database failover.
 * See runbooks/reconcile/README.md for the CLI and the file formats.
 */
export { reconcile, hasDifferences, resolveTuning, planTable, schemaDrift, impossibleCounts } from './reconcile';
export { parseConnectionUrl, describeTarget, DEFAULT_QUERY_TIMEOUT_MS } from './url';
export { ReconcileError, errorMessage } from './errors';
export { tableFileName, REPORT_FILE, SUMMARY_FILE } from './output';
export { renderSummary } from './summary';
export { compareKeys, compareCodePoints, compareDecimals, compareIntegers } from './compare';
export type { KeyOrder } from './compare';
export { mergeRows, fromArray, KeyOrderError } from './merge';
export { encodeDiffLine, toDiffRecord, toReportValue } from './values';
export type { Diff, Row, RowShape, ValueKind } from './values';
export { AUTO_STRATEGY, DEFAULT_TUNING, ENGINES, STRATEGIES } from './types';
export type {
  ComparisonStrategy,
  ConnectionSpec,
  DiffKind,
  DiffRecord,
  DiffTotals,
  EngineName,
  ProgressEvent,
  ReconcileOptions,
  ReconcileReport,
  ReconcileResult,
  ReportRow,
  ReportValue,
  SchemaDrift,
  SideName,
  TableReport,
  TlsSpec,
  Tuning,
} from './types';
export type { TablePlan } from './reconcile';
