import type { RoutingMode } from '../topology/topology';
import { RunbookFunction, RunbookKind, stepTimeoutSeconds, WAIT_PENDING } from './runtime/contract';

/**
 * SSM Automation (schemaVersion 0.3) content for the three runbooks. Pure functions
 * so the step graph can be unit-tested without synthesising a stack.
 *
 * Design notes:
 * - Lambda steps are `aws:invokeLambdaFunction`: the ARC cluster endpoints and the
 *   decision logic are out of reach of `aws:executeAwsApi`. A Lambda that throws
 *   fails its step; the error message is the step's failure reason.
 * - Step results travel as the predefined `Payload` output (the JSON text the Lambda
 *   returned), which is what later steps and the document outputs reference.
 * - The database wait loops through an `aws:branch` because one Lambda step may run
 *   for at most 300 s; the Lambda enforces the overall deadline.
 * - Approval (optional) is skipped for dry runs: they change nothing.
 * - Every Lambda step's timeout is its function's timeout plus a margin
 *   (`stepTimeoutSeconds`): SSM never marks a step TimedOut while its function may still
 *   call an API.
 */

export type StepAction =
  | 'aws:invokeLambdaFunction'
  | 'aws:approve'
  | 'aws:branch'
  | 'aws:executeAwsApi'
  | 'aws:sleep'
  | 'aws:waitForAwsResourceProperty';

export interface AutomationStep {
  readonly name: string;
  readonly action: StepAction;
  readonly description?: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly onFailure?: string;
  readonly isCritical?: boolean;
  readonly isEnd?: boolean;
  readonly nextStep?: string;
  readonly timeoutSeconds?: number;
  readonly maxAttempts?: number;
}

export interface DocumentParameter {
  readonly type: 'String' | 'StringList' | 'Boolean' | 'Integer';
  readonly description: string;
  readonly default?: string | boolean | number | readonly string[];
  readonly allowedValues?: readonly string[];
}

export interface AutomationDocument {
  readonly schemaVersion: '0.3';
  readonly description: string;
  readonly assumeRole: string;
  readonly parameters: Readonly<Record<string, DocumentParameter>>;
  readonly mainSteps: readonly AutomationStep[];
  readonly outputs: readonly string[];
}

export type RunbookFunctionNames = Readonly<Record<RunbookFunction, string>>;

export interface ApprovalSettings {
  /** Default approvers (IAM user names/ARNs, role ARNs); none = must be passed at start. */
  readonly approvers?: readonly string[];
  readonly minRequiredApprovals: number;
  readonly timeoutSeconds: number;
  /** SNS topic whose name starts with "Automation" (an SSM requirement). */
  readonly notificationArn?: string;
}

export interface RunbookDocumentOptions {
  readonly appName: string;
  readonly regions: readonly string[];
  readonly routingMode: RoutingMode;
  readonly executionRoleArn: string;
  readonly functions: RunbookFunctionNames;
  readonly databaseTimeoutMinutes: number;
  readonly approval?: ApprovalSettings;
  /** Topic that receives the report (success) or the failure notice. */
  readonly notificationTopicArn?: string;
}

/** Step names shared with tests, the CLI and the README. */
export const STEP = {
  failover: {
    preflight: 'PreflightFailover',
    approve: 'ApproveFailover',
    traffic: 'ShiftTrafficToTarget',
    start: 'StartDatabaseFailovers',
    wait: 'WaitForDatabaseFailovers',
    check: 'CheckDatabaseFailoversComplete',
    report: 'ReportFailover',
    notify: 'NotifyFailoverResult',
  },
  switchover: {
    preflight: 'PreflightSwitchover',
    approve: 'ApproveSwitchover',
    start: 'StartDatabaseSwitchovers',
    wait: 'WaitForDatabaseSwitchovers',
    check: 'CheckDatabaseSwitchoversComplete',
    traffic: 'SetRoutingControlsForSwitchover',
    report: 'ReportSwitchover',
    notify: 'NotifySwitchoverResult',
  },
  failback: {
    preflight: 'PreflightFailback',
    approve: 'ApproveFailback',
    traffic: 'RestoreRegionTraffic',
    report: 'ReportFailback',
    notify: 'NotifyFailbackResult',
  },
  skipApproval: 'SkipApprovalOnDryRun',
  notifyFailure: 'NotifyRunbookFailure',
} as const;

