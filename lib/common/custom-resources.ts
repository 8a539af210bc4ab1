import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Construct id of the stack-wide Lambda behind every `AwsCustomResource`. */
const AWS_CUSTOM_RESOURCE_PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/**
 * The provider Lambda of `AwsCustomResource` runs with the AWS Lambda basic execution managed
 * policy (its own logs); the calls it makes are granted separately, per resource. Acknowledge
 * exactly that finding on exactly that role.
 */
export function acknowledgeCustomResourceProviderRole(scope: IConstruct): void {
  const provider = Stack.of(scope).node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
  const role = provider?.node.tryFindChild('ServiceRole');
  if (role === undefined) {
    throw new Error('acknowledgeCustomResourceProviderRole called before any AwsCustomResource was created');
  }
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'Deploy-time custom resource provider: the managed policy only lets it write its own logs; its API calls are granted per resource.',
  });
}
