import { ConfigError, resolveConfig, type ResolveOptions } from '../../../lib/config/resolve';
import { parseInstant } from '../../../lib/config/peak';

const NOW = new Date('2027-06-01T00:00:00Z');

function problemsOf(input: unknown, options: ResolveOptions = { now: NOW }): string[] {
  try {
    resolveConfig(input, options);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems.map((p) => `${p.key}: ${p.allowed}`);
    }
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

const blackFriday = { name: 'black-friday', start: '2027-11-26T13:00:00Z', end: '2027-11-26T17:00:00Z' };

describe('capacity', () => {
  test('defaults: no events, 120 minutes lead, 30 minutes release', () => {
    expect(resolveConfig({}).capacity).toEqual({ leadMinutes: 120, releaseMinutes: 30, events: [] });
  });

  test('an event takes capacity.peakRequestsPerSecond unless it has its own; events come sorted by start', () => {
    const config = resolveConfig({
      profile: 'prod',
      services: { ui: { maxCount: 12 } },
      capacity: {
        peakRequestsPerSecond: 600,
        events: [
          { ...blackFriday, peakRequestsPerSecond: 1200 },
          { name: 'launch', start: '2027-09-01T08:00Z', end: '2027-09-01T10:00Z' },
        ],
      },
    }, { now: NOW });
    expect(config.capacity.events).toEqual([
      { name: 'launch', start: '2027-09-01T08:00:00Z', end: '2027-09-01T10:00:00Z', peakRequestsPerSecond: 600 },
      { ...blackFriday, peakRequestsPerSecond: 1200 },
    ]);
  });

  test('an event that has ended is rejected, naming the setting and now', () => {
    expect(problemsOf({ capacity: { peakRequestsPerSecond: 10, events: [blackFriday] } }, { now: new Date('2027-11-27T00:00:00Z') }))
      .toEqual(['capacity.events[0].end: is in the past (now 2027-11-27T00:00:00.000Z): remove the event']);
  });

  test('an event starting within the lead time is rejected (the capacity would come too late)', () => {
    const problems = problemsOf({ capacity: { peakRequestsPerSecond: 10, leadMinutes: 60, events: [blackFriday] } }, { now: new Date('2027-11-26T12:30:00Z') });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^capacity\.events\[0\]\.start: must be more than capacity\.leadMinutes \(60\) after now/);
  });

  test('without a clock (lib never reads one) event times are not compared with now', () => {
    expect(() => resolveConfig({ capacity: { peakRequestsPerSecond: 10, events: [{ ...blackFriday, start: '2001-01-01T00:00:00Z', end: '2001-01-01T01:00:00Z' }] } })).not.toThrow();
  });

  test('overlapping windows are rejected, counting lead and release', () => {
    // The second event starts 2 h after the first ends: 30 min release + 120 min lead overlap by 30 min.
    const problems = problemsOf({
      capacity: { peakRequestsPerSecond: 10, events: [blackFriday, { name: 'evening', start: '2027-11-26T19:00:00Z', end: '2027-11-26T20:00:00Z' }] },
    });
    expect(problems).toEqual([
      'capacity.events[1].start: overlaps "black-friday" (2027-11-26T13:00:00Z to 2027-11-26T17:00:00Z) once lead (120 min) and release (30 min) are counted: merge the events or move one',
    ]);
    expect(() => resolveConfig({
      capacity: { peakRequestsPerSecond: 10, leadMinutes: 60, events: [blackFriday, { name: 'evening', start: '2027-11-26T19:00:00Z', end: '2027-11-26T20:00:00Z' }] },
    }, { now: NOW })).not.toThrow();
  });

  test('a peak beyond a service\'s maxCount names the service, the tasks needed and the rate', () => {
    // ui at 1,200 requests/s: 1 vCPU x 150 requests/s per task = 8 tasks; catalog 720 calls/s / 200 = 4.
    expect(problemsOf({ profile: 'prod', services: { ui: { maxCount: 7 } }, capacity: { peakRequestsPerSecond: 1200 } })).toEqual([
      'services.ui.maxCount: must be at least 8 to carry 1200 requests/s (capacity.peakRequestsPerSecond) with 1024 CPU units per task (figures in lib/capacity/throughput.ts)',
    ]);
    expect(() => resolveConfig({ profile: 'prod', capacity: { peakRequestsPerSecond: 1200 } })).not.toThrow();
  });

  test('a peak beyond the databases\' maximum ACUs is rejected (serverless)', () => {
    // catalog: 1,000 x 2.05 statements / 500 per ACU = 4.1 -> 4.5 ACUs > 2.
    expect(problemsOf({ database: { serverlessMaxCapacity: 2 }, services: { ui: { maxCount: 20 }, carts: { maxCount: 10 }, catalog: { maxCount: 12 } }, capacity: { peakRequestsPerSecond: 1000 } }))
      .toEqual(['database.serverlessMaxCapacity: must be at least 4.5 for the catalog database to carry 1000 requests/s (capacity.peakRequestsPerSecond)']);
  });

  test('provisioned: a peak that would need more than 15 readers names the class and the readers needed', () => {
    // catalog: 60,000 x 2.05 = 123,000 statements / 4,000 per db.r6g.large reader = 30.75 -> 31, + 1 spare = 32 > 15.
    const big = Object.fromEntries(['ui', 'catalog', 'carts', 'checkout', 'orders'].map((name) => [name, { cpu: 4096, memoryMiB: 8192, maxCount: 200 }]));
    expect(problemsOf({ profile: 'prod', services: big, capacity: { events: [{ ...blackFriday, peakRequestsPerSecond: 60000 }] } }))
      .toEqual(['database.instanceClass: is too small: the catalog database would need 32 readers (Aurora allows 15) to carry 60000 requests/s (capacity.events[0].peakRequestsPerSecond); choose a larger class']);
    // A larger class carries it: db.r6g.4xlarge, 32,000 per reader: 123,000 -> 4, + 1 = 5.
    expect(() => resolveConfig({ profile: 'prod', database: { instanceClass: 'db.r6g.4xlarge' }, services: big, capacity: { events: [{ ...blackFriday, peakRequestsPerSecond: 60000 }] } }, { now: NOW })).not.toThrow();
  });

  test('provisioned: events that add readers need at least one declared reader; an unknown size is refused', () => {
    expect(problemsOf({ profile: 'prod', database: { readers: 0 }, capacity: { peakRequestsPerSecond: 600, events: [blackFriday] } }))
      .toEqual([
        'database.readers: must be at least 1 when capacity.events add readers (the catalog database needs 2 at 600 requests/s, capacity.peakRequestsPerSecond): Aurora Auto Scaling adds readers to a cluster that already has one',
        'database.readers: must be at least 1 when capacity.events add readers (the orders database needs 2 at 600 requests/s, capacity.peakRequestsPerSecond): Aurora Auto Scaling adds readers to a cluster that already has one',
      ]);
    // Without events nothing is scheduled: no reader requirement.
    expect(() => resolveConfig({ profile: 'prod', database: { readers: 0 }, capacity: { peakRequestsPerSecond: 600 } }, { now: NOW })).not.toThrow();
    expect(problemsOf({ profile: 'prod', database: { instanceClass: 'db.r6g.metal' }, capacity: { peakRequestsPerSecond: 600, events: [blackFriday] } }))
      .toEqual(['database.instanceClass: must have a size the capacity plan knows (large, xlarge or <n>xlarge) to plan readers for capacity.events']);
  });

  test('every problem at once: bad names, times, rates, missing peak, unknown keys', () => {
    expect(problemsOf({
      capacity: {
        leadMinutes: 5,
        surprise: 1,
        events: [
          { name: 'Black Friday', start: '2027-11-26 13:00', end: '2027-02-30T00:00:00Z', peakRequestsPerSecond: 0 },
          { name: 'x', start: '2027-11-26T13:00:00Z', end: '2027-11-26T12:00:00Z' },
        ],
      },
    })).toEqual([
      'capacity.surprise: unknown key; allowed keys: peakRequestsPerSecond, leadMinutes, releaseMinutes, events',
      'capacity.leadMinutes: must be an integer from 15 to 1440',
      'capacity.events[0].name: must be 1 to 24 characters: lower-case letters, digits and hyphens, such as black-friday-2027',
      'capacity.events[0].start: must be a UTC time such as 2027-11-26T13:00:00Z',
      'capacity.events[0].end: must be a UTC time such as 2027-11-26T17:00:00Z',
      'capacity.events[0].peakRequestsPerSecond: must be an integer from 1 to 1000000',
      'capacity.events[1].peakRequestsPerSecond: is required when capacity.peakRequestsPerSecond is not set (the rate one Region must carry alone)',
      'capacity.events[1].end: must be after start (2027-11-26T13:00:00Z) and at most 168 hours later',
    ]);
  });

  test('instants: UTC only, seconds optional, impossible dates refused', () => {
    expect(parseInstant('2027-11-26T13:00Z')).toBe('2027-11-26T13:00:00Z');
    expect(parseInstant('2027-11-26T13:00:05Z')).toBe('2027-11-26T13:00:05Z');
    expect(parseInstant('2027-11-26T13:00:00+01:00')).toBeUndefined();
    expect(parseInstant('2027-02-29T00:00:00Z')).toBeUndefined();
    expect(parseInstant(20271126)).toBeUndefined();
  });
});

describe('waf', () => {
  test('absent: no web ACL; true or {}: count in dev, block in prod, 2,000 requests per IP per 5 minutes', () => {
    expect(resolveConfig({}).waf).toBeUndefined();
    expect(resolveConfig({ waf: true }).waf).toEqual({ mode: 'count', rateLimitPerIp: 2000 });
    expect(resolveConfig({ profile: 'prod', waf: {} }).waf).toEqual({ mode: 'block', rateLimitPerIp: 2000 });
    expect(resolveConfig({ waf: { mode: 'block', rateLimitPerIp: 500 } }).waf).toEqual({ mode: 'block', rateLimitPerIp: 500 });
  });

  test('bad mode and limit are reported together', () => {
    expect(problemsOf({ waf: { mode: 'deny', rateLimitPerIp: 5 } })).toEqual([
      'waf.mode: must be one of "count", "block"',
      'waf.rateLimitPerIp: must be an integer from 10 to 2000000000',
    ]);
  });
});
