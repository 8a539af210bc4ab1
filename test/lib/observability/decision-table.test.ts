import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DECISION_TABLE, decisionFor, recommend, severityOf, type Recommendation, type Situation } from '../../../lib/observability/decision-table';
import { CONFIGURATIONS, alarmsBySuffix, regionalTemplates, resources } from './fixture';

/** Rows of alarms that exist only with `backup.enabled` (lib/backup). */
const BACKUP_ALARM_ROWS = ['backup-jobs-failed', 'backup-copy-jobs-failed', 'restore-test-failed'];

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const EU = 'eu-west-1';

function situation(writerRegion: string, servingRegions: readonly string[], alarms: Readonly<Record<string, readonly string[]>>, regions: readonly string[] = [EAST, WEST]): Situation {
  return { writerRegion, servingRegions, regions: regions.map((region) => ({ region, inAlarm: new Set(alarms[region] ?? []) })) };
}

/**
 * What the page-level alarms of all Regions call for, for the situations the drills create and
 * the ones an operator meets. Each row: the alarms in ALARM per Region, where the writer is, which
 * Regions serve, and the runbook the decision table prescribes.
 */
const SCENARIOS: readonly (readonly [string, Situation, Recommendation['kind'], string?])[] = [
  ['all quiet', situation(EAST, [EAST], {}), 'none'],
  [
    'lose-writer drill in the writer\'s Region: writer-health everywhere, us-east-1 impaired, us-east-1\'s peers unreachable from us-west-2',
    situation(EAST, [EAST], { [EAST]: ['region-impaired', 'writer-health', 'canary-local'], [WEST]: ['writer-health', `canary-to-${EAST}`, 'peer-region-unreachable'] }),
    'failover', WEST,
  ],
  [
    'lose-application-tier drill in the writer\'s Region: us-east-1 impaired, the writer still writes (orders from us-west-2 go through)',
    situation(EAST, [EAST], { [EAST]: ['region-impaired', 'writer-health', 'canary-local'], [WEST]: [`canary-to-${EAST}`] }),
    'switchover', WEST,
  ],
  [
    'active-active, the impaired Region is not the writer\'s: traffic moves to the writer\'s Region, no database change',
    situation(EAST, [EAST, WEST], { [WEST]: ['region-impaired', 'canary-local'], [EAST]: [`canary-to-${WEST}`] }),
    'failover', EAST,
  ],
  [
    'writer lost but its Region serves reads: investigate the database, do not fail over blindly',
    situation(EAST, [EAST], { [EAST]: ['writer-health'], [WEST]: ['writer-health'] }),
    'investigate',
  ],
  [
    'orders fail through one Region only: its broker or checkout, not the writer',
    situation(EAST, [EAST], { [WEST]: ['writer-health', 'broker-memory'] }),
    'investigate',
  ],
  [
    'writer lost with its Region and the only other Region impaired too: nowhere to go',
    situation(EAST, [EAST], { [EAST]: ['region-impaired', 'writer-health'], [WEST]: ['writer-health', 'region-impaired'] }),
    'no-healthy-target',
  ],
  [
    'three Regions, writer lost with us-east-1, us-west-2 fails as seen from eu-west-1: fail over to eu-west-1',
    situation(EAST, [EAST], { [EAST]: ['region-impaired', 'writer-health'], [WEST]: ['writer-health'], [EU]: ['writer-health', `canary-to-${WEST}`] }, [EAST, WEST, EU]),
    'failover', EU,
  ],
  [
    'an impaired standby that serves nothing: no traffic to move',
    situation(EAST, [EAST], { [WEST]: ['region-impaired'] }),
    'none',
  ],
  [
    'notify-level alarms alone never call for a runbook',
    situation(EAST, [EAST], { [EAST]: ['canary-local', 'alb-5xx', 'broker-cpu', 'orders-rpo-lag'], [WEST]: [`carts-replication-to-${EAST}`] }),
    'none',
  ],
];

describe('decision table: what the page-level alarms of all Regions call for', () => {
  test.each(SCENARIOS.map(([name, given, kind, to]) => ({ name, given, kind, to: to ?? '' })))('$name → $kind $to', ({ given, kind, to }) => {
    const recommendation = recommend(given);
    expect(recommendation.kind).toBe(kind);
    if (to !== '') {
      expect(recommendation).toEqual(expect.objectContaining({ to }));
    }
  });
});

describe('decision table rows', () => {
  test.each([
    ['region-impaired', 'page'],
    ['writer-health', 'page'],
    ['canary-local', 'notify'],
    ['canary-to-eu-west-1', 'notify'],
    ['peer-region-unreachable', 'notify'],
    ['orders-tasks-below-desired', 'notify'],
    ['catalog-rpo-lag', 'notify'],
    ['carts-replication-to-us-west-2', 'notify'],
    ['broker-memory', 'notify'],
    ['routing-state-unreadable', 'notify'],
  ])('%s is a %s', (suffix, severity) => {
    expect(severityOf(suffix)).toBe(severity);
  });

  test('an alarm without a row is an error, not a silent notify', () => {
    expect(() => severityOf('made-up-alarm')).toThrow('No decision-table row for alarm made-up-alarm');
    expect(decisionFor('canary-to-')).toBeUndefined();
  });

  test.each(CONFIGURATIONS)('every alarm of every Region has a row, and every row an alarm (%s)', (_name, input) => {
    const platform = regionalTemplates(input);
    const used = new Set<string>();
    for (const region of platform.regions) {
      const t = platform.template(region);
      const suffixes = [
        ...alarmsBySuffix(t, 'retail', region).keys(),
        ...Object.values(resources(t, 'AWS::CloudWatch::CompositeAlarm')).map((composite) => String(composite.Properties.AlarmName).slice(`retail-${region}-`.length)),
      ];
      for (const suffix of suffixes) {
        const row = decisionFor(suffix);
        expect([suffix, row === undefined ? 'no row' : 'row']).toEqual([suffix, 'row']);
        used.add(row?.alarm ?? '');
      }
    }
    const expected = DECISION_TABLE.map((row) => row.alarm)
      .filter((alarm) => platform.config.domainName !== undefined || alarm !== 'canary-global')
      .filter((alarm) => platform.config.backup.enabled || !BACKUP_ALARM_ROWS.includes(alarm));
    expect([...used].sort()).toEqual(expected.sort());
  });

  test('the operator guide (README) prints the decision table exactly as the code routes and describes the alarms', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Decision table'));
    expect(section.length).toBeGreaterThan(0);
    expect(section).toContain('| alarm (`<app>-<region>-…`) | severity | means | what the operator does |');
    for (const row of DECISION_TABLE) {
      expect(section).toContain(`| \`${row.alarm}\` | ${row.severity} | ${row.means} | ${row.action} |`);
    }
  });
});
