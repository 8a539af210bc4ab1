import { STEP } from '../../lib/runbooks/documents';
import type { RunbookReport } from '../../lib/runbooks/runtime/handlers/report';
import type { DatabaseWaitResult } from '../../lib/runbooks/runtime/handlers/databases';
import type { TrafficResult } from '../../lib/runbooks/runtime/traffic';
import { Checks, payloadOf, runSpan, stepOf, stepSpan } from './checks';
import type { Execution } from './engine';
import { ARC_ENDPOINT_REGIONS } from './fake-arc';
import { CONTROLS, DrillPlatform, EAST, ScenarioSetup, WEST } from './platform';
import { whatWorksIn, type Capabilities } from './model/what-survives';

/**
 * The drill's scenarios: the end-to-end sequence, then one fault per scenario. Each one
 * asserts the outcome and upper bounds on its duration, on the drill clock (what a real
 * run takes, with Aurora's modelled failover time) and in real time (what the deadlines cost).
 *
 * Modelled Aurora (model/global-database.ts): a failover promotes the target after 60 s and
 * makes it available 30 s later; a switchover takes 90 s; the wait polls every 15 s.
 */

export interface Scenario {
  readonly name: string;
  readonly title: string;
  readonly setup?: ScenarioSetup;
  run(platform: DrillPlatform, check: Checks): Promise<void>;
}

/** One ARC request deadline (ARC_ENDPOINT_DEADLINES.requestMs) — what a silent endpoint costs. */
const ARC_REQUEST_MS = 4_000;
/** A healthy failover or switchover on the drill clock: 90 s of Aurora, one 15 s poll, a few seconds of calls. */
const MOVE_CLOCK_MS = 90_000 + 15_000 + 10_000;

/** The ARC endpoints with the given Regions first: the runbook tries them in this order (the worst case). */
function faultyFirst(...regions: string[]): string[] {
  return [...regions, ...ARC_ENDPOINT_REGIONS.filter((r) => !regions.includes(r))];
}

function writers(platform: DrillPlatform): Record<string, string | undefined> {
  return Object.fromEntries(platform.world.databases.map((d) => [d.name, d.writerRegion()]));
}

/** What customers can do through `region`'s store now (default routing: forwarding). */
function survivors(platform: DrillPlatform, region: string): Capabilities {
  const byName = (name: string) => platform.world.databases.find((d) => d.name === name)!;
  return whatWorksIn(platform.world, { catalog: byName('catalog'), orders: byName('orders') }, region, 'forwarding');
}

function controls(platform: DrillPlatform): Record<string, string | undefined> {
  return { [EAST]: platform.arc.states.get(CONTROLS[EAST]), [WEST]: platform.arc.states.get(CONTROLS[WEST]) };
}

async function finished(execution: Execution): Promise<Execution> {
  return execution.done;
}

