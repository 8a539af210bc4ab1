/**
 * The `capacity` and `waf` settings: peak events and bot/flood protection. Problems are collected
 * with the rest of the configuration's (resolve.ts), all at once.
 */
import { MAX_READERS, PLANNED_DATABASES, acusFor, readersFor, tasksFor, vcpusOf } from '../capacity/plan';
import type { Checker } from './resolve';
import { SERVICE_NAMES, type CapacityConfig, type DatabaseSizing, type PeakEvent, type Profile, type ServiceName, type ServiceSizing, type WafConfig } from './types';

export const DEFAULT_LEAD_MINUTES = 120;
export const DEFAULT_RELEASE_MINUTES = 30;
export const DEFAULT_WAF_RATE_LIMIT = 2000;
export const MAX_EVENTS = 20;
/** App Auto Scaling and EventBridge Scheduler take one-time schedules to the second, in UTC. */
const INSTANT_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?Z$/;
const EVENT_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,23}$/;
const MAX_EVENT_HOURS = 7 * 24;

/** `2027-11-26T13:00Z` → `2027-11-26T13:00:00Z`; undefined for anything else (including impossible dates). */
export function parseInstant(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = INSTANT_PATTERN.exec(value);
  if (match === null) return undefined;
  const normalized = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6] ?? '00'}Z`;
  const parsed = new Date(normalized);
  return Number.isNaN(parsed.getTime()) || parsed.toISOString().replace('.000Z', 'Z') !== normalized ? undefined : normalized;
}

interface CapacityContext {
  readonly services: Readonly<Record<ServiceName, ServiceSizing>>;
  readonly database: DatabaseSizing;
  readonly now?: Date;
}

function positiveRate(check: Checker, key: string, value: unknown): number | undefined {
  return check.integer(key, value, 1, 1_000_000);
}

export function resolveCapacity(check: Checker, input: unknown, context: CapacityContext): CapacityConfig {
  const raw = check.object('capacity', input, ['peakRequestsPerSecond', 'leadMinutes', 'releaseMinutes', 'events']);
  const peakRequestsPerSecond = positiveRate(check, 'capacity.peakRequestsPerSecond', raw?.peakRequestsPerSecond);
  const leadMinutes = check.integer('capacity.leadMinutes', raw?.leadMinutes, 15, 1440) ?? DEFAULT_LEAD_MINUTES;
  const releaseMinutes = check.integer('capacity.releaseMinutes', raw?.releaseMinutes, 0, 720) ?? DEFAULT_RELEASE_MINUTES;

  const events: (PeakEvent & { readonly key: string })[] = [];
  const given = raw?.events;
  if (given !== undefined && (!Array.isArray(given) || given.length > MAX_EVENTS)) {
    check.problem('capacity.events', given, `must be a list of at most ${MAX_EVENTS} events: [{ "name", "start", "end", "peakRequestsPerSecond"? }]`);
  } else if (Array.isArray(given)) {
    given.forEach((item: unknown, index: number) => {
      const key = `capacity.events[${index}]`;
      const event = check.object(key, item, ['name', 'start', 'end', 'peakRequestsPerSecond']);
      if (event === undefined) return;
      const name = check.string(`${key}.name`, event.name, EVENT_NAME_PATTERN, 'must be 1 to 24 characters: lower-case letters, digits and hyphens, such as black-friday-2027');
      if (name !== undefined && events.some((other) => other.name === name)) {
        check.problem(`${key}.name`, name, 'must not repeat another event\'s name');
      }
      const start = parseInstant(event.start);
      if (start === undefined) check.problem(`${key}.start`, event.start, 'must be a UTC time such as 2027-11-26T13:00:00Z');
      const end = parseInstant(event.end);
      if (end === undefined) check.problem(`${key}.end`, event.end, 'must be a UTC time such as 2027-11-26T17:00:00Z');
      const rate = positiveRate(check, `${key}.peakRequestsPerSecond`, event.peakRequestsPerSecond) ?? peakRequestsPerSecond;
      if (event.peakRequestsPerSecond === undefined && peakRequestsPerSecond === undefined && raw?.peakRequestsPerSecond === undefined) {
        check.problem(`${key}.peakRequestsPerSecond`, undefined, 'is required when capacity.peakRequestsPerSecond is not set (the rate one Region must carry alone)');
      }
      if (start === undefined || end === undefined) return;
      const hours = (Date.parse(end) - Date.parse(start)) / 3_600_000;
      if (hours <= 0 || hours > MAX_EVENT_HOURS) {
        check.problem(`${key}.end`, end, `must be after start (${start}) and at most ${MAX_EVENT_HOURS} hours later`);
        return;
      }
      if (context.now !== undefined) {
        const raiseAt = Date.parse(start) - leadMinutes * 60_000;
        if (Date.parse(end) <= context.now.getTime()) {
          check.problem(`${key}.end`, end, `is in the past (now ${context.now.toISOString()}): remove the event`);
          return;
        }
        if (raiseAt <= context.now.getTime()) {
          check.problem(`${key}.start`, start,
            `must be more than capacity.leadMinutes (${leadMinutes}) after now (${context.now.toISOString()}): the capacity must be raised before it starts. To deploy during an event, remove it and raise services.<name>.minCount instead`);
          return;
        }
      }
      if (name !== undefined && rate !== undefined) {
        events.push({ key, name, start, end, peakRequestsPerSecond: rate });
      }
    });
  }

  events.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  // Windows (lead to release) must not overlap: a release would undo the next event's raise.
  for (let i = 1; i < events.length; i += 1) {
    const previous = events[i - 1]!;
    const current = events[i]!;
    const previousRelease = Date.parse(previous.end) + releaseMinutes * 60_000;
    const currentRaise = Date.parse(current.start) - leadMinutes * 60_000;
    if (currentRaise < previousRelease) {
      check.problem(`${current.key}.start`, current.start,
        `overlaps "${previous.name}" (${previous.start} to ${previous.end}) once lead (${leadMinutes} min) and release (${releaseMinutes} min) are counted: merge the events or move one`);
    }
  }

  const rates = [
    ...(peakRequestsPerSecond !== undefined ? [{ key: 'capacity.peakRequestsPerSecond', rate: peakRequestsPerSecond }] : []),
    ...events.map((event) => ({ key: `${event.key}.peakRequestsPerSecond`, rate: event.peakRequestsPerSecond })),
  ];
  checkCeilings(check, rates, context, events.length > 0);

  return {
    ...(peakRequestsPerSecond !== undefined ? { peakRequestsPerSecond } : {}),
    leadMinutes,
    releaseMinutes,
    events: events.map(({ name, start, end, peakRequestsPerSecond: rate }) => ({ name, start, end, peakRequestsPerSecond: rate })),
  };
}

/** The highest rate must fit within every service's maxCount and the databases' maximum ACUs or readers. */
function checkCeilings(check: Checker, rates: readonly { key: string; rate: number }[], context: CapacityContext, scheduled: boolean): void {
  if (rates.length === 0) return;
  const highest = rates.reduce((a, b) => (b.rate > a.rate ? b : a));
  for (const service of SERVICE_NAMES) {
    const sizing = context.services[service];
    const tasks = tasksFor(service, highest.rate, sizing);
    if (tasks > sizing.maxCount) {
      check.problem(`services.${service}.maxCount`, sizing.maxCount,
        `must be at least ${tasks} to carry ${highest.rate} requests/s (${highest.key}) with ${sizing.cpu} CPU units per task (figures in lib/capacity/throughput.ts)`);
    }
  }
  if (context.database.instanceClass === 'serverless') {
    for (const database of PLANNED_DATABASES) {
      const acus = acusFor(database, highest.rate, context.database);
      if (acus > context.database.serverlessMaxCapacity) {
        check.problem('database.serverlessMaxCapacity', context.database.serverlessMaxCapacity,
          `must be at least ${acus} for the ${database} database to carry ${highest.rate} requests/s (${highest.key})`);
      }
    }
  } else if (scheduled) {
    // Readers are scheduled only for events (the peak rate alone schedules nothing).
    checkReaders(check, highest, context.database);
  }
}

/** Provisioned members: the plan adds readers with Aurora Auto Scaling (lib/capacity/peak-capacity.ts). */
function checkReaders(check: Checker, highest: { key: string; rate: number }, database: DatabaseSizing): void {
  if (vcpusOf(database.instanceClass) === undefined) {
    check.problem('database.instanceClass', database.instanceClass,
      'must have a size the capacity plan knows (large, xlarge or <n>xlarge) to plan readers for capacity.events');
    return;
  }
  for (const name of PLANNED_DATABASES) {
    const readers = readersFor(name, highest.rate, database) ?? 0;
    if (readers > MAX_READERS) {
      check.problem('database.instanceClass', database.instanceClass,
        `is too small: the ${name} database would need ${readers} readers (Aurora allows ${MAX_READERS}) to carry ${highest.rate} requests/s (${highest.key}); choose a larger class`);
    } else if (readers > database.readers && database.readers === 0) {
      check.problem('database.readers', database.readers,
        `must be at least 1 when capacity.events add readers (the ${name} database needs ${readers} at ${highest.rate} requests/s, ${highest.key}): Aurora Auto Scaling adds readers to a cluster that already has one`);
    }
  }
}

export function resolveWaf(check: Checker, input: unknown, profile: Profile): WafConfig | undefined {
  if (input === false || input === undefined) return undefined;
  const raw = input === true ? {} : check.object('waf', input, ['mode', 'rateLimitPerIp']);
  if (raw === undefined) return undefined;
  const mode = check.oneOf('waf.mode', raw.mode, ['count', 'block'] as const) ?? (profile === 'prod' ? 'block' : 'count');
  // WAF's rate-based rules accept 10 to 2,000,000,000 per evaluation window (5 minutes here).
  const rateLimitPerIp = check.integer('waf.rateLimitPerIp', raw.rateLimitPerIp, 10, 2_000_000_000) ?? DEFAULT_WAF_RATE_LIMIT;
  return { mode, rateLimitPerIp };
}
