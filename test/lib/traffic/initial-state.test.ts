import * as fs from 'node:fs';
import * as path from 'node:path';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetRoutingControlStateCommand, Route53RecoveryClusterClient, UpdateRoutingControlStatesCommand } from '@aws-sdk/client-route53-recovery-cluster';
import type { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { ARC_ENDPOINT_DEADLINES } from '../../../lib/common/aws-client';
import { createArcClientFactory } from '../../../lib/runbooks/runtime/arc';
import { sendResponse } from '../../../lib/common/runtime/cfn-response';
import { applyInitialState, type CustomResourceEvent } from '../../../lib/traffic/initial-state/runtime/initial-state';
import { ARC_ENDPOINT_REGIONS, FakeArcCluster } from '../../drill/fake-arc';
import { platformTemplates } from '../../helpers/assemblies';

const EAST = 'arn:aws:route53-recovery-control::111111111111:controlpanel/p/routingcontrol/east';
const WEST = 'arn:aws:route53-recovery-control::111111111111:controlpanel/p/routingcontrol/west';
const ENDPOINTS = ARC_ENDPOINT_REGIONS.map((region) => ({ endpoint: `https://arc-${region}.example/v1`, region }));

function event(requestType: CustomResourceEvent['RequestType'], endpoints = ENDPOINTS): CustomResourceEvent {
  return {
    RequestType: requestType,
    ResourceProperties: { RoutingControlArn: EAST, DesiredState: 'On', ClusterEndpoints: JSON.stringify(endpoints) },
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: `initial-state:${EAST}` }),
    LogicalResourceId: 'InitialRoutingState',
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/retail-region-us-east-1/abc',
    RequestId: 'req-1',
    ResponseURL: 'http://127.0.0.1:1/unused',
  };
}

describe('initial routing state (SDK mocked)', () => {
  const arc = mockClient(Route53RecoveryClusterClient);
  const deps = () => ({ clientFor: () => new Route53RecoveryClusterClient({ region: 'us-east-1' }), random: () => 0.999_999, notAfterMs: Date.now() + 60_000 });

  beforeEach(() => arc.reset());
  afterAll(() => arc.restore());

  test('create turns the control On, reads it back and reports the state', async () => {
    arc.on(UpdateRoutingControlStatesCommand).resolves({});
    arc.on(GetRoutingControlStateCommand).resolves({ RoutingControlArn: EAST, RoutingControlState: 'On' });
    const outcome = await applyInitialState(event('Create'), deps());
    expect(outcome).toMatchObject({ status: 'SUCCESS', data: { State: 'On' }, physicalResourceId: `initial-state:${EAST}` });
    expect(arc.commandCalls(UpdateRoutingControlStatesCommand).map((call) => call.args[0].input)).toEqual([
      { UpdateRoutingControlStateEntries: [{ RoutingControlArn: EAST, RoutingControlState: 'On' }] },
    ]);
  });

  test.each(['Update', 'Delete'] as const)('%s never touches routing (a deploy after a failover must not undo it)', async (type) => {
    const outcome = await applyInitialState(event(type), deps());
    expect(outcome).toMatchObject({ status: 'SUCCESS', physicalResourceId: `initial-state:${EAST}` });
    expect(arc.calls()).toHaveLength(0);
  });

  test('fails, naming every endpoint, when none accepts the change', async () => {
    arc.on(UpdateRoutingControlStatesCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const outcome = await applyInitialState(event('Create'), deps());
    expect(outcome.status).toBe('FAILED');
    for (const endpoint of ENDPOINTS) expect(outcome.reason).toContain(endpoint.endpoint);
    expect(arc.commandCalls(GetRoutingControlStateCommand)).toHaveLength(0);
  });

  test('fails when the control does not read back as set', async () => {
    arc.on(UpdateRoutingControlStatesCommand).resolves({});
    arc.on(GetRoutingControlStateCommand).resolves({ RoutingControlArn: EAST, RoutingControlState: 'Off' });
    const outcome = await applyInitialState(event('Create'), deps());
    expect(outcome).toMatchObject({ status: 'FAILED', reason: expect.stringContaining('is Off after creation, expected On') });
  });

  test('fails on endpoints it cannot use', async () => {
    const outcome = await applyInitialState({ ...event('Create'), ResourceProperties: { ...event('Create').ResourceProperties, ClusterEndpoints: '[{"endpoint":1}]' } }, deps());
    expect(outcome).toMatchObject({ status: 'FAILED', reason: expect.stringContaining('needs "endpoint" and "region"') });
  });
});

describe('initial routing state over HTTP (real SDK, loopback cluster endpoints)', () => {
  let cluster: FakeArcCluster;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    cluster = await FakeArcCluster.start({ east: EAST, west: WEST }, 'arn:rule', () => undefined);
  });
  afterAll(async () => cluster.close());

  test('a silent endpoint costs its deadline, then the next one sets the control On', async () => {
    cluster.heal();
    cluster.set({ [EAST]: 'Off', [WEST]: 'On' });
    cluster.endpoints[0]!.inject('silent');
    const started = Date.now();
    // random ~1 keeps the topology order: the silent endpoint is tried first.
    const outcome = await applyInitialState(event('Create', cluster.topologyEndpoints()), {
      clientFor: createArcClientFactory(), random: () => 0.999_999, notAfterMs: Date.now() + 60_000,
    });
    const elapsed = Date.now() - started;
    expect(outcome).toMatchObject({ status: 'SUCCESS', data: { State: 'On' } });
    expect(cluster.states.get(EAST)).toBe('On');
    // The silent endpoint is paid for once: the read-back goes to the endpoint that took the change.
    expect(elapsed).toBeGreaterThanOrEqual(ARC_ENDPOINT_DEADLINES.requestMs - 100);
    expect(elapsed).toBeLessThan(2 * ARC_ENDPOINT_DEADLINES.requestMs - 500);
  }, 30_000);
});

