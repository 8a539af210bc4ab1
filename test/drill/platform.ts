import { DescribeGlobalClustersCommand } from '@aws-sdk/client-rds';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { deadlineClientConfig, INCIDENT_DEADLINES } from '../../lib/common/aws-client';
import { AutomationDocument, failbackDocument, failoverDocument, RunbookDocumentOptions, switchoverDocument } from '../../lib/runbooks/documents';
import { ControlState, EndpointMemory, readRoutingControlStates } from '../../lib/runbooks/runtime/arc';
import { describeGlobalDatabases, GlobalDatabaseSnapshot } from '../../lib/runbooks/runtime/aurora';
import { createRunbookClients, RunbookClients } from '../../lib/runbooks/runtime/clients';
import { FUNCTION_TIMEOUT_SECONDS, RunbookKind } from '../../lib/runbooks/runtime/contract';
import { databasesHandlerFor } from '../../lib/runbooks/runtime/handlers/databases';
import { HandlerRuntime } from '../../lib/runbooks/runtime/handlers/environment';
import { preflightHandlerFor } from '../../lib/runbooks/runtime/handlers/preflight';
import { buildReport } from '../../lib/runbooks/runtime/handlers/report';
import { trafficHandlerFor } from '../../lib/runbooks/runtime/handlers/traffic';
import { PlatformTopology, runbookNames, topologyParameterName } from '../../lib/topology/topology';
import { DrillClock } from './clock';
import { AutomationEngine, DrillFunction, Execution } from './engine';
import { ARC_ENDPOINT_REGIONS, FakeArcCluster } from './fake-arc';
import { startFakeRds } from './fake-rds';
import { startFakeSsm } from './fake-ssm';
import type { FaultyEndpoint } from './fault';
import { DEFAULT_TIMINGS, ModelTimings, World } from './model/global-database';
import { MotoServer } from './moto';
import { Timeline } from './timeline';

/**
 * Everything one drill needs, on loopback: two platform Regions, each with its RDS (our
 * fake over the global database model) and SSM (our Automation engine + moto), one ARC
 * cluster of five endpoints, and per Region the REAL runbook handlers built by their
 * production wiring (`*HandlerFor`) with SDK clients whose endpoints point here.
 */

export const APP = 'retail';
export const EAST = 'us-east-1';
export const WEST = 'us-west-2';
export const REGIONS = [EAST, WEST];
const ACCOUNT = '111111111111';
const CLUSTER_ARN = `arn:aws:route53-recovery-control::${ACCOUNT}:cluster/drill`;
const PANEL = `arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/drill`;
const SAFETY_RULE = `${PANEL}/safetyrule/at-least-one-on`;
export const CONTROLS: Readonly<Record<string, string>> = Object.fromEntries(REGIONS.map((r) => [r, `${PANEL}/routingcontrol/${r}`]));
const DATABASES = [
  { name: 'catalog' as const, engine: 'aurora-mysql' as const },
  { name: 'orders' as const, engine: 'aurora-postgresql' as const },
];

const memberArn = (db: string, region: string) => `arn:aws:rds:${region}:${ACCOUNT}:cluster:${APP}-${db}-${region}`;

export interface ScenarioSetup {
  /** ARC endpoint Regions in the order the runbook tries them (faulty ones first make the worst case). */
  readonly arcOrder?: readonly string[];
  readonly timings?: ModelTimings;
  /** Approvals are given at once unless a scenario holds them. */
  readonly autoApprove?: boolean;
}

export interface PlatformStatus {
  readonly controls: Record<string, ControlState>;
  readonly databases: readonly GlobalDatabaseSnapshot[];
}

export class DrillPlatform {
  public world: World;
  public engines: Record<string, AutomationEngine> = {};
  private clients: RunbookClients;

  private constructor(
    public readonly clock: DrillClock,
    public readonly timeline: Timeline,
    public readonly moto: MotoServer,
    public readonly arc: FakeArcCluster,
    public readonly rds: Record<string, FaultyEndpoint>,
    public readonly ssm: Record<string, FaultyEndpoint>,
  ) {
    this.world = new World(REGIONS, () => clock.nowMs());
    this.clients = this.newClients();
  }

