import type { DBCluster, GlobalCluster } from '@aws-sdk/client-rds';

/**
 * A small model of Aurora global databases across Regions, driven by a clock, for the
 * offline drill. It answers with the SDK's own shapes (GlobalCluster, DBCluster) so a fake
 * RDS endpoint can serve it, and it models what matters during a Regional outage:
 *
 * - FailoverGlobalCluster (AllowDataLoss): pending -> failing-over -> the target listed as
 *   writer (cluster `modifying`) -> the target cluster `available`. When the old primary's
 *   Region is unreachable, the old primary STAYS LISTED (first, still as writer) and the
 *   global cluster keeps its failover state until that Region is back; then Aurora demotes
 *   it to a secondary (pending-resync, later connected).
 * - SwitchoverGlobalCluster: needs every member reachable and in sync; both roles swap.
 * - Faults: an operation that never completes (`stallNextOperation`), an operation refused
 *   (`rejectNextOperation`).
 *
 * It also answers "what survives what" questions (`writableIn`, `readableIn`) so later drills
 * (region-confined traffic: reads local, writes forwarded) can assert on them.
 */

export interface MemberSpec {
  readonly region: string;
  readonly clusterIdentifier: string;
  readonly clusterArn: string;
}

export interface GlobalDatabaseSpec {
  readonly name: string;
  readonly globalClusterIdentifier: string;
  readonly engine: string;
  readonly members: readonly MemberSpec[];
  /** The Region of the writer at the start. */
  readonly writerRegion: string;
}

export interface ModelTimings {
  /** FailoverGlobalCluster: from the call to the target listed as writer. */
  readonly failoverPromoteMs: number;
  /** From promotion to the target cluster `available`. */
  readonly failoverAvailableMs: number;
  /** SwitchoverGlobalCluster: from the call to both roles swapped and available. */
  readonly switchoverMs: number;
  /** From the old primary's Region coming back to it listed as a secondary. */
  readonly rejoinMs: number;
  /** From pending-resync to connected. */
  readonly resyncMs: number;
}

/** Orders of magnitude seen for managed operations (Aurora documents "typically minutes"). */
export const DEFAULT_TIMINGS: ModelTimings = {
  failoverPromoteMs: 60_000,
  failoverAvailableMs: 30_000,
  switchoverMs: 90_000,
  rejoinMs: 120_000,
  resyncMs: 60_000,
};

/** An error RDS would answer with. */
export class ModelFault extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

type SyncStatus = 'connected' | 'pending-resync';

interface MemberState {
  readonly spec: MemberSpec;
  isWriter: boolean;
  clusterStatus: string;
  sync?: SyncStatus;
}

interface Operation {
  readonly kind: 'failover' | 'switchover';
  readonly from: MemberState;
  readonly to: MemberState;
  status: 'pending' | 'failing-over';
  /** Set once promoted while the old primary's Region was unreachable: cleared when it rejoins. */
  awaitingRejoin: boolean;
}

interface Transition {
  readonly at: number;
  readonly label: string;
  readonly apply: () => void;
}

/** The Regions and their reachability; owns the databases. */
export class World {
  public readonly databases: GlobalDatabaseModel[] = [];
  private readonly isolated = new Set<string>();

  constructor(
    public readonly regions: readonly string[],
    public readonly now: () => number,
    public readonly timings: ModelTimings = DEFAULT_TIMINGS,
    public readonly onEvent: (source: string, message: string, atMs?: number) => void = () => undefined,
  ) {}

  addDatabase(spec: GlobalDatabaseSpec): GlobalDatabaseModel {
    const db = new GlobalDatabaseModel(this, spec);
    this.databases.push(db);
    return db;
  }

  database(identifier: string): GlobalDatabaseModel | undefined {
    return this.databases.find((d) => d.globalClusterIdentifier === identifier);
  }

  reachable(region: string): boolean {
    return !this.isolated.has(region);
  }

  /** The Region drops off the network: its APIs and its members stop answering. */
  isolate(region: string): void {
    this.isolated.add(region);
    this.onEvent('world', `${region} isolated`);
  }

  restore(region: string): void {
    this.isolated.delete(region);
    this.onEvent('world', `${region} reachable again`);
    for (const db of this.databases) db.regionRestored(region);
  }
}

export class GlobalDatabaseModel {
  public readonly name: string;
  public readonly globalClusterIdentifier: string;
  public readonly engine: string;
  private readonly members: MemberState[];
  private status = 'available';
  private operation?: Operation;
  private transitions: Transition[] = [];
  /** While a transition is applied: its own time, so what it schedules counts from then, not from when it was noticed. */
  private applyingAt?: number;
  private stallNext = false;
  private rejectNext?: ModelFault;

