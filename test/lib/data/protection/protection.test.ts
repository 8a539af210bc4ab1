import { CloudFormationClient, DescribeStacksCommand, type StackStatus } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient, ResourceInUseException, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client, LoadBalancerNotFoundException, ModifyLoadBalancerAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DBClusterNotFoundFault, InvalidDBClusterStateFault, ModifyDBClusterCommand, ModifyGlobalClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { applyProtection, type ProtectionDeps, type ProtectionEvent } from '../../../../lib/data/protection/runtime/protection';

const STACK_ID = 'arn:aws:cloudformation:us-east-1:111111111111:stack/retail-global-data/abc';
const ALB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/retail-Entry-abc/50dc6c495c0c9188';

function event(requestType: ProtectionEvent['RequestType']): ProtectionEvent {
  return {
    RequestType: requestType,
    ResourceProperties: {
      DbClusters: ['retail-catalog-us-east-1'],
      GlobalClusters: ['retail-catalog'],
      Tables: [{ TableName: 'retail-carts', Regions: ['us-east-1', 'us-west-2'] }],
      LoadBalancers: [ALB_ARN],
    },
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: 'deletion-protection:DeletionProtection' }),
    LogicalResourceId: 'DeletionProtection',
    StackId: STACK_ID,
    RequestId: 'req-1',
    ResponseURL: 'http://127.0.0.1:1/unused',
  };
}

