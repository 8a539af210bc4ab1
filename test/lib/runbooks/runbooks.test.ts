import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { STEP } from '../../../lib/runbooks/documents';
import { RegionalRunbooks, RegionalRunbooksProps } from '../../../lib/runbooks/runbooks';
import { WAIT_PENDING } from '../../../lib/runbooks/runtime/contract';
import { isRecord, JsonRecord } from '../../../lib/runbooks/runtime/events';
import { runbookNames } from '../../../lib/topology/topology';
import { ACCOUNT, CLUSTER_ARN, controlArn, EAST, memberArn, REGIONS, WEST } from './fixtures';

/** The names the topology contract publishes; the construct must deploy exactly these. */
const NAMES = runbookNames('retail');

type Props = Omit<RegionalRunbooksProps, 'notificationTopic' | 'approvalNotificationTopic'>;

const BASE_PROPS: Props = {
  appName: 'retail',
  regions: REGIONS,
  routingMode: 'active-standby',
  topologyParameterName: '/retail/platform/topology',
  requireApproval: true,
  approvers: [`arn:aws:iam::${ACCOUNT}:role/IncidentCommander`],
  globalDatabases: [
    {
      name: 'catalog',
      engine: 'aurora-mysql',
      globalClusterIdentifier: 'retail-catalog',
      memberClusterArns: { [EAST]: memberArn('catalog', EAST), [WEST]: memberArn('catalog', WEST) },
    },
    {
      name: 'orders',
      engine: 'aurora-postgresql',
      globalClusterIdentifier: 'retail-orders',
      memberClusterArns: { [EAST]: memberArn('orders', EAST), [WEST]: memberArn('orders', WEST) },
    },
  ],
  routingControlArns: REGIONS.map(controlArn),
  clusterArn: CLUSTER_ARN,
};

interface Built {
  readonly app: App;
  readonly stacks: Stack[];
  readonly runbooks: RegionalRunbooks[];
}

function build(options: { withTopics?: boolean; props?: Partial<Props>; bundle?: boolean; outdir?: string } = {}): Built {
  const app = new App({
    outdir: options.outdir,
    // Most tests do not need the esbuild bundles; one test below builds them for real.
    context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] },
  });
  const stacks: Stack[] = [];
  const runbooks: RegionalRunbooks[] = [];
  for (const region of REGIONS) {
    const stack = new Stack(app, `Retail-${region}`, { env: { account: ACCOUNT, region } });
    const withTopics = options.withTopics ?? true;
    const notificationTopic = withTopics ? new sns.Topic(stack, 'Notifications', { enforceSSL: true }) : undefined;
    const approvalNotificationTopic = withTopics
      ? new sns.Topic(stack, 'Approvals', { topicName: 'AutomationRetailApprovals', enforceSSL: true })
      : undefined;
    runbooks.push(
      new RegionalRunbooks(stack, 'Runbooks', { ...BASE_PROPS, ...options.props, notificationTopic, approvalNotificationTopic }),
    );
    stacks.push(stack);
  }
  return { app, stacks, runbooks };
}

interface Step extends JsonRecord {
  readonly name: string;
  readonly action: string;
  readonly inputs: JsonRecord;
}

function documentContent(template: Template, name: string): { parameters: JsonRecord; mainSteps: Step[]; outputs: string[] } {
  const docs = template.findResources('AWS::SSM::Document', { Properties: { Name: name } });
  const [doc] = Object.values(docs);
  expect(doc).toBeDefined();
  const content: unknown = doc.Properties.Content;
  if (!isRecord(content) || !Array.isArray(content.mainSteps) || !isRecord(content.parameters) || !Array.isArray(content.outputs)) {
    throw new Error(`document ${name} has no content`);
  }
  return { parameters: content.parameters, mainSteps: content.mainSteps as Step[], outputs: content.outputs as string[] };
}

function stepNames(steps: readonly Step[]): string[] {
  return steps.map((s) => s.name);
}

