import { reportPrefix, temporaryName, TAG_EXECUTION } from '../../../lib/reconcile/runtime/names';
import { CLEANUP_PENDING, CLONE_PENDING } from '../../../lib/reconcile/runtime/steps';
import {
  CLEANUP_FUNCTION_TIMEOUT_SECONDS,
  CLONE_FUNCTION_TIMEOUT_SECONDS,
  RECONCILE_STEP as STEP,
  REPORT_PREFIX_EXPRESSION,
  restoreAndReconcileDocument,
  temporaryNameExpression,
  type ReconcileDocument,
  type ReconcileDocumentOptions,
  type ReconcileStep,
} from '../../../lib/reconcile/restore-document';
import { checkParameters, checkSelector } from './sdk-schema';

const OPTIONS: ReconcileDocumentOptions = {
  appName: 'retail',
  regions: ['us-east-1', 'us-west-2'],
  databases: ['catalog', 'orders'],
  executionRoleArn: 'arn:aws:iam::123456789012:role/automation',
  functions: { find: 'find-fn', copy: 'copy-fn', cleanup: 'cleanup-fn', report: 'report-fn', clone: 'clone-fn' },
  subnetGroupName: 'retail-reconcile',
  clusterSecurityGroupId: 'sg-cluster',
  kmsKeyArn: 'arn:aws:kms:us-west-2:123456789012:key/k',
  instanceClass: 'db.serverless',
  serverlessCapacity: { min: 2, max: 32 },
  ecsClusterArn: 'arn:aws:ecs:us-west-2:123456789012:cluster/reconcile',
  taskSubnetIds: ['subnet-a', 'subnet-b'],
  taskSecurityGroupId: 'sg-task',
  notificationTopicArn: 'arn:aws:sns:us-west-2:123456789012:notifications',
  timeouts: { copySeconds: 14_400, restoreSeconds: 7_200, comparisonSeconds: 21_600 },
};

const EXPECTED_ORDER = [
  STEP.leftovers,
  STEP.waitLeftovers,
  STEP.checkLeftovers,
  STEP.find,
  STEP.dryRunBranch,
  STEP.clone,
  STEP.copy,
  STEP.waitCopy,
  STEP.describeCopy,
  STEP.restore,
  STEP.waitCluster,
  STEP.createInstance,
  STEP.waitInstance,
  STEP.managedPassword,
  STEP.waitSecret,
  STEP.waitReady,
  STEP.describeCluster,
  STEP.waitClones,
  STEP.checkClones,
  STEP.run,
  STEP.waitRun,
  STEP.readRun,
  STEP.branchRun,
  STEP.runFailed,
  STEP.stopRun,
  STEP.summarize,
  STEP.notify,
  STEP.cleanup,
  STEP.waitCleanup,
  STEP.checkCleanup,
  STEP.outcome,
];

type Edge = { readonly to: string; readonly kind: 'next' | 'branch' | 'failure' | 'cancel' };
const EXIT = '<exit>';

/** Every way SSM can leave a step: next/branch targets, onFailure, onCancel; EXIT ends the execution. */
function edges(doc: ReconcileDocument, step: ReconcileStep): Edge[] {
  const list: Edge[] = [];
  const index = doc.mainSteps.indexOf(step);
  if (step.action === 'aws:branch') {
    const inputs = step.inputs as { Choices: { NextStep: string }[]; Default?: string };
    for (const choice of inputs.Choices) list.push({ to: choice.NextStep, kind: 'branch' });
    list.push({ to: inputs.Default ?? EXIT, kind: 'branch' });
  } else if (step.isEnd === true) {
    list.push({ to: EXIT, kind: 'next' });
  } else {
    list.push({ to: step.nextStep ?? doc.mainSteps[index + 1]?.name ?? EXIT, kind: 'next' });
  }
  const failure = step.onFailure ?? 'Abort';
  list.push({ to: failure.startsWith('step:') ? failure.slice(5) : EXIT, kind: 'failure' });
  // Without onCancel, cancelling ends the execution.
  const cancel = step.onCancel ?? 'Abort';
  list.push({ to: cancel.startsWith('step:') ? cancel.slice(5) : EXIT, kind: 'cancel' });
  return list;
}

/** Steps reachable from `start` without passing through `blocked`; EXIT included when an exit is reachable. */
function reachable(doc: ReconcileDocument, start: string, blocked: ReadonlySet<string> = new Set()): Set<string> {
  const byName = new Map(doc.mainSteps.map((s) => [s.name, s]));
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name) || blocked.has(name)) continue;
    seen.add(name);
    if (name === EXIT) continue;
    const step = byName.get(name);
    if (step === undefined) throw new Error(`unknown step ${name}`);
    for (const edge of edges(doc, step)) stack.push(edge.to);
  }
  return seen;
}