describe('deletion protection custom resource (SDK mocked)', () => {
  const rds = mockClient(RDSClient);
  const dynamodb = mockClient(DynamoDBClient);
  const cloudformation = mockClient(CloudFormationClient);
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const sleeps: number[] = [];
  let clock = 0;
  const deps = (overrides: Partial<ProtectionDeps> = {}): ProtectionDeps => ({
    rds: new RDSClient({ region: 'us-east-1' }),
    dynamodb: (region) => new DynamoDBClient({ region }),
    cloudformation: new CloudFormationClient({ region: 'us-east-1' }),
    elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
    notAfterMs: 60_000,
    now: () => clock,
    sleep: async (ms) => { sleeps.push(ms); clock += ms; },
    busyRetryMs: 10_000,
    ...overrides,
  });
  /** DynamoDB as the service behaves: DescribeTable reports the last value UpdateTable set (per Region). */
  const tableProtection = new Map<string, boolean>();
  const stackIs = (status: StackStatus) => cloudformation.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({
    Stacks: [{ StackName: 'retail-global-data', StackId: STACK_ID, StackStatus: status, CreationTime: new Date(0) }],
  });

  beforeEach(() => {
    rds.reset();
    dynamodb.reset();
    cloudformation.reset();
    elbv2.reset();
    sleeps.length = 0;
    clock = 0;
    tableProtection.clear();
    rds.on(ModifyDBClusterCommand).callsFake((input: { DeletionProtection?: boolean }) => ({ DBCluster: { DeletionProtection: input.DeletionProtection } }));
    rds.on(ModifyGlobalClusterCommand).callsFake((input: { DeletionProtection?: boolean }) => ({ GlobalCluster: { DeletionProtection: input.DeletionProtection } }));
    dynamodb.on(DescribeTableCommand).callsFake(async (_input: unknown, getClient: () => DynamoDBClient) => {
      const region = await getClient().config.region();
      return { Table: { TableName: 'retail-carts', DeletionProtectionEnabled: tableProtection.get(region) ?? false } };
    });
    dynamodb.on(UpdateTableCommand).callsFake(async (input: { DeletionProtectionEnabled?: boolean }, getClient: () => DynamoDBClient) => {
      const region = await getClient().config.region();
      tableProtection.set(region, input.DeletionProtectionEnabled ?? false);
      return { TableDescription: { TableName: 'retail-carts', DeletionProtectionEnabled: input.DeletionProtectionEnabled } };
    });
    // As the service answers: every attribute of the load balancer after the change.
    elbv2.on(ModifyLoadBalancerAttributesCommand).callsFake((input: { Attributes?: { Key?: string; Value?: string }[] }) => ({
      Attributes: [{ Key: 'access_logs.s3.enabled', Value: 'true' }, ...(input.Attributes ?? []), { Key: 'idle_timeout.timeout_seconds', Value: '60' }],
    }));
  });
  afterAll(() => {
    rds.restore();
    dynamodb.restore();
    cloudformation.restore();
    elbv2.restore();
  });

  const clusterCalls = () => rds.commandCalls(ModifyDBClusterCommand).map((call) => call.args[0].input);
  const globalCalls = () => rds.commandCalls(ModifyGlobalClusterCommand).map((call) => call.args[0].input);
  const tableUpdates = () => dynamodb.commandCalls(UpdateTableCommand).map((call) => call.args[0].input);
  const loadBalancerCalls = () => elbv2.commandCalls(ModifyLoadBalancerAttributesCommand).map((call) => call.args[0].input);
  const loadBalancerProtection = (value: 'true' | 'false') => ({ LoadBalancerArn: ALB_ARN, Attributes: [{ Key: 'deletion_protection.enabled', Value: value }] });

  test('create turns protection on for every cluster, global cluster and table replica', async () => {
    const outcome = await applyProtection(event('Create'), deps());
    expect(outcome).toMatchObject({ status: 'SUCCESS', physicalResourceId: 'deletion-protection:DeletionProtection' });
    expect(clusterCalls()).toEqual([{ DBClusterIdentifier: 'retail-catalog-us-east-1', DeletionProtection: true, ApplyImmediately: true }]);
    expect(globalCalls()).toEqual([{ GlobalClusterIdentifier: 'retail-catalog', DeletionProtection: true }]);
    expect(tableUpdates()).toEqual([
      { TableName: 'retail-carts', DeletionProtectionEnabled: true },
      { TableName: 'retail-carts', DeletionProtectionEnabled: true },
    ]);
    expect([...tableProtection]).toEqual(expect.arrayContaining([['us-east-1', true], ['us-west-2', true]]));
    expect(loadBalancerCalls()).toEqual([loadBalancerProtection('true')]);
    expect(outcome.reason).toContain(`load balancer ${ALB_ARN}: protection on`);
    expect(cloudformation.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  test('update turns protection on again and never off (a table already protected is left untouched)', async () => {
    tableProtection.set('us-east-1', true);
    const outcome = await applyProtection(event('Update'), deps());
    expect(outcome.status).toBe('SUCCESS');
    expect(clusterCalls().map((input) => input.DeletionProtection)).toEqual([true]);
    expect(globalCalls().map((input) => input.DeletionProtection)).toEqual([true]);
    expect(tableUpdates()).toEqual([{ TableName: 'retail-carts', DeletionProtectionEnabled: true }]);
    expect(tableProtection.get('us-west-2')).toBe(true);
    expect(loadBalancerCalls()).toEqual([loadBalancerProtection('true')]);
  });

  test('delete while the stack\'s creation rolls back (ROLLBACK_IN_PROGRESS) turns protection off, so the rollback can delete', async () => {
    tableProtection.set('us-east-1', true).set('us-west-2', true);
    stackIs('ROLLBACK_IN_PROGRESS');
    const outcome = await applyProtection(event('Delete'), deps());
    expect(outcome).toMatchObject({ status: 'SUCCESS', reason: expect.stringContaining('ROLLBACK_IN_PROGRESS') });
    expect(clusterCalls()).toEqual([{ DBClusterIdentifier: 'retail-catalog-us-east-1', DeletionProtection: false, ApplyImmediately: true }]);
    expect(globalCalls()).toEqual([{ GlobalClusterIdentifier: 'retail-catalog', DeletionProtection: false }]);
    expect(tableUpdates().map((input) => input.DeletionProtectionEnabled)).toEqual([false, false]);
    expect(loadBalancerCalls()).toEqual([loadBalancerProtection('false')]);
  });

  test('delete during a creation rollback tolerates resources that are already gone', async () => {
    stackIs('ROLLBACK_IN_PROGRESS');
    rds.on(ModifyDBClusterCommand).rejects(new DBClusterNotFoundFault({ message: 'DBCluster retail-catalog-us-east-1 not found', $metadata: {} }));
    elbv2.on(ModifyLoadBalancerAttributesCommand).rejects(new LoadBalancerNotFoundException({ message: 'One or more load balancers not found', $metadata: {} }));
    const outcome = await applyProtection(event('Delete'), deps());
    expect(outcome).toMatchObject({ status: 'SUCCESS', reason: expect.stringContaining('DB cluster retail-catalog-us-east-1: gone') });
    expect(outcome.reason).toContain(`load balancer ${ALB_ARN}: gone`);
  });

  test('a load balancer that is gone fails a create (it is not tolerated outside a rollback)', async () => {
    elbv2.on(ModifyLoadBalancerAttributesCommand).rejects(new LoadBalancerNotFoundException({ message: 'One or more load balancers not found', $metadata: {} }));
    const outcome = await applyProtection(event('Create'), deps());
    expect(outcome).toMatchObject({
      status: 'FAILED',
      reason: `Deletion protection could not be turned on: load balancer ${ALB_ARN}: LoadBalancerNotFoundException: One or more load balancers not found`,
    });
  });

  test('a load balancer whose answer does not show protection on is a failure', async () => {
    elbv2.on(ModifyLoadBalancerAttributesCommand).resolves({ Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }] });
    const outcome = await applyProtection(event('Create'), deps());
    expect(outcome).toMatchObject({ status: 'FAILED', reason: expect.stringContaining(`load balancer ${ALB_ARN}: deletion protection reads false after setting it to true`) });
  });

  test.each<StackStatus>(['DELETE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'IMPORT_ROLLBACK_IN_PROGRESS'])(
    'delete during %s leaves protection on (stack deleted with retained resources, update rollback, replacement)',
    async (status) => {
      stackIs(status);
      const outcome = await applyProtection(event('Delete'), deps());
      expect(outcome).toMatchObject({ status: 'SUCCESS', reason: `Delete during ${status}: protection left on` });
      expect(rds.calls()).toHaveLength(0);
      expect(dynamodb.calls()).toHaveLength(0);
      expect(elbv2.calls()).toHaveLength(0);
    },
  );

  test('delete fails, touching nothing, when the stack status cannot be read', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    const outcome = await applyProtection(event('Delete'), deps());
    expect(outcome.status).toBe('FAILED');
    expect(outcome.reason).toBe(`Cannot tell a creation rollback from a stack deletion (DescribeStacks ${STACK_ID}): Throttling: Rate exceeded; protection left as it is`);
    expect(rds.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
    expect(elbv2.calls()).toHaveLength(0);
  });

  test('an API failure fails the create with every failed resource named, the others still protected', async () => {
    rds.on(ModifyGlobalClusterCommand).rejects(Object.assign(new Error('User is not authorized to perform: rds:ModifyGlobalCluster'), { name: 'AccessDenied' }));
    dynamodb.on(UpdateTableCommand).rejects(Object.assign(new Error('One or more parameter values were invalid'), { name: 'ValidationException' }));
    const outcome = await applyProtection(event('Create'), deps());
    expect(outcome.status).toBe('FAILED');
    expect(outcome.reason).toBe('Deletion protection could not be turned on: '
      + 'global cluster retail-catalog: AccessDenied: User is not authorized to perform: rds:ModifyGlobalCluster; '
      + 'table retail-carts in us-east-1: ValidationException: One or more parameter values were invalid; '
      + 'table retail-carts in us-west-2: ValidationException: One or more parameter values were invalid');
    expect(clusterCalls().map((input) => input.DeletionProtection)).toEqual([true]);
  });

  test('a value that does not stick is a failure', async () => {
    rds.on(ModifyDBClusterCommand).resolves({ DBCluster: { DeletionProtection: false } });
    const outcome = await applyProtection(event('Create'), deps());
    expect(outcome).toMatchObject({ status: 'FAILED', reason: expect.stringContaining('DB cluster retail-catalog-us-east-1: deletion protection reads false after setting it to true') });
  });

  test('a busy resource is retried until it accepts', async () => {
    rds.on(ModifyDBClusterCommand)
      .rejectsOnce(new InvalidDBClusterStateFault({ message: 'DBCluster is not in available state', $metadata: {} }))
      .resolves({ DBCluster: { DeletionProtection: true } });
    const outcome = await applyProtection(event('Create'), deps());
    expect(outcome.status).toBe('SUCCESS');
    expect(clusterCalls()).toHaveLength(2);
    expect(sleeps).toEqual([10_000]);
  });

  test('a resource busy past the deadline fails with what was last seen', async () => {
    dynamodb.on(UpdateTableCommand).rejects(new ResourceInUseException({ message: 'Table is being updated', $metadata: {} }));
    const outcome = await applyProtection(event('Create'), deps({ notAfterMs: 25_000 }));
    expect(outcome.status).toBe('FAILED');
    for (const region of ['us-east-1', 'us-west-2']) {
      expect(outcome.reason).toMatch(new RegExp(`table retail-carts in ${region}: still busy after [2-9] attempt\\(s\\), last seen ResourceInUseException: Table is being updated`));
    }
    expect(clock).toBeLessThanOrEqual(25_000);
  });
});