describe('RegionalRunbooks', () => {
  const built = build();
  const templates = built.stacks.map((s) => Template.fromStack(s));
  const east = templates[0];

  it('deploys the three Automation documents with fixed names in every Region', () => {
    for (const template of templates) {
      template.resourceCountIs('AWS::SSM::Document', 3);
      for (const name of [NAMES.failover, NAMES.switchover, NAMES.failback]) {
        template.hasResourceProperties('AWS::SSM::Document', {
          Name: name,
          DocumentType: 'Automation',
          DocumentFormat: 'JSON',
          UpdateMethod: 'NewVersion',
          Content: Match.objectLike({ schemaVersion: '0.3', assumeRole: '{{ AutomationAssumeRole }}' }),
        });
      }
    }
    expect(built.runbooks[0].documentNames).toEqual({
      failover: NAMES.failover,
      switchover: NAMES.switchover,
      failback: NAMES.failback,
    });
    expect(built.runbooks[1].failoverDocumentName).toBe(NAMES.failover);
  });

  it('orders the failover steps: preflight, approval, traffic, then databases; all started before the first wait', () => {
    const { mainSteps, outputs, parameters } = documentContent(east, NAMES.failover);
    const s = STEP.failover;
    expect(stepNames(mainSteps)).toEqual([
      s.preflight,
      STEP.skipApproval,
      s.approve,
      s.traffic,
      s.start,
      s.wait,
      s.check,
      s.report,
      s.notify,
      STEP.notifyFailure,
    ]);
    const names = stepNames(mainSteps);
    // One step starts every database; no wait step precedes it.
    expect(mainSteps.filter((step) => step.inputs.InputPayload && (step.inputs.InputPayload as JsonRecord).operation === 'start')).toHaveLength(1);
    const firstWait = names.findIndex((n) => n.startsWith('WaitFor'));
    expect(names.indexOf(s.traffic)).toBeLessThan(names.indexOf(s.start));
    expect(names.indexOf(s.start)).toBeLessThan(firstWait);
    expect(mainSteps[names.indexOf(s.traffic)].inputs.InputPayload).toEqual({
      action: 'failover',
      targetRegion: '{{ TargetRegion }}',
      dryRun: '{{ DryRun }}',
    });
    expect(mainSteps[names.indexOf(s.start)].inputs.InputPayload).toMatchObject({ operation: 'start', mode: 'failover' });
    expect(outputs).toEqual([`${s.report}.Payload`]);
    expect(Object.keys(parameters).sort()).toEqual(
      ['Approvers', 'AutomationAssumeRole', 'DatabaseTimeoutMinutes', 'DryRun', 'TargetRegion'].sort(),
    );
    expect(parameters.TargetRegion).toMatchObject({ type: 'String', allowedValues: REGIONS });
    expect(parameters.DryRun).toEqual(expect.objectContaining({ type: 'Boolean', default: false }));
    expect(parameters.Approvers).toEqual(expect.objectContaining({ type: 'StringList', default: BASE_PROPS.approvers }));
  });

  it('loops the database wait until done and skips approval for dry runs', () => {
    const { mainSteps } = documentContent(east, NAMES.failover);
    const byName = new Map(mainSteps.map((step) => [step.name, step]));
    expect(byName.get(STEP.failover.check)?.inputs).toEqual({
      Choices: [
        {
          NextStep: STEP.failover.wait,
          Variable: `{{ ${STEP.failover.wait}.Payload }}`,
          Contains: WAIT_PENDING,
        },
      ],
      Default: STEP.failover.report,
    });
    expect(byName.get(STEP.failover.wait)?.inputs.InputPayload).toMatchObject({
      operation: 'wait',
      timeoutMinutes: '{{ DatabaseTimeoutMinutes }}',
      startResult: `{{ ${STEP.failover.start}.Payload }}`,
    });
    expect(byName.get(STEP.failover.wait)?.timeoutSeconds).toBe(300);
    expect(byName.get(STEP.skipApproval)?.inputs).toEqual({
      Choices: [{ NextStep: STEP.failover.traffic, Variable: '{{ DryRun }}', BooleanEquals: true }],
      Default: STEP.failover.approve,
    });
    expect(byName.get(STEP.failover.approve)).toMatchObject({
      action: 'aws:approve',
      onFailure: 'Abort',
      inputs: { Approvers: '{{ Approvers }}', MinRequiredApprovals: 1, NotificationArn: { Ref: expect.stringMatching(/^Approvals/) } },
    });
  });

  it('routes every failed change step to the failure notice and keeps them critical', () => {
    for (const name of [NAMES.failover, NAMES.switchover, NAMES.failback]) {
      const { mainSteps } = documentContent(east, name);
      for (const step of mainSteps) {
        if (step.action === 'aws:invokeLambdaFunction' && !step.name.startsWith('Preflight')) {
          expect(step).toMatchObject({ onFailure: `step:${STEP.notifyFailure}`, isCritical: true });
        }
        if (step.name.startsWith('Preflight')) expect(step.onFailure).toBe('Abort');
      }
      const last = mainSteps[mainSteps.length - 1];
      expect(last).toMatchObject({ name: STEP.notifyFailure, isEnd: true, isCritical: false });
    }
  });

  it('orders the switchover: preflight, approval, databases (start before wait), then routing controls', () => {
    const { mainSteps } = documentContent(east, NAMES.switchover);
    const s = STEP.switchover;
    const names = stepNames(mainSteps);
    expect(names.slice(0, 8)).toEqual([s.preflight, STEP.skipApproval, s.approve, s.start, s.wait, s.check, s.traffic, s.report]);
    expect(mainSteps[names.indexOf(s.start)].inputs.InputPayload).toMatchObject({ operation: 'start', mode: 'switchover' });
    expect(mainSteps[names.indexOf(s.traffic)].inputs.InputPayload).toMatchObject({ action: 'switchover' });
  });

  it('failback checks readiness first and takes the Region as input', () => {
    const { mainSteps, parameters } = documentContent(east, NAMES.failback);
    const s = STEP.failback;
    expect(stepNames(mainSteps).slice(0, 5)).toEqual([s.preflight, STEP.skipApproval, s.approve, s.traffic, s.report]);
    expect(mainSteps[0].inputs.InputPayload).toEqual({
      runbook: 'failback',
      targetRegion: '{{ Region }}',
      dryRun: '{{ DryRun }}',
      executionId: '{{ automation:EXECUTION_ID }}',
    });
    expect(parameters.Region).toMatchObject({ allowedValues: REGIONS });
    expect(parameters.TargetRegion).toBeUndefined();
    expect(parameters.DatabaseTimeoutMinutes).toBeUndefined();
  });

  it('invokes only functions of its own stack', () => {
    const functions = Object.keys(east.findResources('AWS::Lambda::Function'));
    for (const name of [NAMES.failover, NAMES.switchover, NAMES.failback]) {
      for (const step of documentContent(east, name).mainSteps.filter((st) => st.action === 'aws:invokeLambdaFunction')) {
        const fn = step.inputs.FunctionName;
        expect(isRecord(fn) && typeof fn.Ref === 'string' && functions.includes(fn.Ref)).toBe(true);
      }
    }
  });

  it('uses only real APIs and parameter names in aws:executeAwsApi steps', () => {
    let checked = 0;
    for (const name of [NAMES.failover, NAMES.switchover, NAMES.failback]) {
      for (const step of documentContent(east, name).mainSteps.filter((st) => st.action === 'aws:executeAwsApi')) {
        const { Service, Api, ...parameters } = step.inputs;
        expect(typeof Service).toBe('string');
        expect(typeof Api).toBe('string');
        const members = sdkInputMembers(String(Service), String(Api));
        for (const parameter of Object.keys(parameters)) {
          expect(members).toContain(parameter);
        }
        checked++;
      }
    }
    expect(checked).toBe(6);
  });

  it('gives every function the newest Node.js runtime and its own retained, expiring log group', () => {
    for (const template of templates) {
      const functions = template.findResources('AWS::Lambda::Function');
      expect(Object.keys(functions)).toHaveLength(4);
      const logGroups = Object.keys(template.findResources('AWS::Logs::LogGroup'));
      const used = new Set<string>();
      for (const fn of Object.values(functions)) {
        expect(fn.Properties.Runtime).toBe('nodejs24.x');
        const group = fn.Properties.LoggingConfig.LogGroup.Ref as string;
        expect(logGroups).toContain(group);
        used.add(group);
      }
      expect(used.size).toBe(4);
      template.allResources('AWS::Logs::LogGroup', {
        DeletionPolicy: 'RetainExceptOnCreate',
        Properties: { RetentionInDays: 365 },
      });
    }
  });

  it('grants no wildcard actions, no managed policies, and a wildcard resource only where the API takes nothing else', () => {
    for (const template of templates) {
      for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
      const wildcardResources: string[] = [];
      for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
        for (const statement of policy.Properties.PolicyDocument.Statement as JsonRecord[]) {
          const actions = ([] as unknown[]).concat(statement.Action);
          expect(actions.filter((a) => typeof a === 'string' && a.includes('*'))).toEqual([]);
          const resources = ([] as unknown[]).concat(statement.Resource);
          for (const resource of resources) {
            if (JSON.stringify(resource).includes('*')) wildcardResources.push(`${id.replace(/[0-9A-F]{8}$/, '')} ${JSON.stringify(resource)} ${JSON.stringify(statement.Action)}`);
          }
        }
      }
      // DescribeAutomationExecutions has no resource type (Service Authorization Reference).
      expect(wildcardResources).toEqual(['RunbooksPreflightRoleDefaultPolicy "*" "ssm:DescribeAutomationExecutions"']);
    }
  });

  it('gives every Lambda step a timeout no shorter than its function\'s timeout, in every document', () => {
    for (const template of templates) {
      const functions = template.findResources('AWS::Lambda::Function');
      let checked = 0;
      for (const name of [NAMES.failover, NAMES.switchover, NAMES.failback]) {
        for (const step of documentContent(template, name).mainSteps.filter((st) => st.action === 'aws:invokeLambdaFunction')) {
          const ref = (step.inputs.FunctionName as JsonRecord).Ref as string;
          const functionTimeout = functions[ref].Properties.Timeout as number;
          expect(typeof step.timeoutSeconds).toBe('number');
          // Otherwise SSM marks the step TimedOut while the function may still call FailoverGlobalCluster.
          expect(step.timeoutSeconds as number).toBeGreaterThanOrEqual(functionTimeout);
          // aws:invokeLambdaFunction runs for at most 300 s.
          expect(step.timeoutSeconds as number).toBeLessThanOrEqual(300);
          checked++;
        }
      }
      // failover: preflight, traffic, start, wait, report; switchover: the same; failback: preflight, traffic, report.
      expect(checked).toBe(13);
    }
  });

  it('limits each role to the resources it acts on', () => {
    const statementsOf = (roleIdPrefix: string): JsonRecord[] => {
      const policies = east.findResources('AWS::IAM::Policy');
      const match = Object.entries(policies).find(([id]) => id.startsWith(roleIdPrefix));
      if (match === undefined) throw new Error(`no policy for ${roleIdPrefix}`);
      return match[1].Properties.PolicyDocument.Statement as JsonRecord[];
    };
    const globalArn = (id: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:rds::${ACCOUNT}:global-cluster:${id}`]] });

    expect(statementsOf('RunbooksDatabasesRole')).toEqual(
      expect.arrayContaining([
        {
          Action: ['rds:FailoverGlobalCluster', 'rds:SwitchoverGlobalCluster'],
          Effect: 'Allow',
          Resource: [
            globalArn('retail-catalog'),
            globalArn('retail-orders'),
            memberArn('catalog', EAST),
            memberArn('catalog', WEST),
            memberArn('orders', EAST),
            memberArn('orders', WEST),
          ],
        },
        { Action: 'rds:DescribeGlobalClusters', Effect: 'Allow', Resource: [globalArn('retail-catalog'), globalArn('retail-orders')] },
        {
          Action: 'rds:DescribeDBClusters',
          Effect: 'Allow',
          Resource: [memberArn('catalog', EAST), memberArn('catalog', WEST), memberArn('orders', EAST), memberArn('orders', WEST)],
        },
      ]),
    );
    const traffic = statementsOf('RunbooksTrafficRole');
    expect(traffic).toEqual(
      expect.arrayContaining([
        {
          Action: ['route53-recovery-cluster:GetRoutingControlState', 'route53-recovery-cluster:UpdateRoutingControlStates'],
          Effect: 'Allow',
          Resource: REGIONS.map(controlArn),
        },
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'route53-recovery-cluster:AllowSafetyRulesOverrides': 'true' } },
        }),
      ]),
    );
    expect(JSON.stringify(traffic)).not.toContain('rds:');
    expect(JSON.stringify(statementsOf('RunbooksPreflightRole'))).not.toMatch(/Failover|Switchover|route53/);
    expect(statementsOf('RunbooksPreflightRole')).toEqual(
      expect.arrayContaining([{ Action: 'ssm:DescribeAutomationExecutions', Effect: 'Allow', Resource: '*' }]),
    );
    expect(statementsOf('RunbooksReportRole').map((st) => st.Action)).toEqual([['logs:CreateLogStream', 'logs:PutLogEvents']]);
    for (const prefix of ['RunbooksPreflightRole', 'RunbooksTrafficRole', 'RunbooksDatabasesRole']) {
      expect(statementsOf(prefix)).toEqual(
        expect.arrayContaining([
          {
            Action: 'ssm:GetParameter',
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:${EAST}:${ACCOUNT}:parameter/retail/platform/topology`]] },
          },
        ]),
      );
    }

    const automation = statementsOf('RunbooksAutomationRole');
    expect(automation.map((st) => st.Action)).toEqual(['lambda:InvokeFunction', 'sns:Publish', 'sns:Publish']);
    expect((automation[0].Resource as unknown[]).length).toBe(4);
    east.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'ssm.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': ACCOUNT } }),
          }),
        ],
      },
    });
  });

  it('passes the cdk-nag AwsSolutions checks with no acknowledgement', () => {
    const pack = new AwsSolutionsChecks(built.app);
    expect(pack.validateScope(built.app).violations).toEqual([]);
  });
});

