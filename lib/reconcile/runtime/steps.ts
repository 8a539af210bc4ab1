/** Step names of the restore-and-reconcile document, shared by the document, the report function, tests and docs. */
export const RECONCILE_STEP = {
  leftovers: 'RemoveLeftoversOfEarlierRuns',
  waitLeftovers: 'WaitForLeftoversRemoval',
  checkLeftovers: 'CheckLeftoversRemoved',
  find: 'FindFailoverSnapshot',
  dryRunBranch: 'StopOnDryRun',
  clone: 'CloneNewPrimary',
  copy: 'CopySnapshotToThisRegion',
  waitCopy: 'WaitForSnapshotCopy',
  describeCopy: 'DescribeSnapshotCopy',
  restore: 'RestoreTemporaryCluster',
  waitCluster: 'WaitForTemporaryCluster',
  createInstance: 'CreateTemporaryInstance',
  waitInstance: 'WaitForTemporaryInstance',
  managedPassword: 'EnableManagedMasterPassword',
  waitSecret: 'WaitForManagedSecret',
  waitReady: 'WaitForTemporaryClusterReady',
  describeCluster: 'DescribeTemporaryCluster',
  waitClones: 'WaitForNewPrimaryClone',
  checkClones: 'CheckNewPrimaryCloneReady',
  run: 'RunComparison',
  waitRun: 'WaitForComparison',
  readRun: 'ReadComparisonResult',
  branchRun: 'CheckComparisonExitCode',
  runFailed: 'ComparisonFailed',
  stopRun: 'StopComparisonTask',
  summarize: 'SummarizeReport',
  notify: 'NotifyOperators',
  cleanup: 'DeleteTemporaryCluster',
  waitCleanup: 'WaitForTemporaryClusterDeletion',
  checkCleanup: 'CheckTemporaryClusterDeleted',
  outcome: 'ReportOutcome',
} as const;

/** Steps of the cleanup: if one of them failed, temporary resources may remain. */
export const CLEANUP_STEPS: readonly string[] = [RECONCILE_STEP.cleanup, RECONCILE_STEP.waitCleanup, RECONCILE_STEP.checkCleanup];

/** Markers the cleanup function puts in its output; the document loops while the first is present. */
export const CLEANUP_PENDING = 'CLEANUP_PENDING';
export const CLEANUP_DONE = 'CLEANUP_DONE';

/** Markers the clone function puts in its output; the document loops while the first is present. */
export const CLONE_PENDING = 'CLONE_PENDING';
export const CLONE_READY = 'CLONE_READY';