const ref = (name: string): string => `{{ ${name} }}`;
const payloadOf = (step: string): string => `{{ ${step}.Payload }}`;

function lambdaStep(
  name: string,
  options: RunbookDocumentOptions,
  fn: RunbookFunction,
  payload: Record<string, unknown>,
  extra: Omit<Partial<AutomationStep>, 'timeoutSeconds'> & { readonly description: string },
): AutomationStep {
  return {
    name,
    action: 'aws:invokeLambdaFunction',
    maxAttempts: 1,
    isCritical: true,
    ...extra,
    timeoutSeconds: stepTimeoutSeconds(fn),
    inputs: { FunctionName: options.functions[fn], InputPayload: payload },
  };
}

interface Blueprint {
  readonly kind: RunbookKind;
  readonly title: string;
  readonly regionParameter: 'TargetRegion' | 'Region';
  readonly withDatabaseTimeout: boolean;
  readonly preflightName: string;
  readonly approveName: string;
  readonly reportName: string;
  readonly notifyName: string;
  /** Steps that change things, in order; `failure` is the onFailure for them. */
  readonly changeSteps: (failure: string) => AutomationStep[];
  readonly reportPayload: Record<string, unknown>;
  readonly overview: string;
}

function compose(options: RunbookDocumentOptions, blueprint: Blueprint): AutomationDocument {
  const regionRef = ref(blueprint.regionParameter);
  const failure = options.notificationTopicArn ? `step:${STEP.notifyFailure}` : 'Abort';
  const changeSteps = blueprint.changeSteps(failure);

  const steps: AutomationStep[] = [
    lambdaStep(
      blueprint.preflightName,
      options,
      'preflight',
      { runbook: blueprint.kind, targetRegion: regionRef, dryRun: ref('DryRun'), executionId: '{{ automation:EXECUTION_ID }}' },
      {
        description:
          'Read-only checks; refuses (fails, nothing changed) with every reason found, including another runbook execution still running.',
        onFailure: 'Abort',
        // Read-only, so a transient error may be retried.
        maxAttempts: 2,
      },
    ),
  ];

  if (options.approval) {
    steps.push({
      name: STEP.skipApproval,
      action: 'aws:branch',
      description: 'Dry runs change nothing, so they skip the approval.',
      inputs: {
        Choices: [{ NextStep: changeSteps[0].name, Variable: ref('DryRun'), BooleanEquals: true }],
        Default: blueprint.approveName,
      },
      onFailure: 'Abort',
    });
    steps.push({
      name: blueprint.approveName,
      action: 'aws:approve',
      description: 'Waits for the configured approvers.',
      timeoutSeconds: options.approval.timeoutSeconds,
      onFailure: 'Abort',
      isCritical: true,
      inputs: {
        Approvers: ref('Approvers'),
        MinRequiredApprovals: options.approval.minRequiredApprovals,
        Message: `${options.appName}: approve the ${blueprint.kind} runbook for ${regionRef} (execution {{ automation:EXECUTION_ID }}).`,
        ...(options.approval.notificationArn ? { NotificationArn: options.approval.notificationArn } : {}),
      },
    });
  }

  steps.push(...changeSteps);
  steps.push(
    lambdaStep(
      blueprint.reportName,
      options,
      'report',
      { runbook: blueprint.kind, targetRegion: regionRef, dryRun: ref('DryRun'), ...blueprint.reportPayload },
      {
        description: 'Merges the step outputs into the runbook report (document output).',
        onFailure: failure,
        ...(options.notificationTopicArn ? {} : { isEnd: true }),
      },
    ),
  );

  if (options.notificationTopicArn) {
    steps.push({
      name: blueprint.notifyName,
      action: 'aws:executeAwsApi',
      description: 'Publishes the report.',
      onFailure: 'Abort',
      // The runbook already did its work; a lost notification must not mark it failed.
      isCritical: false,
      isEnd: true,
      inputs: {
        Service: 'sns',
        Api: 'Publish',
        TopicArn: options.notificationTopicArn,
        Subject: `${options.appName} ${blueprint.kind} runbook finished`,
        Message: payloadOf(blueprint.reportName),
      },
    });
    steps.push({
      name: STEP.notifyFailure,
      action: 'aws:executeAwsApi',
      description: 'Reached only through onFailure of a failed step.',
      onFailure: 'Abort',
      isCritical: false,
      isEnd: true,
      inputs: {
        Service: 'sns',
        Api: 'Publish',
        TopicArn: options.notificationTopicArn,
        Subject: `${options.appName} ${blueprint.kind} runbook FAILED`,
        Message: `The ${blueprint.kind} runbook for ${regionRef} failed in {{ global:REGION }} (execution {{ automation:EXECUTION_ID }}). Run: aws ssm get-automation-execution --region {{ global:REGION }} --automation-execution-id {{ automation:EXECUTION_ID }}`,
      },
    });
  }

  const parameters: Record<string, DocumentParameter> = {
    AutomationAssumeRole: {
      type: 'String',
      description: 'Role the automation runs as (defaults to the role deployed with this runbook).',
      default: options.executionRoleArn,
    },
    [blueprint.regionParameter]: {
      type: 'String',
      description:
        blueprint.kind === 'failback'
          ? 'The Region to bring back into service (run this runbook in a serving Region).'
          : 'The Region to make primary. Start this runbook IN that Region.',
      allowedValues: options.regions,
    },
    DryRun: {
      type: 'Boolean',
      description: 'Report what would change; call no mutating API.',
      default: false,
    },
  };
  if (blueprint.withDatabaseTimeout) {
    parameters.DatabaseTimeoutMinutes = {
      type: 'Integer',
      description: 'How long to wait for every database to be writing in the target Region.',
      default: options.databaseTimeoutMinutes,
    };
  }
  if (options.approval) {
    parameters.Approvers = {
      type: 'StringList',
      description: 'IAM users/roles allowed to approve (up to 10).',
      ...(options.approval.approvers && options.approval.approvers.length > 0 ? { default: options.approval.approvers } : {}),
    };
  }

  return {
    schemaVersion: '0.3',
    description: `# ${options.appName} ${blueprint.title}\n\n${blueprint.overview}\n\nRouting mode: ${options.routingMode}.`,
    assumeRole: ref('AutomationAssumeRole'),
    parameters,
    mainSteps: steps,
    outputs: [`${blueprint.reportName}.Payload`],
  };
}

