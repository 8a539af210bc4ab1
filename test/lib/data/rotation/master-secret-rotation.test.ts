import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LAMBDA_RUNTIME_CA_BUNDLE, MasterSecretRotation, type MasterSecretRotationProps } from '../../../../lib/data/rotation/master-secret-rotation';

const ENV = { account: '111111111111', region: 'eu-west-1' };
// Synthesised assemblies go here (not to fresh temp dirs that nobody removes).
const scratch = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'rotation-cdk-'));
afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});
const projectContext = (JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly secret: secretsmanager.Secret;
  readonly vpc: ec2.Vpc;
  readonly logKey: kms.Key;
  readonly databaseSecurityGroup: ec2.SecurityGroup;
  readonly rotation: MasterSecretRotation;
  readonly template: Template;
}

interface BuildOptions {
  readonly props?: Partial<MasterSecretRotationProps>;
  readonly secretKey?: boolean;
  /** Real esbuild bundling; the variants skip it to keep the suite fast. */
  readonly bundle?: boolean;
}

/** The real layout: the secret in another stack of the same Region, the rotation in the stack with the VPC. */
function build(options: BuildOptions = {}): Built {
  const app = new App({
    context: { ...projectContext, ...(options.bundle === true ? {} : { 'aws:cdk:bundling-stacks': [] }) },
    outdir: fs.mkdtempSync(path.join(scratch, 'app-')),
  });
  const secretStack = new Stack(app, 'GlobalData', { env: ENV });
  const secretKey = options.secretKey === true ? new kms.Key(secretStack, 'SecretKey', { enableKeyRotation: true }) : undefined;
  const secret = new secretsmanager.Secret(secretStack, 'MasterSecret', {
    generateSecretString: { secretStringTemplate: JSON.stringify({ engine: 'mysql', username: 'catalog_admin' }), generateStringKey: 'password' },
    ...(secretKey !== undefined ? { encryptionKey: secretKey } : {}),
  });
  // cdk-nag's SMG4 looks for a RotationSchedule only in the secret's own stack; the secret's owner acknowledges it the same way.
  Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'Rotated by MasterSecretRotation in the Region stack.' });

  const stack = new Stack(app, 'Region', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [
      { name: 'application', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 },
      { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
    ],
  });
  vpc.addFlowLog('FlowLog');
  const logKey = new kms.Key(stack, 'LogKey', { enableKeyRotation: true });
  const databaseSecurityGroup = new ec2.SecurityGroup(stack, 'DatabaseSecurityGroup', { vpc, allowAllOutbound: false });
  const rotation = new MasterSecretRotation(stack, 'CatalogRotation', {
    secret,
    engine: 'aurora-mysql',
    vpc,
    subnets: { subnetGroupName: 'application' },
    logKey,
    logRetentionDays: 30,
    ...options.props,
  });
  rotation.allowConnectionTo(databaseSecurityGroup, ec2.Port.tcp(3307));
  return { app, stack, secret, vpc, logKey, databaseSecurityGroup, rotation, template: Template.fromStack(stack) };
}

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Effect: string;
  readonly Condition?: unknown;
}

function actions(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Every statement of every policy attached to the rotation role. */
function roleStatements(built: Built): Statement[] {
  const policies = built.template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: logicalId(built, built.rotation.role) }]) } });
  return Object.values(policies).flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
}

