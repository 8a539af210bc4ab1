import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { deadlineClientConfig } from '../../../../lib/common/aws-client';
import { REGION_DEADLINES } from '../../../../lib/data/rotation/redeploy/runtime';
import { RedeployFailedError, redeployAfterRotation, rotatedSecretArn, type RedeployDeps } from '../../../../lib/data/rotation/redeploy/runtime/redeploy';
import { platformTemplates } from '../../../helpers/assemblies';

const CATALOG_SECRET = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:catalog-AbCdEf';
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];
const PARAMETER = '/retail/platform/redeploy-targets';

function targets(region: string): string {
  return JSON.stringify({
    cluster: `arn:aws:ecs:${region}:111111111111:cluster/retail-${region}`,
    services: { catalog: `arn:aws:ecs:${region}:111111111111:service/retail-${region}/catalog`, orders: `arn:aws:ecs:${region}:111111111111:service/retail-${region}/orders` },
  });
}

/** One mocked client instance per Region, so each Region can fail on its own. */
function regionalClients() {
  const ssm = new Map(REGIONS.map((region) => [region, new SSMClient({ region })]));
  const ecs = new Map(REGIONS.map((region) => [region, new ECSClient({ region })]));
  const ssmMocks = new Map(REGIONS.map((region) => [region, mockClient(ssm.get(region)!)]));
  const ecsMocks = new Map(REGIONS.map((region) => [region, mockClient(ecs.get(region)!)]));
  for (const region of REGIONS) {
    ssmMocks.get(region)!.on(GetParameterCommand, { Name: PARAMETER }).resolves({ Parameter: { Value: targets(region) } });
    ecsMocks.get(region)!.on(UpdateServiceCommand).resolves({});
  }
  const deps: RedeployDeps = {
    regions: REGIONS,
    servicesBySecret: { [CATALOG_SECRET]: ['catalog'] },
    targetsParameterName: PARAMETER,
    ssm: (region) => ssm.get(region)!,
    ecs: (region) => ecs.get(region)!,
  };
  return { deps, ssmMocks, ecsMocks };
}

const updates = (mock: ReturnType<typeof regionalClients>['ecsMocks'] extends Map<string, infer M> ? M : never) =>
  mock.commandCalls(UpdateServiceCommand).map((call) => call.args[0].input);

describe('redeploy after a rotation', () => {
  test('forces a new deployment of the secret\'s services in every Region', async () => {
    const { deps, ecsMocks } = regionalClients();
    const outcomes = await redeployAfterRotation(CATALOG_SECRET, deps);
    expect(outcomes.map((o) => [o.region, o.status])).toEqual(REGIONS.map((region) => [region, 'rolled']));
    for (const region of REGIONS) {
      expect(updates(ecsMocks.get(region)!)).toEqual([{
        cluster: `arn:aws:ecs:${region}:111111111111:cluster/retail-${region}`,
        service: `arn:aws:ecs:${region}:111111111111:service/retail-${region}/catalog`,
        forceNewDeployment: true,
      }]);
    }
  });

  test('one Region unreachable: the others still roll, and the run fails naming that Region', async () => {
    const { deps, ssmMocks, ecsMocks } = regionalClients();
    ssmMocks.get('us-west-2')!.on(GetParameterCommand).rejects(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));
    const error = await redeployAfterRotation(CATALOG_SECRET, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedeployFailedError);
    expect((error as Error).message).toMatch(/failed in us-west-2 \(TimeoutError: connect ETIMEDOUT\); rolled in us-east-1, eu-west-1/);
    expect(updates(ecsMocks.get('us-east-1')!)).toHaveLength(1);
    expect(updates(ecsMocks.get('eu-west-1')!)).toHaveLength(1);
    expect(updates(ecsMocks.get('us-west-2')!)).toHaveLength(0);
  });

  test('a failed UpdateService in one Region fails the run after the others rolled', async () => {
    const { deps, ecsMocks } = regionalClients();
    ecsMocks.get('eu-west-1')!.on(UpdateServiceCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    await expect(redeployAfterRotation(CATALOG_SECRET, deps)).rejects.toThrow(/failed in eu-west-1 \(catalog: ThrottlingException: throttled\); rolled in us-east-1, us-west-2/);
    expect(updates(ecsMocks.get('us-west-2')!)).toHaveLength(1);
  });

  test('a Region not deployed yet (no targets parameter) is skipped, not failed', async () => {
    const { deps, ssmMocks } = regionalClients();
    ssmMocks.get('eu-west-1')!.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
    const outcomes = await redeployAfterRotation(CATALOG_SECRET, deps);
    expect(outcomes.map((o) => o.status)).toEqual(['rolled', 'rolled', 'not-deployed']);
  });

  test('an unknown secret is an error, not a silent success', async () => {
    const { deps } = regionalClients();
    await expect(redeployAfterRotation('arn:aws:secretsmanager:us-east-1:111111111111:secret:other-XyZ', deps)).rejects.toThrow(/No services are known to use/);
  });

  test('reads the secret from a RotationSucceeded event and refuses anything else', () => {
    expect(rotatedSecretArn({ detail: { eventName: 'RotationSucceeded', additionalEventData: { SecretId: CATALOG_SECRET } } })).toBe(CATALOG_SECRET);
    expect(() => rotatedSecretArn({ detail: { eventName: 'RotationFailed', additionalEventData: { SecretId: CATALOG_SECRET } } })).toThrow(/Not a RotationSucceeded event/);
  });
});

