import { Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { run } from '../../../runbooks/cli/commands';
import { awsClients, CliDeps } from '../../../runbooks/cli/deps';
import { EXIT } from '../../../runbooks/cli/errors';
import { EAST, topology, WEST } from './fixtures';
import { fakeDeps, onlyJson } from './helpers';
import { answeringServer, LoopbackServer, silentServer } from './loopback';

/**
 * The real SDK clients the CLI builds (deadlines from lib/common/aws-client.ts), pointed per
 * client at loopback: us-east-1 and every ARC endpoint accept connections and never answer;
 * us-west-2 answers like AWS. `status` must answer within --timeout, with us-west-2's line
 * printed as soon as it arrives.
 */

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const TIMEOUT_SECONDS = 3;
/** Scheduling slack on a loaded 2-core machine; the clients' own deadlines (5 s x 3 attempts) are far beyond it. */
const SLACK_MS = 1_500;

/** A request handler that never settles and ignores its abort signal: the worst an ARC client could do. */
class StuckHandler extends NodeHttpHandler {
  override handle(): Promise<never> {
    return new Promise<never>(() => undefined);
  }
}

describe('status with a Region that accepts connections and never answers (real SDK, loopback)', () => {
  let silent: LoopbackServer;
  let answering: LoopbackServer;
  const destroyers: (() => void)[] = [];

  beforeAll(async () => {
    silent = await silentServer();
    const published = topology({ arcEndpoint: () => silent.url });
    answering = await answeringServer(published, { catalog: { writer: WEST }, orders: { writer: WEST } }, 250);
  });
  afterEach(() => destroyers.splice(0).forEach((destroy) => destroy()));
  afterAll(async () => {
    await silent.close();
    await answering.close();
  });

  function depsWith(overrides: Partial<CliDeps> = {}): { deps: CliDeps; lines: { at: number; line: string }[]; stdout: string[] } {
    const clients = awsClients({ credentials, endpointFor: (_service, region) => (region === EAST ? silent.url : answering.url) });
    destroyers.push(clients.destroy);
    const { deps: io, captured } = fakeDeps();
    const started = Date.now();
    const lines: { at: number; line: string }[] = [];
    const deps: CliDeps = {
      ...io,
      ...clients,
      now: () => new Date(),
      out: (line) => {
        lines.push({ at: Date.now() - started, line });
        captured.out.push(line);
      },
      ...overrides,
    };
    return { deps, lines, stdout: captured.out };
  }

  test('answers within --timeout, printing the answering Region first and the silent one with the reason', async () => {
    const { deps, lines } = depsWith();
    const started = Date.now();
    const code = await run(['status', '--timeout', String(TIMEOUT_SECONDS)], deps);
    const elapsed = Date.now() - started;

    expect(code).toBe(EXIT.INCOMPLETE);
    expect(elapsed).toBeLessThan(TIMEOUT_SECONDS * 1000 + SLACK_MS);
    expect(silent.connections()).toBeGreaterThanOrEqual(2);
    expect([...answering.requests()].sort()).toEqual([
      'cloudwatch:GetMetricStatistics',
      'cloudwatch:GetMetricStatistics',
      'rds:DescribeGlobalClusters',
      'rds:DescribeGlobalClusters',
      'ssm:GetParameter',
    ]);
    const west = lines.find((l) => /^ {2}us-west-2\s+answered/.test(l.line));
    expect(west?.line).toContain('catalog: writer us-west-2, available; orders: writer us-west-2, available');
    // Streamed: printed long before the deadline, not when everything is in.
    expect(west?.at).toBeLessThan(TIMEOUT_SECONDS * 1000 - 500);
    const east = lines.find((l) => /^ {2}us-east-1\s+NO ANSWER/.test(l.line));
    expect(east?.line).toContain(`SSM GetParameter: DeadlineExceeded: no answer within ${TIMEOUT_SECONDS} s`);
    const text = lines.map((l) => l.line).join('\n');
    expect(text).toMatch(/catalog\s+aurora-mysql\s+available\s+us-west-2\s+us-east-1\s+connected\s+n\/a\s+us-west-2/);
    // Each ARC endpoint's client gives up after 4 s: at 3 s the first one is still being waited on.
    expect(text).toMatch(new RegExp(`ARC routing controls unknown: Error: DeadlineExceeded: no answer within ${TIMEOUT_SECONDS} s; waiting on ${silent.url} \\([a-z0-9-]+\\)$`, 'm'));
  });

  test('whatever the ARC client does: requests that never settle and ignore the abort still end at --timeout', async () => {
    const stuck = new Route53RecoveryClusterClient({ region: 'us-west-2', endpoint: silent.url, credentials, maxAttempts: 1, requestHandler: new StuckHandler() });
    destroyers.push(() => stuck.destroy());
    const { deps, stdout } = depsWith({ arcClientFor: () => stuck });
    const started = Date.now();
    const code = await run(['status', '--json', '--timeout', String(TIMEOUT_SECONDS)], deps);
    const elapsed = Date.now() - started;

    expect(code).toBe(EXIT.INCOMPLETE);
    expect(elapsed).toBeLessThan(TIMEOUT_SECONDS * 1000 + SLACK_MS);
    const report = onlyJson({ out: stdout, err: [], prompts: [] });
    expect(report.arc).toMatchObject({ answered: false, error: expect.stringMatching(new RegExp(`^Error: DeadlineExceeded: no answer within ${TIMEOUT_SECONDS} s; waiting on ${silent.url}`)) });
    expect(report.regions).toEqual([
      expect.objectContaining({ region: EAST, answered: false }),
      expect.objectContaining({ region: WEST, answered: true, complete: true, writerFor: ['catalog', 'orders'] }),
    ]);
    expect(report.databases).toEqual([
      expect.objectContaining({ name: 'catalog', writerRegion: WEST, members: [expect.objectContaining({ region: EAST, role: 'secondary', lag: expect.objectContaining({ kind: 'unavailable' }) }), expect.objectContaining({ region: WEST, role: 'writer' })] }),
      expect.objectContaining({ name: 'orders', writerRegion: WEST }),
    ]);
  });
});
