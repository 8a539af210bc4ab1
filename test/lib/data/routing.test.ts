import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { platformTemplates, type PlatformTemplates } from '../../helpers/assemblies';

/**
 * Region-confined database routing (lib/data/routing.ts), per Region role: the Region that
 * creates the global databases (the writer at first) and every other Region.
 */

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');
const example = (name: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(EXAMPLES, `${name}.json`), 'utf8')) as Record<string, unknown>;

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

function resources(t: Template, type: string): [string, Resource][] {
  return Object.entries(t.findResources(type)) as [string, Resource][];
}

/** The logical id and properties of this stack's member cluster of `database`. */
function cluster(t: Template, database: 'catalog' | 'orders'): [string, Resource] {
  const found = resources(t, 'AWS::RDS::DBCluster').filter(([, r]) => String(r.Properties.DBClusterIdentifier).startsWith(`retail-${database}-`));
  expect(found).toHaveLength(1);
  return found[0]!;
}

function endpointParameter(t: Template, database: 'catalog' | 'orders'): unknown {
  const found = resources(t, 'AWS::SSM::Parameter').filter(([, r]) => new RegExp(`^host:port of .*${database}`).test(String(r.Properties.Description)));
  expect(found).toHaveLength(1);
  return found[0]![1].Properties.Value;
}

function parameters(t: Template, database: 'catalog' | 'orders'): Record<string, string> {
  const [, c] = cluster(t, database);
  const ref = (c.Properties.DBClusterParameterGroupName as { Ref: string }).Ref;
  return (t.toJSON().Resources[ref] as Resource).Properties.Parameters as Record<string, string>;
}

function databaseIngress(t: Template, database: 'catalog' | 'orders'): string[] {
  const group = resources(t, 'AWS::EC2::SecurityGroup').filter(([, r]) => String(r.Properties.GroupDescription).startsWith(`${database} database`));
  expect(group).toHaveLength(1);
  const rules = (group[0]![1].Properties.SecurityGroupIngress ?? []) as { CidrIp: string }[];
  return rules.map((rule) => rule.CidrIp).sort();
}

const PORTS = { catalog: 3307, orders: 5433 } as const;

function expectLocalReader(t: Template, database: 'catalog' | 'orders'): void {
  const [id] = cluster(t, database);
  expect(endpointParameter(t, database)).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'ReadEndpoint.Address'] }, `:${PORTS[database]}`]] });
}

