import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Sends `source`'s S3 server access logs to the Region's access-log bucket under `prefix`.
 * Written on the L1 with an explicit delivery statement: the same template whatever the
 * `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` flag of the app says (ACLs stay off), and
 * the statement admits only this source bucket of this account, only under its prefix.
 */
export function logServerAccess(source: s3.Bucket, destination: s3.IBucket, prefix: string): void {
  const logFilePrefix = `${prefix.replace(/\/+$/, '')}/`;
  (source.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: destination.bucketName, logFilePrefix };
  destination.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [destination.arnForObjects(`${logFilePrefix}*`)],
      conditions: { ArnLike: { 'aws:SourceArn': source.bucketArn }, StringEquals: { 'aws:SourceAccount': Stack.of(source).account } },
    }),
  );
}
