import type { RuntimeConfig } from '../../../lib/reconcile/runtime/config';

/** Shared runtime fixtures: the new primary runs in WEST, the old primary was EAST. */
export const ACCOUNT = '123456789012';
export const EAST = 'us-east-1';
export const WEST = 'us-west-2';
export const EXECUTION = '0f7c2c3e-1111-4222-8333-944455556666';
export const OTHER_EXECUTION = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
export const DATA_KEY = `arn:aws:kms:${WEST}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;

export const memberArn = (db: string, region: string): string => `arn:aws:rds:${region}:${ACCOUNT}:cluster:retail-${db}-${region}`;

export const CONFIG: RuntimeConfig = {
  appName: 'retail',
  regions: [EAST, WEST],
  dataKeyArn: DATA_KEY,
  bucketName: 'retail-reports',
  topicArn: `arn:aws:sns:${WEST}:${ACCOUNT}:retail-notifications`,
  cleanupTimeoutMinutes: 60,
  clone: { subnetGroupName: 'retail-reconcile', securityGroupId: 'sg-temporary', instanceClass: 'db.serverless', minCapacity: 2, maxCapacity: 32, timeoutMinutes: 480 },
  databases: {
    catalog: { engine: 'aurora-mysql', globalClusterIdentifier: 'retail-catalog', memberClusterArns: { [EAST]: memberArn('catalog', EAST), [WEST]: memberArn('catalog', WEST) } },
    orders: { engine: 'aurora-postgresql', globalClusterIdentifier: 'retail-orders', memberClusterArns: { [EAST]: memberArn('orders', EAST), [WEST]: memberArn('orders', WEST) }, port: 5433 },
  },
};