describe('restore-and-reconcile document', () => {
  const doc = restoreAndReconcileDocument(OPTIONS);
  const step = (name: string): ReconcileStep => {
    const found = doc.mainSteps.find((s) => s.name === name);
    if (found === undefined) throw new Error(`no step ${name}`);
    return found;
  };

  it('runs the steps in this order', () => {
    expect(doc.mainSteps.map((s) => s.name)).toEqual(EXPECTED_ORDER);
    expect(new Set(doc.mainSteps.map((s) => s.name)).size).toBe(doc.mainSteps.length);
  });

  it('routes failures AND cancellations of every step from the clone on to the cleanup', () => {
    const whileTaskRuns: string[] = [STEP.run, STEP.waitRun, STEP.readRun];
    const guarded = EXPECTED_ORDER.slice(EXPECTED_ORDER.indexOf(STEP.clone), EXPECTED_ORDER.indexOf(STEP.cleanup)).filter((n) => !whileTaskRuns.includes(n));
    for (const name of guarded) {
      expect({ name, onFailure: step(name).onFailure, onCancel: step(name).onCancel }).toEqual({ name, onFailure: `step:${STEP.cleanup}`, onCancel: `step:${STEP.cleanup}` });
    }
    // While the task may run, a timeout, failure or cancel stops it first.
    for (const name of whileTaskRuns) {
      expect({ name, onFailure: step(name).onFailure, onCancel: step(name).onCancel }).toEqual({ name, onFailure: `step:${STEP.stopRun}`, onCancel: `step:${STEP.stopRun}` });
    }
    expect(guarded).toEqual(expect.arrayContaining([STEP.clone, STEP.copy, STEP.waitClones, STEP.checkClones]));
    // Nothing of this run exists yet before the clone: those steps may stop the execution.
    for (const name of [STEP.leftovers, STEP.waitLeftovers, STEP.checkLeftovers]) expect(step(name).onFailure).toBe('Abort');
    expect(step(STEP.find).onFailure).toBe('Abort');
    expect(step(STEP.dryRunBranch).onFailure).toBe('Abort');
  });

  it('cannot end from the clone on without going through the cleanup (graph walk over every edge)', () => {
    const withoutCleanup = reachable(doc, STEP.clone, new Set([STEP.cleanup]));
    expect(withoutCleanup.has(STEP.waitClones)).toBe(true);
    expect(withoutCleanup.has(EXIT)).toBe(false);
    expect(withoutCleanup.has(STEP.outcome)).toBe(false);
    // ...and the cleanup is reachable from every one of those steps.
    for (const name of withoutCleanup) expect(reachable(doc, name).has(STEP.cleanup)).toBe(true);
  });

  it('always ends in ReportOutcome once the cleanup started, whatever fails', () => {
    const afterCleanup = reachable(doc, STEP.cleanup, new Set([STEP.outcome]));
    expect(afterCleanup.has(EXIT)).toBe(false);
    for (const name of [STEP.cleanup, STEP.waitCleanup, STEP.checkCleanup]) {
      expect([step(name).onFailure, step(name).onCancel]).toEqual([`step:${STEP.outcome}`, `step:${STEP.outcome}`]);
    }
    expect(step(STEP.outcome)).toMatchObject({ isEnd: true, isCritical: true });
  });

  it('reaches every step and names only existing steps', () => {
    expect([...reachable(doc, STEP.leftovers)].filter((n) => n !== EXIT).sort()).toEqual([...EXPECTED_ORDER].sort());
  });

  it('stops the comparison task on a wait timeout, a failure or a cancel, then cleans up', () => {
    expect(step(STEP.waitRun).timeoutSeconds).toBe(OPTIONS.timeouts.comparisonSeconds);
    expect(step(STEP.stopRun)).toMatchObject({
      action: 'aws:executeAwsApi',
      isCritical: false,
      onFailure: `step:${STEP.cleanup}`,
      onCancel: `step:${STEP.cleanup}`,
      nextStep: STEP.cleanup,
      inputs: { Service: 'ecs', Api: 'StopTask', cluster: OPTIONS.ecsClusterArn, task: '{{ RunComparison.TaskArn }}' },
    });
    // The normal path never stops a task: it has stopped when its exit code is read.
    const normal = [STEP.readRun, STEP.branchRun, STEP.summarize].map((n) => step(n).nextStep ?? '');
    expect(normal).not.toContain(STEP.stopRun);
    expect((step(STEP.branchRun).inputs as { Default: string }).Default).toBe(STEP.runFailed);
  });

  it('first removes leftovers of earlier, finished runs (a cancel during creation), looping until gone, then discovers', () => {
    expect(step(STEP.leftovers)).toMatchObject({ action: 'aws:invokeLambdaFunction', onFailure: 'Abort', nextStep: STEP.waitLeftovers, inputs: { FunctionName: 'cleanup-fn', InputPayload: { operation: 'leftovers-start' } } });
    expect(step(STEP.waitLeftovers).inputs.InputPayload).toMatchObject({ operation: 'leftovers-wait', started: '{{ RemoveLeftoversOfEarlierRuns.Payload }}' });
    expect(step(STEP.checkLeftovers).inputs).toEqual({
      Choices: [{ NextStep: STEP.waitLeftovers, Variable: '{{ WaitForLeftoversRemoval.Payload }}', Contains: CLEANUP_PENDING }],
      Default: STEP.find,
    });
    expect(doc.mainSteps[0].name).toBe(STEP.leftovers);
  });

  it('stops a dry run right after the discovery', () => {
    expect(step(STEP.dryRunBranch).inputs).toEqual({ Choices: [{ NextStep: STEP.outcome, Variable: '{{ DryRun }}', BooleanEquals: true }], Default: STEP.clone });
  });

  it('clones the new primary first (and, with FailoverTime, restores the base), then waits for them after the restore and hands both to the task', () => {
    expect(step(STEP.clone)).toMatchObject({
      action: 'aws:invokeLambdaFunction',
      nextStep: STEP.copy,
      inputs: { FunctionName: 'clone-fn', InputPayload: { operation: 'start', failoverTime: '{{ FailoverTime }}', executionId: '{{ automation:EXECUTION_ID }}' } },
    });
    expect(step(STEP.find).inputs.InputPayload).toMatchObject({ failoverTime: '{{ FailoverTime }}' });
    expect(step(STEP.describeCluster).nextStep).toBe(STEP.waitClones);
    expect(step(STEP.waitClones)).toMatchObject({ nextStep: STEP.checkClones, inputs: { FunctionName: 'clone-fn', InputPayload: { operation: 'wait', started: '{{ CloneNewPrimary.Payload }}' } } });
    expect(step(STEP.waitClones).timeoutSeconds).toBe(CLONE_FUNCTION_TIMEOUT_SECONDS + 30);
    expect(step(STEP.checkClones).inputs).toEqual({
      Choices: [{ NextStep: STEP.waitClones, Variable: '{{ WaitForNewPrimaryClone.Payload }}', Contains: CLONE_PENDING }],
      Default: STEP.run,
    });
    const env = (step(STEP.run).inputs as { overrides: { containerOverrides: { environment: { name: string; value: string }[] }[] } }).overrides.containerOverrides[0].environment;
    expect(env).toContainEqual({ name: 'TARGETS', value: '{{ WaitForNewPrimaryClone.Payload }}' });
  });

  it('accepts FailoverTime as ISO-8601 UTC or empty only', () => {
    const pattern = new RegExp(doc.parameters.FailoverTime.allowedPattern ?? '');
    expect(doc.parameters.FailoverTime.default).toBe('');
    for (const ok of ['', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05.123Z']) expect([ok, pattern.test(ok)]).toEqual([ok, true]);
    for (const bad of ['2026-01-02', '2026-01-02T03:04:05+02:00', '2026-01-02 03:04:05Z', 'now', '{{ x }}']) expect([bad, pattern.test(bad)]).toEqual([bad, false]);
  });

  it('branches on the task exit code: 0 and 1 succeed, anything else fails into the cleanup', () => {
    expect(step(STEP.readRun).outputs).toEqual([{ Name: 'ExitCode', Selector: '$.tasks[0].containers[0].exitCode', Type: 'Integer' }]);
    expect(step(STEP.branchRun).inputs).toEqual({
      Choices: [
        { NextStep: STEP.summarize, Variable: '{{ ReadComparisonResult.ExitCode }}', NumericEquals: 0 },
        { NextStep: STEP.summarize, Variable: '{{ ReadComparisonResult.ExitCode }}', NumericEquals: 1 },
      ],
      Default: STEP.runFailed,
    });
    expect(step(STEP.runFailed)).toMatchObject({ action: 'aws:invokeLambdaFunction', isCritical: true, onFailure: `step:${STEP.cleanup}` });
    expect(step(STEP.runFailed).inputs.InputPayload).toMatchObject({ operation: 'comparison-failed' });
  });

  it('loops the cleanup on the marker the cleanup function emits', () => {
    expect(step(STEP.checkCleanup).inputs).toEqual({
      Choices: [{ NextStep: STEP.waitCleanup, Variable: '{{ WaitForTemporaryClusterDeletion.Payload }}', Contains: CLEANUP_PENDING }],
      Default: STEP.outcome,
    });
    expect(step(STEP.waitCleanup).inputs.InputPayload).toMatchObject({ operation: 'wait', started: '{{ DeleteTemporaryCluster.Payload }}' });
    // One Lambda step may run 300 s at most.
    for (const s of doc.mainSteps.filter((x) => x.action === 'aws:invokeLambdaFunction')) expect(s.timeoutSeconds ?? 0).toBeLessThanOrEqual(300);
  });

  it('calls only real APIs with real parameters and selects real response fields (checked against the SDK models)', () => {
    const errors: string[] = [];
    for (const s of doc.mainSteps.filter((x) => x.action === 'aws:executeAwsApi' || x.action === 'aws:waitForAwsResourceProperty')) {
      const { Service, Api, PropertySelector, DesiredValues, ...parameters } = s.inputs as Record<string, unknown>;
      expect(typeof Service).toBe('string');
      expect(typeof Api).toBe('string');
      errors.push(...checkParameters(String(Service), String(Api), parameters));
      if (s.action === 'aws:waitForAwsResourceProperty') {
        expect(Array.isArray(DesiredValues)).toBe(true);
        errors.push(...checkSelector(String(Service), String(Api), String(PropertySelector)));
      }
      for (const output of s.outputs ?? []) errors.push(...checkSelector(String(Service), String(Api), output.Selector));
    }
    expect(errors).toEqual([]);
    expect(doc.mainSteps.filter((s) => s.action === 'aws:executeAwsApi').map((s) => `${String(s.inputs.Service)}:${String(s.inputs.Api)}`)).toEqual([
      'rds:DescribeDBClusterSnapshots',
      'rds:RestoreDBClusterFromSnapshot',
      'rds:CreateDBInstance',
      'rds:ModifyDBCluster',
      'rds:DescribeDBClusters',
      'ecs:RunTask',
      'ecs:DescribeTasks',
      'ecs:StopTask',
      'sns:Publish',
    ]);
  });

  it('the schema check catches a wrong parameter, a missing required one and a wrong selector', () => {
    expect(checkParameters('rds', 'RestoreDBClusterFromSnapshot', { DBClusterIdentifier: 'x', SnapshotIdentifier: 'y', ManageMasterUserPassword: true })).toEqual([
      'rds.RestoreDBClusterFromSnapshot.ManageMasterUserPassword: not a member of RestoreDBClusterFromSnapshotMessage',
      'rds.RestoreDBClusterFromSnapshot: required member Engine missing',
    ]);
    expect(checkSelector('rds', 'DescribeDBClusters', '$.DBClusters[0].MasterUserSecret.Arn')).toEqual(['$.DBClusters[0].MasterUserSecret.Arn: Arn is not a member of MasterUserSecret']);
    expect(() => checkParameters('rds', 'RestoreDBCluster', {})).toThrow(/no API RestoreDBCluster/);
  });

  it('restores into the data subnets with this Region\'s key, no public access, no deletion protection, tagged', () => {
    const name = temporaryNameExpression('retail');
    expect(step(STEP.restore).inputs).toMatchObject({
      DBClusterIdentifier: name,
      SnapshotIdentifier: name,
      Engine: '{{ DescribeSnapshotCopy.Engine }}',
      EngineVersion: '{{ DescribeSnapshotCopy.EngineVersion }}',
      DBSubnetGroupName: 'retail-reconcile',
      VpcSecurityGroupIds: ['sg-cluster'],
      KmsKeyId: OPTIONS.kmsKeyArn,
      DeletionProtection: false,
      DBClusterParameterGroupName: name,
    });
    expect(step(STEP.restore).inputs.Tags).toContainEqual({ Key: TAG_EXECUTION, Value: '{{ automation:EXECUTION_ID }}' });
    expect(step(STEP.createInstance).inputs).toMatchObject({ PubliclyAccessible: false, DBInstanceClass: 'db.serverless', DBClusterIdentifier: name });
    expect(step(STEP.managedPassword).inputs).toMatchObject({ ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: OPTIONS.kmsKeyArn, ApplyImmediately: true });
  });

  it('runs the task privately with the restored endpoint and its managed secret', () => {
    const inputs = step(STEP.run).inputs as {
      taskDefinition: string;
      launchType: string;
      networkConfiguration: { awsvpcConfiguration: { subnets: string[]; securityGroups: string[]; assignPublicIp: string } };
      overrides: { containerOverrides: { name: string; environment: { name: string; value: string }[] }[] };
    };
    expect(inputs.launchType).toBe('FARGATE');
    expect(inputs.taskDefinition).toBe(temporaryNameExpression('retail'));
    expect(inputs.networkConfiguration.awsvpcConfiguration).toEqual({ subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-task'], assignPublicIp: 'DISABLED' });
    expect(inputs.overrides.containerOverrides[0].environment).toEqual([
      { name: 'OLD_HOST', value: '{{ DescribeTemporaryCluster.Endpoint }}' },
      { name: 'OLD_SECRET_ARN', value: '{{ DescribeTemporaryCluster.SecretArn }}' },
      { name: 'TARGETS', value: '{{ WaitForNewPrimaryClone.Payload }}' },
      { name: 'TABLES', value: '{{ Tables }}' },
      { name: 'PREFIX', value: REPORT_PREFIX_EXPRESSION },
    ]);
    expect(step(STEP.waitRun)).toMatchObject({ timeoutSeconds: 21_600, inputs: { PropertySelector: '$.tasks[0].lastStatus', DesiredValues: ['STOPPED'] } });
  });

  it('builds the same names in the document as the functions do', () => {
    const render = (expression: string, database: string, execution: string): string =>
      expression.replace('{{ Database }}', database).replace('{{ automation:EXECUTION_ID }}', execution);
    expect(render(temporaryNameExpression('retail'), 'orders', 'x')).toBe(temporaryName('retail', 'orders'));
    expect(render(REPORT_PREFIX_EXPRESSION, 'orders', 'exec-1')).toBe(reportPrefix('orders', 'exec-1'));
  });

  it('notifies only when a topic is configured, and a lost notification neither fails the run nor skips the cleanup', () => {
    expect(step(STEP.notify)).toMatchObject({ isCritical: false, nextStep: STEP.cleanup, onFailure: `step:${STEP.cleanup}`, inputs: { Message: '{{ SummarizeReport.Payload }}' } });
    const quiet = restoreAndReconcileDocument({ ...OPTIONS, notificationTopicArn: undefined });
    expect(quiet.mainSteps.map((s) => s.name)).not.toContain(STEP.notify);
    expect(quiet.mainSteps.find((s) => s.name === STEP.summarize)?.nextStep).toBe(STEP.cleanup);
    expect(reachable(quiet, STEP.clone, new Set([STEP.cleanup])).has(EXIT)).toBe(false);
  });

  it('declares the inputs and outputs operators use', () => {
    expect(Object.keys(doc.parameters)).toEqual(['Database', 'OldPrimaryRegion', 'SnapshotArn', 'Tables', 'FailoverTime', 'DryRun', 'AutomationAssumeRole']);
    expect(doc.parameters.Database.allowedValues).toEqual(['catalog', 'orders']);
    expect(doc.parameters.OldPrimaryRegion.allowedValues).toEqual(['us-east-1', 'us-west-2']);
    const pattern = new RegExp(doc.parameters.SnapshotArn.allowedPattern ?? '');
    expect(pattern.test('')).toBe(true);
    expect(pattern.test('arn:aws:rds:us-east-1:123456789012:cluster-snapshot:rds:unplanned-global-failover-retail-orders-us-east-1-2026-01-02-10-00')).toBe(true);
    expect(pattern.test('arn:aws:rds:us-east-1:123456789012:cluster-snapshot:manual-1')).toBe(false);
    expect(doc.outputs).toEqual(['ReportOutcome.Payload', 'FindFailoverSnapshot.Payload']);
    expect(doc.assumeRole).toBe('{{ AutomationAssumeRole }}');
  });
});

describe('steps that invoke the cleanup function', () => {
  test('outlast the function, so SSM never marks a step TimedOut (and retries it) while a call is still deleting', () => {
    const document = restoreAndReconcileDocument(OPTIONS);
    const cleanupSteps = document.mainSteps.filter((step) => step.action === 'aws:invokeLambdaFunction' && (step.inputs as { FunctionName?: string }).FunctionName === OPTIONS.functions.cleanup);
    expect(cleanupSteps.map((step) => step.name).sort()).toEqual([STEP.cleanup, STEP.leftovers, STEP.waitCleanup, STEP.waitLeftovers].sort());
    for (const step of cleanupSteps) {
      expect([step.name, step.timeoutSeconds ?? 0]).toEqual([step.name, CLEANUP_FUNCTION_TIMEOUT_SECONDS + 30]);
    }
  });
});
