import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OrdersRouting } from '../../../lib/config/types';
import { World } from './global-database';
import { describeCapabilities, whatWorksIn, type StoreDatabases } from './what-survives';

/** "What survives what": the drill model's answer, and the operator guide's table that must say the same. */

const A = 'us-east-1';
const B = 'us-west-2';
const C = 'eu-west-1';
const REGIONS = [A, B, C];
const arn = (name: string, region: string) => `arn:aws:rds:${region}:111111111111:cluster:retail-${name}-${region}`;

function setup() {
  let now = 0;
  const world = new World(REGIONS, () => now);
  const add = (name: string) =>
    world.addDatabase({
      name,
      globalClusterIdentifier: `retail-${name}`,
      engine: name === 'catalog' ? 'aurora-mysql' : 'aurora-postgresql',
      writerRegion: A,
      members: REGIONS.map((region) => ({ region, clusterIdentifier: `retail-${name}-${region}`, clusterArn: arn(name, region) })),
    });
  const databases: StoreDatabases = { catalog: add('catalog'), orders: add('orders') };
  return { world, databases, at: (ms: number) => (now = ms) };
}

interface Row {
  readonly event: string;
  readonly writer: string;
  readonly others: string;
}

/** The table rows, computed by the model: the writer's Region (A) and every other Region (which must agree). */
function rows(routing: OrdersRouting): Row[] {
  const cell = (world: World, databases: StoreDatabases, regions: string[]): string => {
    const up = regions.filter((region) => world.reachable(region));
    const answers = new Set(up.map((region) => describeCapabilities(whatWorksIn(world, databases, region, routing))));
    expect(answers.size).toBeLessThanOrEqual(1);
    return answers.size === 0 ? 'lost' : [...answers][0]! + (up.length < regions.length ? ' (the lost one: nothing)' : '');
  };
  const result: Row[] = [];
  {
    const { world, databases } = setup();
    result.push({ event: 'nothing lost', writer: cell(world, databases, [A]), others: cell(world, databases, [B, C]) });
  }
  {
    const { world, databases, at } = setup();
    world.isolate(A);
    result.push({ event: 'the writer\'s Region lost, until the failover', writer: cell(world, databases, [A]), others: cell(world, databases, [B, C]) });
    databases.catalog.failover(arn('catalog', B), true);
    databases.orders.failover(arn('orders', B), true);
    at(90_000);
    result.push({ event: 'the writer\'s Region lost, after `failover --to <Region>`', writer: cell(world, databases, [A]), others: cell(world, databases, [B, C]) });
  }
  {
    const { world, databases } = setup();
    world.isolate(C);
    result.push({ event: 'a non-writer Region lost', writer: cell(world, databases, [A]), others: cell(world, databases, [B, C]) });
  }
  return result;
}

describe('what survives what', () => {
  test('writer\'s Region lost: every other Region still browses and keeps carts; checkout waits for the failover, then works everywhere', () => {
    const { world, databases, at } = setup();
    world.isolate(A);
    for (const region of [B, C]) {
      expect(whatWorksIn(world, databases, region, 'forwarding')).toEqual({ browse: true, carts: true, checkout: false });
    }
    databases.orders.failover(arn('orders', B), true);
    at(59_000);
    expect(whatWorksIn(world, databases, C, 'forwarding').checkout).toBe(false);
    at(90_000);
    // No reconfiguration: B's member now takes the writes directly, C forwards them to B.
    expect(whatWorksIn(world, databases, B, 'forwarding')).toEqual({ browse: true, carts: true, checkout: true });
    expect(whatWorksIn(world, databases, C, 'forwarding')).toEqual({ browse: true, carts: true, checkout: true });
  });

  test('a non-writer Region lost: no effect anywhere else', () => {
    const { world, databases } = setup();
    world.isolate(C);
    for (const region of [A, B]) {
      expect(whatWorksIn(world, databases, region, 'forwarding')).toEqual({ browse: true, carts: true, checkout: true });
    }
    expect(whatWorksIn(world, databases, C, 'forwarding')).toEqual({ browse: false, carts: false, checkout: false });
  });

  test('global-writer routing survives the same events (it differs in latency and in the peering it needs)', () => {
    expect(rows('global-writer')).toEqual(rows('forwarding'));
  });

  test('the operator guide (README) prints the table the model computes', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    for (const row of rows('forwarding')) {
      expect(readme).toContain(`| ${row.event} | ${row.writer} | ${row.others} |`);
    }
  });
});
