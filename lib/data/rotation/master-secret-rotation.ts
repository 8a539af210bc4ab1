import * as path from 'path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { platformFunction } from '../../common/node-function';

export interface MasterSecretRotationProps {
  /** The master secret (created in another stack of this Region; its replicas follow the rotation). */
  readonly secret: secretsmanager.ISecret;
  readonly engine: 'aurora-mysql' | 'aurora-postgresql';
  readonly vpc: ec2.IVpc;
  /** Subnets whose routes reach the database (also across peering) and the Secrets Manager endpoint. */
  readonly subnets: ec2.SubnetSelection;
  readonly logKey: kms.IKey;
  /** One of the values CloudWatch Logs accepts (logs.RetentionDays). */
  readonly logRetentionDays: number;
  /** @default 30 */
  readonly rotationDays?: number;
}

/** Bundle the Lambda Node.js runtimes ship with all Amazon CAs, RDS included (see README.md here). */
export const LAMBDA_RUNTIME_CA_BUNDLE = '/var/runtime/ca-cert.pem';

const SECRET_ENGINE = { 'aurora-mysql': 'mysql', 'aurora-postgresql': 'postgres' } as const;

const RETENTION_DAYS = new Set<number>(Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number'));

/**
 * Single-user rotation of an Aurora global database's master secret by our own Lambda function
 * (Aurora-managed master passwords are not available for global databases). The function runs in
 * the VPC and reaches the writer through the secret's `host`, the global writer endpoint.
 *
 * Database access: the database admits this construct (it is an `ec2.IConnectable`), for example
 * `member.allowFrom(rotation, 'master secret rotation')`, or call `allowConnectionTo`.
 */
export class MasterSecretRotation extends Construct implements ec2.IConnectable {
  /** The function's security group; all egress is allowed (database, Secrets Manager endpoint). */
  readonly securityGroup: ec2.SecurityGroup;
  readonly connections: ec2.Connections;
  readonly rotationFunction: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly schedule: secretsmanager.RotationSchedule;

  constructor(scope: Construct, id: string, props: MasterSecretRotationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const rotationDays = props.rotationDays ?? 30;
    if (!Number.isInteger(rotationDays) || rotationDays < 1 || rotationDays > 1000) {
      throw new Error(`rotationDays must be an integer from 1 to 1000, got ${rotationDays}`);
    }
    if (!RETENTION_DAYS.has(props.logRetentionDays)) {
      throw new Error(`logRetentionDays ${props.logRetentionDays} is not a retention CloudWatch Logs accepts`);
    }
    // A partial ARN (secret imported by name) can only be matched with the random-suffix wildcard.
    const secretArn = props.secret.secretFullArn ?? `${props.secret.secretArn}-??????`;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Master secret rotation function (egress to the database and the Secrets Manager endpoint)',
      allowAllOutbound: true,
    });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: props.logKey,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    // No AWS managed policies (AwsSolutions-IAM4): every permission is spelled out below.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Execution role of the master secret rotation function',
    });

    const secretPolicy = new iam.Policy(this, 'SecretAccessPolicy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'RotateTheSecret',
          actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
          resources: [secretArn],
        }),
        new iam.PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
        ...(props.secret.encryptionKey !== undefined
          ? [
              new iam.PolicyStatement({
                sid: 'UseTheSecretKeyThroughSecretsManager',
                actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
                resources: [props.secret.encryptionKey.keyArn],
                conditions: {
                  StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` },
                  StringLike: { 'kms:EncryptionContext:SecretARN': secretArn },
                },
              }),
            ]
          : []),
      ],
    });

    const passwordPolicy = new iam.Policy(this, 'PasswordGenerationPolicy', {
      roles: [this.role],
      statements: [new iam.PolicyStatement({ sid: 'GenerateRandomPasswords', actions: ['secretsmanager:GetRandomPassword'], resources: ['*'] })],
    });
    Validations.of(passwordPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'secretsmanager:GetRandomPassword has no resource-level permissions; it only returns random characters.',
    });

    // Lambda checks these permissions when it creates a VPC function, by policy simulation without
    // resource context: resource-scoped grants fail that check, so they take "*" as AWS documents.
    const networkPolicy = new iam.Policy(this, 'NetworkInterfacePolicy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'VpcFunctionNetworkInterfaces',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      ],
    });
    Validations.of(networkPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'The ENI actions of a VPC Lambda function: Lambda verifies them at function creation without resource context, so they cannot be scoped; the function can only use its own subnets and security group.',
    });

    this.rotationFunction = platformFunction(this, 'Function', {
      description: `Rotates the ${props.engine} master secret (single user)`,
      entry: path.join(__dirname, 'runtime', 'index.ts'),
      timeout: Duration.seconds(60),
      role: this.role,
      vpc: { vpc: props.vpc, subnets: props.subnets, securityGroups: [this.securityGroup] },
      logGroup: this.logGroup,
      environment: {
        DATABASE_ENGINE: SECRET_ENGINE[props.engine],
        // Node.js 20+ Lambda runtimes no longer load the Amazon CAs by default; the database
        // certificates chain to the RDS CAs in this bundle (TLS is verified, never downgraded).
        NODE_EXTRA_CA_CERTS: LAMBDA_RUNTIME_CA_BUNDLE,
      },
      // pg's optional native binding is not used.
      externalModules: ['pg-native'],
    });
    // Lambda checks the ENI permissions when it creates the function.
    this.rotationFunction.node.addDependency(networkPolicy, secretPolicy);

    // Scoped to this account and this secret; the function rotates nothing else.
    const permissionId = 'InvokedBySecretsManager';
    this.rotationFunction.addPermission(permissionId, {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      sourceAccount: stack.account,
      sourceArn: secretArn,
    });

    // RotationSchedule grants broad permissions of its own (kms:GenerateDataKey*, kms:ReEncrypt*,
    // an unconditioned invoke permission) when handed a function it can modify; handing it a
    // reference keeps the exact grants above as the only ones.
    const scheduledFunction = lambda.Function.fromFunctionAttributes(this, 'ScheduledFunction', {
      functionArn: this.rotationFunction.functionArn,
      sameEnvironment: true,
      skipPermissions: true,
    });
    this.schedule = new secretsmanager.RotationSchedule(this, 'Schedule', {
      secret: props.secret,
      rotationLambda: scheduledFunction,
      automaticallyAfter: Duration.days(rotationDays),
    });
    // Secrets Manager invokes the function as soon as the schedule exists.
    this.schedule.node.addDependency(this.rotationFunction.node.findChild(permissionId), secretPolicy, passwordPolicy, networkPolicy);
  }

  /** Lets the function reach `database` on `port` (an ingress rule on the database's security groups). */
  allowConnectionTo(database: ec2.IConnectable, port: ec2.Port): void {
    database.connections.allowFrom(this.securityGroup, port, 'Master secret rotation function');
  }
}