function checkForwardingRouting(name: string, platform: PlatformTemplates): void {
  const { config } = platform;
  const primary = config.regions.find((plan) => plan.isPrimary)!;

  describe(`${name}: ${config.regions.length} Regions, ${config.profile}`, () => {
    test('catalog and orders read their own Region\'s member through its reader endpoint, in every role', () => {
      for (const t of platform.regional) {
        expectLocalReader(t, 'catalog');
        expectLocalReader(t, 'orders');
      }
    });

    test('orders members forward writes (global and local) with the consistency mode in the cluster parameter group; catalog members never do', () => {
      for (const t of platform.regional) {
        const [, orders] = cluster(t, 'orders');
        expect(orders.Properties.EnableGlobalWriteForwarding).toBe(true);
        expect(orders.Properties.EnableLocalWriteForwarding).toBe(true);
        expect(parameters(t, 'orders')['apg_write_forward.consistency_mode']).toBe('SESSION');
        const [, catalog] = cluster(t, 'catalog');
        expect(catalog.Properties.EnableGlobalWriteForwarding).toBeUndefined();
        expect(catalog.Properties.EnableLocalWriteForwarding).toBeUndefined();
        expect(parameters(t, 'catalog').aurora_replica_read_consistency).toBeUndefined();
      }
    });

    test('writer\'s Region: its members admit nothing from other Regions; non-writer Regions: only the primary Region\'s application subnets (rotation)', () => {
      const [writer, ...others] = platform.regional;
      expect(databaseIngress(writer!, 'catalog')).toEqual([]);
      expect(databaseIngress(writer!, 'orders')).toEqual([]);
      for (const t of others) {
        expect(databaseIngress(t, 'catalog')).toEqual([...primary.applicationSubnetCidrs].sort());
        expect(databaseIngress(t, 'orders')).toEqual([...primary.applicationSubnetCidrs].sort());
      }
    });

    test('writer\'s Region: readers are created after catalog and orders (first start seeds and migrates on the writer); non-writer Regions: no such wait', () => {
      // Per instance: the ECS services it waits for.
      const readerDependencies = (t: Template) => {
        const services = new Map(resources(t, 'AWS::ECS::Service').map(([id, r]) => [id, String(r.Properties.ServiceName ?? id)]));
        return resources(t, 'AWS::RDS::DBInstance').flatMap(([id, r]) => (r.DependsOn ?? []).filter((dep) => services.has(dep)).map((dep) => `${id} after ${dep}`));
      };
      const [writer, ...others] = platform.regional;
      const waits = readerDependencies(writer!);
      // One reader per cluster per configured reader, each after exactly its own service.
      expect(waits).toHaveLength(2 * config.database.readers);
      expect(waits.every((wait) => /^CatalogDatabaseInstance\d+\w* after ServicesCatalogService/.test(wait) || /^OrdersDatabaseInstance\d+\w* after ServicesOrdersService/.test(wait))).toBe(true);
      expect(waits.some((wait) => wait.includes('Instance1'))).toBe(false);
      for (const t of others) {
        expect(readerDependencies(t)).toEqual([]);
      }
    });

    test('peering only between the primary Region and each other Region, routed between its application subnets and their data subnets', () => {
      const [first, ...later] = platform.networks;
      first!.resourceCountIs('AWS::EC2::VPCPeeringConnection', 0);
      for (const t of later) {
        const links = resources(t, 'AWS::EC2::VPCPeeringConnection');
        expect(links.map(([, r]) => r.Properties.PeerRegion)).toEqual([primary.region]);
        const routes = resources(t, 'AWS::EC2::Route').filter(([, r]) => r.Properties.VpcPeeringConnectionId !== undefined);
        expect(routes.map(([, r]) => JSON.stringify(r.Properties.RouteTableId)).every((id) => /dataSubnet/.test(id))).toBe(true);
        expect(routes.every(([, r]) => r.Properties.DestinationCidrBlock === primary.vpcCidr)).toBe(true);
      }
      const azs = primary.availabilityZones.length;
      const back = resources(platform.regional[0]!, 'AWS::EC2::Route').filter(([, r]) => r.Properties.VpcPeeringConnectionId !== undefined);
      expect(back).toHaveLength(azs * later.length);
      expect(back.map(([, r]) => JSON.stringify(r.Properties.RouteTableId)).every((id) => /applicationSubnet/.test(id))).toBe(true);
      for (const t of platform.regional.slice(1)) {
        expect(resources(t, 'AWS::EC2::Route').filter(([, r]) => r.Properties.VpcPeeringConnectionId !== undefined)).toEqual([]);
      }
    });
  });
}

describe('database routing: forwarding (the default)', () => {
  checkForwardingRouting('default', platformTemplates({}));
  checkForwardingRouting('prod-three-regions', platformTemplates(example('prod-three-regions')));
  checkForwardingRouting('active-active', platformTemplates(example('active-active')));
});

describe('database routing: orders through the global writer endpoint', () => {
  const platform = platformTemplates({ database: { ordersRouting: 'global-writer' } });
  const { config } = platform;

  test('orders gets the global writer endpoint in every Region, without forwarding; catalog stays on its own member', () => {
    for (const t of platform.regional) {
      expect(JSON.stringify(endpointParameter(t, 'orders'))).not.toContain('ReadEndpoint');
      const [, orders] = cluster(t, 'orders');
      expect(orders.Properties.EnableGlobalWriteForwarding).toBeUndefined();
      expect(orders.Properties.EnableLocalWriteForwarding).toBeUndefined();
      expect(parameters(t, 'orders')['apg_write_forward.consistency_mode']).toBeUndefined();
      expectLocalReader(t, 'catalog');
    }
  });

  test('every orders member admits the other Regions\' application subnets; catalog only the rotation\'s', () => {
    platform.regional.forEach((t, index) => {
      const others = config.regions.filter((_, other) => other !== index).flatMap((plan) => plan.applicationSubnetCidrs);
      expect(databaseIngress(t, 'orders')).toEqual([...others].sort());
    });
    expect(databaseIngress(platform.regional[0]!, 'catalog')).toEqual([]);
  });

  test('full-mesh peering routed from application and data subnets on both sides', () => {
    const later = platform.networks[1]!;
    const routes = resources(later, 'AWS::EC2::Route').filter(([, r]) => r.Properties.VpcPeeringConnectionId !== undefined);
    expect(routes).toHaveLength(2 * config.regions[1]!.availabilityZones.length);
  });
});
