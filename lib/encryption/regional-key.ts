import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** The purpose of each Region's data key (databases, cache, secrets, backups). */
export const DATA_KEY_PURPOSE = 'data';

/** The alias every Region gives its key for `purpose`: the same name in every Region. */
export function regionalKeyAliasName(appName: string, purpose: string): string {
  return `alias/${appName}/${purpose}`;
}

/**
 * The ARN of `purpose`'s key alias in another Region of this account: how a stack names a
 * Region's key without a cross-Region reference (the key's stack must deploy first).
 */
export function regionalKeyAliasArn(scope: Construct, appName: string, purpose: string, region: string): string {
  return Stack.of(scope).formatArn({ service: 'kms', region, resource: regionalKeyAliasName(appName, purpose), arnFormat: ArnFormat.NO_RESOURCE_NAME });
}

export interface RegionalKeyProps {
  readonly appName: string;
  /** What the key protects, for its description and alias. */
  readonly purpose: string;
  /** Let CloudWatch Logs use the key for log groups in this account and Region. */
  readonly allowCloudWatchLogs?: boolean;
}

/**
 * A customer-managed KMS key for one Region. Keys are Regional, so every regional stack owns its
 * own; rotation is on and the key is retained when the stack is deleted (data encrypted with it
 * outlives the stack: snapshots, logs, the Region's database member).
 */
export class RegionalKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: RegionalKeyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: `${props.appName} ${props.purpose} (${stack.region})`,
      alias: regionalKeyAliasName(props.appName, props.purpose),
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Grants only for AWS resources: services (RDS, Secrets Manager, ElastiCache, Amazon MQ...)
    // create grants on a caller's behalf; nobody can hand a principal a grant directly.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GrantsOnlyForAwsResources',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'false' } },
      }),
    );
    if (props.allowCloudWatchLogs === true) {
      // Logs encrypts per log group; the encryption context pins the key to this account's log groups.
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchLogsOfThisAccount',
          principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
          actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
          resources: ['*'],
          conditions: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
            },
          },
        }),
      );
    }
  }
}
