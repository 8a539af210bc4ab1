/**
 * ChunkQueue: chunks start as soon as their cut arrives, never more than `depth` at once,
 * in key order, and nothing starts (or rejects unhandled) once the caller stops.
 */
import { ChunkQueue } from '../../../../lib/reconcile/engine/chunk-queue';
import type { QueuedChunk, StartedChunk } from '../../../../lib/reconcile/engine/chunk-queue';
import type { Checksum, ChunkBoundaries, KeyBound } from '../../../../lib/reconcile/engine/side';
import { unhandledRejectionsDuring } from '../../../helpers/unhandled-rejections';

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(err: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (v: T) => void = () => undefined;
  let reject: (e: Error) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Chunks of one key each: chunk i covers (i-1, i]; the cut after chunk `last` is null. */
class Starter {
  readonly started: number[] = [];
  readonly cuts: Deferred<ChunkBoundaries | null>[] = [];
  readonly sums: Deferred<[Checksum[], Checksum[]]>[] = [];

  constructor(
    private readonly autoCut: boolean,
    private readonly failSumsAt = -1,
    private readonly last = 100,
  ) {}

  readonly start = (lower: KeyBound | null, cut: ChunkBoundaries, index: number): StartedChunk => {
    this.started.push(index);
    const nextCut = deferred<ChunkBoundaries | null>();
    const sums = deferred<[Checksum[], Checksum[]]>();
    this.cuts[index] = nextCut;
    this.sums[index] = sums;
    if (this.autoCut) nextCut.resolve(index === this.last ? null : { bounds: [], upper: [String(index + 1)] });
    if (index === this.failSumsAt) sums.reject(new Error(`checksum of chunk ${index} failed`));
    else sums.resolve([[{ count: 1, digest: String(index) }], [{ count: 1, digest: String(index) }]]);
    return { index, range: { lower, upper: cut.upper }, bounds: cut.bounds, sums: sums.promise, nextCut: nextCut.promise };
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ChunkQueue', () => {
  it('starts chunks as their cuts arrive, never more than depth before the caller is done with them', async () => {
    const starter = new Starter(true);
    const queue = new ChunkQueue(starter.start, 3);
    let chunk: QueuedChunk | null = queue.first({ bounds: [], upper: ['0'] });
    await settle();
    expect(starter.started).toEqual([0, 1, 2]);
    const seen: string[] = [];
    while (chunk) {
      seen.push(`${chunk.range.lower?.[0] ?? '-'}..${chunk.range.upper?.[0] ?? '+'}`);
      queue.done();
      await settle();
      // The caller holds chunk i; chunks up to i + 2 are started, no further.
      expect(starter.started.length).toBeLessThanOrEqual(Math.min(chunk.index + 3 + 1, 101));
      chunk = await chunk.following;
    }
    queue.stop();
    expect(seen).toHaveLength(101);
    expect(seen.slice(0, 3)).toEqual(['-..0', '0..1', '1..2']);
    expect(seen[100]).toBe('99..100');
    expect(starter.started).toEqual(Array.from({ length: 101 }, (_, i) => i));
  });

  it('starts nothing more once stopped, and a parked start gives up', async () => {
    const starter = new Starter(true);
    const queue = new ChunkQueue(starter.start, 2);
    const first = queue.first({ bounds: [], upper: ['0'] });
    await settle();
    expect(starter.started).toEqual([0, 1]);
    queue.stop();
    queue.done();
    await settle();
    expect(starter.started).toEqual([0, 1]);
    const second = await first.following;
    expect(second?.index).toBe(1);
    await expect(second?.following).resolves.toBeNull();
  });

  it('leaves a failed cut or checksum to whoever awaits it, without an unhandled rejection', async () => {
    const starter = new Starter(false, 1);
    const queue = new ChunkQueue(starter.start, 3);
    const first = queue.first({ bounds: [], upper: ['0'] });
    const unhandled = await unhandledRejectionsDuring(async () => {
      starter.cuts[0].resolve({ bounds: [], upper: ['1'] });
      await settle();
      // Chunk 1 started, its checksum failed; its cut fails too. Nobody awaits either yet.
      expect(starter.started).toEqual([0, 1]);
      starter.cuts[1].reject(new Error('cut failed'));
    });
    expect(unhandled).toEqual([]);
    // The caller sees both failures when it gets there.
    const second = await first.following;
    await expect(second?.sums).rejects.toThrow('checksum of chunk 1 failed');
    await expect(second?.following).rejects.toThrow('cut failed');
    queue.stop();
  });

  it('refuses a depth below 1', () => {
    expect(() => new ChunkQueue(new Starter(true).start, 0)).toThrow('chunk queue depth must be a whole number ≥ 1, got 0');
  });
});
