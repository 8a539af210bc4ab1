import { ResourceImpact } from '@aws-cdk/cloudformation-diff';
import type { CfnTemplate, SynthesizedAssembly, SynthesizedStack } from '../../scripts/review/assembly';
import { compareAssemblies, type Review } from '../../scripts/review/compare';
import { COMMENT_MARKER, markdownReport } from '../../scripts/review/markdown-report';
import { textReport } from '../../scripts/review/text-report';
import { stripAnsi, type ReviewContext } from '../../scripts/review/wording';

const EAST = 'aws://111111111111/us-east-1';
const WEST = 'aws://111111111111/us-west-2';
const OLD_HASH = 'a'.repeat(64);
const NEW_HASH = 'b'.repeat(64);
const CONTEXT: ReviewContext = {
  baseLabel: 'main (0123456789)',
  headLabel: 'working tree (HEAD abcdef0)',
  contextArgs: ['config=/work/examples/prod.json'],
  baseDependencies: "the working tree's node_modules (package-lock.json is identical)",
};

function path(stack: string, id: string): { 'aws:cdk:path': string } {
  return { 'aws:cdk:path': `${stack}/Part/${id}/Resource` };
}

/** A small regional stack: an alarm, a bucket, a function with a code asset, its role and a security group. */
function regionTemplate(assetHash = OLD_HASH): CfnTemplate {
  return {
    Resources: {
      Alb5xxAlarm: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: { ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 5, Threshold: 10, MetricName: 'HTTPCode_ELB_5XX_Count', Namespace: 'AWS/ApplicationELB', Period: 60, Statistic: 'Sum' },
        Metadata: path('region', 'Alb5xxAlarm'),
      },
      ReportBucket: {
        Type: 'AWS::S3::Bucket',
        Properties: { VersioningConfiguration: { Status: 'Enabled' } },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Metadata: path('region', 'ReportBucket'),
      },
      HandlerRole: {
        Type: 'AWS::IAM::Role',
        Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
        Metadata: path('region', 'HandlerRole'),
      },
      HandlerPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'HandlerPolicy',
          Roles: [{ Ref: 'HandlerRole' }],
          PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ReportBucket', 'Arn'] }, '/*']] } }] },
        },
        Metadata: path('region', 'HandlerPolicy'),
      },
      Handler: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: { S3Bucket: 'cdk-hnb659fds-assets-111111111111-us-east-1', S3Key: `${assetHash}.zip` },
          Handler: 'index.handler',
          Runtime: 'nodejs20.x',
          Timeout: 30,
          Role: { 'Fn::GetAtt': ['HandlerRole', 'Arn'] },
        },
        Metadata: { ...path('region', 'Handler'), 'aws:asset:path': `asset.${assetHash}`, 'aws:asset:property': 'Code' },
      },
      DbSecurityGroup: {
        Type: 'AWS::EC2::SecurityGroup',
        Properties: { GroupDescription: 'database', VpcId: 'vpc-1', SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIp: '10.1.0.0/16' }] },
        Metadata: path('region', 'DbSecurityGroup'),
      },
      CDKMetadata: { Type: 'AWS::CDK::Metadata', Properties: { Analytics: 'v2:deflate64:AAAA' } },
    },
  };
}

function globalTemplate(): CfnTemplate {
  return {
    Resources: {
      CartsTable: {
        Type: 'AWS::DynamoDB::GlobalTable',
        Properties: {
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
          Replicas: [{ Region: 'us-east-1' }, { Region: 'us-west-2' }],
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Metadata: path('global', 'CartsTable'),
      },
      Key: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true, KeyPolicy: { Version: '2012-10-17', Statement: [] } }, Metadata: path('global', 'Key') },
      Topic: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'alarms' }, Metadata: path('global', 'Topic') },
    },
  };
}

function stack(stackName: string, environment: string, template: CfnTemplate): SynthesizedStack {
  return { stackName, environment, template, logicalIdPaths: {} };
}

function assembly(stacks: SynthesizedStack[], assetHashes: string[] = [OLD_HASH]): SynthesizedAssembly {
  return { stacks, assetHashes: new Set(assetHashes) };
}

function clone(template: CfnTemplate): { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown>; DeletionPolicy?: string }> } {
  return JSON.parse(JSON.stringify(template)) as ReturnType<typeof clone>;
}

function withTemplate(change: (template: ReturnType<typeof clone>) => void, base: CfnTemplate = regionTemplate()): CfnTemplate {
  const template = clone(base);
  change(template);
  return template;
}

function reviewOf(base: SynthesizedStack[], head: SynthesizedStack[], headHashes: string[] = [OLD_HASH]): Review {
  return compareAssemblies(assembly(base), assembly(head, headHashes));
}

/** The resource lines of the CDK formatter's output: `[+] Type Id`, `[-] ...`, `[~] ...`. */
function resourceLines(text: string): string[] {
  return stripAnsi(text).split('\n').filter((line) => /^\[[+~-]\] AWS::/.test(line));
}

describe('a one-property change', () => {
  const base = [stack('region-east', EAST, regionTemplate())];
  const head = [stack('region-east', EAST, withTemplate((t) => { t.Resources.Alb5xxAlarm.Properties.Threshold = 20; }))];
  const review = reviewOf(base, head);

  test('is exactly one modified resource with exactly that property, updated in place', () => {
    expect(review.changed).toBe(true);
    expect(review.stacks).toHaveLength(1);
    expect(review.stacks[0].status).toBe('modified');
    expect(review.stacks[0].resources).toEqual([{
      logicalId: 'Alb5xxAlarm',
      resourceType: 'AWS::CloudWatch::Alarm',
      constructPath: 'region/Part/Alb5xxAlarm/Resource',
      action: 'modified',
      impact: ResourceImpact.WILL_UPDATE,
      stateful: false,
      changes: [{ name: 'Threshold', isProperty: true, replacement: 'never' }],
    }]);
    expect(review.stacks[0].assetOnly).toEqual([]);
    expect(review.stacks[0].otherSections).toEqual({});
    expect(review.statefulCallouts).toEqual([]);
  });

  test('the text report shows that change and nothing else, as cdk diff prints it', () => {
    const text = stripAnsi(textReport(review, CONTEXT));
    expect(resourceLines(text)).toEqual(['[~] AWS::CloudWatch::Alarm Part/Alb5xxAlarm Alb5xxAlarm']);
    expect(text).toMatch(/\[~\] Threshold\n\s+├─ \[-\] 10\n\s+└─ \[\+\] 20/);
    expect(text).not.toMatch(/IAM Statement Changes|Security Group Changes|Assets changed|STATEFUL/);
    expect(text).toContain('1 of 1 stacks changed; resources: 0 added, 0 removed, 1 modified (0 replaced or may be replaced); 0 with only asset hashes changed; IAM: 0 changes; security groups: 0 rule changes.');
  });

  test('the PR comment has one table row for it', () => {
    const markdown = markdownReport(review, CONTEXT);
    const rows = markdown.split('\n').filter((line) => line.startsWith('| modified') || line.startsWith('| added') || line.startsWith('| removed'));
    expect(rows).toEqual(['| modified | `Alb5xxAlarm` | `AWS::CloudWatch::Alarm` | Part/Alb5xxAlarm | updated in place | `Threshold` |']);
  });
});

describe('identical assemblies', () => {
  test('no differences, and the CDK analytics resource alone does not count (as in cdk diff)', () => {
    const head = withTemplate((t) => { t.Resources.CDKMetadata.Properties.Analytics = 'v2:deflate64:BBBB'; });
    const review = reviewOf([stack('region-east', EAST, regionTemplate())], [stack('region-east', EAST, head)]);
    expect(review.changed).toBe(false);
    expect(review.stacks.map((s) => s.status)).toEqual(['unchanged']);
    expect(stripAnsi(textReport(review, CONTEXT))).toContain('No differences: region-east');
  });
});

describe('replacements', () => {
  test('a replacing property is flagged on the resource and its cause named', () => {
    const head = withTemplate((t) => { t.Resources.DbSecurityGroup.Properties.GroupDescription = 'db'; });
    const review = reviewOf([stack('region-east', EAST, regionTemplate())], [stack('region-east', EAST, head)]);
    const [group] = review.stacks[0].resources;
    expect(group).toMatchObject({ logicalId: 'DbSecurityGroup', impact: ResourceImpact.WILL_REPLACE, stateful: false });
    expect(group.changes).toEqual([{ name: 'GroupDescription', isProperty: true, replacement: 'always' }]);
    // Not stateful: flagged in the stack's section, not called out.
    expect(review.statefulCallouts).toEqual([]);
    expect(stripAnsi(textReport(review, CONTEXT))).toContain('[~] AWS::EC2::SecurityGroup Part/DbSecurityGroup DbSecurityGroup replace\n └─ [~] GroupDescription (requires replacement)');
    expect(markdownReport(review, CONTEXT)).toContain('| modified | `DbSecurityGroup` | `AWS::EC2::SecurityGroup` | Part/DbSecurityGroup | **will be replaced** | `GroupDescription` (replaces) |');
  });

  test('stateful replacements, destructions and orphans are called out first, worst first', () => {
    const base = [stack('global', EAST, globalTemplate()), stack('region-east', EAST, regionTemplate())];
    const head = [
      stack('global', EAST, withTemplate((t) => {
        t.Resources.CartsTable.Properties.KeySchema = [{ AttributeName: 'cartId', KeyType: 'HASH' }];
        t.Resources.CartsTable.Properties.AttributeDefinitions = [{ AttributeName: 'cartId', AttributeType: 'S' }];
        delete t.Resources.Key;
      }, globalTemplate())),
      stack('region-east', EAST, withTemplate((t) => {
        delete t.Resources.ReportBucket;
        t.Resources.HandlerPolicy.Properties.PolicyDocument = { Version: '2012-10-17', Statement: [] };
      })),
    ];
    const review = reviewOf(base, head);
    expect(review.statefulCallouts.map((c) => [c.stackName, c.logicalId, c.impact])).toEqual([
      ['global', 'Key', ResourceImpact.WILL_DESTROY],
      ['global', 'CartsTable', ResourceImpact.WILL_REPLACE],
      ['region-east', 'ReportBucket', ResourceImpact.WILL_ORPHAN],
    ]);
    const text = stripAnsi(textReport(review, CONTEXT));
    const callouts = text.indexOf('STATEFUL RESOURCES REPLACED, DESTROYED OR ORPHANED (3):');
    expect(callouts).toBeGreaterThan(-1);
    expect(callouts).toBeLessThan(text.indexOf('Stack global'));
    expect(text).toContain('! global: AWS::DynamoDB::GlobalTable CartsTable (Part/CartsTable) will be replaced; caused by KeySchema');
    expect(text).toContain('! region-east: AWS::S3::Bucket ReportBucket (Part/ReportBucket) will be orphaned (left in the account, no longer managed)');
    const markdown = markdownReport(review, CONTEXT);
    expect(markdown.indexOf('> [!CAUTION]')).toBeLessThan(markdown.indexOf('#### `global`'));
    expect(markdown).toContain('| `global` | `CartsTable` | `AWS::DynamoDB::GlobalTable` | Part/CartsTable | **will be replaced** | `KeySchema` |');
  });

  test('a non-stateful resource removed is not called out', () => {
    const head = withTemplate((t) => { delete t.Resources.Topic; }, globalTemplate());
    const review = reviewOf([stack('global', EAST, globalTemplate())], [stack('global', EAST, head)]);
    expect(review.stacks[0].resources.map((r) => [r.logicalId, r.action, r.impact])).toEqual([['Topic', 'removed', ResourceImpact.WILL_DESTROY]]);
    expect(review.statefulCallouts).toEqual([]);
  });
});

describe('asset-only changes', () => {
  const newCode = (t: ReturnType<typeof clone>): void => {
    t.Resources.Handler.Properties.Code = { S3Bucket: 'cdk-hnb659fds-assets-111111111111-us-east-1', S3Key: `${NEW_HASH}.zip` };
    t.Resources.Handler.Metadata = { ...path('region', 'Handler'), 'aws:asset:path': `asset.${NEW_HASH}`, 'aws:asset:property': 'Code' };
  };

  test('a resource whose only difference is a known asset hash is listed apart, not among the changes', () => {
    const review = reviewOf([stack('region-east', EAST, regionTemplate())], [stack('region-east', EAST, withTemplate(newCode))], [NEW_HASH]);
    const [region] = review.stacks;
    expect(region.status).toBe('modified');
    expect(region.resources).toEqual([]);
    expect(region.assetOnly.map((r) => r.logicalId)).toEqual(['Handler']);
    expect(review.changed).toBe(true);
    const text = stripAnsi(textReport(review, CONTEXT));
    expect(resourceLines(text)).toEqual([]);
    expect(text).toContain('Assets changed (only an asset hash differs: function code, container image or staged file content): Handler (Part/Handler)');
    expect(markdownReport(review, CONTEXT)).toContain('**Assets changed (only an asset hash differs: function code, container image or staged file content):** `Handler`');
  });

  test('an asset hash change together with another property is a real change', () => {
    const head = withTemplate((t) => { newCode(t); t.Resources.Handler.Properties.Timeout = 60; });
    const review = reviewOf([stack('region-east', EAST, regionTemplate())], [stack('region-east', EAST, head)], [NEW_HASH]);
    expect(review.stacks[0].assetOnly).toEqual([]);
    expect(review.stacks[0].resources.map((r) => [r.logicalId, r.changes.map((c) => c.name)])).toEqual([['Handler', ['Code', 'Timeout', 'Metadata']]]);
  });

  test('an S3 key that no asset manifest names is a real change', () => {
    const head = withTemplate((t) => { t.Resources.Handler.Properties.Code = { S3Bucket: 'cdk-hnb659fds-assets-111111111111-us-east-1', S3Key: `${NEW_HASH}.zip` }; });
    const review = reviewOf([stack('region-east', EAST, regionTemplate())], [stack('region-east', EAST, head)], [OLD_HASH]);
    expect(review.stacks[0].assetOnly).toEqual([]);
    expect(review.stacks[0].resources.map((r) => r.logicalId)).toEqual(['Handler']);
  });
});

describe('stacks added and removed', () => {
  const base = [stack('global', EAST, globalTemplate()), stack('region-east', EAST, regionTemplate())];
  const head = [stack('region-east', EAST, regionTemplate()), stack('region-west', WEST, regionTemplate())];
  const review = reviewOf(base, head);

  test('a new stack is compared with an empty template; a removed one is listed after the head stacks', () => {
    expect(review.stacks.map((s) => [s.stackName, s.status])).toEqual([
      ['region-east', 'unchanged'],
      ['region-west', 'added'],
      ['global', 'removed'],
    ]);
    const added = review.stacks[1];
    expect(added.resources.map((r) => r.action)).toEqual(Array(6).fill('added'));
    const removed = review.stacks[2];
    expect(removed.resources.map((r) => [r.logicalId, r.impact])).toEqual([
      ['CartsTable', ResourceImpact.WILL_ORPHAN],
      ['Key', ResourceImpact.WILL_DESTROY],
      ['Topic', ResourceImpact.WILL_DESTROY],
    ]);
  });

  test('stateful resources of a removed stack are called out with what destroying the stack would do', () => {
    expect(review.statefulCallouts.map((c) => [c.stackName, c.logicalId, c.stackStatus])).toEqual([
      ['global', 'Key', 'removed'],
      ['global', 'CartsTable', 'removed'],
    ]);
    const text = stripAnsi(textReport(review, CONTEXT));
    expect(text).toContain('! global: AWS::KMS::Key Key (Part/Key) will be destroyed if the stack is destroyed');
    expect(text).toContain('Stack region-west (aws://111111111111/us-west-2): new stack (not in the base)');
    expect(text).toContain('Stack global (aws://111111111111/us-east-1): removed from the app (`cdk deploy` leaves the deployed stack in place');
  });

  test('the same stack name in another account or Region is another stack', () => {
    const moved = reviewOf([stack('region', EAST, regionTemplate())], [stack('region', WEST, regionTemplate())]);
    expect(moved.stacks.map((s) => [s.stackName, s.environment, s.status])).toEqual([
      ['region', WEST, 'added'],
      ['region', EAST, 'removed'],
    ]);
  });
});

describe('IAM and security group changes in their own tables', () => {
  const head = withTemplate((t) => {
    t.Resources.HandlerPolicy.Properties.PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ReportBucket', 'Arn'] }, '/*']] } },
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ReportBucket', 'Arn'] }, '/*']] } },
      ],
    };
    t.Resources.DbSecurityGroup.Properties.SecurityGroupIngress = [
      { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIp: '10.1.0.0/16' },
      { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIp: '10.2.0.0/16' },
    ];
  });
  const review = reviewOf([stack('region-east', EAST, regionTemplate())], [stack('region-east', EAST, head)]);

  test('the text report has the CDK formatter\'s IAM and security group tables', () => {
    const text = stripAnsi(textReport(review, CONTEXT));
    expect(text).toMatch(/IAM Statement Changes\n┌/);
    expect(text).toMatch(/│ \+ │ \$\{Part\/ReportBucket\.Arn\}\/\* │ Allow\s+│ s3:DeleteObject │ AWS:\$\{Part\/HandlerRole\}/);
    expect(text).toMatch(/Security Group Changes\n┌/);
    expect(text).toMatch(/│ \+ │ \$\{Part\/DbSecurityGroup\.GroupId\} │ In\s+│ TCP 5432 │ 10\.2\.0\.0\/16 │/);
    expect(text).toContain('IAM: 1 changes; security groups: 1 rule changes.');
  });

  test('the PR comment has them as Markdown tables', () => {
    const markdown = markdownReport(review, CONTEXT);
    expect(markdown).toContain('**IAM statement changes**\n\n|  | Resource | Effect | Action | Principal | Condition |');
    expect(markdown).toContain('| + | ${Part/ReportBucket.Arn}/* | Allow | s3:DeleteObject<br>s3:PutObject | AWS:${Part/HandlerRole} |  |');
    expect(markdown).toContain('**Security group changes**\n\n|  | Group | Dir | Protocol | Peer |');
    expect(markdown).toContain('| + | ${Part/DbSecurityGroup.GroupId} | In | TCP 5432 | 10.2.0.0/16 |');
  });
});

describe('the PR comment', () => {
  const many = withTemplate((t) => {
    for (let i = 0; i < 300; i++) {
      t.Resources[`Queue${i}`] = { Type: 'AWS::SQS::Queue', Properties: { QueueName: `queue-${i}-${'x'.repeat(40)}` } };
    }
  });
  const review = reviewOf([stack('region-east', EAST, regionTemplate())], [stack('region-east', EAST, many)]);

  test('starts with a marker a CI job can find, and names both sides and the settings', () => {
    const markdown = markdownReport(review, CONTEXT);
    expect(markdown.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    expect(markdown).toContain('**working tree (HEAD abcdef0)** against **main (0123456789)**, both synthesized with `-c config=/work/examples/prod.json`.');
    expect(markdown).toContain('<details><summary>cdk diff output</summary>');
  });

  test('fits the limit: the cdk diff text goes first, then table rows, the summary stays', () => {
    const full = markdownReport(review, CONTEXT, Number.MAX_SAFE_INTEGER);
    const limit = Math.floor(full.length / 3);
    const shortened = markdownReport(review, CONTEXT, limit);
    expect(shortened.length).toBeLessThanOrEqual(limit);
    expect(shortened).not.toContain('<details>');
    expect(shortened).toContain('1 of 1 stacks changed; resources: 300 added');
    expect(shortened).toMatch(/Shortened to fit in a comment|did not fit in a comment/);
  });
});