  static async start(): Promise<DrillPlatform> {
    // The SDK signs every request; the fakes and moto do not check signatures.
    process.env.AWS_ACCESS_KEY_ID = 'AKIDDRILL';
    process.env.AWS_SECRET_ACCESS_KEY = 'drill';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const clock = new DrillClock();
    const timeline = new Timeline(clock);
    const fault = (endpoint: string, message: string) => timeline.log(endpoint, `fault injected: ${message}`);
    const moto = await MotoServer.start();
    const arc = await FakeArcCluster.start(CONTROLS, SAFETY_RULE, (source, message) =>
      source === 'arc cluster' ? timeline.log(source, message) : fault(source, message),
    );
    let platform: DrillPlatform | undefined;
    const rds: Record<string, FaultyEndpoint> = {};
    const ssm: Record<string, FaultyEndpoint> = {};
    const worldOf = () => {
      if (platform === undefined) throw new Error('platform not ready');
      return platform.world;
    };
    for (const region of REGIONS) {
      rds[region] = await startFakeRds(worldOf, region, fault);
      ssm[region] = await startFakeSsm(region, moto.url, () => (operation, input) => platform?.engines[region]?.api(operation, input), fault);
    }
    platform = new DrillPlatform(clock, timeline, moto, arc, rds, ssm);
    return platform;
  }

  /** A fresh platform state: us-east-1 writes and serves, us-west-2 is the in-sync standby; no faults. */
  async reset(setup: ScenarioSetup = {}): Promise<void> {
    this.arc.heal();
    for (const endpoint of [...this.arc.endpoints, ...Object.values(this.rds), ...Object.values(this.ssm)]) {
      endpoint.heal();
      endpoint.resetCounts();
    }
    this.arc.set({ [CONTROLS[EAST]]: 'On', [CONTROLS[WEST]]: 'Off' });
    this.world = new World(REGIONS, () => this.clock.nowMs(), setup.timings ?? DEFAULT_TIMINGS, (source, message, atMs) =>
      this.timeline.log(source, message, atMs),
    );
    for (const db of DATABASES) {
      this.world.addDatabase({
        name: db.name,
        globalClusterIdentifier: `${APP}-${db.name}`,
        engine: db.engine,
        writerRegion: EAST,
        members: REGIONS.map((region) => ({ region, clusterIdentifier: `${APP}-${db.name}-${region}`, clusterArn: memberArn(db.name, region) })),
      });
    }
    const topology = this.topology(setup.arcOrder ?? ARC_ENDPOINT_REGIONS);
    for (const region of REGIONS) {
      const ssm = new SSMClient(deadlineClientConfig(region, INCIDENT_DEADLINES, this.ssm[region].url));
      await ssm.send(new PutParameterCommand({ Name: topologyParameterName(APP), Type: 'String', Overwrite: true, Value: JSON.stringify(topology) }));
      ssm.destroy();
    }
    // New clients and handler instances: nothing cached from an earlier scenario (no warm Lambda containers).
    this.clients = this.newClients();
    const runtime: HandlerRuntime = { now: () => this.clock.now(), sleep: (ms) => this.clock.sleep(ms), random: () => 0.999_999 };
    this.engines = Object.fromEntries(REGIONS.map((region) => [region, this.engine(region, runtime, setup.autoApprove ?? true)]));
  }

  /** Starts a runbook the way the operator CLI does: in `runRegion`, with the document's own parameter. */
  run(kind: RunbookKind, runRegion: string, region: string, extra: Record<string, unknown> = {}): Execution {
    const parameter = kind === 'failback' ? 'Region' : 'TargetRegion';
    return this.engines[runRegion].start(runbookNames(APP)[kind], { [parameter]: region, ...extra });
  }