  constructor(
    private readonly world: World,
    spec: GlobalDatabaseSpec,
  ) {
    this.name = spec.name;
    this.globalClusterIdentifier = spec.globalClusterIdentifier;
    this.engine = spec.engine;
    this.members = spec.members.map((m) => ({
      spec: m,
      isWriter: m.region === spec.writerRegion,
      clusterStatus: 'available',
      sync: m.region === spec.writerRegion ? undefined : 'connected',
    }));
  }

  // ---- fault injection --------------------------------------------------------------

  /** The next failover/switchover is accepted and then never completes. */
  stallNextOperation(): void {
    this.stallNext = true;
  }

  /** The next failover/switchover call is refused with this error. */
  rejectNextOperation(code: string, message: string): void {
    this.rejectNext = new ModelFault(code, message);
  }

  // ---- the RDS API ------------------------------------------------------------------

  describeGlobalCluster(): GlobalCluster {
    this.advance();
    const op = this.operation;
    // An old primary that is still listed as writer is listed first, as the issue observed.
    const ordered = [...this.members].sort((a, b) => Number(b.isWriter && b !== op?.to) - Number(a.isWriter && a !== op?.to));
    return {
      GlobalClusterIdentifier: this.globalClusterIdentifier,
      GlobalClusterArn: `arn:aws:rds::111111111111:global-cluster:${this.globalClusterIdentifier}`,
      Engine: this.engine,
      Status: this.status,
      GlobalClusterMembers: ordered.map((m) => ({
        DBClusterArn: m.spec.clusterArn,
        IsWriter: m.isWriter,
        SynchronizationStatus: m.isWriter ? undefined : m.sync,
      })),
      FailoverState:
        op === undefined
          ? undefined
          : {
              Status: op.status,
              FromDbClusterArn: op.from.spec.clusterArn,
              ToDbClusterArn: op.to.spec.clusterArn,
              IsDataLossAllowed: op.kind === 'failover',
            },
    };
  }

  /** DescribeDBClusters in `region` (a member is only described by its own Region). */
  describeCluster(region: string, identifier: string): DBCluster | undefined {
    this.advance();
    const member = this.members.find((m) => m.spec.region === region && (m.spec.clusterIdentifier === identifier || m.spec.clusterArn === identifier));
    if (member === undefined) return undefined;
    return {
      DBClusterIdentifier: member.spec.clusterIdentifier,
      DBClusterArn: member.spec.clusterArn,
      Status: member.clusterStatus,
      Engine: this.engine,
      GlobalClusterIdentifier: this.globalClusterIdentifier,
    };
  }

  failover(targetIdentifier: string, allowDataLoss: boolean): GlobalCluster {
    this.advance();
    const target = this.memberFor(targetIdentifier);
    this.refuseIfBusy(target);
    if (!allowDataLoss) {
      throw new ModelFault('InvalidParameterCombination', 'This drill models unplanned failovers only (AllowDataLoss=true)');
    }
    const from = this.writer();
    const stalled = this.takeStall();
    this.operation = { kind: 'failover', from, to: target, status: 'pending', awaitingRejoin: false };
    this.status = 'failing-over';
    target.clusterStatus = 'failing-over';
    this.log(`FailoverGlobalCluster accepted: ${from.spec.region} -> ${target.spec.region}${stalled ? ' (will never complete)' : ''}`);
    const t = this.world.timings;
    this.schedule(1_000, 'failover state: failing-over', () => {
      if (this.operation) this.operation.status = 'failing-over';
    });
    if (stalled) return this.describeGlobalCluster();
    this.schedule(t.failoverPromoteMs, `${target.spec.region} promoted to writer`, () => {
      target.isWriter = true;
      target.sync = undefined;
      target.clusterStatus = 'modifying';
      if (this.world.reachable(from.spec.region)) {
        this.demote(from);
      } else {
        this.log(`old primary in ${from.spec.region} unreachable: still listed as writer`);
      }
    });
    this.schedule(t.failoverPromoteMs + t.failoverAvailableMs, `${target.spec.region} cluster available`, () => {
      target.clusterStatus = 'available';
      if (!from.isWriter) {
        this.finishOperation();
      } else if (this.operation) {
        this.operation.awaitingRejoin = true;
      }
    });
    return this.describeGlobalCluster();
  }

  switchover(targetIdentifier: string): GlobalCluster {
    this.advance();
    const target = this.memberFor(targetIdentifier);
    this.refuseIfBusy(target);
    const unhealthy = this.members.filter((m) => !this.world.reachable(m.spec.region) || (!m.isWriter && m.sync !== 'connected'));
    if (this.status !== 'available' || unhealthy.length > 0) {
      throw new ModelFault(
        'InvalidGlobalClusterStateFault',
        `Global cluster ${this.globalClusterIdentifier} cannot switch over: ${unhealthy.map((m) => m.spec.region).join(', ') || this.status}`,
      );
    }
    const from = this.writer();
    const stalled = this.takeStall();
    this.operation = { kind: 'switchover', from, to: target, status: 'pending', awaitingRejoin: false };
    this.status = 'switching-over';
    target.clusterStatus = 'modifying';
    this.log(`SwitchoverGlobalCluster accepted: ${from.spec.region} -> ${target.spec.region}${stalled ? ' (will never complete)' : ''}`);
    this.schedule(1_000, 'failover state: failing-over', () => {
      if (this.operation) this.operation.status = 'failing-over';
    });
    if (stalled) return this.describeGlobalCluster();
    this.schedule(this.world.timings.switchoverMs, `switched over to ${target.spec.region}`, () => {
      target.isWriter = true;
      target.sync = undefined;
      target.clusterStatus = 'available';
      from.isWriter = false;
      from.sync = 'connected';
      this.finishOperation();
    });
    return this.describeGlobalCluster();
  }