/** A failover to us-west-2 that must succeed, with its traffic step and total time bounded. */
async function failoverSucceeds(platform: DrillPlatform, check: Checks, bounds: { readonly trafficRealMs: number; readonly runClockMs: number; readonly label?: string }): Promise<Execution> {
  const run = await finished(platform.run('failover', WEST, WEST));
  check.outcome(run, 'Success');
  check.equal(writers(platform), { catalog: WEST, orders: WEST }, 'every database writes in us-west-2');
  check.equal(controls(platform), { [EAST]: 'Off', [WEST]: 'On' }, 'us-west-2 On, us-east-1 Off');
  const label = bounds.label ?? 'failover';
  check.measure(`${label}: traffic step`, stepSpan(run, STEP.failover.traffic), { realMs: bounds.trafficRealMs });
  check.measure(`${label}: whole runbook`, runSpan(run), { clockMs: bounds.runClockMs });
  return run;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'end-to-end',
    title: 'failover -> status -> failback -> switchover, nothing broken',
    async run(platform, check) {
      await failoverSucceeds(platform, check, { trafficRealMs: 2_000, runClockMs: MOVE_CLOCK_MS });
      const status = await platform.status(WEST);
      check.equal(status.controls, { [EAST]: 'Off', [WEST]: 'On' }, 'status: routing controls read through the ARC data plane');
      check.equal(
        status.databases.map((d) => [d.name, d.writerRegion]),
        [
          ['catalog', WEST],
          ['orders', WEST],
        ],
        'status: writers read from us-west-2',
      );
      // The old primaries resynchronise as secondaries.
      await platform.clock.sleep(120_000);
      const failback = await finished(platform.run('failback', WEST, EAST));
      check.outcome(failback, 'Success');
      check.contains(payloadOf<TrafficResult>(failback, STEP.failback.traffic)?.note, 'stays a standby', 'failback (active-standby): us-east-1 stays a ready standby');
      check.measure('failback: whole runbook', runSpan(failback), { clockMs: 10_000 });
      const switchover = await finished(platform.run('switchover', EAST, EAST));
      check.outcome(switchover, 'Success');
      check.equal(writers(platform), { catalog: EAST, orders: EAST }, 'switchover: every database writes in us-east-1 again');
      check.equal(controls(platform), { [EAST]: 'On', [WEST]: 'Off' }, 'switchover: us-east-1 On, us-west-2 Off');
      check.measure('switchover: whole runbook', runSpan(switchover), { clockMs: MOVE_CLOCK_MS });
    },
  },
  {
    name: 'arc-silent-endpoint',
    title: 'the first ARC endpoint tried accepts connections and never answers',
    setup: { arcOrder: faultyFirst('ap-northeast-1') },
    async run(platform, check) {
      const silent = platform.arc.endpoint('ap-northeast-1').inject('silent');
      const run = await failoverSucceeds(platform, check, { trafficRealMs: ARC_REQUEST_MS + 2_000, runClockMs: MOVE_CLOCK_MS + ARC_REQUEST_MS + 2_000 });
      const traffic = payloadOf<TrafficResult>(run, STEP.failover.traffic);
      check.equal(traffic?.endpointFailures.map((f) => [f.region, f.errorName]), [['ap-northeast-1', 'TimeoutError']], 'the silent endpoint failed at its request deadline');
      check.that(stepSpan(run, STEP.failover.traffic).realMs >= ARC_REQUEST_MS - 100, 'the request deadline was actually waited for (not a mocked error)');
      // Two parallel reads of the first read hit it; the update and the read-back went to the endpoint that answered.
      check.equal(silent.count(), 2, 'the silent endpoint was paid for once in the run');
    },
  },
  {
    name: 'arc-reset-endpoint',
    title: 'the first ARC endpoint tried resets every connection',
    setup: { arcOrder: faultyFirst('ap-southeast-2') },
    async run(platform, check) {
      platform.arc.endpoint('ap-southeast-2').inject('reset');
      const run = await failoverSucceeds(platform, check, { trafficRealMs: 1_500, runClockMs: MOVE_CLOCK_MS });
      check.equal(payloadOf<TrafficResult>(run, STEP.failover.traffic)?.endpointFailures.map((f) => f.region), ['ap-southeast-2'], 'the reset endpoint was skipped');
    },
  },
  {
    name: 'arc-5xx-endpoint',
    title: 'the first ARC endpoint tried answers 500 InternalServerException',
    setup: { arcOrder: faultyFirst('eu-west-1') },
    async run(platform, check) {
      const failing = platform.arc.endpoint('eu-west-1').inject('server-error');
      const run = await failoverSucceeds(platform, check, { trafficRealMs: 1_500, runClockMs: MOVE_CLOCK_MS });
      check.equal(payloadOf<TrafficResult>(run, STEP.failover.traffic)?.endpointFailures.map((f) => f.errorName), ['InternalServerException'], 'the 5xx was reported');
      // One attempt per endpoint: the retry belongs on the next endpoint (SDK retries would make it 6).
      check.equal(failing.count(), 2, 'no SDK retry on the failing endpoint (2 parallel reads, once)');
    },
  },
  {
    name: 'throttling',
    title: 'throttling on ARC, SSM and RDS; RDS 5xx and a silent RDS answer while the wait polls',
    setup: { arcOrder: faultyFirst('us-east-1') },
    async run(platform, check) {
      platform.arc.endpoint('us-east-1').inject('throttle');
      platform.ssm[WEST].inject('throttle', { operations: ['GetParameter'], times: 2 });
      platform.rds[WEST].inject('throttle', { operations: ['DescribeGlobalClusters'], times: 4 });
      platform.rds[WEST].inject('throttle', { operations: ['FailoverGlobalCluster'], times: 3 });
      platform.rds[WEST].inject('server-error', { operations: ['DescribeDBClusters'], times: 6 });
      platform.rds[WEST].inject('silent', { operations: ['DescribeDBClusters'], times: 1 });
      const run = await failoverSucceeds(platform, check, { trafficRealMs: 6_000, runClockMs: MOVE_CLOCK_MS + 60_000 });
      const waits = run.payloads.get(STEP.failover.wait);
      check.that(waits !== undefined, 'the wait completed although polls failed');
      check.that(platform.rds[WEST].requests.some((r) => r.fault === 'throttle' && r.operation === 'FailoverGlobalCluster'), 'FailoverGlobalCluster was throttled and retried');
      check.measure('throttling: whole runbook (real)', runSpan(run), { realMs: 30_000 });
    },
  },
  {
    name: 'arc-4-of-5-down',
    title: 'four of five ARC endpoints down (2 silent, 1 resetting, 1 answering 5xx), all tried first',
    setup: { arcOrder: faultyFirst('ap-northeast-1', 'ap-southeast-2', 'eu-west-1', 'us-east-1') },
    async run(platform, check) {
      platform.arc.endpoint('ap-northeast-1').inject('silent');
      platform.arc.endpoint('ap-southeast-2').inject('silent');
      platform.arc.endpoint('eu-west-1').inject('reset');
      platform.arc.endpoint('us-east-1').inject('server-error');
      const run = await failoverSucceeds(platform, check, { trafficRealMs: 2 * ARC_REQUEST_MS + 3_000, runClockMs: MOVE_CLOCK_MS + 2 * ARC_REQUEST_MS + 3_000 });
      const traffic = payloadOf<TrafficResult>(run, STEP.failover.traffic);
      check.equal(traffic?.updateEndpoint, platform.arc.endpoint('us-west-2').url + '/v1', 'the update went to the one endpoint up');
      check.equal(traffic?.endpointFailures.length, 4, 'each dead endpoint was tried once in the run');
    },
  },
  {
    name: 'arc-5-of-5-down',
    title: 'all five ARC endpoints down: the failover stops before touching a database, then succeeds on re-run',
    setup: { arcOrder: faultyFirst('ap-northeast-1', 'ap-southeast-2', 'eu-west-1', 'us-east-1', 'us-west-2') },
    async run(platform, check) {
      platform.arc.endpoint('ap-northeast-1').inject('silent');
      platform.arc.endpoint('ap-southeast-2').inject('silent');
      platform.arc.endpoint('eu-west-1').inject('silent');
      platform.arc.endpoint('us-east-1').inject('reset');
      platform.arc.endpoint('us-west-2').inject('server-error');
      const failed = await finished(platform.run('failover', WEST, WEST));
      check.outcome(failed, 'Failed');
      check.equal(failed.failedStep, STEP.failover.traffic, 'it failed at the traffic step');
      for (const region of ARC_ENDPOINT_REGIONS) check.contains(failed.failureMessage, platform.arc.endpoint(region).url, `the reason names the ${region} endpoint`);
      check.that(stepOf(failed, STEP.failover.start) === undefined, 'no database step ran');
      check.equal(platform.rds[WEST].count('FailoverGlobalCluster'), 0, 'FailoverGlobalCluster was never called');
      check.equal(writers(platform), { catalog: EAST, orders: EAST }, 'the databases still write in us-east-1');
      check.equal(controls(platform), { [EAST]: 'On', [WEST]: 'Off' }, 'the routing controls are unchanged');
      check.measure('5 of 5 down: traffic step until it fails', stepSpan(failed, STEP.failover.traffic), { realMs: 5 * (2_000 + ARC_REQUEST_MS) });
      check.measure('5 of 5 down: failed runbook', runSpan(failed), { clockMs: 5 * (2_000 + ARC_REQUEST_MS) + 5_000 });
      platform.arc.heal();
      await failoverSucceeds(platform, check, { trafficRealMs: 2_000, runClockMs: MOVE_CLOCK_MS, label: 're-run after the endpoints recover' });
    },
  },
  {
    name: 'old-region-unreachable',
    title: "us-east-1 unreachable (its RDS, SSM and ARC endpoint silent); its old primaries stay listed as writers",
    setup: { arcOrder: faultyFirst('us-east-1') },
    async run(platform, check) {
      platform.world.isolate(EAST);
      platform.rds[EAST].inject('silent');
      platform.ssm[EAST].inject('silent');
      platform.arc.endpoint('us-east-1').inject('silent');
      check.equal(survivors(platform, WEST), { browse: true, carts: true, checkout: false }, 'what survives in us-west-2 before the failover: browse and carts (its own member and replica), not checkout');
      const run = await failoverSucceeds(platform, check, { trafficRealMs: ARC_REQUEST_MS + 2_000, runClockMs: MOVE_CLOCK_MS + 2 * ARC_REQUEST_MS + 5_000 });
      check.equal(survivors(platform, WEST), { browse: true, carts: true, checkout: true }, 'after the failover us-west-2 takes orders with no reconfiguration');
      check.equal(platform.rds[EAST].count(), 0, 'the runbook never called the failed Region\'s RDS');
      check.equal(
        platform.world.databases.map((d) => d.listedWriterRegions().sort()),
        [
          [EAST, WEST],
          [EAST, WEST],
        ],
        'the old primaries are still listed as writers (the global clusters never settle)',
      );
      const wait = payloadOf<DatabaseWaitResult>(run, STEP.failover.wait);
      check.equal(wait?.databases.map((d) => d.oldPrimary?.listedAs), ['writer', 'writer'], 'the old primaries are reported, not waited on');
      const report = payloadOf<RunbookReport>(run, STEP.failover.report);
      check.that((report?.warnings ?? []).some((w) => w.includes('old primary in us-east-1 is still listed as a writer')), 'the report warns about the listed old primary');
      const preflight = payloadOf<{ checksPassed: string[] }>(run, STEP.failover.preflight);
      check.that((preflight?.checksPassed ?? []).some((c) => c.startsWith('could not check us-east-1 for running runbooks')), 'the running-runbook check skipped the unreachable Region');
      check.measure('preflight with the old Region silent', stepSpan(run, STEP.failover.preflight), { realMs: 3_000 + 2_000 });

      const status = await platform.status(WEST);
      check.equal(status.databases.map((d) => d.writerRegion), [WEST, WEST], 'status from us-west-2 shows the new writers');

      const early = await finished(platform.run('failback', WEST, EAST));
      check.outcome(early, 'Failed', 'failback refused while us-east-1 is still unreachable');

      platform.world.restore(EAST);
      platform.rds[EAST].heal();
      platform.ssm[EAST].heal();
      platform.arc.endpoint('us-east-1').heal();
      const inRestored = await finished(platform.run('failback', EAST, EAST));
      check.outcome(inRestored, 'Failed', 'failback started in the Region being restored is refused');
      check.contains(inRestored.failureMessage, 'never in the Region being restored', 'the refusal says why');
      // Aurora rejoins the old primaries as secondaries and resynchronises them.
      await platform.clock.sleep(200_000);
      check.equal(platform.world.databases.map((d) => d.busy()), [false, false], 'the old primaries rejoined; the failovers settled');
      const failback = await finished(platform.run('failback', WEST, EAST));
      check.outcome(failback, 'Success', 'failback from us-west-2 once us-east-1 is back');
      const switchover = await finished(platform.run('switchover', EAST, EAST));
      check.outcome(switchover, 'Success', 'switchover back to us-east-1');
      check.equal(writers(platform), { catalog: EAST, orders: EAST }, 'every database writes in us-east-1 again');
    },
  },
  {
    name: 'db-failover-never-completes',
    title: "orders' FailoverGlobalCluster is accepted and never completes",
    async run(platform, check) {
      platform.world.database('retail-orders')?.stallNextOperation();
      const run = await finished(platform.run('failover', WEST, WEST));
      check.outcome(run, 'Failed');
      check.equal(run.failedStep, STEP.failover.wait, 'it failed in the wait, at its deadline');
      check.contains(run.failureMessage, 'DatabaseWaitTimeout', 'the reason is the deadline');
      check.contains(run.failureMessage, 'last state seen at', 'the reason says the last state seen');
      check.contains(run.failureMessage, 'Writes are split across Regions: catalog writes in us-west-2, orders writes in us-east-1.', 'the reason says where each database writes');
      check.contains(run.failureMessage, 'aws ssm start-automation-execution --region us-west-2 --document-name retail-Failover --parameters TargetRegion=us-west-2', 'the reason gives the command to finish');
      const invocations = run.steps.filter((s) => s.name === STEP.failover.wait).length;
      check.that(invocations >= 5, `the wait looped through the document's branch (${invocations} invocations of at most 270 s each)`);
      check.equal(controls(platform), { [EAST]: 'Off', [WEST]: 'On' }, 'traffic had moved before the databases (failover order)');
      check.measure('never completes: traffic step', stepSpan(run, STEP.failover.traffic), { realMs: 2_000 });
      check.measure('never completes: failed runbook', runSpan(run), { clockMs: 20 * 60_000 + 15_000 + 10_000, realMs: 15_000 });
      check.that(runSpan(run).clockMs >= 20 * 60_000, 'it did not give up before the 20-minute deadline');
    },
  },
  {
    name: 'read-back-stale',
    title: 'the update is accepted, then every read-back shows the old states',
    setup: { arcOrder: faultyFirst('eu-west-1') },
    async run(platform, check) {
      // The endpoint that takes the update keeps answering reads with the states from before it.
      platform.arc.staleReads.set(platform.arc.endpoint('eu-west-1').url, 1_000);
      const run = await failoverSucceeds(platform, check, { trafficRealMs: 5_000, runClockMs: MOVE_CLOCK_MS + 5_000 });
      const traffic = payloadOf<TrafficResult>(run, STEP.failover.traffic);
      check.equal(traffic?.readBackConfirmed, false, 'the read-back could not confirm the update');
      check.that((payloadOf<RunbookReport>(run, STEP.failover.report)?.warnings ?? []).some((w) => w.includes('did not confirm it')), 'the report carries the warning');
      check.that(stepOf(run, STEP.failover.start)?.status === 'Success', 'the databases were promoted anyway');
    },
  },
  {
    name: 'concurrent-runbooks',
    title: 'a second runbook started while the first waits for approval',
    setup: { autoApprove: false },
    async run(platform, check) {
      const first = platform.run('failover', WEST, WEST);
      while (first.status !== 'Waiting') await new Promise((resolve) => setTimeout(resolve, 20));
      const second = await finished(platform.run('failover', WEST, WEST));
      check.outcome(second, 'Failed', 'the second failover is refused');
      check.contains(second.failureMessage, 'RunbookAlreadyRunning', 'the refusal is typed');
      check.contains(second.failureMessage, `retail-Failover execution ${first.id} in us-west-2 is Waiting`, 'the refusal names the running execution');
      const other = await finished(platform.run('switchover', EAST, EAST));
      check.outcome(other, 'Failed', 'a switchover in the other Region is refused too');
      check.contains(other.failureMessage, first.id, 'and names the same execution');
      check.equal(platform.rds[WEST].count('FailoverGlobalCluster') + platform.rds[EAST].count('SwitchoverGlobalCluster'), 0, 'nothing was changed meanwhile');
      platform.engines[WEST].approve(first.id);
      check.outcome(await finished(first), 'Success', 'the first failover completes once approved');
    },
  },
  {
    name: 'partial-switchover',
    title: "a switchover in which catalog moves and orders' SwitchoverGlobalCluster is refused",
    async run(platform, check) {
      platform.world.database('retail-orders')?.rejectNextOperation('InvalidGlobalClusterStateFault', 'Global cluster retail-orders is not in a valid state for switchover');
      const run = await finished(platform.run('switchover', WEST, WEST));
      check.outcome(run, 'Failed');
      check.equal(run.failedStep, STEP.switchover.wait, 'it failed after the started database finished');
      check.equal(writers(platform), { catalog: WEST, orders: EAST }, 'writes are split');
      check.equal(controls(platform), { [EAST]: 'On', [WEST]: 'Off' }, 'traffic did not move (it follows the databases in a switchover)');
      check.contains(run.failureMessage, 'Writes are split across Regions: catalog writes in us-west-2, orders writes in us-east-1.', 'the reason says where each database writes');
      check.contains(run.failureMessage, 'To finish the switchover to us-west-2', 'the reason gives the command to finish');
      const undo = /To undo, [^:]*: aws ssm start-automation-execution --region (\S+) --document-name (\S+) --parameters TargetRegion=(\S+)/.exec(run.failureMessage ?? '');
      check.that(undo !== null, 'the reason gives the command to undo');
      if (undo !== null) {
        const [, runRegion, , target] = undo;
        const undone = await finished(platform.run('switchover', runRegion, target));
        check.outcome(undone, 'Success', 'running the undo command succeeds');
        check.equal(writers(platform), { catalog: EAST, orders: EAST }, 'after the undo every database writes in us-east-1');
      }
      check.measure('partial switchover: failed runbook', runSpan(run), { clockMs: MOVE_CLOCK_MS });
    },
  },
];
