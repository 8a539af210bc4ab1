import { Aspects, CfnResource, Stack, Validations, type IAspect } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { flattenReference } from '../observability/nag';

/**
 * CDK Pipelines writes its own roles (pipeline, source, synth, self-mutation, asset publishing,
 * the steps' CodeBuild projects) with wildcards of a few known kinds. This aspect acknowledges
 * each wildcard on the one policy that has it, with the reason of its kind; a wildcard of any
 * other kind fails the synth, so a new grant is never waved through.
 */
const WILDCARD_REASONS: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  {
    pattern: /^Action::s3:(GetObject|GetBucket|List|DeleteObject|Abort|PutObject)\*$/,
    reason: 'CDK Pipelines grants its roles read/write on the pipeline\'s own artifact buckets only (the resources are those buckets).',
  },
  {
    pattern: /^Action::kms:(ReEncrypt|GenerateDataKey)\*$/,
    reason: 'CDK Pipelines grants use of the pipeline\'s own artifact key only (the resource is that key).',
  },
  {
    pattern: /^Resource::<[A-Za-z0-9]*ArtifactsBucket[A-Za-z0-9]*\.Arn>\/\*$/,
    reason: 'Pipeline artifacts get new keys on every execution; the grant is limited to the pipeline\'s own artifact bucket.',
  },
  {
    pattern: /^Resource::arn:<AWS::Partition>:s3:::[a-z0-9-]+-support-[a-z0-9]+\/\*$/,
    reason: 'Artifacts replicated for deployments in another Region get new keys on every execution; the grant is limited to the pipeline\'s own replication bucket.',
  },
  {
    pattern: /^Resource::arn:<AWS::Partition>:logs:[a-z0-9-]+:\d{12}:log-group:\/aws\/codebuild\/(<[A-Za-z0-9]+>:)?\*$/,
    reason: 'CodeBuild writes each build to a new log stream of the project\'s log group; the group is named after the project.',
  },
  {
    pattern: /^Resource::arn:<AWS::Partition>:codebuild:[a-z0-9-]+:\d{12}:report-group\/(<[A-Za-z0-9]+>-)?\*$/,
    reason: 'CodeBuild test report groups are named after the project at build time.',
  },
  {
    pattern: /^Resource::arn:\*:iam::\d{12}:role\/\*$/,
    reason: 'Self-mutation and asset publishing assume the CDK bootstrap roles (cdk-<qualifier>-*-role-<account>-<region>) of every Region the platform deploys to; the bootstrap roles\' trust limits who may.',
  },
  {
    pattern: /^Resource::\*$/,
    reason: 'CDK Pipelines\' asset and synth roles call APIs without resource-level permissions (e.g. ecr:GetAuthorizationToken, codebuild:*ReportGroup* listing).',
  },
  {
    pattern: /^Resource::arn:<AWS::Partition>:cloudformation:[a-z0-9-]+:\d{12}:stack\/[A-Za-z0-9-]+\/\*$/,
    reason: 'A stack\'s ARN ends in an id CloudFormation assigns at creation; the grant names the one stack the guard step reads.',
  },
];

function statementsOf(policy: iam.CfnPolicy): { actions: string[]; resources: string[] }[] {
  const document = Stack.of(policy).resolve(policy.policyDocument) as { Statement?: { Action?: unknown; Resource?: unknown }[] };
  return (document.Statement ?? []).map((statement) => ({
    actions: [statement.Action ?? []].flat().filter((action): action is string => typeof action === 'string'),
    resources: [statement.Resource ?? []].flat().map(flattenReference),
  }));
}

/** The IAM5 finding ids of a policy: one per wildcard action and per wildcard resource. */
export function wildcardFindings(policy: iam.CfnPolicy): string[] {
  const findings = new Set<string>();
  for (const statement of statementsOf(policy)) {
    statement.actions.filter((action) => action.includes('*')).forEach((action) => findings.add(`Action::${action}`));
    statement.resources.filter((resource) => resource.includes('*')).forEach((resource) => findings.add(`Resource::${resource}`));
  }
  return [...findings];
}

class AcknowledgePipelineWildcards implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) {
      return;
    }
    const acknowledgements = wildcardFindings(node).map((finding) => {
      const known = WILDCARD_REASONS.find((entry) => entry.pattern.test(finding));
      if (known === undefined) {
        throw new Error(`${node.node.path}: wildcard ${finding} is not one of the pipeline's known kinds (lib/pipeline/nag.ts)`);
      }
      return { id: `AwsSolutions-IAM5[${finding}]`, reason: known.reason };
    });
    if (acknowledgements.length > 0) {
      Validations.of(node).acknowledge(...acknowledgements);
    }
  }
}

/** Acknowledges the known wildcard kinds on every policy under `scope` (the pipeline stack and its support stacks). */
export function acknowledgePipelineWildcards(scope: IConstruct): void {
  Aspects.of(scope).add(new AcknowledgePipelineWildcards());
}

/** Buckets CDK Pipelines creates (artifacts, cross-Region replication) log no access: acknowledge S1 on exactly those. */
export function acknowledgeArtifactBucketLogging(bucket: CfnResource | IConstruct): void {
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'Pipeline artifact buckets hold build outputs for a few executions, written and read only by the pipeline\'s roles (visible in CloudTrail); an access-log bucket per Region would log only the pipeline itself.',
  });
}
