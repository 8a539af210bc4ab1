import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { dockerfile, stageTaskImage } from '../../../lib/reconcile/restore-task-image';
import { ACCESS_LOG_BUCKET, ACCOUNT, APP, build, EAST, WEST, type Built } from './fixture';

type Json = Record<string, unknown>;

interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Json;
}

function resources(template: Template, type: string): [string, Json][] {
  return Object.entries(template.findResources(type)) as [string, Json][];
}

function statementsOf(template: Template): [string, PolicyStatementJson][] {
  const out: [string, PolicyStatementJson][] = [];
  for (const [id, resource] of resources(template, 'AWS::IAM::Policy')) {
    if (!id.startsWith('RestoreAndReconcile')) continue;
    const props = resource.Properties as { PolicyDocument: { Statement: PolicyStatementJson[] } };
    for (const statement of props.PolicyDocument.Statement) out.push([id, statement]);
  }
  return out;
}

const actionsOf = (statement: PolicyStatementJson): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

describe('RestoreAndReconcile construct', () => {
  let built: Built;
  let west: Template;
  let westStack: Stack;

  beforeAll(() => {
    built = build();
    westStack = built.stacks[1];
    west = Template.fromStack(westStack);
  });

  it('passes the cdk-nag AwsSolutions checks (acknowledgements are per finding, with reasons)', () => {
    const report = new AwsSolutionsChecks(built.app).validateScope(built.app);
    expect(report.violations).toEqual([]);
  });

  it('keeps reports in a KMS-encrypted, versioned, private, TLS-only, logged, retained bucket', () => {
    const [[id, bucket]] = resources(west, 'AWS::S3::Bucket').filter(([, r]) => JSON.stringify(r).includes('aws:kms'));
    expect(id).toMatch(/^RestoreAndReconcileReportBucket/);
    expect(bucket).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    west.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] } } },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: ACCESS_LOG_BUCKET, LogFilePrefix: 's3/report-bucket/' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 90 }, Status: 'Enabled' }),
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
        ]),
      },
    });
    west.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^RestoreAndReconcileReportBucket') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('runs the comparison on Fargate in a cluster with Container Insights, one task definition per database', () => {
    west.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enhanced' }] });
    for (const [db, engine, port] of [
      ['catalog', 'mysql', '3307'],
      ['orders', 'postgres', '5433'],
    ] as const) {
      west.hasResourceProperties('AWS::ECS::TaskDefinition', {
        Family: `${APP}-reconcile-${db}`,
        Cpu: '2048',
        Memory: '4096',
        EphemeralStorage: { SizeInGiB: 50 },
        RequiresCompatibilities: ['FARGATE'],
        RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
        Volumes: [{ Name: 'data' }],
        ContainerDefinitions: [
          Match.objectLike({
            Name: 'reconcile',
            Essential: true,
            ReadonlyRootFilesystem: true,
            MountPoints: [{ SourceVolume: 'data', ContainerPath: '/data', ReadOnly: false }],
            LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
            Environment: Match.arrayWith([
              { Name: 'ENGINE', Value: engine },
              { Name: 'NEW_SECRET_ARN', Value: `arn:aws:secretsmanager:${WEST}:${ACCOUNT}:secret:${APP}-${db}-master-AbCdEf` },
              { Name: 'NEW_PORT', Value: port },
              { Name: 'OLD_PORT', Value: port },
            ]),
          }),
        ],
      });
    }
    // No credential in any task definition: names and ARNs only.
    for (const [, definition] of resources(west, 'AWS::ECS::TaskDefinition')) {
      const text = JSON.stringify(definition);
      expect(text).not.toMatch(/password|PASSWORD|SecretString|resolve:secretsmanager/);
    }
  });

  it('encrypts every log group with the logs key and sets its retention', () => {
    const groups = resources(west, 'AWS::Logs::LogGroup').filter(([id]) => id.startsWith('RestoreAndReconcile'));
    expect(groups).toHaveLength(6);
    for (const [, group] of groups) {
      expect(group).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', Properties: { RetentionInDays: 30, KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] } } });
    }
  });

  it('runs the functions on Node.js 24, ARM64, each with its own log group and role', () => {
    const functions = resources(west, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('RestoreAndReconcile'));
    expect(functions.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'RestoreAndReconcileCleanup',
      'RestoreAndReconcileCloneNewPrimary',
      'RestoreAndReconcileCopySnapshot',
      'RestoreAndReconcileFindSnapshot',
      'RestoreAndReconcileReport',
    ]);
    const roles = new Set<string>();
    for (const [, fn] of functions) {
      const props = fn.Properties as { Runtime: string; Architectures: string[]; LoggingConfig: { LogGroup: { Ref: string } }; Role: { 'Fn::GetAtt': [string, string] } };
      expect(props.Runtime).toBe('nodejs24.x');
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.LoggingConfig.LogGroup.Ref).toMatch(/^RestoreAndReconcile.*Logs/);
      roles.add(props.Role['Fn::GetAtt'][0]);
    }
    expect(roles.size).toBe(5);
  });

  it('grants no wildcard action, and passes only the task roles to ECS', () => {
    const statements = statementsOf(west);
    for (const [id, statement] of statements) {
      for (const action of actionsOf(statement)) expect({ id, action, wildcard: action.includes('*') }).toEqual({ id, action, wildcard: false });
      expect(statement.Effect).toBe('Allow');
    }
    const passRole = statements.filter(([, s]) => actionsOf(s).includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
    const [, pass] = passRole[0];
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    const passed = (pass.Resource as { 'Fn::GetAtt': [string, string] }[]).map((r) => r['Fn::GetAtt'][0]).sort();
    expect(passed).toEqual([
      expect.stringMatching(/^RestoreAndReconcileCatalogTaskRole/),
      expect.stringMatching(/^RestoreAndReconcileOrdersTaskRole/),
      expect.stringMatching(/^RestoreAndReconcileTaskExecutionRole/),
    ]);
  });

  it('scopes the Automation role to the temporary resources, the task definitions and this cluster', () => {
    const automation = statementsOf(west).filter(([id]) => id.startsWith('RestoreAndReconcileAutomationPolicy')).map(([, s]) => s);
    const bySid = new Map(automation.map((s) => [s.Sid, s]));
    const arns = (s: PolicyStatementJson | undefined): string => JSON.stringify(Stack.of(westStack).resolve(s?.Resource));
    expect(arns(bySid.get('RestoreTemporaryCluster'))).toContain(`:rds:${WEST}:${ACCOUNT}:cluster:${APP}-reconcile-orders`);
    expect(arns(bySid.get('RestoreTemporaryCluster'))).toContain(`:subgrp:${APP}-reconcile`);
    expect(arns(bySid.get('RestoreTemporaryCluster'))).not.toContain(':cluster:*');
    expect(bySid.get('RunComparisonTask')?.Condition).toEqual({ ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/^RestoreAndReconcileCluster/), 'Arn'] } } });
    expect(arns(bySid.get('RunComparisonTask'))).toMatch(/RestoreAndReconcileCatalogTask.*RestoreAndReconcileOrdersTask/);
    expect(bySid.get('UseTheDataKeyThroughRdsAndSecretsManager')?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': [`rds.${WEST}.amazonaws.com`, `secretsmanager.${WEST}.amazonaws.com`] },
    });
    west.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('SSM Automation execution role'),
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'ssm.amazonaws.com' }, Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': ACCOUNT } }) })],
      },
    });
  });

  it('lets the clone function restore only from this Region\'s members, only to the clone/base names, with the temporary subnets and parameter groups', () => {
    const clone = statementsOf(west).filter(([id]) => id.startsWith('RestoreAndReconcileCloneNewPrimaryPolicy')).map(([, s]) => s);
    const bySid = new Map(clone.map((s) => [s.Sid, s]));
    const resolved = (sid: string): string => JSON.stringify(Stack.of(westStack).resolve(bySid.get(sid)?.Resource));
    expect(actionsOf(bySid.get('CloneNewPrimary') as PolicyStatementJson)).toEqual(['rds:RestoreDBClusterToPointInTime']);
    const restore = resolved('CloneNewPrimary');
    for (const name of ['orders-clone', 'orders-base', 'catalog-clone', 'catalog-base']) expect(restore).toContain(`:rds:${WEST}:${ACCOUNT}:cluster:${APP}-reconcile-${name}`);
    expect(restore).toContain(`:subgrp:${APP}-reconcile`);
    expect(restore).toContain(`:cluster-pg:${APP}-reconcile-orders`);
    // The source: this Region's members only (never the old primary's Region), and no wildcard cluster.
    expect(restore).toContain(WEST);
    expect(restore).not.toContain(':us-east-1:');
    expect(restore).not.toMatch(/:cluster:\*|:cluster:[^"]*-reconcile-orders"/);
    expect(resolved('ManageClonePassword')).not.toContain(`${APP}-reconcile-orders"`);
    expect(resolved('CreateCloneInstance')).toContain(`:db:${APP}-reconcile-orders-clone`);
    // Every action named, none with a wildcard (also checked for every statement above).
    for (const statement of clone) for (const action of actionsOf(statement)) expect(action).not.toContain('*');
    // The cleanup deletes the clone and the base too.
    const cleanup = new Map(statementsOf(west).filter(([id]) => id.startsWith('RestoreAndReconcileCleanupPolicy')).map(([, s]) => [s.Sid, s]));
    const deletes = JSON.stringify(Stack.of(westStack).resolve(cleanup.get('DeleteTemporaryCluster')?.Resource));
    expect(deletes).toContain(`:cluster:${APP}-reconcile-orders-clone`);
    expect(deletes).toContain(`:cluster:${APP}-reconcile-orders-base`);
    expect(JSON.stringify(Stack.of(westStack).resolve(cleanup.get('DeleteTemporaryInstance')?.Resource))).toContain(`:db:${APP}-reconcile-orders-base`);
    // The preflight and the cleanup can see them (leftovers are found by name).
    for (const fn of ['FindSnapshot', 'Cleanup']) {
      const describe = statementsOf(west).filter(([id]) => id.startsWith(`RestoreAndReconcile${fn}Policy`)).map(([, s]) => s).find((s) => s.Sid === 'DescribeTemporaryResources');
      const seen = JSON.stringify(Stack.of(westStack).resolve(describe?.Resource));
      expect([fn, seen.includes(`:cluster:${APP}-reconcile-orders-clone`), seen.includes(`:db:${APP}-reconcile-orders-base`)]).toEqual([fn, true, true]);
    }
    // The Automation role invokes it.
    const automation = new Map(statementsOf(west).filter(([id]) => id.startsWith('RestoreAndReconcileAutomationPolicy')).map(([, s]) => [s.Sid, s]));
    expect(JSON.stringify(automation.get('InvokeRunbookFunctions')?.Resource)).toContain('RestoreAndReconcileCloneNewPrimary');
  });

  it('lets each task read only its database\'s secret and its temporary cluster\'s managed secret, and write only its report prefix', () => {
    const orders = statementsOf(west).filter(([id]) => id.startsWith('RestoreAndReconcileOrdersTaskPolicy')).map(([, s]) => s);
    const sid = (name: string): PolicyStatementJson | undefined => orders.find((s) => s.Sid === name);
    expect(sid('ReadNewPrimaryCredentials')?.Resource).toBe(`arn:aws:secretsmanager:${WEST}:${ACCOUNT}:secret:${APP}-orders-master-AbCdEf`);
    expect(JSON.stringify(sid('ReadTemporaryClusterCredentials'))).toContain('rds!cluster-*');
    expect(JSON.stringify(sid('ReadTemporaryClusterCredentials')?.Condition)).toContain(`:rds:${WEST}:${ACCOUNT}:cluster:${APP}-reconcile-orders`);
    // ...and the managed secrets of the clone of the new primary and of the base, not another database's.
    expect(JSON.stringify(sid('ReadTemporaryClusterCredentials')?.Condition)).toContain(`:cluster:${APP}-reconcile-orders-clone`);
    expect(JSON.stringify(sid('ReadTemporaryClusterCredentials')?.Condition)).toContain(`:cluster:${APP}-reconcile-orders-base`);
    expect(JSON.stringify(sid('ReadTemporaryClusterCredentials')?.Condition)).not.toContain(`${APP}-reconcile-catalog`);
    expect(JSON.stringify(sid('WriteReport')?.Resource)).toContain('/reports/orders/*');
    expect(actionsOf(sid('WriteReport') as PolicyStatementJson)).toEqual(['s3:PutObject', 's3:AbortMultipartUpload']);
  });

  it('admits only the task to the temporary cluster, and the task to the local members (wiring)', () => {
    const ingress = resources(west, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties as Json);
    const fromTask = ingress.filter((r) => JSON.stringify(r.SourceSecurityGroupId).includes('RestoreAndReconcileTaskSecurityGroup'));
    const ports = (group: string): number[] =>
      fromTask
        .filter((r) => JSON.stringify(r.GroupId).includes(group))
        .map((r) => Number(r.FromPort))
        .sort();
    expect(ports('RestoreAndReconcileTemporaryClusterSecurityGroup')).toEqual([3307, 5433]);
    expect(ports('CatalogDatabaseSecurityGroup')).toEqual([3307]);
    expect(ports('OrdersDatabaseSecurityGroup')).toEqual([5433]);
    const temporaryIngress = ingress.filter((r) => JSON.stringify(r.GroupId).includes('RestoreAndReconcileTemporaryClusterSecurityGroup'));
    expect(temporaryIngress).toHaveLength(2);
    west.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Restore-and-reconcile comparison task'),
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: 'HTTPS to AWS APIs' }],
    });
  });

  it('restores into a dedicated subnet group and TLS-only parameter groups', () => {
    west.hasResourceProperties('AWS::RDS::DBSubnetGroup', { DBSubnetGroupName: `${APP}-reconcile`, SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^NetworkVpcdataSubnet') }]) });
    west.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { DBClusterParameterGroupName: `${APP}-reconcile-catalog`, Family: 'aurora-mysql8.0', Parameters: { require_secure_transport: 'ON' } });
    west.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { DBClusterParameterGroupName: `${APP}-reconcile-orders`, Family: 'aurora-postgresql16', Parameters: { 'rds.force_ssl': '1' } });
    west.hasResourceProperties('AWS::RDS::DBParameterGroup', { DBParameterGroupName: `${APP}-reconcile-orders`, Family: 'aurora-postgresql16' });
  });

  it('deploys the Automation document under the topology contract\'s name, as new versions', () => {
    const reconcile = built.reconciles[1];
    expect(reconcile.documentName).toBe(`${APP}-RestoreAndReconcile`);
    west.hasResourceProperties('AWS::SSM::Document', {
      Name: `${APP}-RestoreAndReconcile`,
      DocumentType: 'Automation',
      DocumentFormat: 'JSON',
      UpdateMethod: 'NewVersion',
      Content: Match.objectLike({ schemaVersion: '0.3', assumeRole: '{{ AutomationAssumeRole }}' }),
    });
    const [[, document]] = resources(west, 'AWS::SSM::Document');
    expect((document.Properties as Json).Content).toEqual(westStack.resolve(reconcile.documentContent));
  });

  it('stages the task image at synth (no Docker): bundle + Dockerfile, an amd64 image asset', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'reconcile-synth-'));
    try {
      const assembly = build({ outdir }).app.synth();
      const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, `${westStack.stackName}.assets.json`), 'utf8')) as {
        dockerImages: Record<string, { source: { directory: string; platform?: string } }>;
      };
      const images = Object.values(manifest.dockerImages);
      expect(images).toHaveLength(1);
      expect(images[0].source.platform).toBe('linux/amd64');
      const context = path.join(assembly.directory, images[0].source.directory);
      expect(fs.readdirSync(context).sort()).toEqual(['Dockerfile', 'task.js']);
      expect(fs.readFileSync(path.join(context, 'Dockerfile'), 'utf8')).toBe(dockerfile({ maxOldSpaceMiB: 3072 }));
      // Both Regions build the same image.
      const east = JSON.parse(fs.readFileSync(path.join(assembly.directory, `${built.stacks[0].stackName}.assets.json`), 'utf8')) as { dockerImages: Record<string, unknown> };
      expect(Object.keys(east.dockerImages)).toEqual(Object.keys(manifest.dockerImages));
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it.each([
    ['an app name with capitals', { appName: 'Retail' }, /appName "Retail" must be lower-case/],
    ['a stack outside the Regions', { regions: [EAST] }, /stack Region us-west-2 is not one of regions/],
    ['a reserved document name', { documentName: 'AWS-Reconcile' }, /must be 3-128 letters.*not start with aws/],
    ['a bad log retention', { logRetentionDays: 42 }, /logRetentionDays 42/],
    ['too much ephemeral storage', { task: { ephemeralStorageGiB: 500 } }, /ephemeralStorageGiB/],
  ])('rejects %s', (_, props, message) => {
    expect(() => build({ props })).toThrow(message);
  });
});

