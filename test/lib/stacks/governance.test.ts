import * as fs from 'node:fs';
import * as path from 'node:path';
import { platformTemplates, type StackTemplate } from '../../helpers/assemblies';

/**
 * The governance controls of the README's security table, asserted per resource type on every
 * template of the default, prod three-Region and active-active configurations: a new resource of
 * one of these types cannot miss a control without failing here.
 */

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');
const readExample = (name: string) => JSON.parse(fs.readFileSync(path.join(EXAMPLES, `${name}.json`), 'utf8')) as Record<string, unknown>;
const CONFIGURATIONS: readonly [string, Record<string, unknown>][] = [
  ['default', {}],
  ['prod-three-regions', readExample('prod-three-regions')],
  ['active-active', readExample('active-active')],
];

type Json = Record<string, unknown>;
interface Resource {
  readonly Type: string;
  readonly Properties?: Json;
  readonly DependsOn?: string | string[];
}

function resources(stack: StackTemplate): [string, Resource][] {
  return Object.entries((stack.template.toJSON() as { Resources: Record<string, Resource> }).Resources);
}

function ofType(stack: StackTemplate, type: string): [string, Json][] {
  return resources(stack)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at, if it is one. */
function target(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === 'string') return ref;
  const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/** A reference to a key of this platform: in this stack, or exported by another (the network stack's data key). */
function isKeyReference(value: unknown): boolean {
  return target(value) !== undefined || (typeof value === 'object' && value !== null && 'Fn::ImportValue' in value);
}

/** Key policy statements of a key in the same template (undefined when the key is imported). */
function keyStatements(stack: StackTemplate, keyRef: unknown): Json[] | undefined {
  const id = target(keyRef);
  if (id === undefined) return undefined;
  const key = resources(stack).find(([logicalId]) => logicalId === id)?.[1];
  return ((key?.Properties?.KeyPolicy as { Statement?: Json[] } | undefined)?.Statement) ?? undefined;
}

describe.each(CONFIGURATIONS)('governance controls: %s', (_name, input) => {
  const stacks = platformTemplates(input).all;

  describe('logs', () => {
    test('every log group has a retention and a KMS key', () => {
      let count = 0;
      for (const stack of stacks) {
        for (const [id, props] of ofType(stack, 'AWS::Logs::LogGroup')) {
          count += 1;
          expect({ stack: stack.name, id, retention: typeof props.RetentionInDays }).toEqual({ stack: stack.name, id, retention: 'number' });
          expect({ stack: stack.name, id, key: props.KmsKeyId !== undefined }).toEqual({ stack: stack.name, id, key: true });
        }
      }
      expect(count).toBeGreaterThan(0);
    });

    test('a key of the same stack that encrypts log groups admits CloudWatch Logs of this Region only for log-group ARNs', () => {
      for (const stack of stacks) {
        for (const [, props] of ofType(stack, 'AWS::Logs::LogGroup')) {
          const statements = keyStatements(stack, props.KmsKeyId);
          if (statements === undefined) continue;
          const logs = statements.find((s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: `logs.${stack.region}.amazonaws.com` }));
          expect(logs?.Condition).toEqual({ ArnLike: { 'kms:EncryptionContext:aws:logs:arn': expect.anything() } });
        }
      }
    });

    test('every Lambda function, the CDK\'s own providers included, logs to a log group of its stack', () => {
      for (const stack of stacks) {
        const groups = new Set(ofType(stack, 'AWS::Logs::LogGroup').map(([id]) => id));
        for (const [id, props] of ofType(stack, 'AWS::Lambda::Function')) {
          const group = target((props.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup);
          expect({ stack: stack.name, id, logGroupInStack: group !== undefined && groups.has(group) }).toEqual({ stack: stack.name, id, logGroupInStack: true });
        }
      }
    });
  });
  describe('KMS', () => {
    test('every key rotates and lets nobody create a grant that is not for an AWS resource', () => {
      for (const stack of stacks) {
        for (const [id, props] of ofType(stack, 'AWS::KMS::Key')) {
          expect({ stack: stack.name, id, rotation: props.EnableKeyRotation }).toEqual({ stack: stack.name, id, rotation: true });
          const statements = (props.KeyPolicy as { Statement: Json[] }).Statement;
          expect(statements).toContainEqual(
            expect.objectContaining({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'kms:CreateGrant',
              Condition: { Bool: { 'kms:GrantIsForAWSResource': 'false' } },
            }),
          );
        }
      }
    });

    test('IAM statements that allow kms:CreateGrant require kms:GrantIsForAWSResource', () => {
      const policyDocuments = (stack: StackTemplate): Json[] => [
        ...ofType(stack, 'AWS::IAM::Policy').map(([, p]) => p.PolicyDocument as Json),
        ...ofType(stack, 'AWS::IAM::ManagedPolicy').map(([, p]) => p.PolicyDocument as Json),
        ...ofType(stack, 'AWS::IAM::Role').flatMap(([, p]) => ((p.Policies ?? []) as { PolicyDocument: Json }[]).map((inline) => inline.PolicyDocument)),
      ];
      let grants = 0;
      for (const stack of stacks) {
        for (const document of policyDocuments(stack)) {
          for (const statement of document.Statement as Json[]) {
            const actions = ([] as unknown[]).concat(statement.Action);
            if (statement.Effect !== 'Allow' || !actions.some((a) => a === 'kms:CreateGrant' || a === 'kms:*')) continue;
            grants += 1;
            expect({ stack: stack.name, sid: statement.Sid, actions, bool: (statement.Condition as Json | undefined)?.Bool }).toEqual({
              stack: stack.name,
              sid: statement.Sid,
              actions: ['kms:CreateGrant'],
              bool: { 'kms:GrantIsForAWSResource': 'true' },
            });
          }
        }
      }
      expect(grants).toBeGreaterThan(0);
    });
  });
  describe('S3', () => {
    const ACCESS_LOG_BUCKET = /^EntryAccessLogs/;

    test('one access-log bucket per regional stack; every other bucket logs its server accesses there, under its own prefix', () => {
      for (const stack of stacks) {
        const buckets = ofType(stack, 'AWS::S3::Bucket');
        const accessLogs = buckets.filter(([id]) => ACCESS_LOG_BUCKET.test(id));
        expect({ stack: stack.name, accessLogBuckets: accessLogs.length }).toEqual({ stack: stack.name, accessLogBuckets: buckets.length > 0 ? 1 : 0 });
        const prefixes = new Set<unknown>();
        for (const [id, props] of buckets.filter(([bucketId]) => !ACCESS_LOG_BUCKET.test(bucketId))) {
          const logging = props.LoggingConfiguration as { DestinationBucketName?: unknown; LogFilePrefix?: unknown } | undefined;
          expect({ stack: stack.name, id, destination: target(logging?.DestinationBucketName) }).toEqual({ stack: stack.name, id, destination: accessLogs[0]![0] });
          prefixes.add(logging?.LogFilePrefix);
        }
        expect(prefixes.size).toBe(buckets.length - accessLogs.length);
      }
    });

    test('every bucket except the access-log bucket is encrypted with a customer-managed key; the access-log bucket with SSE-S3', () => {
      for (const stack of stacks) {
        for (const [id, props] of ofType(stack, 'AWS::S3::Bucket')) {
          const byDefault = ((props.BucketEncryption as { ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: Json }[] }).ServerSideEncryptionConfiguration)[0]!.ServerSideEncryptionByDefault;
          if (ACCESS_LOG_BUCKET.test(id)) {
            // Load balancer access logs and S3 server access logs are delivered only to SSE-S3 buckets.
            expect(byDefault).toEqual({ SSEAlgorithm: 'AES256' });
          } else {
            expect({ stack: stack.name, id, algorithm: byDefault.SSEAlgorithm, key: isKeyReference(byDefault.KMSMasterKeyID) }).toEqual({ stack: stack.name, id, algorithm: 'aws:kms', key: true });
          }
        }
      }
    });

    test('every bucket is versioned, blocks public access, has a lifecycle, is retained and refuses requests without TLS', () => {
      for (const stack of stacks) {
        const policies = ofType(stack, 'AWS::S3::BucketPolicy');
        for (const [id, props] of ofType(stack, 'AWS::S3::Bucket')) {
          const resource = resources(stack).find(([logicalId]) => logicalId === id)![1] as Resource & { DeletionPolicy?: string };
          expect({ stack: stack.name, id, deletion: resource.DeletionPolicy }).toEqual({ stack: stack.name, id, deletion: 'RetainExceptOnCreate' });
          expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
          expect(props.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
          expect(((props.LifecycleConfiguration as { Rules?: unknown[] } | undefined)?.Rules ?? []).length).toBeGreaterThan(0);
          const policy = policies.find(([, p]) => target(p.Bucket) === id)?.[1];
          expect((policy?.PolicyDocument as { Statement: Json[] } | undefined)?.Statement).toContainEqual(
            expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          );
        }
      }
    });

    test('the access-log bucket admits S3 log delivery only from its own stack\'s buckets, each under its prefix', () => {
      for (const stack of stacks) {
        const accessLogs = ofType(stack, 'AWS::S3::Bucket').find(([id]) => ACCESS_LOG_BUCKET.test(id));
        if (accessLogs === undefined) continue;
        const policy = ofType(stack, 'AWS::S3::BucketPolicy').find(([, p]) => target(p.Bucket) === accessLogs[0])![1];
        const deliveries = (policy.PolicyDocument as { Statement: Json[] }).Statement.filter((st) => JSON.stringify(st.Principal) === JSON.stringify({ Service: 'logging.s3.amazonaws.com' }));
        expect(deliveries.length).toBe(ofType(stack, 'AWS::S3::Bucket').length - 1);
        for (const delivery of deliveries) {
          expect(delivery.Condition).toEqual({ ArnLike: { 'aws:SourceArn': expect.anything() }, StringEquals: { 'aws:SourceAccount': expect.anything() } });
        }
      }
    });
  });
  describe('Aurora', () => {
    test('every instance: enhanced monitoring with its own role, Performance Insights encrypted; minor upgrades through the global cluster only', () => {
      for (const stack of stacks) {
        const roles = new Map(ofType(stack, 'AWS::IAM::Role'));
        for (const [id, props] of ofType(stack, 'AWS::RDS::DBInstance')) {
          expect({ stack: stack.name, id, interval: props.MonitoringInterval }).toEqual({ stack: stack.name, id, interval: 60 });
          const role = roles.get(target(props.MonitoringRoleArn) ?? '');
          expect(JSON.stringify(role?.AssumeRolePolicyDocument)).toContain('monitoring.rds.amazonaws.com');
          expect(props.EnablePerformanceInsights).toBe(true);
          expect(isKeyReference(props.PerformanceInsightsKMSKeyId)).toBe(true);
          // Aurora applies no automatic minor upgrades to global database members (README security table).
          expect(props.AutoMinorVersionUpgrade).toBe(false);
        }
      }
    });

    test('Database Insights advanced mode where the profile asks for it (prod), with 15 months of Performance Insights', () => {
      const advanced = platformTemplates(input).config.database.advancedInsights;
      for (const stack of stacks) {
        for (const [id, props] of ofType(stack, 'AWS::RDS::DBCluster')) {
          if (advanced) {
            expect({ id, mode: props.DatabaseInsightsMode, retention: props.PerformanceInsightsRetentionPeriod }).toEqual({ id, mode: 'advanced', retention: 465 });
          } else {
            expect(props.DatabaseInsightsMode).toBeUndefined();
          }
        }
      }
    });

    test('TLS: the orders parameter group forces it; the catalog one follows database.catalogRequireTls', () => {
      const requireCatalogTls = platformTemplates(input).config.database.catalogRequireTls;
      for (const stack of stacks) {
        for (const [id, props] of ofType(stack, 'AWS::RDS::DBClusterParameterGroup')) {
          const parameters = props.Parameters as Record<string, string>;
          if (String(props.Family).startsWith('aurora-postgresql')) {
            expect({ id, forceSsl: parameters['rds.force_ssl'] }).toEqual({ id, forceSsl: '1' });
          } else if (!/reconcile/i.test(id)) {
            expect({ id, secure: parameters.require_secure_transport }).toEqual({ id, secure: requireCatalogTls ? 'ON' : 'OFF' });
          }
        }
      }
    });
  });
  describe('Lambda and edge', () => {
    /**
     * Functions deliberately outside a VPC, each because it calls only AWS public APIs and must keep
     * working when a Region's network is impaired (README security table). Anything else, and any
     * function that reaches a database, must run in the VPC.
     */
    const OUTSIDE_VPC: readonly RegExp[] = [
      /^ObservabilityRoutingStatePublisher/, // ARC data plane (routing control states)
      /^Runbooks(Preflight|Traffic|Databases|Report)/, // ARC data plane, RDS/DynamoDB/SSM control planes
      /^RestoreAndReconcile(FindSnapshot|CopySnapshot|Cleanup|Report|CloneNewPrimary)/, // RDS, ECS, S3 APIs; the comparison itself runs in the VPC (Fargate)
      /CustomResourceProvider|^AWS679f53fac002430cb0da5b7982bd2287/, // the CDK's deploy-time providers
      /^RotationRedeployFunction/, // ECS and SSM in every Region: must roll the Regions that are up while one is impaired
      /^InitialRoutingStateFunction/, // ARC cluster data plane, once at stack creation
      /^DeletionProtectionFunction/, // RDS, DynamoDB and CloudFormation control planes, at deploy time
    ];

    test('functions run in the VPC unless they call only AWS APIs; the database rotation functions are in it', () => {
      let inVpc = 0;
      for (const stack of stacks) {
        for (const [id, props] of ofType(stack, 'AWS::Lambda::Function')) {
          if (props.VpcConfig !== undefined) {
            inVpc += 1;
            continue;
          }
          expect({ stack: stack.name, id, outsideVpcAllowed: OUTSIDE_VPC.some((pattern) => pattern.test(id)) }).toEqual({ stack: stack.name, id, outsideVpcAllowed: true });
          expect(JSON.stringify(props.Environment ?? {})).not.toMatch(/Database(Cluster|Instance)|Endpoint\.Address|CheckoutCache|OrderEvents/);
        }
      }
      const primary = stacks.find((stack) => stack.name.startsWith('retail-region-'))!;
      expect(ofType(primary, 'AWS::Lambda::Function').filter(([id, props]) => /SecretRotation/.test(id) && props.VpcConfig !== undefined)).toHaveLength(2);
      expect(inVpc).toBeGreaterThanOrEqual(2);
    });

    test('with a domain, HTTP on the load balancer only redirects to HTTPS', () => {
      const withDomain = platformTemplates(input).config.domainName !== undefined;
      for (const stack of stacks) {
        for (const [id, props] of ofType(stack, 'AWS::ElasticLoadBalancingV2::Listener')) {
          if (props.Protocol !== 'HTTP' || !withDomain) continue;
          expect({ id, actions: props.DefaultActions }).toEqual({ id, actions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }] });
        }
        const protocols = ofType(stack, 'AWS::ElasticLoadBalancingV2::Listener').map(([, props]) => props.Protocol);
        if (withDomain && protocols.length > 0) expect(protocols).toContain('HTTPS');
      }
    });
  });
});
