import type { OutboxJournal } from './buffer';
import { parseTelemetry } from './payload';
import type { Telemetry } from './types';

/** Readings per stored chunk. */
export const CHUNK_SIZE = 256;

/** One context write: `value` undefined deletes the key. */
export interface ContextWrite {
  key: string;
  value: unknown;
}

/** What the buffer's main context key holds: the `seq` counter and which chunks exist. */
export interface JournalIndex {
  seq: number;
  /** The first and last chunk number; chunks in between may be gone (emptied). */
  chunks: [number, number];
}

/**
 * Light telemetry's buffer as it is kept in a context store: the readings in chunks of
 * `CHUNK_SIZE` under `<key>-<n>`, in the order they were taken, and an index under `<key>`.
 * Adding a reading appends to the newest chunk; delivering or dropping one blanks its place;
 * a chunk whose readings are all gone is deleted. So storing costs O(1) per reading (a few
 * small writes per send), however long the buffer, instead of a sorted copy of it all.
 * Pure: `flush()` returns the writes for the node to hand to its context store.
 */
export class BufferJournal implements OutboxJournal {
  private readonly chunks = new Map<number, Array<Telemetry | null>>();
  private readonly live = new Map<number, number>();
  private readonly dirty = new Set<number>();
  private readonly stale: number[];
  private nextSlot: number;
  private seq = 0;
  private indexDirty = true;

  /**
   * `firstChunk`: where numbering starts (after the chunks of a restored buffer, so none is
   * overwritten); `stale`: chunk numbers left by the restored buffer, deleted at the first flush.
   */
  constructor(
    readonly key: string,
    firstChunk = 0,
    stale: number[] = [],
  ) {
    this.nextSlot = firstChunk * CHUNK_SIZE;
    this.stale = [...stale];
  }

  /** The context key of chunk `n`. */
  chunkKey(n: number): string {
    return `${this.key}-${n}`;
  }

  append(telemetry: Telemetry): number {
    const slot = this.nextSlot++;
    const n = Math.floor(slot / CHUNK_SIZE);
    let items = this.chunks.get(n);
    if (!items) {
      items = [];
      this.chunks.set(n, items);
      this.indexDirty = true;
    }
    items.push(telemetry);
    this.live.set(n, (this.live.get(n) ?? 0) + 1);
    this.dirty.add(n);
    return slot;
  }

  remove(slot: number): void {
    const n = Math.floor(slot / CHUNK_SIZE);
    const items = this.chunks.get(n);
    const i = slot - n * CHUNK_SIZE;
    if (!items || items[i] === null || items[i] === undefined) return;
    items[i] = null;
    this.live.set(n, (this.live.get(n) as number) - 1);
    this.dirty.add(n);
  }

  /** The device's `seq` counter, kept in the index. */
  setSeq(seq: number): void {
    if (seq !== this.seq) {
      this.seq = seq;
      this.indexDirty = true;
    }
  }

  /** The writes that bring the store up to date since the last flush (empty when nothing changed). */
  flush(): ContextWrite[] {
    const writes: ContextWrite[] = [];
    for (const n of this.stale.splice(0)) writes.push({ key: this.chunkKey(n), value: undefined });
    const current = Math.floor(this.nextSlot / CHUNK_SIZE);
    for (const n of this.dirty) {
      // A full chunk with nothing left is deleted; the one being filled stays.
      if (this.live.get(n) === 0 && n < current) {
        this.chunks.delete(n);
        this.live.delete(n);
        this.indexDirty = true;
        writes.push({ key: this.chunkKey(n), value: undefined });
      } else {
        writes.push({ key: this.chunkKey(n), value: this.chunks.get(n) });
      }
    }
    this.dirty.clear();
    if (this.indexDirty) {
      const first = this.chunks.keys().next().value ?? current;
      const index: JournalIndex = { seq: this.seq, chunks: [first, Math.max(first, current)] };
      writes.push({ key: this.key, value: index });
      this.indexDirty = false;
    }
    return writes;
  }
}

/** Most chunk keys read back from a stored index, however large the range it claims. */
const MAX_CHUNKS_READ = 1024;

/**
 * Which chunk numbers a stored index names (newest last, at most `MAX_CHUNKS_READ`), or
 * none when the value is not a journal index (nothing stored, or the older whole-buffer form).
 */
export function indexedChunks(value: unknown): number[] {
  if (value === null || typeof value !== 'object') return [];
  const range = (value as { chunks?: unknown }).chunks;
  if (!Array.isArray(range) || range.length !== 2) return [];
  const [first, last] = range;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 0 || last < first) return [];
  const from = Math.max(first, last - MAX_CHUNKS_READ + 1);
  const out: number[] = [];
  for (let n = from; n <= last; n++) out.push(n);
  return out;
}

/**
 * The readings of stored chunks (in chunk order), trusting nothing: anything that is not
 * valid telemetry is left out, and at most `capacity` readings (the newest) are kept.
 */
export function readChunks(chunks: unknown[], capacity: number): Telemetry[] {
  const readings: Telemetry[] = [];
  for (const chunk of chunks) {
    if (!Array.isArray(chunk)) continue;
    for (const item of chunk.slice(0, CHUNK_SIZE)) {
      if (item === null) continue;
      try {
        const telemetry = parseTelemetry(item);
        delete telemetry.historical;
        readings.push(telemetry);
      } catch {
        // a damaged entry is skipped; the others are still worth sending
      }
    }
  }
  return readings.slice(-Math.max(1, capacity));
}