describe('redeploy with a silent Region (real SDK, loopback)', () => {
  test('the silent Region costs its deadline; the reachable one still rolls', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => { sockets.push(socket); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const { deps, ecsMocks } = regionalClients();
    // Shorter than REGION_DEADLINES to keep the test quick; the behaviour is the same.
    const deadlines = { connectMs: 500, requestMs: 1_500, maxAttempts: 2 };
    const deadSsm = new SSMClient(deadlineClientConfig('us-west-2', deadlines, silentUrl));
    const started = Date.now();
    try {
      const error = await redeployAfterRotation(CATALOG_SECRET, { ...deps, ssm: (region) => (region === 'us-west-2' ? deadSsm : deps.ssm(region)) }).catch((e: unknown) => e);
      const elapsed = Date.now() - started;
      expect((error as Error).message).toMatch(/failed in us-west-2 \(TimeoutError/);
      expect(updates(ecsMocks.get('us-east-1')!)).toHaveLength(1);
      expect(updates(ecsMocks.get('eu-west-1')!)).toHaveLength(1);
      expect(elapsed).toBeLessThan(deadlines.maxAttempts * (deadlines.requestMs + deadlines.connectMs) + 3_000);
      expect(REGION_DEADLINES.maxAttempts * (REGION_DEADLINES.connectMs + REGION_DEADLINES.requestMs) + 2_000).toBeLessThan(60_000 / 2);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  }, 40_000);
});

describe('redeploy wiring (primary Region)', () => {
  const platform = platformTemplates({});
  const [primary, secondary] = platform.regional;

  test('a RotationSucceeded rule for both master secrets invokes the redeploy function', () => {
    const rules = Object.values(primary!.findResources('AWS::Events::Rule')).filter((r) => String(JSON.stringify(r.Properties.EventPattern)).includes('RotationSucceeded'));
    expect(rules).toHaveLength(1);
    const pattern = rules[0]!.Properties.EventPattern;
    expect(pattern.source).toEqual(['aws.secretsmanager']);
    expect(pattern['detail-type']).toEqual(['AWS Service Event via CloudTrail']);
    expect(pattern.detail.additionalEventData.SecretId).toHaveLength(2);
    expect(JSON.stringify(rules[0]!.Properties.Targets)).toContain('RotationRedeployFunction');
    expect(Object.keys(secondary!.findResources('AWS::Events::Rule')).filter((id) => id.startsWith('RotationRedeploy'))).toEqual([]);
  });

  test('the function reaches every Region; each Region publishes its targets', () => {
    const fn = Object.entries(primary!.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('RotationRedeployFunction'))![1];
    expect(fn.Properties.Environment.Variables.REGIONS).toBe('us-east-1,us-west-2');
    for (const stack of platform.regional) {
      stack.hasResourceProperties('AWS::SSM::Parameter', { Name: '/retail/platform/redeploy-targets' });
    }
  });

  test('a failed redeploy pages', () => {
    const alarm = Object.entries(primary!.findResources('AWS::CloudWatch::Alarm')).find(([id]) => id.startsWith('RotationRedeployFailureAlarm'))![1];
    expect(alarm.Properties.MetricName).toBe('Errors');
    expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('ObservabilityPage');
  });

  test('the first rotation waits for the redeploy rule and function', () => {
    const resources = primary!.toJSON().Resources as Record<string, { Type: string; DependsOn?: string[] }>;
    const rule = Object.keys(resources).find((id) => id.startsWith('RotationRedeployRotationSucceeded'))!;
    for (const [id, resource] of Object.entries(resources)) {
      if (resource.Type === 'AWS::SecretsManager::RotationSchedule') expect([id, resource.DependsOn]).toEqual([id, expect.arrayContaining([rule])]);
    }
  });
});
