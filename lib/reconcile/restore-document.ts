/**
 * SSM Automation (schemaVersion 0.3) content of the restore-and-reconcile runbook. A pure
 * function, so the step graph can be tested without synthesizing a stack.
 *
 * Flow: FindFailoverSnapshot -> (dry run: ReportOutcome) -> clone the new primary (and restore
 * the base with FailoverTime) -> copy to this Region and wait
 * -> restore a temporary cluster + instance, switch it to an RDS-managed master secret,
 * wait -> wait for the clone (managed secret, instance) -> run the comparison task on Fargate, wait until it stops, branch on its exit code
 * -> summarize + notify -> DELETE the temporary resources (always) -> ReportOutcome.
 *
 * Design notes:
 * - Every step from the copy on routes failures and cancellations to the cleanup, and the
 *   cleanup always ends in ReportOutcome, which fails the execution when an earlier step
 *   failed: the runbook says it could not complete, with resources in a known state.
 * - Native steps only use values they can compute: document parameters, names derived
 *   from `{{ Database }}` (see runtime/names.ts) and outputs selected from AWS API
 *   responses. Lambda outputs travel only to other Lambdas (as `{{ Step.Payload }}`).
 * - Lambda steps are limited to 300 s by SSM; long waits are native
 *   `aws:waitForAwsResourceProperty` steps or a Lambda loop through an `aws:branch`.
 */
import type { DatabaseName } from '../topology/topology';
import { CONTAINER_NAME, TAG_DATABASE, TAG_EXECUTION, TAG_TEMPORARY } from './runtime/names';
import { CLEANUP_PENDING, CLONE_PENDING, RECONCILE_STEP as STEP } from './runtime/steps';

export { RECONCILE_STEP } from './runtime/steps';

export type ReconcileStepAction = 'aws:invokeLambdaFunction' | 'aws:branch' | 'aws:executeAwsApi' | 'aws:waitForAwsResourceProperty';

export interface StepOutput {
  readonly Name: string;
  readonly Selector: string;
  readonly Type: 'String' | 'Integer' | 'Boolean' | 'StringMap' | 'StringList' | 'MapList';
}

export interface ReconcileStep {
  readonly name: string;
  readonly action: ReconcileStepAction;
  readonly description: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs?: readonly StepOutput[];
  readonly onFailure?: string;
  readonly onCancel?: string;
  readonly isCritical?: boolean;
  readonly isEnd?: boolean;
  readonly nextStep?: string;
  readonly timeoutSeconds?: number;
  readonly maxAttempts?: number;
}

export interface ReconcileParameter {
  readonly type: 'String' | 'Boolean';
  readonly description: string;
  readonly default?: string | boolean;
  readonly allowedValues?: readonly string[];
  readonly allowedPattern?: string;
}

export interface ReconcileDocument {
  readonly schemaVersion: '0.3';
  readonly description: string;
  readonly assumeRole: string;
  readonly parameters: Readonly<Record<string, ReconcileParameter>>;
  readonly mainSteps: readonly ReconcileStep[];
  readonly outputs: readonly string[];
}

export interface ReconcileFunctionNames {
  readonly find: string;
  readonly copy: string;
  readonly cleanup: string;
  readonly report: string;
  readonly clone: string;
}

export interface ReconcileDocumentOptions {
  readonly appName: string;
  /** Allowed values of OldPrimaryRegion. */
  readonly regions: readonly string[];
  /** Allowed values of Database. */
  readonly databases: readonly DatabaseName[];
  readonly executionRoleArn: string;
  readonly functions: ReconcileFunctionNames;
  /** DB subnet group of the restored clusters (data subnets). */
  readonly subnetGroupName: string;
  /** Security group of the restored clusters (admits only the task). */
  readonly clusterSecurityGroupId: string;
  /** This Region's key: restored cluster storage and its managed secret. */
  readonly kmsKeyArn: string;
  readonly instanceClass: string;
  readonly serverlessCapacity: { readonly min: number; readonly max: number };
  /** The ECS cluster the comparison runs in. */
  readonly ecsClusterArn: string;
  readonly taskSubnetIds: readonly string[];
  readonly taskSecurityGroupId: string;
  readonly notificationTopicArn?: string;
  readonly timeouts: {
    readonly copySeconds: number;
    readonly restoreSeconds: number;
    readonly comparisonSeconds: number;
  };
}

