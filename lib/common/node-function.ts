import type { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface PlatformFunctionProps {
  readonly description: string;
  /** The TypeScript file exporting `handler`. */
  readonly entry: string;
  readonly timeout: Duration;
  /** A role the caller grants exactly what the function uses (no managed policies). */
  readonly role: iam.IRole;
  /** The function's own log group (encrypted, with a retention), created by the caller. */
  readonly logGroup: logs.ILogGroup;
  readonly environment?: Readonly<Record<string, string>>;
  readonly memorySize?: number;
  readonly vpc?: { readonly vpc: ec2.IVpc; readonly subnets: ec2.SubnetSelection; readonly securityGroups: ec2.ISecurityGroup[] };
  /** Modules esbuild must leave out (optional native bindings). */
  readonly externalModules?: readonly string[];
}

/**
 * Every Lambda function of the platform: the newest Node.js runtime (cdk-nag AwsSolutions-L1),
 * ARM64, bundled locally by esbuild (no Docker) with the AWS SDK inside, so the deployed SDK is
 * the version the tests ran against rather than whatever the runtime ships.
 */
export function platformFunction(scope: Construct, id: string, props: PlatformFunctionProps): NodejsFunction {
  return new NodejsFunction(scope, id, {
    description: props.description,
    entry: props.entry,
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout,
    role: props.role,
    logGroup: props.logGroup,
    ...(props.vpc !== undefined
      ? { vpc: props.vpc.vpc, vpcSubnets: props.vpc.subnets, securityGroups: props.vpc.securityGroups }
      : {}),
    environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    bundling: {
      minify: true,
      sourceMap: true,
      target: 'node24',
      bundleAwsSDK: true,
      forceDockerBundling: false,
      ...(props.externalModules !== undefined ? { externalModules: [...props.externalModules] } : {}),
    },
  });
}
