import { ConfigError, resolveConfig } from '../../../lib/config/resolve';
import { PLACEHOLDER_ACCOUNT } from '../../../lib/config/defaults';
import { platformTemplates } from '../../helpers/assemblies';

function problemsOf(input: unknown): string[] {
  try {
    resolveConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems.map((p) => `${p.key}: ${p.allowed}`);
    }
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('defaults', () => {
  test('synthesizes with no input: two Regions, dev, placeholder account', () => {
    const config = resolveConfig({});
    expect(config.account).toBe(PLACEHOLDER_ACCOUNT);
    expect(config.accountIsPlaceholder).toBe(true);
    expect(config.regions.map((r) => r.region)).toEqual(['us-east-1', 'us-west-2']);
    expect(config.primaryRegion).toBe('us-east-1');
    expect(config.profile).toBe('dev');
    expect(config.routingMode).toBe('active-standby');
    expect(config.images.carts).toEqual({ repository: 'public.ecr.aws/aws-containers/retail-store-sample-cart', tag: '1.6.2' });
  });

  test('the configured account, else the CLI account (a mismatch is tested in account.test.ts)', () => {
    expect(resolveConfig({ account: '123456789012' }, { cliAccount: '123456789012' }).account).toBe('123456789012');
    expect(resolveConfig({}, { cliAccount: '210987654321' }).account).toBe('210987654321');
    expect(resolveConfig({ account: '123456789012' }).account).toBe('123456789012');
  });

  test('carves non-overlapping /16s per Region and application subnets from their start', () => {
    const config = resolveConfig({ regions: ['us-east-1', 'us-west-2', 'eu-west-1'], profile: 'prod' });
    expect(config.regions.map((r) => r.vpcCidr)).toEqual(['10.64.0.0/16', '10.65.0.0/16', '10.66.0.0/16']);
    expect(config.regions[1]!.applicationSubnetCidrs).toEqual(['10.65.0.0/20', '10.65.16.0/20', '10.65.32.0/20']);
    expect(config.regions[0]!.availabilityZones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
  });

  test('dev and prod differ in the resilient parts', () => {
    const dev = resolveConfig({ profile: 'dev' });
    const prod = resolveConfig({ profile: 'prod' });
    expect(dev.network.natGateways).toBe(1);
    expect(prod.network.natGateways).toBe(3);
    expect(dev.broker.deploymentMode).toBe('SINGLE_INSTANCE');
    expect(prod.broker.deploymentMode).toBe('CLUSTER_MULTI_AZ');
    expect(prod.cache.replicasPerShard).toBeGreaterThanOrEqual(1);
    expect(Object.values(prod.services).every((s) => s.minCount >= 2)).toBe(true);
    expect(prod.loadBalancerDeletionProtection).toBe(true);
  });

  test('per-service image overrides keep the others', () => {
    const config = resolveConfig({ images: { tag: '1.7.0', services: { ui: { repository: 'example.com/team/ui', tag: 'abc' } } } });
    expect(config.images.ui).toEqual({ repository: 'example.com/team/ui', tag: 'abc' });
    expect(config.images.orders.tag).toBe('1.7.0');
  });
});

describe('validation', () => {
  test('fails on unknown keys, naming the key and the allowed ones', () => {
    expect(problemsOf({ regionz: [] })).toEqual([expect.stringMatching(/^regionz: unknown key; allowed keys: appName, account, regions/)]);
  });

  test('fails on wrong types and bad values, all reported at once', () => {
    const problems = problemsOf({
      account: 1234,
      regions: ['us-east-1', 'mars-north-1', 'us-east-1'],
      primaryRegion: 'eu-west-1',
      profile: 'staging',
      domainName: 'shop.example.com',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^account: must be a 12-digit/),
        expect.stringMatching(/^regions\[1\]: must be a commercial AWS Region/),
        expect.stringMatching(/^regions\[2\]: must not repeat/),
        expect.stringMatching(/^primaryRegion: must be one of regions \(us-east-1\)/),
        expect.stringMatching(/^profile: must be one of "dev", "prod"/),
        expect.stringMatching(/^hostedZoneId: is required when domainName is set/),
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  test('the error message names the key, the value given and what is allowed', () => {
    expect(() => resolveConfig({ profile: 'staging' })).toThrow('profile: got "staging"; must be one of "dev", "prod"');
  });

  test('fails when regions has fewer than two or more than six entries', () => {
    expect(problemsOf({ regions: ['us-east-1'] })).toEqual([expect.stringMatching(/^regions: must be a list of 2 to 6 distinct/)]);
    expect(problemsOf({ regions: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-west-3'] })).toHaveLength(1);
  });

  test('fails on a zone without a domain', () => {
    expect(problemsOf({ hostedZoneId: 'Z0123456789ABCDEFGHIJ' })).toEqual([expect.stringMatching(/^domainName: is required when hostedZoneId is set/)]);
  });

  test('fails on overlapping, invalid and public CIDRs', () => {
    const problems = problemsOf({
      network: { regionCidrs: { 'us-east-1': '10.1.0.0/16', 'us-west-2': '10.1.0.0/16' } },
    });
    expect(problems).toEqual([expect.stringMatching(/^network\.regionCidrs\.us-west-2: must not overlap the range of us-east-1 \(10\.1\.0\.0\/16\)/)]);
    expect(problemsOf({ network: { regionCidrs: { 'us-east-1': '10.1.2.0/16' } } })).toEqual([
      expect.stringMatching(/is not a network address .*did you mean 10\.1\.0\.0\/16/),
    ]);
    expect(problemsOf({ network: { baseCidr: '8.16.0.0/12' } })).toEqual([expect.stringMatching(/^network\.baseCidr: must be inside an RFC 1918/)]);
    expect(problemsOf({ network: { baseCidr: 'ten/8' } })).toEqual([expect.stringMatching(/^network\.baseCidr: must be an IPv4 CIDR/)]);
    expect(problemsOf({ network: { baseCidr: '10.0.0.0/15' } , regions: ['us-east-1', 'us-east-2', 'us-west-2'] })).toEqual([
      expect.stringMatching(/^network\.baseCidr: is too small for 3 Regions of \/16/),
    ]);
  });

  test('a given Region CIDR is skipped by the computed ones', () => {
    const config = resolveConfig({ network: { regionCidrs: { 'us-west-2': '10.64.0.0/16' } } });
    expect(config.regions.map((r) => r.vpcCidr)).toEqual(['10.65.0.0/16', '10.64.0.0/16']);
  });

  test('fails when a Region lacks enough AZs for the profile, unless they are listed', () => {
    expect(problemsOf({ profile: 'prod', regions: ['us-east-1', 'us-west-1'] })).toEqual([
      expect.stringMatching(/^network\.availabilityZones\.us-west-1: is required: us-west-1 offers new accounts 2/),
    ]);
    expect(problemsOf({ network: { availabilityZones: { 'us-east-1': ['us-east-1a', 'us-west-2b'] } } })).toEqual([
      expect.stringMatching(/^network\.availabilityZones\.us-east-1\[1\]: must be an Availability Zone name of us-east-1/),
    ]);
  });

  test('prod refuses shapes that are not resilient', () => {
    const problems = problemsOf({ profile: 'prod', services: { ui: { minCount: 1, desiredCount: 1 } }, cache: { replicasPerShard: 0 }, broker: { instanceType: 'mq.t3.micro' } });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^services\.ui\.minCount: must be at least 2 with profile "prod"/),
        expect.stringMatching(/^cache\.replicasPerShard: must be at least 1 with profile "prod"/),
        expect.stringMatching(/^broker\.instanceType: must not be an mq\.t3 type/),
      ]),
    );
  });

  test('fails on Fargate sizes that do not exist and inconsistent counts', () => {
    expect(problemsOf({ services: { catalog: { cpu: 300 } } })).toEqual([expect.stringMatching(/^services\.catalog\.cpu: must be a Fargate CPU size/)]);
    expect(problemsOf({ services: { catalog: { cpu: 1024, memoryMiB: 512 } } })).toEqual([
      expect.stringMatching(/^services\.catalog\.memoryMiB: is not a Fargate memory size for 1024 CPU units/),
    ]);
    expect(problemsOf({ services: { orders: { minCount: 3, desiredCount: 2 } } })).toEqual([
      expect.stringMatching(/^services\.orders: must satisfy minCount <= desiredCount <= maxCount/),
    ]);
  });

  test('rejects burstable database classes', () => {
    expect(problemsOf({ database: { instanceClass: 'db.t4g.medium' } })).toEqual([
      expect.stringMatching(/^database\.instanceClass: must be "serverless" .* \(no burstable classes\)/),
    ]);
    expect(resolveConfig({ database: { instanceClass: 'db.r7g.xlarge' } }).database.instanceClass).toBe('db.r7g.xlarge');
  });

  test('rejects an ARC cluster ARN of the wrong shape', () => {
    expect(problemsOf({ arcClusterArn: 'arn:aws:s3:::bucket' })).toEqual([expect.stringMatching(/^arcClusterArn: must be the ARN of an existing ARC cluster/)]);
  });
});

describe('runbook approvals', () => {
  test('prod requires approval by default; approvers are optional defaults', () => {
    expect(resolveConfig({ profile: 'prod' }).runbooks).toEqual({ requireApproval: true, approvers: [] });
    expect(resolveConfig({ runbooks: { requireApproval: true, approvers: ['arn:aws:iam::123456789012:role/oncall', 'alice'] } }).runbooks.approvers)
      .toEqual(['arn:aws:iam::123456789012:role/oncall', 'alice']);
  });

  test('fails on bad approvers or approvers without approval', () => {
    expect(problemsOf({ runbooks: { requireApproval: true, approvers: ['arn:aws:s3:::bucket'] } })).toEqual([
      expect.stringMatching(/^runbooks\.approvers\[0\]: must be an IAM user name or an IAM user or role ARN/),
    ]);
    expect(problemsOf({ runbooks: { requireApproval: false, approvers: ['alice'] } })).toEqual([
      expect.stringMatching(/^runbooks\.approvers: is only used with runbooks\.requireApproval true or regionSwitch\.approval true$/),
    ]);
    expect(problemsOf({ runbooks: { approvers: [] } })).toEqual([expect.stringMatching(/^runbooks\.approvers: must be a list of 1 to 10/)]);
  });

  test('the approvers become the document default', () => {
    const platform = platformTemplates({ runbooks: { requireApproval: true, approvers: ['arn:aws:iam::123456789012:role/oncall'] } });
    const documents = Object.values(platform.regional[0]!.findResources('AWS::SSM::Document'));
    const failover = documents.find((d) => String(d.Properties.Name).endsWith('-Failover'))!;
    expect(JSON.stringify(failover.Properties.Content)).toContain('arn:aws:iam::123456789012:role/oncall');
    expect(JSON.stringify(failover.Properties.Content)).toContain('aws:approve');
  });
});

describe('carts multi-Region strong consistency', () => {
  test('qualifies with three Regions of one Region set', () => {
    const config = resolveConfig({ regions: ['us-east-1', 'us-east-2', 'us-west-2'], cartsConsistency: 'strong' });
    expect(config.cartsConsistency).toBe('strong');
  });

  test('qualifies with two Regions and a witness of the same set', () => {
    const config = resolveConfig({ regions: ['us-east-1', 'us-west-2'], cartsConsistency: 'strong', cartsWitnessRegion: 'us-east-2' });
    expect(config.cartsWitnessRegion).toBe('us-east-2');
  });

  test('fails with two Regions and no witness', () => {
    expect(problemsOf({ cartsConsistency: 'strong' })).toEqual([
      expect.stringMatching(/^cartsConsistency: multi-Region strong consistency needs exactly three Regions, or two plus cartsWitnessRegion/),
    ]);
  });

  test('fails across Region sets', () => {
    expect(problemsOf({ regions: ['us-east-1', 'eu-west-1', 'us-west-2'], cartsConsistency: 'strong' })).toEqual([
      expect.stringMatching(/within one Region set .*got us-east-1, eu-west-1, us-west-2/),
    ]);
  });

  test('fails with a witness that is a replica Region, or a witness without strong', () => {
    expect(problemsOf({ cartsConsistency: 'strong', cartsWitnessRegion: 'us-west-2' })).toEqual([
      expect.stringMatching(/cartsWitnessRegion must differ from the replica Regions/),
    ]);
    expect(problemsOf({ cartsWitnessRegion: 'us-east-2' })).toEqual([expect.stringMatching(/^cartsWitnessRegion: is only allowed with cartsConsistency "strong"/)]);
  });
});

describe('database.ordersRouting', () => {
  test('defaults to forwarding (orders uses its own Region\'s member); global-writer is accepted', () => {
    expect(resolveConfig({}).database.ordersRouting).toBe('forwarding');
    expect(resolveConfig({ database: { ordersRouting: 'global-writer' } }).database.ordersRouting).toBe('global-writer');
  });

  test('anything else is refused with the allowed values, together with other problems', () => {
    expect(problemsOf({ database: { ordersRouting: 'local', readers: 99 } })).toEqual([
      expect.stringMatching(/^database\.readers: /),
      'database.ordersRouting: must be one of "forwarding", "global-writer"',
    ]);
  });
});
