import type { Telemetry } from './types';

/** A reading waiting in the queue: its key in the outbox, the telemetry, its slot in the stored buffer. */
export interface QueuedReading {
  key: number;
  telemetry: Telemetry;
  slot?: number;
}

/**
 * The outbox's queue of readings never sent, in the order they were taken: a ring buffer
 * of number columns (key, light, ts, seq, slot) instead of one object per reading. Adding or
 * removing at either end is O(1) (amortised: the ring doubles when full, halves when a
 * quarter full), and a long backlog costs 40 bytes per reading and no work for the garbage
 * collector, however long it waits. Readings are objects again only when they leave.
 * An absent `ts`, `seq` or slot is stored as NaN. No Node-RED import.
 */
export class ReadingQueue {
  private keys: Float64Array;
  private light: Float64Array;
  private ts: Float64Array;
  private seq: Float64Array;
  private slots: Float64Array;
  private head = 0;
  private size = 0;

  constructor(initialCapacity = 16) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    [this.keys, this.light, this.ts, this.seq, this.slots] = columns(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** The key of the reading at position `i` from the front, or `undefined`. */
  keyAt(i: number): number | undefined {
    return i >= 0 && i < this.size ? this.keys[this.index(i)] : undefined;
  }

  /** The reading at position `i` from the front (a new object), or `undefined`. */
  at(i: number): QueuedReading | undefined {
    return i >= 0 && i < this.size ? this.read(this.index(i)) : undefined;
  }

  get frontKey(): number | undefined {
    return this.keyAt(0);
  }

  get backKey(): number | undefined {
    return this.keyAt(this.size - 1);
  }

  pushBack(reading: QueuedReading): void {
    this.grow();
    this.write(this.index(this.size), reading);
    this.size += 1;
  }

  pushFront(reading: QueuedReading): void {
    this.grow();
    this.head = (this.head - 1) & (this.keys.length - 1);
    this.write(this.head, reading);
    this.size += 1;
  }

  popFront(): QueuedReading | undefined {
    if (this.size === 0) return undefined;
    const reading = this.read(this.head);
    this.head = (this.head + 1) & (this.keys.length - 1);
    this.size -= 1;
    this.shrink();
    return reading;
  }

  popBack(): QueuedReading | undefined {
    if (this.size === 0) return undefined;
    const reading = this.read(this.index(this.size - 1));
    this.size -= 1;
    this.shrink();
    return reading;
  }

  /** Sets the stored-buffer slot of the reading at position `i` from the front. */
  setSlot(i: number, slot: number): void {
    if (i >= 0 && i < this.size) this.slots[this.index(i)] = slot;
  }

  /** The readings front to back, as new objects. */
  toArray(): QueuedReading[] {
    const out = new Array<QueuedReading>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.read(this.index(i));
    return out;
  }

  clear(): void {
    [this.keys, this.light, this.ts, this.seq, this.slots] = columns(16);
    this.head = 0;
    this.size = 0;
  }

  private index(i: number): number {
    return (this.head + i) & (this.keys.length - 1);
  }

  private write(i: number, { key, telemetry, slot }: QueuedReading): void {
    this.keys[i] = key;
    this.light[i] = telemetry.light;
    this.ts[i] = telemetry.ts ?? NaN;
    this.seq[i] = telemetry.seq ?? NaN;
    this.slots[i] = slot ?? NaN;
  }

  private read(i: number): QueuedReading {
    const ts = this.ts[i];
    const seq = this.seq[i];
    // The usual reading (both present) is built as one literal, the shape every reading the node makes has.
    const telemetry: Telemetry =
      ts === ts && seq === seq ? { light: this.light[i], ts, seq } : withOptional(this.light[i], ts, seq);
    const slot = this.slots[i];
    return slot === slot ? { key: this.keys[i], telemetry, slot } : { key: this.keys[i], telemetry };
  }

  private grow(): void {
    if (this.size === this.keys.length) this.resize(this.keys.length * 2);
  }

  private shrink(): void {
    if (this.keys.length > 16 && this.size <= this.keys.length / 4) this.resize(this.keys.length / 2);
  }

  private resize(capacity: number): void {
    const next = columns(capacity);
    const old = [this.keys, this.light, this.ts, this.seq, this.slots];
    for (let c = 0; c < old.length; c++) {
      for (let i = 0; i < this.size; i++) next[c][i] = old[c][this.index(i)];
    }
    [this.keys, this.light, this.ts, this.seq, this.slots] = next;
    this.head = 0;
  }
}

function columns(capacity: number): [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array] {
  return [
    new Float64Array(capacity),
    new Float64Array(capacity),
    new Float64Array(capacity),
    new Float64Array(capacity),
    new Float64Array(capacity),
  ];
}

function withOptional(light: number, ts: number, seq: number): Telemetry {
  const telemetry: Telemetry = { light };
  if (ts === ts) telemetry.ts = ts;
  if (seq === seq) telemetry.seq = seq;
  return telemetry;
}
