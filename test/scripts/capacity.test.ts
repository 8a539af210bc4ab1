import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventCost } from '../../lib/capacity/cost';
import { countComponents } from '../../lib/cost/count';
import { planEvents } from '../../lib/capacity/plan';
import { resolveConfig } from '../../lib/config/resolve';
import { loadPrices } from '../../scripts/cost';
import { capacityReport, main } from '../../scripts/capacity';

const prices = loadPrices();
const NOW = new Date('2030-06-01T00:00:00Z');
const EXAMPLE_PATH = join(__dirname, '..', '..', 'examples', 'peak-event.json');

function run(argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(argv, (text) => { out += text; }, (text) => { err += text; }, NOW);
  return { code, out, err };
}

describe('npm run capacity', () => {
  test('examples/peak-event.json, hand-checked: tasks, LCUs and the event\'s cost', () => {
    const { code, out } = run(['-c', `config=${EXAMPLE_PATH}`]);
    expect(code).toBe(0);
    // ui 1200/150 = 8; catalog 1200 x 1.025 = 1230 / 200 = 6.15 -> 7; carts 630/250 = 2.52 -> 3; checkout, orders: prod minimum 2.
    expect(out).toContain('| ui tasks | 2 | 8 | 12 |');
    expect(out).toContain('| catalog tasks | 2 | 7 | 8 |');
    expect(out).toContain('| carts tasks | 2 | 3 | 8 |');
    expect(out).toContain('| checkout tasks | 2 | 2 | 8 |');
    expect(out).toContain('| load balancer LCUs (reservation) | none | 83 | |');
    // db.r6g.large: 2 vCPUs x 4 ACUs x 500 = 4,000 catalog statements/s per reader; 1200 x 2.05 = 2460 -> 1, + 1 spare = 2.
    // orders: 1200 x 0.0625 = 75 / (100 x 8 = 800) -> 1, + 1 spare = 2. Added in the primary Region only.
    expect(out).toContain('| catalog database readers (db.r6g.large, us-east-1 only) | 1 | 2 | 15 |');
    expect(out).toContain('| orders database readers (db.r6g.large, us-east-1 only) | 1 | 2 | 15 |');
    expect(out).toContain('Standby us-west-2: Aurora Auto Scaling is not supported on a secondary cluster, so no readers are added there; each member keeps its 2 declared instances. '
      + 'After a failover one of them is the writer, leaving 1 reader(s) where the plan has catalog 2, orders 2: raise database.readers for the event to match.');
    // 2 databases x 1 extra reader x $0.26 x 6.5 h = $3.38, once (primary Region only).
    expect(out).toContain('| Aurora readers above database.readers (db.r6g.large, us-east-1 only) | (primary Region only) | $3.38 |');
    expect(out).toContain('released 2030-11-29T17:30:00.000Z (release 30 min): 6.5 hours');
    // Extra tasks per Region: ui 6 x (1 vCPU x $0.04048 + 2 GB x $0.004445) + catalog 5 x (0.5 x 0.04048 + 1 x 0.004445)
    // + carts 1 x $0.04937 = $0.29622 + $0.123425 + $0.04937 = $0.469015/h x 6.5 h = $3.0486 per Region, $6.10 for two.
    expect(out).toContain('| Fargate tasks above minCount | $3.05 | $6.10 |');
    // 83 LCUs x $0.008 x 6.5 h = $4.316 per Region.
    expect(out).toContain('| Load balancer LCU reservation (83 LCUs) | $4.32 | $8.63 |');
    // 1,200/s x 4 h = 17.28 million requests x ($0.60 + $1.00).
    expect(out).toContain('| WAF and Bot Control inspection (17 million requests at the peak rate) | (traffic, counted once) | $27.65 |');
    // $6.0972 + $3.38 + $8.632 + $27.648.
    expect(out).toContain('| **Added to that month\'s bill** | | **$45.76** |');
  });

  test('Serverless v2, hand-checked: ACUs above the minimum on every instance of both databases', () => {
    // dev, 300 requests/s for 2 h, lead 60, release 0: window 3 h. catalog 300 x 2.05 = 615/500 = 1.23 -> 1.5 ACU; orders 18.75/100 -> 0.5.
    const config = resolveConfig({
      services: { ui: { maxCount: 6 }, catalog: { maxCount: 4 }, carts: { maxCount: 4 } },
      capacity: { leadMinutes: 60, releaseMinutes: 0, events: [{ name: 'sale', start: '2027-03-01T09:00:00Z', end: '2027-03-01T11:00:00Z', peakRequestsPerSecond: 300 }] },
    });
    const cost = eventCost(planEvents(config)[0]!, config, prices);
    const acu = cost.items.find((item) => item.label.startsWith('Aurora'))!;
    // (1.5 - 0.5) catalog + (0.5 - 0.5) orders = 1 ACU x 1 instance x $0.12 x 3 h = $0.36 per Region.
    expect(acu.perRegion).toBeCloseTo(0.36, 10);
    expect(acu.total).toBeCloseTo(0.72, 10);
    // No WAF configured: no inspection line.
    expect(cost.items.map((item) => item.label)).toEqual(['Fargate tasks above minCount', 'Aurora Serverless v2 ACUs above the minimum', 'Load balancer LCU reservation (21 LCUs)']);
    expect(capacityReport(config, prices, 'x.json')).toContain('| catalog database ACUs (per instance) | 0.5 | 1.5 | 4 |');
  });

  test('no events: says so; the peak rate alone is checked against maxCount', () => {
    const out = capacityReport(resolveConfig({ profile: 'prod', capacity: { peakRequestsPerSecond: 600 } }), prices, 'x.json');
    // catalog: 600 x 1.025 = 615 / 200 = 3.075 -> 4
    expect(out).toContain('target tracking can reach ui 4/8, catalog 4/8');
    expect(out).toContain('No events in capacity.events: nothing is scheduled.');
  });

  test('an event in the past: exit 1 with the configuration problem; no file or bad arguments: exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capacity-'));
    try {
      const file = join(dir, 'past.json');
      writeFileSync(file, JSON.stringify({ capacity: { peakRequestsPerSecond: 10, events: [{ name: 'old', start: '2027-01-01T00:00:00Z', end: '2027-01-01T01:00:00Z' }] } }));
      const past = run(['-c', `config=${file}`]);
      expect(past.code).toBe(1);
      expect(past.err).toContain('capacity.events[0].end: got "2027-01-01T01:00:00Z"; is in the past (now 2030-06-01T00:00:00.000Z): remove the event');
      expect(past.out).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(run([]).code).toBe(2);
    expect(run(['--bogus']).code).toBe(2);
  });
});

describe('npm run cost counts the web ACL', () => {
  test('a web ACL, each rule, and the Bot Control subscription', () => {
    const counts = countComponents([{ Resources: { Acl: { Type: 'AWS::WAFv2::WebACL', Properties: { Rules: [
      { Statement: { RateBasedStatement: {} } },
      { Statement: { ManagedRuleGroupStatement: { Name: 'AWSManagedRulesCommonRuleSet' } } },
      { Statement: { ManagedRuleGroupStatement: { Name: 'AWSManagedRulesBotControlRuleSet' } } },
    ] } } } }], 730);
    expect(Object.fromEntries(counts)).toEqual({ 'waf-web-acl': 1, 'waf-rule': 3, 'waf-bot-control': 1 });
  });
});
