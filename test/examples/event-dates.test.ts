import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Peak events in the past are a configuration error (lib/config/peak.ts), so an example whose event
 * has ended stops synthesizing and breaks CI (.ci/run synthesizes every example). This test fails
 * well before that day, naming the file and the event, so a maintainer moves the event in time.
 */
const WARNING_DAYS = 180;
const EXAMPLES = join(__dirname, '..', '..', 'examples');
const DAY_MS = 86_400_000;

interface ExampleEvent {
  readonly file: string;
  readonly name: string;
  readonly end: string;
}

function exampleEvents(): ExampleEvent[] {
  return readdirSync(EXAMPLES)
    .filter((file) => file.endsWith('.json'))
    .flatMap((file) => {
      const config = JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as { capacity?: { events?: { name: string; end: string }[] } };
      return (config.capacity?.events ?? []).map((event) => ({ file: `examples/${file}`, name: event.name, end: event.end }));
    });
}

/** One line per event that ends within `days` of `now`. */
function endingSoon(events: readonly ExampleEvent[], now: Date, days: number): string[] {
  return events
    .filter((event) => Date.parse(event.end) - now.getTime() < days * DAY_MS)
    .map((event) => `${event.file}: event "${event.name}" ends ${event.end}, less than ${days} days after ${now.toISOString()}; `
      + 'move it (and the tests that name its dates) to a later year before it ends: past events are a configuration error and the example would stop synthesizing');
}

describe('example configurations: peak events stay in the future', () => {
  const events = exampleEvents();

  test('at least one example has a peak event (this test checks something)', () => {
    expect(events.map((event) => `${event.file}: ${event.name}`)).toContain('examples/peak-event.json: black-friday-2030');
  });

  test(`no example event ends within ${WARNING_DAYS} days`, () => {
    expect(endingSoon(events, new Date(), WARNING_DAYS)).toEqual([]);
  });

  test('the check names the file and the event of one ending soon, and passes one far enough ahead', () => {
    const now = new Date('2030-06-01T00:00:00Z');
    const sample = [
      { file: 'examples/a.json', name: 'soon', end: '2030-11-27T23:59:59Z' },
      { file: 'examples/b.json', name: 'later', end: '2030-11-28T00:00:00Z' },
    ];
    expect(endingSoon(sample, now, 180)).toEqual([
      'examples/a.json: event "soon" ends 2030-11-27T23:59:59Z, less than 180 days after 2030-06-01T00:00:00.000Z; move it (and the tests that name its dates) to a later year before it ends: past events are a configuration error and the example would stop synthesizing',
    ]);
  });
});