describe('response to CloudFormation', () => {
  test('PUTs the outcome to the response URL', async () => {
    let received = '';
    const server = http.createServer((request, response) => {
      request.on('data', (chunk: Buffer) => { received += chunk.toString(); });
      request.on('end', () => response.end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
    try {
      await sendResponse({ ...event('Create'), ResponseURL: url }, { status: 'SUCCESS', physicalResourceId: 'p', reason: 'ok', data: { State: 'On' } });
    } finally {
      server.close();
    }
    expect(JSON.parse(received)).toEqual({ Status: 'SUCCESS', Reason: 'ok', PhysicalResourceId: 'p', StackId: event('Create').StackId, RequestId: 'req-1', LogicalResourceId: 'InitialRoutingState', Data: { State: 'On' } });
  });

  test('gives up on a silent response URL at its deadline', async () => {
    const server = http.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
    try {
      await expect(sendResponse({ ...event('Create'), ResponseURL: url }, { status: 'SUCCESS', physicalResourceId: 'p', reason: 'ok', data: {} }, 500)).rejects.toThrow();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('where the initial state is set', () => {
  const DOMAIN = { domainName: 'shop.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' };
  type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
  const resources = (t: Template) => Object.entries(t.toJSON().Resources as Record<string, Resource>);
  const initialStates = (t: Parameters<typeof resources>[0]) => resources(t).filter(([, r]) => r.Type === 'Custom::InitialRoutingState');

  test('active-standby: only the primary turns its control On, after its records, health check and services', () => {
    const [primary, secondary] = platformTemplates(DOMAIN).regional;
    expect(initialStates(secondary!)).toEqual([]);
    const [[, initial]] = initialStates(primary!) as [[string, Resource]];
    expect(initial.Properties.DesiredState).toBe('On');
    const ofType = (type: string) => resources(primary!).filter(([, r]) => r.Type === type).map(([id]) => id);
    expect(initial.DependsOn).toEqual(expect.arrayContaining([
      ...ofType('AWS::Route53::RecordSet'),
      ...ofType('AWS::Route53::HealthCheck'),
      ...ofType('AWS::ECS::Service'),
    ]));
    expect(ofType('AWS::Route53::RecordSet')).toHaveLength(2);
    expect(JSON.stringify(initial.Properties.RoutingControlArn)).toBe(JSON.stringify(Object.values(primary!.findResources('AWS::Route53::HealthCheck'))[0]!.Properties.HealthCheckConfig.RoutingControlArn));
  });

  test('active-active with a brought-along cluster: every Region turns its own control On, endpoints read from that cluster', () => {
    const input = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'active-active.json'), 'utf8')) as Record<string, unknown>;
    const platform = platformTemplates(input);
    for (const stack of platform.regional) {
      const [[, initial]] = initialStates(stack) as [[string, Resource]];
      expect(initial.Properties.DesiredState).toBe('On');
      expect(JSON.stringify(initial.Properties.ClusterEndpoints)).toContain('Endpoint');
    }
    platform.trafficControl.resourceCountIs('AWS::Route53RecoveryControl::Cluster', 0);
    expect(JSON.stringify(platform.trafficControl.toJSON())).toContain(String(input.arcClusterArn));
  });

  test('the function may set and read only its own Region\'s control', () => {
    const t = platformTemplates(DOMAIN).regional[0]!;
    const policies = Object.entries(t.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('InitialRoutingState')).map(([, policy]) => policy);
    expect(policies).toHaveLength(1);
    const statement = (policies[0]!.Properties.PolicyDocument.Statement as { Sid?: string; Action: string[]; Resource: unknown }[]).find((s) => s.Sid === 'SetAndReadThisRegionsControl')!;
    expect([...statement.Action].sort()).toEqual(['route53-recovery-cluster:GetRoutingControlState', 'route53-recovery-cluster:UpdateRoutingControlStates']);
    expect(JSON.stringify(statement.Resource)).not.toContain('*');
  });
});