function waitLoop(
  options: RunbookDocumentOptions,
  names: { readonly start: string; readonly wait: string; readonly check: string; readonly next: string },
  mode: 'failover' | 'switchover',
  failure: string,
): AutomationStep[] {
  return [
    lambdaStep(
      names.start,
      options,
      'databases',
      { operation: 'start', mode, targetRegion: ref('TargetRegion'), dryRun: ref('DryRun') },
      {
        description: `Starts ${mode === 'failover' ? 'FailoverGlobalCluster (AllowDataLoss)' : 'SwitchoverGlobalCluster'} for EVERY database not writing in the target, before any wait.`,
        onFailure: failure,
      },
    ),
    lambdaStep(
      names.wait,
      options,
      'databases',
      {
        operation: 'wait',
        mode,
        targetRegion: ref('TargetRegion'),
        dryRun: ref('DryRun'),
        timeoutMinutes: ref('DatabaseTimeoutMinutes'),
        startResult: payloadOf(names.start),
      },
      {
        description:
          'Polls the target Region until each target member is the writer and its cluster is available (the old primary is reported, not waited on); polls through transient errors; fails at the deadline with the last state seen.',
        onFailure: failure,
      },
    ),
    {
      name: names.check,
      action: 'aws:branch',
      description: 'Loops back while any database is still moving.',
      onFailure: failure,
      inputs: {
        Choices: [{ NextStep: names.wait, Variable: payloadOf(names.wait), Contains: WAIT_PENDING }],
        Default: names.next,
      },
    },
  ];
}