function logicalId(built: Built, construct: { node: { defaultChild?: unknown } }): string {
  return built.stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

describe('MasterSecretRotation', () => {
  let built: Built;

  beforeAll(() => {
    built = build({ bundle: true });
  });

  it('runs the newest Node.js runtime on ARM in the given subnets, with the CA bundle and a 60 s timeout', () => {
    const newestNode = Object.entries(lambda.Runtime)
      .filter(([name]) => /^NODEJS_\d+_X$/.test(name))
      .map(([, runtime]) => (runtime as lambda.Runtime).name)
      .sort((a, b) => Number(/\d+/.exec(b)?.[0]) - Number(/\d+/.exec(a)?.[0]))[0];
    const subnets = built.stack.resolve(built.vpc.selectSubnets({ subnetGroupName: 'application' }).subnetIds) as unknown[];
    expect(subnets).toHaveLength(2);

    built.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: newestNode,
      Architectures: ['arm64'],
      Timeout: 60,
      Handler: 'index.handler',
      VpcConfig: {
        SubnetIds: subnets,
        SecurityGroupIds: [{ 'Fn::GetAtt': [logicalId(built, built.rotation.securityGroup), 'GroupId'] }],
      },
      Environment: { Variables: { DATABASE_ENGINE: 'mysql', NODE_EXTRA_CA_CERTS: LAMBDA_RUNTIME_CA_BUNDLE, NODE_OPTIONS: '--enable-source-maps' } },
      LoggingConfig: { LogGroup: { Ref: logicalId(built, built.rotation.logGroup) } },
      Role: { 'Fn::GetAtt': [logicalId(built, built.rotation.role), 'Arn'] },
    });
    expect(newestNode).toBe(lambda.Runtime.NODEJS_24_X.name);
  });

  it('writes to its own encrypted log group with the retention, kept on stack deletion', () => {
    built.template.hasResource('AWS::Logs::LogGroup', {
      Properties: { KmsKeyId: { 'Fn::GetAtt': [logicalId(built, built.logKey), 'Arn'] }, RetentionInDays: 30 },
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('has a role without AWS managed policies or inline role policies', () => {
    const role = built.template.findResources('AWS::IAM::Role', { Properties: { Description: 'Execution role of the master secret rotation function' } });
    const [properties] = Object.values(role).map((r) => (r as { Properties: Record<string, unknown> }).Properties);
    expect(properties).toBeDefined();
    expect(properties?.ManagedPolicyArns).toBeUndefined();
    expect(properties?.Policies).toBeUndefined();
  });

  it('grants no wildcard action, and "*" only where the action has no resource-level permissions', () => {
    const statements = roleStatements(built);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of actions(statement)) {
        expect(action).not.toContain('*');
      }
    }
    const starActions = statements.filter((statement) => statement.Resource === '*').flatMap(actions).sort();
    expect(starActions).toEqual([
      'ec2:AssignPrivateIpAddresses',
      'ec2:CreateNetworkInterface',
      'ec2:DeleteNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:UnassignPrivateIpAddresses',
      'secretsmanager:GetRandomPassword',
    ]);
  });

  it('restricts the secret actions to the secret, referenced from the other stack', () => {
    const schedule = Object.values(built.template.findResources('AWS::SecretsManager::RotationSchedule'))[0] as { Properties: { SecretId: unknown } };
    expect(schedule.Properties.SecretId).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^GlobalData:ExportsOutputRefMasterSecret/) });

    const secretStatements = roleStatements(built).filter((statement) => actions(statement).some((action) => action.startsWith('secretsmanager:') && action !== 'secretsmanager:GetRandomPassword'));
    expect(secretStatements).toHaveLength(1);
    expect(secretStatements[0]?.Resource).toEqual(schedule.Properties.SecretId);
    expect(actions(secretStatements[0] as Statement).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    // Logs go to the function's own log group only.
    const logStatements = roleStatements(built).filter((statement) => actions(statement).some((action) => action.startsWith('logs:')));
    expect(logStatements.map((statement) => statement.Resource)).toEqual([{ 'Fn::GetAtt': [logicalId(built, built.rotation.logGroup), 'Arn'] }]);
    // Nothing was granted through the role's default policy (RotationSchedule's own broad grants).
    expect(built.rotation.role.node.tryFindChild('DefaultPolicy')).toBeUndefined();
  });

  it('grants the VPC network-interface actions as Lambda verifies them (no resource scoping), on its own policy', () => {
    const eni = roleStatements(built).find((statement) => actions(statement).includes('ec2:CreateNetworkInterface'));
    expect(eni?.Resource).toBe('*');
    expect(actions(eni as Statement).every((action) => action.startsWith('ec2:') && action.includes('NetworkInterface') || action.endsWith('PrivateIpAddresses'))).toBe(true);
  });

  it('schedules the rotation every 30 days by default, after the invoke permission and the policies exist', () => {
    const functionId = logicalId(built, built.rotation.rotationFunction);
    built.template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationLambdaARN: { 'Fn::GetAtt': [functionId, 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    // Secrets Manager invokes the function as soon as the schedule exists.
    const schedule = Object.values(built.template.findResources('AWS::SecretsManager::RotationSchedule'))[0] as { DependsOn: string[] };
    expect(schedule.DependsOn).toEqual(
      expect.arrayContaining([/InvokedBySecretsManager/, /NetworkInterfacePolicy/, /SecretAccessPolicy/, /PasswordGenerationPolicy/].map((pattern) => expect.stringMatching(pattern))),
    );
    built.template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
  });

  it('lets only Secrets Manager, for this secret and account, invoke the function', () => {
    built.template.resourceCountIs('AWS::Lambda::Permission', 1);
    built.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: ENV.account,
      SourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('^GlobalData:ExportsOutputRefMasterSecret') },
    });
  });

  it('creates the function after the network interface and secret policies', () => {
    const fn = Object.values(built.template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }))[0] as { DependsOn: string[] };
    expect(fn.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/NetworkInterfacePolicy/), expect.stringMatching(/SecretAccessPolicy/)]));
  });

  it('has a security group with open egress, which the database admits', () => {
    built.template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Master secret rotation function'),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' })],
    });
    built.template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 3307,
      ToPort: 3307,
      GroupId: { 'Fn::GetAtt': [logicalId(built, built.databaseSecurityGroup), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(built, built.rotation.securityGroup), 'GroupId'] },
    });
  });

  it('passes the AWS Solutions checks with its acknowledgements', () => {
    const report = new AwsSolutionsChecks().validateScope(built.app);
    expect(report.violations.map((violation) => `${violation.ruleName} @ ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('bundles a handler that loads without the project\'s node_modules', () => {
    const code = Object.values(built.template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }))[0] as { Properties: { Code: { S3Key: string } } };
    const assetDir = path.join(built.app.outdir, `asset.${code.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    expect(fs.readdirSync(assetDir).sort()).toEqual(['index.js', 'index.js.map']);
    const source = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');
    // The AWS SDK, pg and mysql2 are inside the bundle; only pg's optional native binding is left out.
    expect(source).not.toMatch(/require\("(@aws-sdk\/client-secrets-manager|pg|mysql2|mysql2\/promise)"\)/);
    const loaded = require(path.join(assetDir, 'index.js')) as { handler?: unknown };
    expect(typeof loaded.handler).toBe('function');
  });
});

describe('MasterSecretRotation variants', () => {
  it('rotates a PostgreSQL secret on the given schedule', () => {
    const { template } = build({ props: { engine: 'aurora-postgresql', rotationDays: 7 } });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ DATABASE_ENGINE: 'postgres' }) } });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(7 days)' } });
  });

  it('may use a customer managed secret key only through Secrets Manager, for this secret, without wildcard actions', () => {
    const built = build({ secretKey: true });
    const kmsStatements = roleStatements(built).filter((statement) => actions(statement).some((action) => action.startsWith('kms:')));
    expect(kmsStatements).toHaveLength(1);
    expect(actions(kmsStatements[0] as Statement).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(kmsStatements[0]?.Resource).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^GlobalData:ExportsOutputFnGetAttSecretKey/) });
    expect(kmsStatements[0]?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
      StringLike: { 'kms:EncryptionContext:SecretARN': { 'Fn::ImportValue': expect.stringMatching(/^GlobalData:ExportsOutputRefMasterSecret/) } },
    });
    expect(new AwsSolutionsChecks().validateScope(built.app).violations).toEqual([]);
  });

  it('is an IConnectable the database construct can admit', () => {
    const app = new App({ context: { ...projectContext, 'aws:cdk:bundling-stacks': [] }, outdir: fs.mkdtempSync(path.join(scratch, 'app-')) });
    const stack = new Stack(app, 'Region', { env: ENV });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'application', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const secret = new secretsmanager.Secret(stack, 'MasterSecret');
    const rotation = new MasterSecretRotation(stack, 'OrdersRotation', {
      secret,
      engine: 'aurora-postgresql',
      vpc,
      subnets: { subnetGroupName: 'application' },
      logKey: new kms.Key(stack, 'LogKey'),
      logRetentionDays: 7,
    });
    const database = new ec2.SecurityGroup(stack, 'OrdersDatabaseSecurityGroup', { vpc, allowAllOutbound: false });
    database.connections.allowFrom(rotation, ec2.Port.tcp(5433), 'master secret rotation');
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5433,
      SourceSecurityGroupId: { 'Fn::GetAtt': [stack.getLogicalId(rotation.securityGroup.node.defaultChild as CfnElement), 'GroupId'] },
    });
  });

  it.each([
    [{ rotationDays: 0 }, 'rotationDays must be an integer from 1 to 1000, got 0'],
    [{ rotationDays: 1.5 }, 'rotationDays must be an integer from 1 to 1000, got 1.5'],
    [{ logRetentionDays: 17 }, 'logRetentionDays 17 is not a retention CloudWatch Logs accepts'],
  ])('refuses %j', (props, message) => {
    expect(() => build({ props })).toThrow(message);
  });
});
