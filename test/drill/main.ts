import { Checks, seconds } from './checks';
import { motoAvailable, MOTO_MISSING } from './moto';
import { DrillPlatform } from './platform';
import { SCENARIOS } from './scenarios';

/**
 * `npm run drill`: the offline failover drill. Runs the real runbook handlers, with the
 * real AWS SDK clients and their deadlines, against loopback endpoints (fake ARC cluster,
 * fake RDS over a global database model, SSM = the drill's Automation engine + moto), one
 * scenario per fault. Prints each scenario's timeline and checks, then a summary of the
 * measured durations; exits 1 if any check fails or the drill runs over its time budget.
 *
 * `npm run drill -- <name> [...]` runs only the named scenarios.
 */

/** The whole drill must fit in CI's budget on a 2-core machine. */
const DRILL_BUDGET_MS = 180_000;

async function main(): Promise<number> {
  const started = Date.now();
  if (!motoAvailable()) {
    process.stderr.write(`${MOTO_MISSING}\n`);
    return 2;
  }
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`Unknown scenario(s): ${unknown.join(', ')}. Scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const platform = await DrillPlatform.start();
  process.stdout.write(`Drill platform up in ${seconds(Date.now() - started)} (moto at ${platform.moto.url})\n`);
  const results: { readonly name: string; readonly checks: Checks; readonly realMs: number }[] = [];
  try {
    for (const scenario of SCENARIOS.filter((s) => only.length === 0 || only.includes(s.name))) {
      await platform.reset(scenario.setup);
      platform.timeline.begin();
      const checks = new Checks();
      const scenarioStart = Date.now();
      try {
        await scenario.run(platform, checks);
      } catch (error) {
        checks.that(false, `scenario threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      }
      const realMs = Date.now() - scenarioStart;
      results.push({ name: scenario.name, checks, realMs });
      process.stdout.write(`\n=== ${scenario.name}: ${scenario.title} (${seconds(realMs)} real)\n`);
      for (const line of platform.timeline.format()) process.stdout.write(`${line}\n`);
      for (const r of checks.results) process.stdout.write(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.label}\n`);
    }
  } finally {
    await platform.stop();
  }

  const totalMs = Date.now() - started;
  process.stdout.write('\n=== Measured durations (drill clock = a real run with the modelled Aurora times; real = what deadlines cost here)\n');
  process.stdout.write(`  ${'scenario'.padEnd(28)} ${'measure'.padEnd(48)} ${'drill clock'.padStart(12)} ${'real'.padStart(9)}  bound\n`);
  for (const { name, checks } of results) {
    for (const m of checks.measures) {
      const bound = [m.boundClockMs !== undefined ? `clock <= ${seconds(m.boundClockMs)}` : '', m.boundRealMs !== undefined ? `real <= ${seconds(m.boundRealMs)}` : '']
        .filter((b) => b !== '')
        .join(', ');
      process.stdout.write(`  ${name.padEnd(28)} ${m.label.padEnd(48)} ${seconds(m.clockMs).padStart(12)} ${seconds(m.realMs).padStart(9)}  ${bound}\n`);
    }
  }
  const failed = results.filter((r) => !r.checks.passed);
  const overBudget = totalMs > DRILL_BUDGET_MS;
  process.stdout.write(
    `\n${results.length - failed.length}/${results.length} scenarios passed; drill took ${seconds(totalMs)} (budget ${seconds(DRILL_BUDGET_MS)})\n`,
  );
  for (const r of failed) process.stdout.write(`FAILED: ${r.name}\n`);
  if (overBudget) process.stdout.write('FAILED: the drill ran over its time budget\n');
  return failed.length === 0 && !overBudget ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`drill crashed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