describe('RegionalRunbooks options', () => {
  it('omits approval and notification steps when not configured', () => {
    const { stacks } = build({ withTopics: false, props: { requireApproval: false } });
    const template = Template.fromStack(stacks[1]);
    const { mainSteps, parameters } = documentContent(template, NAMES.failover);
    expect(mainSteps.map((s) => s.action)).not.toContain('aws:approve');
    expect(mainSteps.map((s) => s.action)).not.toContain('aws:executeAwsApi');
    expect(parameters.Approvers).toBeUndefined();
    expect(mainSteps[mainSteps.length - 1]).toMatchObject({ name: STEP.failover.report, isEnd: true });
    for (const step of mainSteps.filter((s) => s.action === 'aws:invokeLambdaFunction')) {
      expect(step.onFailure).toBe('Abort');
    }
  });

  it('requires approvers at start time when none are configured', () => {
    const { stacks } = build({ withTopics: false, props: { approvers: undefined } });
    const { parameters } = documentContent(Template.fromStack(stacks[0]), NAMES.switchover);
    expect(parameters.Approvers).toEqual({ type: 'StringList', description: expect.any(String) });
  });

  it('rejects an app name whose contract names would start with a reserved prefix', () => {
    expect(() => build({ withTopics: false, props: { appName: 'amazon-shop' } })).toThrow(/amazon.?shop-Failover" must not start with aws, amazon or amzn/i);
  });

  it('uses the document name prefix', () => {
    const { runbooks } = build({ withTopics: false, props: { documentNamePrefix: 'shop-prod' } });
    expect(runbooks[0].failoverDocumentName).toBe('shop-prod-Failover');
  });

  it.each<[string, Partial<Props>, RegExp]>([
    ['a reserved name prefix', { documentNamePrefix: 'AWS-Retail' }, /"AWS-Retail-Failover" must not start with aws, amazon or amzn/],
    ['a stack outside the Regions', { regions: [WEST] }, /stack Region us-east-1 is not one of regions/],
    ['a database without a member in a Region', { globalDatabases: [{ ...BASE_PROPS.globalDatabases[0], memberClusterArns: {} }] }, /no member cluster ARN for us-east-1/],
    ['too many required approvals', { minRequiredApprovals: 2 }, /exceeds the number of approvers/],
  ])('rejects %s', (_, props, message) => {
    expect(() => build({ withTopics: false, props })).toThrow(message);
  });

  it('rejects an approval topic whose name does not start with "Automation"', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'S', { env: { account: ACCOUNT, region: EAST } });
    const topic = new sns.Topic(stack, 'Approvals', { topicName: 'retail-approvals' });
    expect(() => new RegionalRunbooks(stack, 'Runbooks', { ...BASE_PROPS, approvalNotificationTopic: topic })).toThrow(
      /must have a name starting with "Automation"/,
    );
  });

  it('bundles every handler with the local esbuild', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbooks-cdk-'));
    try {
      const { app, stacks } = build({ withTopics: false, bundle: true, outdir });
      app.synth();
      const template = Template.fromStack(stacks[0]);
      for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
        const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
        const bundle = fs.readFileSync(path.join(outdir, `asset.${hash}`, 'index.js'), 'utf8');
        expect(bundle).toContain('handler');
        expect(fn.Properties.Handler).toBe('index.handler');
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});

/**
 * Input member names of an API, read from the installed AWS SDK v3 client's static
 * schema (`<Api>$` operation -> input structure), so the document is checked against
 * the real API model rather than a list written by hand.
 */
function sdkInputMembers(service: string, api: string): string[] {
  const sdk: unknown = require(`@aws-sdk/client-${service}`);
  if (!isRecord(sdk)) throw new Error(`@aws-sdk/client-${service} did not load`);
  expect(typeof sdk[`${api}Command`]).toBe('function');
  const operation = sdk[`${api}$`];
  if (!Array.isArray(operation) || operation[2] !== api) throw new Error(`${service}.${api} has no operation schema`);
  const inputRef: unknown = operation[4];
  const input: unknown = typeof inputRef === 'function' ? inputRef() : inputRef;
  if (!Array.isArray(input) || !Array.isArray(input[4])) throw new Error(`${service}.${api} has no input schema`);
  return input[4].filter((m: unknown): m is string => typeof m === 'string');
}
