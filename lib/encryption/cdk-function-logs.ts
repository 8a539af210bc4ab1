import { CfnResource, CustomResourceProviderBase, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';

export interface CdkFunctionLogsProps {
  /**
   * A key of the same stack whose policy admits CloudWatch Logs (`RegionalKey` with
   * `allowCloudWatchLogs`), or a function creating one: called only if the stack has such a
   * function, so stacks without one get no key.
   */
  readonly key: kms.IKey | (() => kms.IKey);
  readonly retentionDays: number;
}

const LOG_GROUP_ID = 'EncryptedLogs';

/** A Lambda function that would log to the group Lambda creates on first use (no retention, no key). */
function functionWithoutLogGroup(node: IConstruct): CfnResource | undefined {
  if (node instanceof lambda.CfnFunction) {
    return node.loggingConfig === undefined ? node : undefined;
  }
  // The handlers of the CDK's own custom-resource providers are plain CfnResources; this CDK
  // version never gives them a LoggingConfig.
  if (node instanceof CfnResource && node.cfnResourceType === 'AWS::Lambda::Function' && node.node.scope instanceof CustomResourceProviderBase) {
    return node;
  }
  return undefined;
}

/**
 * Gives every Lambda function of `stack` that has no log group of its own (the CDK's
 * custom-resource providers: cross-Region references, the default security group restriction,
 * `AwsCustomResource`) a log group with a retention, encrypted with `key`, retained like every
 * other log group of the platform.
 *
 * Runs as a validation of the stack rather than an Aspect: the cross-Region reference providers
 * are created while references are resolved, after Aspects ran and before validation. Adding
 * resources there is safe: templates are rendered after validation.
 */
export function encryptCdkFunctionLogs(stack: Stack, props: CdkFunctionLogsProps): void {
  let key: kms.IKey | undefined;
  const stackKey = (): kms.IKey => {
    key ??= typeof props.key === 'function' ? props.key() : props.key;
    // References are resolved before validation: a key of another stack would stay unresolved.
    if (Stack.of(key) !== stack) {
      throw new Error(`encryptCdkFunctionLogs(${stack.stackName}): the key must belong to the same stack, got one of ${Stack.of(key).stackName}`);
    }
    return key;
  };
  stack.node.addValidation({
    validate: () => {
      for (const node of stack.node.findAll()) {
        const fn = functionWithoutLogGroup(node);
        if (fn === undefined) continue;
        const scope = fn.node.scope;
        if (scope === undefined || scope.node.tryFindChild(LOG_GROUP_ID) !== undefined) continue;
        const logGroup = new logs.LogGroup(scope, LOG_GROUP_ID, {
          retention: props.retentionDays as logs.RetentionDays,
          encryptionKey: stackKey(),
          removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        });
        fn.addPropertyOverride('LoggingConfig.LogGroup', logGroup.logGroupName);
      }
      return [];
    },
  });
}
