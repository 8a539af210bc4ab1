import { THRESHOLDS } from '../observability/thresholds';
import type { Checker } from './resolve';
import type { PipelineConfig, Profile, RegionSwitchConfig } from './types';

/** Settings of the optional delivery pipeline and Region switch plans, validated like the rest. */

const CONNECTION_ARN_PATTERN = /^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/;
const REPOSITORY_PATTERN = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;
const BRANCH_PATTERN = /^(?!\/)(?!.*\/\/)(?!.*\.\.)[A-Za-z0-9._/-]{1,200}(?<!\/)$/;
const DEFAULT_BRANCH = 'main';
const DEFAULT_BAKE_MINUTES = 30;
/** CodeBuild runs a build for at most 8 hours; the bake step needs some of it to report. */
const MAX_BAKE_MINUTES = 420;

/**
 * The pipeline, or undefined when not configured. A bake shorter than the time the Region's
 * "Region impaired" alarm needs to fire (its canary's evaluation periods) could never stop a rollout.
 */
export function resolvePipeline(check: Checker, input: unknown, canaryIntervalMinutes: number): PipelineConfig | undefined {
  const given = check.object('pipeline', input, ['connectionArn', 'repository', 'branch', 'bakeMinutes']);
  if (given === undefined) {
    return undefined;
  }
  const connectionArn = check.string('pipeline.connectionArn', given.connectionArn, CONNECTION_ARN_PATTERN,
    'must be a CodeConnections connection ARN such as arn:aws:codeconnections:us-east-1:123456789012:connection/<uuid>');
  if (given.connectionArn === undefined) {
    check.problem('pipeline.connectionArn', undefined, 'is required: the connection (created and authorized in the console) the pipeline reads the repository through');
  }
  const repository = check.string('pipeline.repository', given.repository, REPOSITORY_PATTERN, 'must be "owner/name" of the repository');
  if (given.repository === undefined) {
    check.problem('pipeline.repository', undefined, 'is required: "owner/name" of the repository the connection reaches');
  }
  const branch = check.string('pipeline.branch', given.branch, BRANCH_PATTERN, 'must be a branch name such as main') ?? DEFAULT_BRANCH;
  const minimumBake = THRESHOLDS.canaryEvaluationPeriods * canaryIntervalMinutes;
  const bakeMinutes = check.integer('pipeline.bakeMinutes', given.bakeMinutes, 1, MAX_BAKE_MINUTES) ?? Math.max(DEFAULT_BAKE_MINUTES, minimumBake);
  if (bakeMinutes < minimumBake) {
    check.problem('pipeline.bakeMinutes', bakeMinutes,
      `must be at least ${minimumBake}: the "Region impaired" alarm fires only after ${THRESHOLDS.canaryEvaluationPeriods} failed canary runs ${canaryIntervalMinutes} minutes apart (canaryIntervalMinutes)`);
  }
  if (connectionArn === undefined || repository === undefined) {
    return undefined;
  }
  return { connectionArn, repository, branch, bakeMinutes };
}

/** The Region switch settings, or undefined unless `regionSwitch.enabled` is true. */
export function resolveRegionSwitch(check: Checker, input: unknown, profile: Profile): RegionSwitchConfig | undefined {
  const given = check.object('regionSwitch', input, ['enabled', 'approval']);
  if (given === undefined) {
    return undefined;
  }
  const enabled = check.boolean('regionSwitch.enabled', given.enabled);
  if (given.enabled === undefined) {
    check.problem('regionSwitch.enabled', undefined, 'is required: true creates the Region switch plans, false leaves them out');
  }
  const approval = check.boolean('regionSwitch.approval', given.approval) ?? profile === 'prod';
  if (given.approval !== undefined && enabled === false) {
    check.problem('regionSwitch.approval', given.approval, 'is only used with regionSwitch.enabled true');
  }
  return enabled === true ? { approval, approvers: [] } : undefined;
}