  // ---- what survives what -------------------------------------------------------------

  /** Regions whose member is listed as writer (an unreachable old primary may stay listed). */
  listedWriterRegions(): string[] {
    this.advance();
    return this.members.filter((m) => m.isWriter).map((m) => m.spec.region);
  }

  /** The Region whose member really takes writes now: listed writer, reachable, cluster available. */
  writerRegion(): string | undefined {
    this.advance();
    const writers = this.members.filter((m) => m.isWriter && this.world.reachable(m.spec.region) && m.clusterStatus === 'available');
    return writers.length === 1 ? writers[0].spec.region : undefined;
  }

  /** Whether a client in `region` can write to this database through its own Region's member right now. */
  writableIn(region: string): boolean {
    return this.writerRegion() === region;
  }

  /** Whether the member in `region` serves reads: reachable and its cluster available. */
  readableIn(region: string): boolean {
    this.advance();
    const member = this.members.find((m) => m.spec.region === region);
    return member !== undefined && this.world.reachable(region) && member.clusterStatus === 'available';
  }

  /** Whether an operation is still in flight (pending, failing over, or waiting for an old primary to rejoin). */
  busy(): boolean {
    this.advance();
    return this.operation !== undefined;
  }

  /** Called by the world when a Region comes back. */
  regionRestored(region: string): void {
    this.advance();
    const op = this.operation;
    if (op?.awaitingRejoin && op.from.spec.region === region) {
      this.schedule(this.world.timings.rejoinMs, `old primary in ${region} rejoined as a secondary`, () => {
        this.demote(op.from);
        this.finishOperation();
      });
    }
  }

  // ---- internals ----------------------------------------------------------------------

  private demote(member: MemberState): void {
    member.isWriter = false;
    member.sync = 'pending-resync';
    member.clusterStatus = 'available';
    this.schedule(this.world.timings.resyncMs, `${member.spec.region} in sync`, () => {
      member.sync = 'connected';
    });
  }

  private finishOperation(): void {
    this.operation = undefined;
    this.status = 'available';
  }

  private writer(): MemberState {
    const writer = this.members.find((m) => m.isWriter);
    if (writer === undefined) throw new ModelFault('InvalidGlobalClusterStateFault', `${this.globalClusterIdentifier} has no writer`);
    return writer;
  }

  private memberFor(identifier: string): MemberState {
    const member = this.members.find((m) => m.spec.clusterArn === identifier || m.spec.clusterIdentifier === identifier);
    if (member === undefined) throw new ModelFault('DBClusterNotFoundFault', `DBCluster ${identifier} not found`, 404);
    return member;
  }

  private refuseIfBusy(target: MemberState): void {
    if (this.rejectNext !== undefined) {
      const fault = this.rejectNext;
      this.rejectNext = undefined;
      this.log(`operation refused: ${fault.code}`);
      throw fault;
    }
    if (this.operation !== undefined) {
      throw new ModelFault('InvalidGlobalClusterStateFault', `Global cluster ${this.globalClusterIdentifier} is already being failed over or switched over`);
    }
    if (target.isWriter) {
      throw new ModelFault('InvalidDBClusterStateFault', `DBCluster ${target.spec.clusterIdentifier} is already the primary cluster`);
    }
  }

  private takeStall(): boolean {
    const stalled = this.stallNext;
    this.stallNext = false;
    return stalled;
  }

  private schedule(afterMs: number, label: string, apply: () => void): void {
    this.transitions.push({ at: (this.applyingAt ?? this.world.now()) + afterMs, label, apply });
    this.transitions.sort((a, b) => a.at - b.at);
  }

  /** Applies every transition due by now, in order (state is evaluated lazily on each query). */
  private advance(): void {
    const now = this.world.now();
    while (this.transitions.length > 0 && this.transitions[0].at <= now) {
      const next = this.transitions.shift();
      if (next === undefined) break;
      this.applyingAt = next.at;
      try {
        next.apply();
      } finally {
        this.applyingAt = undefined;
      }
      this.log(next.label, next.at);
    }
  }

  private log(message: string, atMs?: number): void {
    this.world.onEvent(`aurora ${this.name}`, message, atMs);
  }
}
