import { RemovalPolicy, type Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { bundle } from './bundle';

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

/** The runtime every platform function uses (cdk-nag AwsSolutions-L1: the newest Node.js). */
export const PLATFORM_FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * Every Lambda function of the platform: the newest Node.js runtime, ARM64, bundled in-process by
 * esbuild once per content (lib/common/bundle.ts) with the AWS SDK inside, so the deployed SDK is
 * the version the tests ran against rather than whatever the runtime ships.
 */
export function platformFunction(scope: Construct, id: string, props: PlatformFunctionProps): lambda.Function {
  const code = bundle({
    entry: props.entry,
    outputFile: 'index.js',
    target: 'node24',
    sourceMap: true,
    external: props.externalModules ?? [],
  });
  return new lambda.Function(scope, id, {
    description: props.description,
    code: lambda.Code.fromAsset(code.directory),
    handler: 'index.handler',
    runtime: PLATFORM_FUNCTION_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout,
    role: props.role,
    logGroup: props.logGroup,
    ...(props.vpc !== undefined
      ? { vpc: props.vpc.vpc, vpcSubnets: props.vpc.subnets, securityGroups: props.vpc.securityGroups }
      : {}),
    environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
  });
}

export interface FunctionLogsAndRoleProps {
  /** The key the log group is encrypted with. */
  readonly logKey: kms.IKey;
  readonly logRetentionDays: number;
  /** What the function does, as the role's description. */
  readonly roleDescription: string;
}

/**
 * The log group (encrypted, with a retention, kept on update and delete) and the bare Lambda role a
 * platform function starts from, as `Logs` and `Role` in `scope` (the ids every caller had before,
 * so no logical id changes). The caller grants the role exactly what the function uses.
 */
export function functionLogsAndRole(scope: Construct, props: FunctionLogsAndRoleProps): { readonly logGroup: logs.LogGroup; readonly role: iam.Role } {
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    encryptionKey: props.logKey,
    retention: props.logRetentionDays as logs.RetentionDays,
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription,
  });
  return { logGroup, role };
}