  /** What `status` shows: the routing controls through the ARC data plane, the databases from `fromRegion`. */
  async status(fromRegion: string): Promise<PlatformStatus> {
    const topology = this.topology(ARC_ENDPOINT_REGIONS);
    const controls = await readRoutingControlStates(
      { endpoints: topology.arc.clusterEndpoints, clientFor: this.clients.arc, random: Math.random, memory: new EndpointMemory() },
      topology.arc.routingControls,
    );
    const databases = await describeGlobalDatabases(this.clients.rds(fromRegion), topology.databases);
    const line = databases.map((d) => `${d.name} writer ${d.writerRegion ?? 'none'} (${d.status}${d.operation ? `, ${d.operation.status}` : ''})`).join('; ');
    this.timeline.log('status', `controls ${JSON.stringify(controls.value)}; ${line}`);
    return { controls: controls.value, databases };
  }

  /** How the old primary's Region looks from the RDS model (for assertions). */
  async describeFrom(region: string) {
    return this.clients.rds(region).send(new DescribeGlobalClustersCommand({}));
  }

  async stop(): Promise<void> {
    this.clock.stop();
    await this.arc.close();
    await Promise.all([...Object.values(this.rds), ...Object.values(this.ssm)].map((e) => e.close()));
    await this.moto.stop();
  }

  private newClients(): RunbookClients {
    return createRunbookClients((service, region) => (service === 'rds' ? this.rds[region]?.url : this.ssm[region]?.url));
  }

  private topology(arcOrder: readonly string[]): PlatformTopology {
    const endpoints = this.arc.topologyEndpoints();
    return {
      appName: APP,
      account: ACCOUNT,
      regions: REGIONS,
      primaryRegion: EAST,
      routingMode: 'active-standby',
      arc: {
        clusterArn: CLUSTER_ARN,
        clusterEndpoints: arcOrder.map((region) => {
          const endpoint = endpoints.find((e) => e.region === region);
          if (endpoint === undefined) throw new Error(`no ARC endpoint in ${region}`);
          return endpoint;
        }),
        controlPanelArn: PANEL,
        routingControls: CONTROLS,
        safetyRuleArns: [SAFETY_RULE],
      },
      databases: DATABASES.map((db) => ({
        name: db.name,
        engine: db.engine,
        globalClusterIdentifier: `${APP}-${db.name}`,
        members: Object.fromEntries(REGIONS.map((region) => [region, { clusterIdentifier: `${APP}-${db.name}-${region}`, clusterArn: memberArn(db.name, region) }])),
      })),
      runbooks: Object.fromEntries(REGIONS.map((region) => [region, runbookNames(APP)])),
    };
  }

  private engine(region: string, runtime: HandlerRuntime, autoApprove: boolean): AutomationEngine {
    const env = { region, topologyParameterName: topologyParameterName(APP) };
    const functions: Record<string, DrillFunction> = {
      preflight: { timeoutSeconds: FUNCTION_TIMEOUT_SECONDS.preflight, handler: preflightHandlerFor(env, this.clients, runtime) },
      traffic: {
        timeoutSeconds: FUNCTION_TIMEOUT_SECONDS.traffic,
        handler: trafficHandlerFor({ ...env, arcClusterArn: CLUSTER_ARN }, this.clients, runtime),
      },
      databases: { timeoutSeconds: FUNCTION_TIMEOUT_SECONDS.databases, handler: databasesHandlerFor(env, this.clients, runtime) },
      report: { timeoutSeconds: FUNCTION_TIMEOUT_SECONDS.report, handler: async (event) => buildReport(event, runtime.now) },
    };
    const options: RunbookDocumentOptions = {
      appName: APP,
      regions: REGIONS,
      routingMode: 'active-standby',
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/drill-automation`,
      functions: { preflight: 'preflight', traffic: 'traffic', databases: 'databases', report: 'report' },
      databaseTimeoutMinutes: 20,
      approval: { approvers: [`arn:aws:iam::${ACCOUNT}:role/IncidentCommander`], minRequiredApprovals: 1, timeoutSeconds: 3600 },
      notificationTopicArn: `arn:aws:sns:${region}:${ACCOUNT}:drill-runbooks`,
    };
    const names = runbookNames(APP);
    const documents: Record<string, AutomationDocument> = {
      [names.failover]: failoverDocument(options),
      [names.switchover]: switchoverDocument(options),
      [names.failback]: failbackDocument(options),
    };
    return new AutomationEngine(region, this.clock, this.timeline, documents, functions, { autoApprove });
  }
}
