/**
 * The document and who runs it: the Automation role, its policy (scoped to the temporary
 * resources' names, the task definitions and the runbook's functions) and the
 * `${appName}-RestoreAndReconcile` document (content: restore-document.ts).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { wildcardResourceFinding } from '../../observability/nag';
import { restoreAndReconcileDocument, type ReconcileDocument } from '../restore-document';
import { subnetGroupName, temporaryName } from '../runtime/names';
import type { ComparisonTask } from './comparison-task';
import type { ReconcileNetwork } from './network';
import type { RestoreAndReconcileProps } from './props';
import { describeTemporary, type RestoreAndReconcileFunctions } from './runbook-functions';
import { grantTopicKey, managedSecretStatements, publishStatement, type TemporaryArns } from './shared';

export interface RunbookDocument {
  readonly role: iam.Role;
  readonly document: ssm.CfnDocument;
  readonly content: ReconcileDocument;
}

export interface RunbookDocumentOptions {
  readonly props: RestoreAndReconcileProps;
  readonly documentName: string;
  readonly arns: TemporaryArns;
  readonly network: ReconcileNetwork;
  readonly subnetGroup: rds.CfnDBSubnetGroup;
  readonly task: ComparisonTask;
  readonly functions: RestoreAndReconcileFunctions;
  readonly timeouts: { readonly copyMinutes: number; readonly restoreMinutes: number; readonly comparisonMinutes: number };
}

export function runbookDocument(scope: Construct, options: RunbookDocumentOptions): RunbookDocument {
  const { props, arns, task, functions } = options;
  const stack = Stack.of(scope);
  const region = stack.region;
  const app = props.appName;
  const temporary = (db: string): string => temporaryName(app, db);
  const role = new iam.Role(scope, 'AutomationRole', {
    description: `${app} restore-and-reconcile: SSM Automation execution role`,
    assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'ssm', resource: 'automation-execution', resourceName: '*' }) },
      },
    }),
  });
  const definitions = Object.values(task.taskDefinitions) as ecs.FargateTaskDefinition[];
  const taskArns = stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${task.cluster.clusterName}/*` });
  const policy = new iam.Policy(scope, 'AutomationPolicy', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({ sid: 'InvokeRunbookFunctions', actions: ['lambda:InvokeFunction'], resources: [functions.find, functions.copy, functions.cleanup, functions.report, functions.clone].map((fn) => fn.functionArn) }),
      describeTemporary(arns),
      new iam.PolicyStatement({
        sid: 'RestoreTemporaryCluster',
        actions: ['rds:RestoreDBClusterFromSnapshot'],
        resources: [...arns.clusters, ...arns.snapshots, arns.rds('subgrp', subnetGroupName(app)), ...props.databases.map((db) => arns.rds('cluster-pg', temporary(db.name)))],
      }),
      new iam.PolicyStatement({
        sid: 'CreateTemporaryInstance',
        actions: ['rds:CreateDBInstance'],
        resources: [...arns.instances, ...arns.clusters, ...props.databases.map((db) => arns.rds('pg', temporary(db.name)))],
      }),
      new iam.PolicyStatement({ sid: 'TagTemporaryResources', actions: ['rds:AddTagsToResource'], resources: [...arns.clusters, ...arns.instances] }),
      new iam.PolicyStatement({ sid: 'ManageTemporaryPassword', actions: ['rds:ModifyDBCluster'], resources: arns.clusters }),
      ...managedSecretStatements(arns, props.dataKey.keyArn, region),
      new iam.PolicyStatement({
        sid: 'RunComparisonTask',
        actions: ['ecs:RunTask'],
        resources: definitions.map((definition) => definition.taskDefinitionArn),
        conditions: { ArnEquals: { 'ecs:cluster': task.cluster.clusterArn } },
      }),
      new iam.PolicyStatement({
        sid: 'WatchAndStopComparisonTask',
        actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
        resources: [taskArns],
        conditions: { ArnEquals: { 'ecs:cluster': task.cluster.clusterArn } },
      }),
      new iam.PolicyStatement({
        sid: 'PassTaskRoles',
        actions: ['iam:PassRole'],
        resources: [...task.taskRoles.map((r) => r.roleArn), task.executionRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    ],
  });
  if (props.notificationTopic !== undefined) {
    policy.addStatements(publishStatement(props.notificationTopic));
    grantTopicKey(role, props.notificationTopic, region);
  }
  Validations.of(policy).acknowledge(
    {
      id: wildcardResourceFinding(policy, arns.managedSecret),
      reason: 'RDS creates the temporary cluster\'s managed secret (ManageMasterUserPassword) under a generated name rds!cluster-<random>; nothing else is allowed on other secrets.',
    },
    {
      id: wildcardResourceFinding(policy, taskArns),
      reason: 'Task ids are known only once RunTask started the task; DescribeTasks and StopTask (timeout, failure, cancel) are limited to this cluster (ecs:cluster).',
    },
  );

  const content = restoreAndReconcileDocument({
    appName: app,
    regions: props.regions,
    databases: props.databases.map((db) => db.name),
    executionRoleArn: role.roleArn,
    functions: {
      find: functions.find.functionName,
      copy: functions.copy.functionName,
      cleanup: functions.cleanup.functionName,
      report: functions.report.functionName,
      clone: functions.clone.functionName,
    },
    subnetGroupName: options.subnetGroup.ref,
    clusterSecurityGroupId: options.network.temporaryClusterSecurityGroup.securityGroupId,
    kmsKeyArn: props.dataKey.keyArn,
    instanceClass: props.temporaryInstanceClass ?? 'db.serverless',
    serverlessCapacity: props.serverlessCapacity ?? { min: 2, max: 32 },
    ecsClusterArn: task.cluster.clusterArn,
    taskSubnetIds: props.vpc.selectSubnets(props.applicationSubnets).subnetIds,
    taskSecurityGroupId: options.network.taskSecurityGroup.securityGroupId,
    ...(props.notificationTopic !== undefined ? { notificationTopicArn: props.notificationTopic.topicArn } : {}),
    timeouts: {
      copySeconds: options.timeouts.copyMinutes * 60,
      restoreSeconds: options.timeouts.restoreMinutes * 60,
      comparisonSeconds: options.timeouts.comparisonMinutes * 60,
    },
  });
  const document = new ssm.CfnDocument(scope, 'Document', {
    name: options.documentName,
    documentType: 'Automation',
    documentFormat: 'JSON',
    content,
    // Fixed name: updates must create a new version instead of replacing the document.
    updateMethod: 'NewVersion',
  });
  // The document names resources these create; IAM must be in place before a run.
  document.node.addDependency(policy, options.subnetGroup);
  return { role, document, content };
}
