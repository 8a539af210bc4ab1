/**
 * Network access of the runbook: the comparison task's security group (HTTPS to AWS APIs and
 * each database port, nothing else) and the security group of the temporary clusters, which
 * admits only the task. The members admit the task themselves (`member.allowFrom(reconcile)`).
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { RestoreAndReconcileProps } from './props';

export interface ReconcileNetwork {
  readonly taskSecurityGroup: ec2.SecurityGroup;
  readonly temporaryClusterSecurityGroup: ec2.SecurityGroup;
}

export function reconcileNetwork(scope: Construct, props: RestoreAndReconcileProps): ReconcileNetwork {
  const taskSecurityGroup = new ec2.SecurityGroup(scope, 'TaskSecurityGroup', {
    vpc: props.vpc,
    description: 'Restore-and-reconcile comparison task: the databases and HTTPS to AWS APIs only',
    allowAllOutbound: false,
  });
  // Secrets Manager, S3, ECR and CloudWatch Logs, through the VPC endpoints or the NAT.
  taskSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs');
  const temporaryClusterSecurityGroup = new ec2.SecurityGroup(scope, 'TemporaryClusterSecurityGroup', {
    vpc: props.vpc,
    description: 'Temporary restored clusters of restore-and-reconcile: the comparison task only',
    allowAllOutbound: false,
  });
  for (const db of props.databases) {
    temporaryClusterSecurityGroup.connections.allowFrom(taskSecurityGroup, ec2.Port.tcp(db.port), `${db.name} temporary cluster from the comparison task`);
    // The member admits the task itself (member.allowFrom); this is the task's side.
    taskSecurityGroup.addEgressRule(db.securityGroup, ec2.Port.tcp(db.port), `${db.name} new primary (this Region's member)`);
  }
  return { taskSecurityGroup, temporaryClusterSecurityGroup };
}