const ref = (name: string): string => `{{ ${name} }}`;
const EXECUTION_ID = ref('automation:EXECUTION_ID');
const CLEANUP = `step:${STEP.cleanup}`;
const STOP_TASK = `step:${STEP.stopRun}`;
const OUTCOME = `step:${STEP.outcome}`;

/** `${appName}-reconcile-{{ Database }}`: the native steps' form of runtime/names.ts temporaryName(). */
export function temporaryNameExpression(appName: string): string {
  return `${appName}-reconcile-${ref('Database')}`;
}

/**
 * The cleanup function's timeout: one call polls the deletions for up to 230 s
 * (runtime/handlers/cleanup.ts) plus its last poll's deadlines; 30 s less than the 300 s a step
 * invoking it may take.
 */
export const CLEANUP_FUNCTION_TIMEOUT_SECONDS = 270;
/**
 * Every step that invokes the cleanup function outlasts it: a step that times out first is marked
 * TimedOut (and retried) while the first call is still deleting.
 */
const CLEANUP_STEP_TIMEOUT_SECONDS = CLEANUP_FUNCTION_TIMEOUT_SECONDS + 30;

/** The clone function's step limit: one wait call polls for up to 230 s (runtime/handlers/clone.ts). */
export const CLONE_FUNCTION_TIMEOUT_SECONDS = 270;
const CLONE_STEP_TIMEOUT_SECONDS = CLONE_FUNCTION_TIMEOUT_SECONDS + 30;

/** ISO-8601 UTC, or empty (two-way). */
export const FAILOVER_TIME_PATTERN = '^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,3})?Z$';

/** The native steps' form of runtime/names.ts reportPrefix(). */
export const REPORT_PREFIX_EXPRESSION = `reports/${ref('Database')}/${EXECUTION_ID}`;

function lambda(name: string, functionName: string, payload: Record<string, unknown>, extra: Omit<ReconcileStep, 'name' | 'action' | 'inputs'>): ReconcileStep {
  return {
    name,
    action: 'aws:invokeLambdaFunction',
    timeoutSeconds: 120,
    maxAttempts: 1,
    isCritical: true,
    ...extra,
    inputs: { FunctionName: functionName, InputPayload: payload },
  };
}

/** A step that may leave something behind: failures and cancellations go to the cleanup. */
function guarded(step: Omit<ReconcileStep, 'onFailure' | 'onCancel'>): ReconcileStep {
  return { ...step, onFailure: CLEANUP, onCancel: CLEANUP };
}

/** A step while the comparison task may run: a timeout, failure or cancel stops the task first. */
function taskGuarded(step: Omit<ReconcileStep, 'onFailure' | 'onCancel'>): ReconcileStep {
  return { ...step, onFailure: STOP_TASK, onCancel: STOP_TASK };
}

function api(name: string, service: 'rds' | 'ecs' | 'sns', apiName: string, parameters: Record<string, unknown>, extra: Omit<ReconcileStep, 'name' | 'action' | 'inputs'>): ReconcileStep {
  return { name, action: 'aws:executeAwsApi', ...extra, inputs: { Service: service, Api: apiName, ...parameters } };
}

function wait(name: string, service: 'rds' | 'ecs', apiName: string, parameters: Record<string, unknown>, selector: string, desired: readonly string[], extra: Omit<ReconcileStep, 'name' | 'action' | 'inputs'>): ReconcileStep {
  return {
    name,
    action: 'aws:waitForAwsResourceProperty',
    maxAttempts: 1,
    ...extra,
    inputs: { Service: service, Api: apiName, ...parameters, PropertySelector: selector, DesiredValues: desired },
  };
}

