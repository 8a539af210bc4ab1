/**
 * Keeps checksum work queued on both servers while Node compares.
 *
 * Each chunk's cut comes from the chunk before it, so chunks form a chain. A chunk is
 * started (its checksums queued on both sides, and the cut of the chunk after it) as
 * soon as its cut arrives, as long as fewer than `depth` chunks are started and not yet
 * done. So while Node fetches and merges the differences of one chunk, the servers
 * already sum the next ones, and a fetch waits behind at most depth − 1 checksums.
 */
import type { Checksum, ChunkBoundaries, KeyBound, KeyRange } from './side';

/** A chunk whose checksums (and the next chunk's cut) are queued on the servers. */
export interface StartedChunk {
  readonly index: number;
  readonly range: KeyRange;
  readonly bounds: readonly KeyBound[];
  /** Old side's and new side's checksums of the sub-ranges. */
  readonly sums: Promise<[Checksum[], Checksum[]]>;
  /** The next chunk's cut; null when this chunk is the last (open-ended). */
  readonly nextCut: Promise<ChunkBoundaries | null>;
}

export interface QueuedChunk extends StartedChunk {
  /** The chunk after this one, started when its cut arrived and there was room; null after the last. */
  readonly following: Promise<QueuedChunk | null>;
}

export type ChunkStarter = (lower: KeyBound | null, cut: ChunkBoundaries, index: number) => StartedChunk;

export class ChunkQueue {
  private inFlight = 0;
  /** The one start waiting for room (the chain has a single head). */
  private parked: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly start: ChunkStarter,
    private readonly depth: number,
  ) {
    if (!Number.isInteger(depth) || depth < 1) throw new Error(`chunk queue depth must be a whole number ≥ 1, got ${depth}`);
  }

  /** Starts the first chunk; every chunk then starts the one after it. */
  first(cut: ChunkBoundaries): QueuedChunk {
    return this.launch(null, cut, 0);
  }

  /** The caller has compared a chunk: room for one more. */
  done(): void {
    this.inFlight -= 1;
    this.wake();
  }

  /** No more chunks are started (the comparison ended or failed). */
  stop(): void {
    this.stopped = true;
    this.wake();
  }

  private wake(): void {
    const resume = this.parked;
    this.parked = null;
    resume?.();
  }

  private launch(lower: KeyBound | null, cut: ChunkBoundaries, index: number): QueuedChunk {
    this.inFlight += 1;
    const chunk = this.start(lower, cut, index);
    const following = chunk.nextCut.then(async (next) => {
      if (next === null) return null;
      await this.room();
      return this.stopped ? null : this.launch(chunk.range.upper, next, index + 1);
    });
    // Queued work is awaited later, or never once a comparison fails: never an unhandled rejection.
    chunk.sums.catch(() => undefined);
    following.catch(() => undefined);
    return { ...chunk, following };
  }

  private room(): Promise<void> {
    if (this.stopped || this.inFlight < this.depth) return Promise.resolve();
    return new Promise((resolve) => {
      this.parked = resolve;
    });
  }
}
