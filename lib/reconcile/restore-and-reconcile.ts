import { Stack, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { runbookNames, type DatabaseName } from '../topology/topology';
import { runbookDocument } from './construct/automation';
import { comparisonTask } from './construct/comparison-task';
import { reconcileNetwork } from './construct/network';
import type { RestoreAndReconcileProps } from './construct/props';
import { reportBucket } from './construct/report-bucket';
import { runbookFunctions, type RestoreAndReconcileFunctions } from './construct/runbook-functions';
import { temporaryArns } from './construct/shared';
import { temporaryClusterSettings } from './construct/temporary-clusters';
import type { ReconcileDocument } from './restore-document';
import { MAX_TEMPORARY_NAME_LENGTH, temporaryClusterNames } from './runtime/names';

export type { RestoreAndReconcileDatabase, RestoreAndReconcileProps } from './construct/props';
export type { RestoreAndReconcileFunctions } from './construct/runbook-functions';

const DOCUMENT_NAME_PATTERN = /^[a-zA-Z0-9_.-]{3,128}$/;
const RETENTION_DAYS = new Set<number>(Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number'));

/**
 * The restore-and-reconcile runbook of ONE Region (instantiate it in every regional stack;
 * start it in the Region that is primary after an unplanned failover). Its parts, each in
 * its own file under `construct/` (all created in this construct's scope, so logical IDs do
 * not depend on the split):
 *
 * - network access (`network.ts`): the task's and the temporary clusters' security groups;
 * - temporary clusters (`temporary-clusters.ts`): their subnet group and TLS-only parameter groups;
 * - report bucket (`report-bucket.ts`);
 * - comparison task (`comparison-task.ts`): ECS cluster, task definitions, roles, logs;
 * - runbook functions (`runbook-functions.ts`): discovery, clone of the new primary, copy, cleanup, report;
 * - document (`automation.ts`): the Automation role and the `${appName}-RestoreAndReconcile` document.
 *
 * The construct is an `ec2.IConnectable` for the comparison task: admit it on each local
 * database member with `member.allowFrom(reconcile, 'restore-and-reconcile task')`.
 */
export class RestoreAndReconcile extends Construct implements ec2.IConnectable {
  readonly connections: ec2.Connections;
  readonly taskSecurityGroup: ec2.SecurityGroup;
  readonly temporaryClusterSecurityGroup: ec2.SecurityGroup;
  readonly reportBucket: s3.Bucket;
  readonly cluster: ecs.Cluster;
  readonly taskDefinitions: Readonly<Partial<Record<DatabaseName, ecs.FargateTaskDefinition>>>;
  readonly taskLogGroup: logs.LogGroup;
  readonly executionRole: iam.Role;
  readonly functions: RestoreAndReconcileFunctions;
  readonly document: ssm.CfnDocument;
  readonly documentName: string;
  readonly documentContent: ReconcileDocument;

  constructor(scope: Construct, id: string, props: RestoreAndReconcileProps) {
    super(scope, id);
    this.documentName = props.documentName ?? runbookNames(props.appName).reconcile;
    validate(this, props, this.documentName);
    const retention = props.logRetentionDays as logs.RetentionDays;
    const timeouts = {
      copyMinutes: props.timeouts?.copyMinutes ?? 240,
      restoreMinutes: props.timeouts?.restoreMinutes ?? 120,
      comparisonMinutes: props.timeouts?.comparisonMinutes ?? 360,
      cleanupMinutes: props.timeouts?.cleanupMinutes ?? 60,
    };
    const arns = temporaryArns(Stack.of(this), props.appName, props.databases.map((db) => db.name));

    const network = reconcileNetwork(this, props);
    this.taskSecurityGroup = network.taskSecurityGroup;
    this.temporaryClusterSecurityGroup = network.temporaryClusterSecurityGroup;
    this.connections = network.taskSecurityGroup.connections;
    const { subnetGroup } = temporaryClusterSettings(this, props);
    this.reportBucket = reportBucket(this, props);

    const task = comparisonTask(this, { props, retention, bucket: this.reportBucket, arns, taskSecurityGroup: network.taskSecurityGroup });
    this.cluster = task.cluster;
    this.taskLogGroup = task.logGroup;
    this.executionRole = task.executionRole;
    this.taskDefinitions = task.taskDefinitions;

    const capacity = props.serverlessCapacity ?? { min: 2, max: 32 };
    this.functions = runbookFunctions(this, {
      props,
      retention,
      arns,
      bucket: this.reportBucket,
      taskLogGroup: task.logGroup,
      cleanupMinutes: timeouts.cleanupMinutes,
      clone: {
        subnetGroupName: subnetGroup.ref,
        securityGroupId: network.temporaryClusterSecurityGroup.securityGroupId,
        instanceClass: props.temporaryInstanceClass ?? 'db.serverless',
        minCapacity: capacity.min,
        maxCapacity: capacity.max,
        // The clone is started before the copy: it may wait for the copy, the restore and its own creation.
        timeoutMinutes: timeouts.copyMinutes + 2 * timeouts.restoreMinutes,
      },
    });

    const runbook = runbookDocument(this, { props, documentName: this.documentName, arns, network, subnetGroup, task, functions: this.functions, timeouts });
    this.document = runbook.document;
    this.documentContent = runbook.content;
  }
}

function validate(scope: Construct, props: RestoreAndReconcileProps, documentName: string): void {
  const errors: string[] = [];
  const region = Stack.of(scope).region;
  if (!/^[a-z][a-z0-9-]*$/.test(props.appName)) errors.push(`appName "${props.appName}" must be lower-case letters, digits and hyphens (RDS stores identifiers in lower case; IAM matches them as written)`);
  if (props.regions.length === 0) errors.push('regions must not be empty');
  if (!Token.isUnresolved(region) && !props.regions.includes(region)) errors.push(`the stack Region ${region} is not one of regions (${props.regions.join(', ')})`);
  if (!DOCUMENT_NAME_PATTERN.test(documentName) || /^(aws|amazon|amzn)/i.test(documentName)) {
    errors.push(`document name "${documentName}" must be 3-128 letters, digits, _ . - and not start with aws, amazon or amzn`);
  }
  if (!RETENTION_DAYS.has(props.logRetentionDays)) errors.push(`logRetentionDays ${props.logRetentionDays} is not a retention CloudWatch Logs accepts`);
  if (props.databases.length === 0) errors.push('databases must not be empty');
  const seen = new Set<string>();
  for (const db of props.databases) {
    if (seen.has(db.name)) errors.push(`database ${db.name} is listed twice`);
    seen.add(db.name);
    for (const name of temporaryClusterNames(props.appName, db.name)) {
      if (name.length > MAX_TEMPORARY_NAME_LENGTH) errors.push(`temporary name ${name} exceeds ${MAX_TEMPORARY_NAME_LENGTH} characters`);
    }
    if (!db.parameterGroupFamily.startsWith(db.engine)) errors.push(`database ${db.name}: parameter group family ${db.parameterGroupFamily} does not match engine ${db.engine}`);
    if (!Number.isInteger(db.port) || db.port < 1150 || db.port > 65535) errors.push(`database ${db.name}: port ${db.port} is not a valid Aurora port`);
    for (const r of props.regions) {
      if (db.memberClusterArnByRegion[r] === undefined) errors.push(`database ${db.name} has no member cluster ARN for ${r}`);
    }
  }
  const capacity = props.serverlessCapacity ?? { min: 2, max: 32 };
  if (!(capacity.min >= 0 && capacity.max >= capacity.min && capacity.max <= 256)) errors.push('serverlessCapacity must satisfy 0 <= min <= max <= 256');
  const storage = props.task?.ephemeralStorageGiB ?? 50;
  if (!Number.isInteger(storage) || storage < 21 || storage > 200) errors.push('task.ephemeralStorageGiB must be an integer from 21 to 200');
  for (const [key, value] of Object.entries(props.timeouts ?? {})) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) errors.push(`timeouts.${key} must be a positive integer`);
  }
  if (errors.length > 0) throw new Error(`RestoreAndReconcile: ${errors.join('; ')}`);
}
