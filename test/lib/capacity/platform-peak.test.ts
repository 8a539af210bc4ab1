import * as fs from 'node:fs';
import * as path from 'node:path';
import { platformTemplates, sharedNagViolations } from '../../helpers/assemblies';

/** examples/peak-event.json: prod, two Regions, one event at 1,200 requests/s, WAF blocking. */
const EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'peak-event.json'), 'utf8')) as Record<string, unknown>;

describe('peak events in the platform (examples/peak-event.json)', () => {
  const platform = platformTemplates(EXAMPLE);

  test.each(platform.regionalStacks.map((stack) => [stack.name, stack] as const))('%s (standby included) raises every service, the LCUs and protects its load balancer', (_name, stack) => {
    const t = stack.template;
    const raises = Object.values(t.findResources('AWS::ApplicationAutoScaling::ScalableTarget', { Properties: { ServiceNamespace: 'ecs' } }))
      .flatMap((target) => (target.Properties.ScheduledActions as { ScheduledActionName: string; ScalableTargetAction: { MinCapacity: number } }[] | undefined) ?? [])
      .filter((action) => action.ScheduledActionName === 'peak-black-friday-2030-raise')
      .map((action) => action.ScalableTargetAction.MinCapacity)
      .sort((a, b) => a - b);
    // ui 8, catalog 7, carts 3, checkout and orders at their prod minimum 2.
    expect(raises).toEqual([2, 2, 3, 7, 8]);
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'at(2030-11-29T11:00:00)', Description: 'Reserve 83 LCUs for black-friday-2030' });
    t.resourceCountIs('AWS::WAFv2::WebACL', 1);
    t.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    t.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 1);
  });

  test('provisioned readers: raised in the primary Region (us-east-1) only; the standby\'s secondary clusters get no target', () => {
    const readerTargets = (stackName: string) => {
      const stack = platform.regionalStacks.find((candidate) => candidate.name.endsWith(stackName))!;
      return Object.values(stack.template.findResources('AWS::ApplicationAutoScaling::ScalableTarget', { Properties: { ScalableDimension: 'rds:cluster:ReadReplicaCount' } }))
        .map((target) => target.Properties as { ResourceId: string; MinCapacity: number; MaxCapacity: number; ScheduledActions: { ScheduledActionName: string; ScalableTargetAction: unknown }[] });
    };
    const primary = readerTargets('us-east-1');
    expect(primary.map((target) => target.ResourceId).sort()).toEqual(['cluster:retail-catalog-us-east-1', 'cluster:retail-orders-us-east-1']);
    for (const target of primary) {
      expect([target.MinCapacity, target.MaxCapacity]).toEqual([1, 1]);
      expect(target.ScheduledActions.map((action) => [action.ScheduledActionName, action.ScalableTargetAction])).toEqual([
        ['peak-black-friday-2030-raise', { MinCapacity: 2, MaxCapacity: 2 }],
        ['peak-black-friday-2030-release', { MinCapacity: 1, MaxCapacity: 1 }],
      ]);
    }
    expect(readerTargets('us-west-2')).toEqual([]);
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    expect(sharedNagViolations(EXAMPLE)).toEqual([]);
  });

  test('without waf in the configuration there is no web ACL', () => {
    for (const stack of platformTemplates({}).regional) {
      stack.resourceCountIs('AWS::WAFv2::WebACL', 0);
    }
  });
});
