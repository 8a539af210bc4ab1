/**
 * `npm run test:load`: the smoke profile of load/store.yml against a fake store on 127.0.0.1 that
 * this script starts (never any other address), bounded to 500 requests and 90 s per run; the five
 * runs go together (each with its own store), so Artillery's start-up overlaps.
 *  1. healthy store: every journey runs (browse, add to cart, checkout to the order page) and
 *     the ensure thresholds pass (exit 0);
 *  2. checkout fails with 500: the error-rate condition fails the run (non-zero exit);
 *  3. every page takes 2 s: the p95/p99 thresholds fail the run (non-zero exit).
 * Needs the engine: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix load
 */
import { existsSync } from 'node:fs';
import { ARTILLERY, runArtillery } from '../../scripts/load';
import { startFakeStore, type FakeStoreMode } from './fake-store';

const MAX_REQUESTS = 500;
const DEADLINE_MS = 90_000;

const JOURNEYS = ['browse catalog', 'add to cart', 'checkout and read the order'] as const;

async function smoke(mode: FakeStoreMode, scenario: (typeof JOURNEYS)[number]): Promise<{ code: number; output: string; hits: Map<string, number>; total: number }> {
  const store = await startFakeStore(mode, MAX_REQUESTS);
  try {
    if (!new URL(store.url).hostname.startsWith('127.')) throw new Error(`refusing a non-loopback target ${store.url}`);
    const result = await runArtillery({ target: store.url, profile: 'smoke', scenario }, { deadlineMs: DEADLINE_MS, quiet: true });
    // Artillery colours its verdicts even into a pipe: compare plain text.
    // eslint-disable-next-line no-control-regex
    return { ...result, output: result.output.replace(/\u001b\[[0-9;]*m/g, ''), hits: store.hits, total: store.total() };
  } finally {
    await store.close();
  }
}

function check(condition: boolean, message: string, output: string): void {
  if (!condition) {
    process.stderr.write(`${output}\nFAIL: ${message}\n`);
    process.exit(1);
  }
  process.stdout.write(`ok - ${message}\n`);
}

async function main(): Promise<void> {
  if (!existsSync(ARTILLERY)) {
    process.stderr.write('Artillery is not installed: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix load\n');
    process.exit(2);
  }
  // Each journey on its own, so every one is sure to run.
  const routes: Record<(typeof JOURNEYS)[number], string[]> = {
    'browse catalog': ['GET /home', 'GET /catalog', 'GET /catalog/<id>'],
    'add to cart': ['GET /catalog', 'GET /catalog/<id>', 'POST /cart', 'GET /cart'],
    'checkout and read the order': ['POST /cart', 'GET /cart', 'GET /checkout', 'POST /checkout', 'POST /checkout/delivery', 'POST /checkout/payment'],
  };
  // The five runs are independent (each has its own store on its own port): run them together, so
  // Artillery's start-up (most of each run's time) overlaps; the checks then read them in order.
  const [healthyRuns, failing, slow] = await Promise.all([
    Promise.all(JOURNEYS.map((journey) => smoke('healthy', journey))),
    smoke('failing-checkout', 'checkout and read the order'),
    smoke('slow', 'browse catalog'),
  ]);
  for (const [index, journey] of JOURNEYS.entries()) {
    const healthy = healthyRuns[index]!;
    check(healthy.code === 0, `healthy store, "${journey}": the smoke profile passes its ensure checks (exit ${healthy.code})`, healthy.output);
    for (const route of routes[journey]) {
      check((healthy.hits.get(route) ?? 0) > 0, `"${journey}" reached ${route}`, healthy.output);
    }
    // The ensure checks ran (a script without the plugin loaded would pass without evaluating them).
    check(/ok: http\.response_time\.p95 < 800/.test(healthy.output) && /ok: vusers\.failed \/ vusers\.created <= 0\.001/.test(healthy.output), 'the ensure checks were evaluated and passed', healthy.output);
    check(healthy.total <= MAX_REQUESTS && /vusers\.failed: \.+ 0\n/.test(healthy.output), `bounded (${healthy.total} requests), no journey failed`, healthy.output);
  }

  check(failing.code !== 0 && failing.code !== 124, `checkout answering 500: the run fails (exit ${failing.code})`, failing.output);
  check(/fail: vusers\.failed/.test(failing.output), 'it fails on the error-rate condition', failing.output);

  check(slow.code !== 0 && slow.code !== 124, `every page taking 2 s: the run fails (exit ${slow.code})`, slow.output);
  check(/fail: http\.response_time\.p95/.test(slow.output), 'it fails on the p95 threshold', slow.output);
}

void main();