export function failoverDocument(options: RunbookDocumentOptions): AutomationDocument {
  const s = STEP.failover;
  return compose(options, {
    kind: 'failover',
    title: 'Failover (unplanned)',
    regionParameter: 'TargetRegion',
    withDatabaseTimeout: true,
    preflightName: s.preflight,
    approveName: s.approve,
    reportName: s.report,
    notifyName: s.notify,
    overview:
      'Run in the Region being promoted. Preflight -> (approval) -> shift traffic to the target with one atomic ARC update ' +
      '-> start FailoverGlobalCluster (AllowDataLoss) for every database writing elsewhere -> wait for each -> report.',
    changeSteps: (failure) => [
      lambdaStep(
        s.traffic,
        options,
        'traffic',
        { action: 'failover', targetRegion: ref('TargetRegion'), dryRun: ref('DryRun') },
        {
          description:
            'Target On, every other Region Off, in ONE UpdateRoutingControlStates call; a read-back that cannot confirm it is a warning, so the databases always follow an accepted update.',
          onFailure: failure,
        },
      ),
      ...waitLoop(options, { start: s.start, wait: s.wait, check: s.check, next: s.report }, 'failover', failure),
    ],
    reportPayload: {
      preflight: payloadOf(s.preflight),
      traffic: payloadOf(s.traffic),
      databaseStart: payloadOf(s.start),
      databaseWait: payloadOf(s.wait),
    },
  });
}

export function switchoverDocument(options: RunbookDocumentOptions): AutomationDocument {
  const s = STEP.switchover;
  return compose(options, {
    kind: 'switchover',
    title: 'Switchover (planned, no data loss)',
    regionParameter: 'TargetRegion',
    withDatabaseTimeout: true,
    preflightName: s.preflight,
    approveName: s.approve,
    reportName: s.report,
    notifyName: s.notify,
    overview:
      'Run in the Region being promoted. Preflight refuses unless every global database is healthy (available, in sync, ' +
      'nothing in flight) -> (approval) -> SwitchoverGlobalCluster for every database -> wait -> routing controls for the mode -> report.',
    changeSteps: (failure) => [
      ...waitLoop(options, { start: s.start, wait: s.wait, check: s.check, next: s.traffic }, 'switchover', failure),
      lambdaStep(
        s.traffic,
        options,
        'traffic',
        { action: 'switchover', targetRegion: ref('TargetRegion'), dryRun: ref('DryRun') },
        {
          description: 'active-standby: target On, others Off; active-active: every Region On (one atomic call).',
          onFailure: failure,
        },
      ),
    ],
    reportPayload: {
      preflight: payloadOf(s.preflight),
      traffic: payloadOf(s.traffic),
      databaseStart: payloadOf(s.start),
      databaseWait: payloadOf(s.wait),
    },
  });
}

export function failbackDocument(options: RunbookDocumentOptions): AutomationDocument {
  const s = STEP.failback;
  return compose(options, {
    kind: 'failback',
    title: 'Failback (restore a Region)',
    regionParameter: 'Region',
    withDatabaseTimeout: false,
    preflightName: s.preflight,
    approveName: s.approve,
    reportName: s.report,
    notifyName: s.notify,
    overview:
      'Run in a serving Region, never in the Region being restored (preflight refuses it). Preflight checks that every database has a healthy ' +
      'secondary (present, not writer, in sync) in the Region -> (approval) -> active-active: its routing control On; ' +
      'active-standby: control stays Off (ready standby), readiness reported -> report.',
    changeSteps: (failure) => [
      lambdaStep(
        s.traffic,
        options,
        'traffic',
        { action: 'failback', targetRegion: ref('Region'), dryRun: ref('DryRun') },
        { description: 'active-active: the Region On; active-standby: no change.', onFailure: failure },
      ),
    ],
    reportPayload: { preflight: payloadOf(s.preflight), traffic: payloadOf(s.traffic) },
  });
}
