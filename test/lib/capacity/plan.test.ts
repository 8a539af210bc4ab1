import { resolveConfig } from '../../../lib/config/resolve';
import { acusFor, lcusFor, planEvents, readersFor, tasksFor, vcpusOf } from '../../../lib/capacity/plan';

// Hand-checked against lib/capacity/throughput.ts (the arithmetic is written out in each test).
describe('capacity plan figures', () => {
  const prod = resolveConfig({ profile: 'prod', services: { ui: { maxCount: 12 } } });

  test('tasks: calls per store request x rate / (requests per vCPU x vCPUs), rounded up, never below minCount', () => {
    // ui: 1200 x 1 / (150 x 1 vCPU) = 8
    expect(tasksFor('ui', 1200, prod.services.ui)).toBe(8);
    // catalog: 1200 x 1.025 = 1230 / (400 x 0.5) = 6.15 -> 7
    expect(tasksFor('catalog', 1200, prod.services.catalog)).toBe(7);
    // carts: 1200 x 0.525 = 630 / (250 x 1) = 2.52 -> 3
    expect(tasksFor('carts', 1200, prod.services.carts)).toBe(3);
    // checkout: 1200 x 0.1 = 120 / 150 = 0.8 -> 1, below minCount 2 -> 2
    expect(tasksFor('checkout', 1200, prod.services.checkout)).toBe(2);
    // exactly at a boundary does not add a task: 1050 / 150 = 7
    expect(tasksFor('ui', 1050, prod.services.ui)).toBe(7);
  });

  test('ACUs: statements per second / statements per ACU, in steps of 0.5, never below the configured minimum', () => {
    const dev = resolveConfig({}).database;
    // catalog: 1200 x 2.05 = 2460 / 500 = 4.92 -> 5
    expect(acusFor('catalog', 1200, dev)).toBe(5);
    // exactly at a step does not add half an ACU: orders 1600 x 0.0625 = 100 / 100 = 1 -> 1
    expect(acusFor('orders', 1600, dev)).toBe(1);
    // orders: 1200 x 0.0625 = 75 / 100 = 0.75 -> 1
    expect(acusFor('orders', 1200, dev)).toBe(1);
    // 10 requests/s: far below 0.5 ACU -> the configured 0.5
    expect(acusFor('orders', 10, dev)).toBe(0.5);
  });

  test('vCPUs of a provisioned class from its size; unknown sizes are undefined', () => {
    expect(vcpusOf('db.r6g.large')).toBe(2);
    expect(vcpusOf('db.r7g.xlarge')).toBe(4);
    expect(vcpusOf('db.r6g.16xlarge')).toBe(64);
    expect(vcpusOf('db.x2g.2xlarge')).toBe(8);
    expect(vcpusOf('db.r6g.metal')).toBeUndefined();
  });

  test('readers: statements per second / (statements per ACU x 4 ACUs per vCPU x vCPUs), rounded up, + 1 spare, never below database.readers', () => {
    const db = prod.database; // db.r6g.large, 1 reader
    // catalog: 1200 x 2.05 = 2460 / (500 x 4 x 2 = 4000) = 0.615 -> 1, + 1 = 2
    expect(readersFor('catalog', 1200, db)).toBe(2);
    // catalog: 10000 x 2.05 = 20500 / 4000 = 5.125 -> 6, + 1 = 7
    expect(readersFor('catalog', 10000, db)).toBe(7);
    // orders: 12800 x 0.0625 = 800 / (100 x 8 = 800) = 1 exactly -> 1, + 1 = 2; one more request/s -> 2, + 1 = 3
    expect(readersFor('orders', 12800, db)).toBe(2);
    expect(readersFor('orders', 12801, db)).toBe(3);
    // a larger class: db.r6g.2xlarge (8 vCPUs) carries 16,000 catalog statements/s per reader: 20500 -> 2, + 1 = 3
    expect(readersFor('catalog', 10000, { ...db, instanceClass: 'db.r6g.2xlarge' })).toBe(3);
    // never below the declared readers
    expect(readersFor('catalog', 10, { ...db, readers: 3 })).toBe(3);
    // Serverless v2 has no reader plan
    expect(readersFor('catalog', 1200, resolveConfig({}).database)).toBeUndefined();
  });

  test('LCUs: the largest dimension; at 1,200 requests/s processed bytes dominate', () => {
    // 1200 x 20 KiB x 3600 s / 1 GiB = 82.4 GiB/h -> 83; new connections 120/s / 25 = 4.8; active 3600 / 3000 = 1.2
    expect(lcusFor(1200)).toBe(83);
    // 10 requests/s: 0.69 GiB/h -> 1
    expect(lcusFor(10)).toBe(1);
  });

  test('an event: raised lead minutes before its start, released release minutes after its end', () => {
    const config = resolveConfig({
      profile: 'prod',
      services: { ui: { maxCount: 12 } },
      capacity: { peakRequestsPerSecond: 1200, leadMinutes: 90, releaseMinutes: 15, events: [{ name: 'bf', start: '2027-11-26T13:00:00Z', end: '2027-11-26T17:00:00Z' }] },
    });
    const [plan] = planEvents(config);
    expect(plan!.raiseAt.toISOString()).toBe('2027-11-26T11:30:00.000Z');
    expect(plan!.releaseAt.toISOString()).toBe('2027-11-26T17:15:00.000Z');
    expect(plan!.windowHours).toBe(5.75);
    expect(plan!.tasks).toEqual({ ui: 8, catalog: 7, carts: 3, checkout: 2, orders: 2 });
    // Provisioned instance classes get no ACU plan, but readers: 2 each (see below).
    expect(plan!.acus).toBeUndefined();
    expect(plan!.readers).toEqual({ catalog: 2, orders: 2 });
    expect(plan!.loadBalancerCapacityUnits).toBe(83);
  });
});