export function restoreAndReconcileDocument(options: ReconcileDocumentOptions): ReconcileDocument {
  const name = temporaryNameExpression(options.appName);
  const tags = [
    { Key: TAG_EXECUTION, Value: EXECUTION_ID },
    { Key: TAG_TEMPORARY, Value: 'true' },
    { Key: TAG_DATABASE, Value: ref('Database') },
  ];
  const base = { database: ref('Database'), executionId: EXECUTION_ID };
  const topic = options.notificationTopicArn;

  const steps: ReconcileStep[] = [
    lambda(STEP.leftovers, options.functions.cleanup, { ...base, operation: 'leftovers-start' }, {
      description:
        'Deletes what an earlier, finished execution left behind (e.g. cancelled while RDS was creating its cluster), found by the execution tag. ' +
        'A still running execution\'s resources are never touched: the run stops, naming it.',
      onFailure: 'Abort',
      timeoutSeconds: CLEANUP_STEP_TIMEOUT_SECONDS,
      maxAttempts: 2,
      nextStep: STEP.waitLeftovers,
    }),
    lambda(STEP.waitLeftovers, options.functions.cleanup, { ...base, operation: 'leftovers-wait', started: ref(`${STEP.leftovers}.Payload`) }, {
      description: 'Polls those deletions for up to four minutes per call; fails at the cleanup deadline, naming what is left.',
      onFailure: 'Abort',
      timeoutSeconds: CLEANUP_STEP_TIMEOUT_SECONDS,
      maxAttempts: 2,
      nextStep: STEP.checkLeftovers,
    }),
    {
      name: STEP.checkLeftovers,
      action: 'aws:branch',
      description: 'Loops while leftovers are still being deleted.',
      onFailure: 'Abort',
      inputs: { Choices: [{ NextStep: STEP.waitLeftovers, Variable: ref(`${STEP.waitLeftovers}.Payload`), Contains: CLEANUP_PENDING }], Default: STEP.find },
    },
    lambda(STEP.find, options.functions.find, { ...base, oldPrimaryRegion: ref('OldPrimaryRegion'), snapshotArn: ref('SnapshotArn'), dryRun: ref('DryRun'), failoverTime: ref('FailoverTime') }, {
      description:
        'Read-only preflight and discovery: this Region must hold the writer; no earlier run may be left over; in OldPrimaryRegion, ' +
        'the newest available rds:unplanned-global-failover-* snapshot of that Region\'s member (or SnapshotArn); FailoverTime, if set, within this Region\'s member\'s restore window. ' +
        'Nothing is created yet, so a failure stops here.',
      onFailure: 'Abort',
      timeoutSeconds: 240,
      // Read-only: a transient error may be retried.
      maxAttempts: 2,
      nextStep: STEP.dryRunBranch,
    }),
    {
      name: STEP.dryRunBranch,
      action: 'aws:branch',
      description: 'A dry run stops after the discovery and reports what it would use.',
      onFailure: 'Abort',
      inputs: { Choices: [{ NextStep: STEP.outcome, Variable: ref('DryRun'), BooleanEquals: true }], Default: STEP.clone },
    },
    guarded(
      lambda(STEP.clone, options.functions.clone, { ...base, operation: 'start', failoverTime: ref('FailoverTime') }, {
        description:
          'RestoreDBClusterToPointInTime (copy-on-write, latest restorable time) of this Region\'s member: the comparison reads this clone, never the live new primary. ' +
          'With FailoverTime, also the base: the new primary restored to that time (a full copy; RDS accepts no restore time with copy-on-write). Both tagged like every temporary resource.',
        timeoutSeconds: 120,
        maxAttempts: 1,
        nextStep: STEP.copy,
      }),
    ),
    guarded(
      lambda(STEP.copy, options.functions.copy, { ...base, plan: ref(`${STEP.find}.Payload`) }, {
        description: 'CopyDBClusterSnapshot into this Region with this Region\'s key (the SDK presigns the request for the source Region).',
        // Idempotent for this execution (an existing copy of the same execution is reported, not copied again).
        maxAttempts: 2,
        nextStep: STEP.waitCopy,
      }),
    ),
    guarded(
      wait(STEP.waitCopy, 'rds', 'DescribeDBClusterSnapshots', { DBClusterSnapshotIdentifier: name }, '$.DBClusterSnapshots[0].Status', ['available'], {
        description: 'Waits for the copy to finish (a cross-Region copy of a large snapshot takes hours).',
        timeoutSeconds: options.timeouts.copySeconds,
        nextStep: STEP.describeCopy,
      }),
    ),
    guarded(
      api(STEP.describeCopy, 'rds', 'DescribeDBClusterSnapshots', { DBClusterSnapshotIdentifier: name }, {
        description: 'Reads the copy\'s engine and version: the restore must use exactly these.',
        maxAttempts: 3,
        outputs: [
          { Name: 'Engine', Selector: '$.DBClusterSnapshots[0].Engine', Type: 'String' },
          { Name: 'EngineVersion', Selector: '$.DBClusterSnapshots[0].EngineVersion', Type: 'String' },
        ],
        nextStep: STEP.restore,
      }),
    ),
    guarded(
      api(
        STEP.restore,
        'rds',
        'RestoreDBClusterFromSnapshot',
        {
          DBClusterIdentifier: name,
          SnapshotIdentifier: name,
          Engine: ref(`${STEP.describeCopy}.Engine`),
          // Without it RDS would pick the Region's default version, not the snapshot's.
          EngineVersion: ref(`${STEP.describeCopy}.EngineVersion`),
          DBSubnetGroupName: options.subnetGroupName,
          VpcSecurityGroupIds: [options.clusterSecurityGroupId],
          KmsKeyId: options.kmsKeyArn,
          DBClusterParameterGroupName: name,
          DeletionProtection: false,
          CopyTagsToSnapshot: false,
          EnableIAMDatabaseAuthentication: false,
          BackupRetentionPeriod: 1,
          ServerlessV2ScalingConfiguration: { MinCapacity: options.serverlessCapacity.min, MaxCapacity: options.serverlessCapacity.max },
          Tags: tags,
        },
        {
          description: 'Restores the copy as a temporary cluster in the data subnets, encrypted with this Region\'s key, reachable only from the comparison task, no deletion protection.',
          maxAttempts: 1,
          nextStep: STEP.waitCluster,
        },
      ),
    ),
    guarded(
      wait(STEP.waitCluster, 'rds', 'DescribeDBClusters', { DBClusterIdentifier: name }, '$.DBClusters[0].Status', ['available'], {
        description: 'Waits for the restored cluster.',
        timeoutSeconds: options.timeouts.restoreSeconds,
        nextStep: STEP.createInstance,
      }),
    ),
    guarded(
      api(
        STEP.createInstance,
        'rds',
        'CreateDBInstance',
        {
          DBInstanceIdentifier: name,
          DBClusterIdentifier: name,
          Engine: ref(`${STEP.describeCopy}.Engine`),
          DBInstanceClass: options.instanceClass,
          DBParameterGroupName: name,
          PubliclyAccessible: false,
          AutoMinorVersionUpgrade: false,
          // The task verifies the server certificate against the RDS bundle, which holds this CA.
          CACertificateIdentifier: 'rds-ca-rsa2048-g1',
          Tags: tags,
        },
        { description: 'Adds the instance that serves the comparison (a cluster without an instance cannot be queried).', maxAttempts: 1, nextStep: STEP.waitInstance },
      ),
    ),
    guarded(
      wait(STEP.waitInstance, 'rds', 'DescribeDBInstances', { DBInstanceIdentifier: name }, '$.DBInstances[0].DBInstanceStatus', ['available'], {
        description: 'Waits for the instance.',
        timeoutSeconds: options.timeouts.restoreSeconds,
        nextStep: STEP.managedPassword,
      }),
    ),
    guarded(
      api(
        STEP.managedPassword,
        'rds',
        'ModifyDBCluster',
        { DBClusterIdentifier: name, ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: options.kmsKeyArn, ApplyImmediately: true },
        {
          description:
            'RestoreDBClusterFromSnapshot has no managed-password option: the restored cluster keeps the password the old primary had when the snapshot was taken, ' +
            'which rotation may have changed since. RDS now sets a fresh password in a managed secret, read by the task at run time.',
          maxAttempts: 1,
          nextStep: STEP.waitSecret,
        },
      ),
    ),
    guarded(
      wait(STEP.waitSecret, 'rds', 'DescribeDBClusters', { DBClusterIdentifier: name }, '$.DBClusters[0].MasterUserSecret.SecretStatus', ['active'], {
        description: 'Waits for the managed secret.',
        timeoutSeconds: 1800,
        nextStep: STEP.waitReady,
      }),
    ),
    guarded(
      wait(STEP.waitReady, 'rds', 'DescribeDBClusters', { DBClusterIdentifier: name }, '$.DBClusters[0].Status', ['available'], {
        description: 'Waits until the new password is applied.',
        timeoutSeconds: 1800,
        nextStep: STEP.describeCluster,
      }),
    ),
    guarded(
      api(STEP.describeCluster, 'rds', 'DescribeDBClusters', { DBClusterIdentifier: name }, {
        description: 'Reads the endpoint and the managed secret of the temporary cluster for the task.',
        maxAttempts: 3,
        outputs: [
          { Name: 'Endpoint', Selector: '$.DBClusters[0].Endpoint', Type: 'String' },
          { Name: 'SecretArn', Selector: '$.DBClusters[0].MasterUserSecret.SecretArn', Type: 'String' },
        ],
        nextStep: STEP.waitClones,
      }),
    ),
    guarded(
      lambda(STEP.waitClones, options.functions.clone, { ...base, operation: 'wait', started: ref(`${STEP.clone}.Payload`) }, {
        description:
          'Advances the clone (and the base): an RDS-managed master secret, one instance, available; polls for up to four minutes per call and fails at its deadline, naming what it last saw.',
        timeoutSeconds: CLONE_STEP_TIMEOUT_SECONDS,
        maxAttempts: 2,
        nextStep: STEP.checkClones,
      }),
    ),
    guarded({
      name: STEP.checkClones,
      action: 'aws:branch',
      description: 'Loops while the clone (or the base) is not ready.',
      inputs: { Choices: [{ NextStep: STEP.waitClones, Variable: ref(`${STEP.waitClones}.Payload`), Contains: CLONE_PENDING }], Default: STEP.run },
    }),
    taskGuarded(
      api(
        STEP.run,
        'ecs',
        'RunTask',
        {
          cluster: options.ecsClusterArn,
          // The database's task definition family: its latest revision (see the construct).
          taskDefinition: name,
          launchType: 'FARGATE',
          platformVersion: 'LATEST',
          count: 1,
          startedBy: EXECUTION_ID,
          networkConfiguration: {
            awsvpcConfiguration: { subnets: [...options.taskSubnetIds], securityGroups: [options.taskSecurityGroupId], assignPublicIp: 'DISABLED' },
          },
          overrides: {
            containerOverrides: [
              {
                name: CONTAINER_NAME,
                environment: [
                  { name: 'OLD_HOST', value: ref(`${STEP.describeCluster}.Endpoint`) },
                  { name: 'OLD_SECRET_ARN', value: ref(`${STEP.describeCluster}.SecretArn`) },
                  // The clone's (and the base's) endpoint and managed secret, JSON (task/settings.ts).
                  { name: 'TARGETS', value: ref(`${STEP.waitClones}.Payload`) },
                  { name: 'TABLES', value: ref('Tables') },
                  { name: 'PREFIX', value: REPORT_PREFIX_EXPRESSION },
                ],
              },
            ],
          },
        },
        {
          description: 'Starts the comparison task (Fargate, application subnets, no public IP).',
          maxAttempts: 1,
          outputs: [{ Name: 'TaskArn', Selector: '$.tasks[0].taskArn', Type: 'String' }],
          nextStep: STEP.waitRun,
        },
      ),
    ),
    taskGuarded(
      wait(STEP.waitRun, 'ecs', 'DescribeTasks', { cluster: options.ecsClusterArn, tasks: [ref(`${STEP.run}.TaskArn`)] }, '$.tasks[0].lastStatus', ['STOPPED'], {
        description: 'Waits until the comparison task stops (tens of millions of rows take hours).',
        timeoutSeconds: options.timeouts.comparisonSeconds,
        nextStep: STEP.readRun,
      }),
    ),
    taskGuarded(
      api(STEP.readRun, 'ecs', 'DescribeTasks', { cluster: options.ecsClusterArn, tasks: [ref(`${STEP.run}.TaskArn`)] }, {
        description: 'Reads the task\'s exit code (no exit code: the container never ran, which fails this step).',
        maxAttempts: 3,
        outputs: [{ Name: 'ExitCode', Selector: '$.tasks[0].containers[0].exitCode', Type: 'Integer' }],
        nextStep: STEP.branchRun,
      }),
    ),
    guarded({
      name: STEP.branchRun,
      action: 'aws:branch',
      description: '0: no differences; 1: differences found (the run succeeded, the report says what differs); anything else: the comparison failed.',
      inputs: {
        Choices: [
          { NextStep: STEP.summarize, Variable: ref(`${STEP.readRun}.ExitCode`), NumericEquals: 0 },
          { NextStep: STEP.summarize, Variable: ref(`${STEP.readRun}.ExitCode`), NumericEquals: 1 },
        ],
        Default: STEP.runFailed,
      },
    }),
    guarded(
      lambda(
        STEP.runFailed,
        options.functions.report,
        { ...base, operation: 'comparison-failed', exitCode: ref(`${STEP.readRun}.ExitCode`), taskArn: ref(`${STEP.run}.TaskArn`) },
        { description: 'Fails on purpose, naming the exit code and the task\'s logs; the cleanup runs next.', nextStep: STEP.cleanup },
      ),
    ),
    {
      ...api(
        STEP.stopRun,
        'ecs',
        'StopTask',
        { cluster: options.ecsClusterArn, task: ref(`${STEP.run}.TaskArn`), reason: `restore-and-reconcile ${EXECUTION_ID} timed out, failed or was cancelled` },
        {
          description:
            'Reached only when waiting for the task timed out, a step after it failed, or the run was cancelled: stops the task (which would otherwise run on against both databases). ' +
            'Stopping a task that already stopped succeeds; a failure here must not skip the cleanup.',
          isCritical: false,
          maxAttempts: 2,
          timeoutSeconds: 60,
          nextStep: STEP.cleanup,
        },
      ),
      onFailure: CLEANUP,
      onCancel: CLEANUP,
    },
    guarded(
      lambda(STEP.summarize, options.functions.report, { ...base, operation: 'summarize' }, {
        description: 'Reads the uploaded report.json (uploaded last by the task) for its location and totals.',
        maxAttempts: 2,
        nextStep: topic !== undefined ? STEP.notify : STEP.cleanup,
      }),
    ),
  ];

  if (topic !== undefined) {
    steps.push(
      guarded(
        api(
          STEP.notify,
          'sns',
          'Publish',
          {
            TopicArn: topic,
            Subject: `${options.appName} restore-and-reconcile of ${ref('Database')} finished`,
            Message: ref(`${STEP.summarize}.Payload`),
          },
          {
            description: 'Publishes the report location and totals.',
            // A lost notification must neither skip the cleanup nor fail the run.
            isCritical: false,
            maxAttempts: 2,
            nextStep: STEP.cleanup,
          },
        ),
      ),
    );
  }

  steps.push(
    lambda(STEP.cleanup, options.functions.cleanup, { ...base, operation: 'start' }, {
      description:
        'ALWAYS runs: deletes this execution\'s temporary instance, cluster (no final snapshot) and copied snapshot, tolerating any of them being absent.',
      onFailure: OUTCOME,
      onCancel: OUTCOME,
      timeoutSeconds: CLEANUP_STEP_TIMEOUT_SECONDS,
      maxAttempts: 2,
      nextStep: STEP.waitCleanup,
    }),
    lambda(STEP.waitCleanup, options.functions.cleanup, { ...base, operation: 'wait', started: ref(`${STEP.cleanup}.Payload`) }, {
      description: 'Advances and polls the deletions for up to four minutes per call; fails at the cleanup deadline, naming what is left.',
      onFailure: OUTCOME,
      onCancel: OUTCOME,
      timeoutSeconds: CLEANUP_STEP_TIMEOUT_SECONDS,
      maxAttempts: 2,
      nextStep: STEP.checkCleanup,
    }),
    {
      name: STEP.checkCleanup,
      action: 'aws:branch',
      description: 'Loops while anything is still being deleted.',
      onFailure: OUTCOME,
      onCancel: OUTCOME,
      inputs: { Choices: [{ NextStep: STEP.waitCleanup, Variable: ref(`${STEP.waitCleanup}.Payload`), Contains: CLEANUP_PENDING }], Default: STEP.outcome },
    },
    lambda(STEP.outcome, options.functions.report, { ...base, operation: 'outcome', dryRun: ref('DryRun'), plan: ref(`${STEP.find}.Payload`) }, {
      description: 'The document output (snapshot used, report location, totals); fails the execution, after the cleanup, if any earlier step failed.',
      onFailure: 'Abort',
      isEnd: true,
    }),
  );

  return {
    schemaVersion: '0.3',
    description:
      `# ${options.appName} Restore and reconcile\n\n` +
      'Run IN THE CURRENT PRIMARY REGION after an unplanned global database failover, once the old primary Region is back. ' +
      'Finds the snapshot Aurora took of the old primary, copies it here, restores it as a temporary cluster, compares it with a ' +
      'copy-on-write clone of the new primary (and, with FailoverTime, the new primary restored to that time) on Fargate (rows missing in the new primary, changed, or only in the new primary), writes the report to S3 and ' +
      'deletes every temporary resource, whatever happened.',
    assumeRole: ref('AutomationAssumeRole'),
    parameters: {
      Database: { type: 'String', description: 'The global database to reconcile.', allowedValues: options.databases },
      OldPrimaryRegion: { type: 'String', description: 'The Region that was primary before the unplanned failover.', allowedValues: options.regions },
      SnapshotArn: {
        type: 'String',
        description: '(Optional) A specific rds:unplanned-global-failover-* snapshot ARN in OldPrimaryRegion; default: the newest available one.',
        default: '',
        allowedPattern: '^$|^arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{12}:cluster-snapshot:rds:unplanned-global-failover-[a-zA-Z0-9-]+$',
      },
      Tables: {
        type: 'String',
        description: '(Optional) Comma-separated table names (without schema); default: every table.',
        default: '',
        allowedPattern: '^[^{}]*$',
      },
      FailoverTime: {
        type: 'String',
        description:
          '(Optional) When the unplanned failover happened, ISO-8601 UTC (e.g. 2026-01-02T03:04:05Z): the new primary is also restored to that time (a full copy) ' +
          'and each difference is classified as lost in the failover, changed after it, or both (three-way). Default: two-way.',
        default: '',
        allowedPattern: FAILOVER_TIME_PATTERN,
      },
      DryRun: { type: 'Boolean', description: 'Only find and report the snapshot; create nothing (leftovers of earlier, finished runs are still removed first).', default: false },
      AutomationAssumeRole: { type: 'String', description: 'Role the automation runs as (defaults to the role deployed with this runbook).', default: options.executionRoleArn },
    },
    mainSteps: steps,
    outputs: [`${STEP.outcome}.Payload`, `${STEP.find}.Payload`],
  };
}
