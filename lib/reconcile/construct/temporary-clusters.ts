/**
 * What the temporary clusters are created with: one DB subnet group (data subnets) and, per
 * database, TLS-only cluster and instance parameter groups, named like the clusters
 * (runtime/names.ts). The clusters themselves are created and deleted by the document.
 */
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { subnetGroupName, temporaryName } from '../runtime/names';
import type { RestoreAndReconcileProps } from './props';
import { pascal } from './shared';

export interface TemporaryClusterSettings {
  readonly subnetGroup: rds.CfnDBSubnetGroup;
}

export function temporaryClusterSettings(scope: Construct, props: RestoreAndReconcileProps): TemporaryClusterSettings {
  const subnetGroup = new rds.CfnDBSubnetGroup(scope, 'TemporaryClusterSubnets', {
    dbSubnetGroupName: subnetGroupName(props.appName),
    dbSubnetGroupDescription: 'Data subnets of the restore-and-reconcile temporary clusters',
    subnetIds: props.vpc.selectSubnets(props.dataSubnets).subnetIds,
  });
  for (const db of props.databases) {
    const name = temporaryName(props.appName, db.name);
    const tls = db.engine === 'aurora-mysql' ? { require_secure_transport: 'ON' } : { 'rds.force_ssl': '1' };
    new rds.CfnDBClusterParameterGroup(scope, `${pascal(db.name)}ClusterParameters`, {
      dbClusterParameterGroupName: name,
      description: `Temporary ${db.name} cluster of restore-and-reconcile: TLS only`,
      family: db.parameterGroupFamily,
      // The copy holds production data: no plaintext connection, whatever the original allowed.
      parameters: tls,
    });
    new rds.CfnDBParameterGroup(scope, `${pascal(db.name)}InstanceParameters`, {
      dbParameterGroupName: name,
      description: `Temporary ${db.name} instance of restore-and-reconcile`,
      family: db.parameterGroupFamily,
    });
  }
  return { subnetGroup };
}
