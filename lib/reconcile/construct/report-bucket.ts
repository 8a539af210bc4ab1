/**
 * The report bucket: versioned, KMS-encrypted with the Region's data key, TLS-only, private,
 * retained; its server access logs go to the Region's access-log bucket.
 */
import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { logServerAccess } from '../../common/access-logs';
import type { RestoreAndReconcileProps } from './props';

export function reportBucket(scope: Construct, props: RestoreAndReconcileProps): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'ReportBucket', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: props.dataKey,
    bucketKeyEnabled: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    lifecycleRules: [
      { noncurrentVersionExpiration: Duration.days(props.reportNoncurrentVersionDays ?? 90) },
      // Parts of a multipart upload the task could not complete.
      { abortIncompleteMultipartUploadAfter: Duration.days(7) },
    ],
  });
  logServerAccess(bucket, props.serverAccessLogs, 's3/report-bucket');
  new CfnOutput(scope, 'ReportBucketName', {
    value: bucket.bucketName,
    description: 'Restore-and-reconcile reports: s3://<bucket>/reports/<database>/<execution id>/',
  });
  return bucket;
}