describe('task image', () => {
  it('writes a Dockerfile that fetches the RDS CA bundle, runs unprivileged and starts the bundle', () => {
    const text = dockerfile({ maxOldSpaceMiB: 3072 });
    expect(text).toContain('FROM public.ecr.aws/docker/library/node:22-slim\n');
    expect(text).toContain('ADD https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /app/rds-ca.pem\n');
    expect(text).toContain('chmod 0644 /app/rds-ca.pem');
    expect(text).toContain('USER node\n');
    expect(text).toContain('VOLUME ["/data"]\n');
    expect(text.trimEnd().split('\n').pop()).toBe('ENTRYPOINT ["node", "/app/task.js"]');
    expect(text.indexOf('USER node')).toBeLessThan(text.indexOf('ENTRYPOINT'));
  });

  it('bundles an entry point that exits 2 with one JSON line when misconfigured', () => {
    const directory = stageTaskImage(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'reconcile-image-')), 'context'), { maxOldSpaceMiB: 256 });
    try {
      const run = spawnSync(process.execPath, [path.join(directory, 'task.js')], { env: { PATH: process.env.PATH ?? '', AWS_REGION: WEST }, encoding: 'utf8' });
      expect(run.status).toBe(2);
      const lines = run.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0])).toEqual({ reconcile: 'error', exitCode: 2, error: 'environment variable ENGINE is required' });
    } finally {
      fs.rmSync(path.dirname(directory), { recursive: true, force: true });
    }
  });
});
