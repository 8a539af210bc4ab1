import { Match } from 'aws-cdk-lib/assertions';
import { platformTemplates } from '../../helpers/assemblies';

const DOMAIN = { domainName: 'shop.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' };

describe('ARC routing controls', () => {
  const platform = platformTemplates({ regions: ['us-east-1', 'us-west-2', 'eu-west-1'] });
  const t = platform.trafficControl;

  test('is in us-west-2 with a cluster, a control panel and one control per Region', () => {
    expect(platform.all.find((stack) => stack.name === 'retail-traffic-control')?.region).toBe('us-west-2');
    t.resourceCountIs('AWS::Route53RecoveryControl::Cluster', 1);
    t.resourceCountIs('AWS::Route53RecoveryControl::ControlPanel', 1);
    t.resourceCountIs('AWS::Route53RecoveryControl::RoutingControl', 3);
  });

  test('the safety rule asserts that at least one of the three controls is On', () => {
    const rule = Object.values(t.findResources('AWS::Route53RecoveryControl::SafetyRule'))[0]!;
    expect(rule.Properties.RuleConfig).toEqual({ Type: 'ATLEAST', Threshold: 1, Inverted: false });
    expect(rule.Properties.AssertionRule.AssertedControls).toHaveLength(3);
  });

  test('the controls and the safety rule of the panel are created one after another (ARC rejects concurrent changes to a panel)', () => {
    const resources = t.toJSON().Resources as Record<string, { Type: string; DependsOn?: string[] }>;
    const controls = Object.keys(resources).filter((id) => resources[id]!.Type === 'AWS::Route53RecoveryControl::RoutingControl');
    const ordered = ['us-east-1', 'us-west-2', 'eu-west-1'].map((region) => controls.find((id) => id.startsWith(`RecoveryControlsRoutingControl${region.replace(/-/g, '')}`))!);
    expect(ordered.every((id) => id !== undefined)).toBe(true);
    expect(resources[ordered[0]!]!.DependsOn ?? []).not.toEqual(expect.arrayContaining(ordered.slice(1)));
    expect(resources[ordered[1]!]!.DependsOn).toContain(ordered[0]);
    expect(resources[ordered[2]!]!.DependsOn).toContain(ordered[1]);
    // The safety rule names every control (GetAtt), so it waits for the last one.
    const rule = Object.values(t.findResources('AWS::Route53RecoveryControl::SafetyRule'))[0]!;
    expect(JSON.stringify(rule.Properties.AssertionRule.AssertedControls)).toContain(ordered[2]);
  });

  test('an existing cluster is used instead of creating one', () => {
    const shared = platformTemplates({ arcClusterArn: 'arn:aws:route53-recovery-control::123456789012:cluster/abc-123' }).trafficControl;
    shared.resourceCountIs('AWS::Route53RecoveryControl::Cluster', 0);
    shared.hasResourceProperties('AWS::Route53RecoveryControl::ControlPanel', { ClusterArn: 'arn:aws:route53-recovery-control::123456789012:cluster/abc-123' });
  });
});

describe('Route 53 health checks and records', () => {
  test('each Region\'s health check follows its own Region\'s routing control', () => {
    const platform = platformTemplates({ regions: ['us-east-1', 'us-west-2', 'eu-west-1'] });
    for (const stack of platform.regionalStacks) {
      const check = Object.values(stack.template.findResources('AWS::Route53::HealthCheck'))[0]!;
      expect(check.Properties.HealthCheckConfig.Type).toBe('RECOVERY_CONTROL');
      expect(JSON.stringify(check.Properties.HealthCheckConfig.RoutingControlArn)).toContain(`RoutingControl${stack.region.replace(/-/g, '')}`);
    }
  });

  test('without a domain: no records, and the output says so', () => {
    const t = platformTemplates({}).regional[0]!;
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    t.hasOutput('*', { Value: Match.stringLikeRegexp('^none: no domainName is configured') });
  });

  test('two Regions active/standby: PRIMARY and SECONDARY failover records', () => {
    const platform = platformTemplates(DOMAIN);
    const [primary, secondary] = platform.regional;
    primary!.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'shop.example.com.', Type: 'A', Failover: 'PRIMARY', SetIdentifier: 'us-east-1', HealthCheckId: Match.anyValue() });
    secondary!.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'shop.example.com.', Type: 'A', Failover: 'SECONDARY', SetIdentifier: 'us-west-2', HealthCheckId: Match.anyValue() });
    primary!.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'us-east-1.shop.example.com.', Type: 'A' });
  });

  test('active/active: latency records', () => {
    const platform = platformTemplates({ ...DOMAIN, routingMode: 'active-active' });
    platform.regional[1]!.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'shop.example.com.', Region: 'us-west-2', SetIdentifier: 'us-west-2' });
  });

  test('with a domain the load balancer serves HTTPS and redirects HTTP', () => {
    const t = platformTemplates(DOMAIN).regional[0]!;
    t.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'shop.example.com', SubjectAlternativeNames: ['us-east-1.shop.example.com'] });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, DefaultActions: [Match.objectLike({ Type: 'redirect' })] });
  });

  // ACM's validation CNAME is the same in every Region for a name: one owner, so deleting a Region's
  // stack never deletes a record another Region's certificate renews with.
  test('validation records have one owner: the traffic-control stack, one certificate per name; Regions validate without managing records', () => {
    const platform = platformTemplates(DOMAIN);
    const owners = Object.values(platform.trafficControl.findResources('AWS::CertificateManager::Certificate'));
    expect(owners.map((c) => c.Properties.DomainName).sort()).toEqual(['shop.example.com', 'us-east-1.shop.example.com', 'us-west-2.shop.example.com']);
    for (const owner of owners) {
      expect(owner.Properties.DomainValidationOptions).toEqual([{ DomainName: owner.Properties.DomainName, HostedZoneId: DOMAIN.hostedZoneId }]);
    }
    for (const regional of platform.regional) {
      const certificates = Object.values(regional.findResources('AWS::CertificateManager::Certificate'));
      expect(certificates).toHaveLength(1);
      expect(certificates[0]!.Properties.ValidationMethod).toBe('DNS');
      expect(certificates[0]!.Properties.DomainValidationOptions).toBeUndefined();
    }
  });
});

describe('published topology', () => {
  test('every Region publishes ARC endpoints, routing controls, safety rule and database members', () => {
    const platform = platformTemplates({ regions: ['us-east-1', 'us-west-2', 'eu-west-1'] });
    for (const stack of platform.regionalStacks) {
      const parameter = Object.values(stack.template.findResources('AWS::SSM::Parameter', { Properties: { Name: '/retail/platform/topology' } }))[0]!;
      const value = JSON.stringify(parameter.Properties.Value);
      for (const expected of ['clusterEndpoints', 'routingControls', 'safetyRuleArns', 'retail-catalog-eu-west-1', 'retail-orders-us-east-1', 'retail-Failover']) {
        expect(value).toContain(expected);
      }
      // Values from other Regions arrive through the Region's own strong-reference reader;
      // only the stack that shares us-west-2 with traffic-control uses plain exports.
      if (stack.region !== 'us-west-2') {
        expect(value).not.toContain('Fn::ImportValue');
        expect(value).toContain('ExportsReader');
      }
    }
  });
});
