import { parseTelemetry } from './payload';
import type { Telemetry } from './types';

/**
 * What a device does with telemetry while its link to the broker is down:
 * - `drop`: readings taken while offline are discarded (a thermostat: an old reading is worthless);
 * - `latest`: only the newest reading is kept and sent when the link returns;
 * - `all`: every reading is kept, up to a bound, and sent oldest first when the link returns
 *   (machinery feeding anomaly detection). Past the bound the oldest is dropped and counted.
 */
export type OfflinePolicy = 'drop' | 'latest' | 'all';

export interface OutboxOptions {
  policy: OfflinePolicy;
  /** Most readings waiting to be sent (not counting the few in flight). */
  capacity: number;
  /** Most readings sent but not yet confirmed at any time (`latest` and `all`). */
  window: number;
  /** Least time between two sends, in ms: bounds the replay rate after an outage. */
  gapMs: number;
  /** A reading not confirmed this long after it was sent is sent again, in ms. */
  ackTimeoutMs: number;
}

export const DEFAULT_CAPACITY = 1000;
export const MAX_CAPACITY = 100_000;
export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = {
  policy: 'drop',
  capacity: DEFAULT_CAPACITY,
  window: 5,
  gapMs: 50,
  ackTimeoutMs: 10_000,
};

/** The link state as the Status node of `mqtt out` reports it. Unknown is treated as up. */
export type LinkState = 'unknown' | 'up' | 'down';

/** One telemetry message to hand to `mqtt out`; `key` comes back with its completion. */
export interface Outgoing {
  key: number;
  telemetry: Telemetry;
}

interface Entry {
  key: number;
  telemetry: Telemetry;
  sentAt?: number;
}

/**
 * Store and forward for one device's telemetry. Pure: no timers and no clock; the node
 * calls `take(now)` whenever something may be sendable and `tick(now)` at `nextWake()`.
 *
 * A reading leaves the outbox only when its publish completed (`confirm`), so a message
 * that `mqtt out` silently dropped is sent again: when the link goes down, everything in
 * flight goes back to the front of the queue; when no confirmation comes within the ack
 * timeout, it is sent again. Sending again is safe because telemetry carries `seq`/`ts`
 * and the server ignores what it has already seen. Order is kept: the queue is sent
 * oldest first, and a reading is marked `historical` when a newer reading exists at the
 * time it is sent, so the server never switches an LED on a replayed reading.
 *
 * With `drop`, nothing is tracked: a reading is sent when the link is not known to be
 * down (the lesson's fire and forget) and discarded otherwise.
 */
export class Outbox {
  private readonly options: OutboxOptions;
  private queue: Entry[] = [];
  private readonly inFlight = new Map<number, Entry>();
  private nextKey = 1;
  private lastSendAt: number | undefined;
  link: LinkState = 'unknown';
  /** Readings discarded without being sent: while offline with `drop`, superseded with `latest`, past the bound with `all`. */
  dropped = 0;
  /** Sends that were repeats of an earlier send (after an outage or an ack timeout). */
  resent = 0;
  /** Confirmations received. */
  confirmed = 0;

  constructor(options: Partial<OutboxOptions> = {}) {
    this.options = { ...DEFAULT_OUTBOX_OPTIONS, ...options };
    this.options.capacity = Math.max(1, Math.floor(this.options.capacity));
    this.options.window = Math.max(1, Math.floor(this.options.window));
  }

  get policy(): OfflinePolicy {
    return this.options.policy;
  }

  /** Readings waiting to be sent. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Readings sent and not yet confirmed. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Adds a reading to send. */
  push(telemetry: Telemetry): void {
    const key = this.nextKey++;
    if (this.options.policy === 'drop') {
      if (this.link === 'down') this.dropped += 1;
      else this.queue.push({ key, telemetry });
      return;
    }
    this.queue.push({ key, telemetry });
    this.trim();
  }

  /**
   * The messages to send now, oldest first: as many as the in-flight window and the send
   * gap allow, nothing while the link is down.
   */
  take(now: number): Outgoing[] {
    if (this.link === 'down') return [];
    if (this.options.policy === 'drop') return this.queue.splice(0).map((entry) => this.send(entry, now));
    if (this.queue.length === 0 || this.inFlight.size >= this.options.window) return [];
    if (this.lastSendAt !== undefined && now - this.lastSendAt < this.options.gapMs) return [];
    const entry = this.queue.shift() as Entry;
    this.inFlight.set(entry.key, entry);
    return [this.send(entry, now)];
  }

  /** The publish of `key` completed: the reading is delivered and leaves the outbox. */
  confirm(key: number): boolean {
    if (this.inFlight.delete(key)) {
      this.confirmed += 1;
      return true;
    }
    const i = this.queue.findIndex((e) => e.key === key);
    if (i >= 0) {
      // Confirmed after it was put back for re-sending: it arrived after all.
      this.queue.splice(i, 1);
      this.confirmed += 1;
      return true;
    }
    return false;
  }

  /** The link went down: nothing is sent, and what was in flight is sent again later. */
  linkDown(): void {
    this.link = 'down';
    this.requeue([...this.inFlight.values()]);
  }

  /** The link is back: sending resumes with the oldest waiting reading. */
  linkUp(): void {
    this.link = 'up';
    this.lastSendAt = undefined;
  }

  /** Puts back every in-flight reading whose confirmation is overdue at `now`; returns how many. */
  tick(now: number): number {
    const overdue = [...this.inFlight.values()].filter((e) => (e.sentAt as number) + this.options.ackTimeoutMs <= now);
    this.requeue(overdue);
    return overdue.length;
  }

  /** When `tick` or `take` next has something to do, or `undefined`. */
  nextWake(): number | undefined {
    const times: number[] = [];
    for (const e of this.inFlight.values()) times.push((e.sentAt as number) + this.options.ackTimeoutMs);
    if (this.queue.length > 0 && this.link !== 'down' && this.inFlight.size < this.options.window && this.lastSendAt !== undefined) {
      times.push(this.lastSendAt + this.options.gapMs);
    }
    return times.length ? Math.min(...times) : undefined;
  }

  /** The waiting readings, oldest first (for persisting the buffer). */
  snapshot(): Telemetry[] {
    return [...this.inFlight.values(), ...this.queue].sort((a, b) => a.key - b.key).map((e) => e.telemetry);
  }

  /**
   * Puts back readings saved before a restart (oldest first), ahead of anything pushed
   * since. They are older than every new reading, so they are always sent as historical.
   */
  restore(readings: Telemetry[]): void {
    if (this.options.policy === 'drop' || readings.length === 0) return;
    const restored = readings.map((telemetry, i) => ({ key: i - readings.length, telemetry }));
    this.queue = [...restored, ...this.queue];
    this.trim();
  }

  /** Forgets everything. */
  clear(): void {
    this.queue = [];
    this.inFlight.clear();
  }

  private send(entry: Entry, now: number): Outgoing {
    const telemetry: Telemetry = { ...entry.telemetry };
    if (entry.key < this.nextKey - 1) telemetry.historical = true;
    else delete telemetry.historical;
    if (entry.sentAt !== undefined) this.resent += 1;
    entry.sentAt = now;
    this.lastSendAt = now;
    return { key: entry.key, telemetry };
  }

  private requeue(entries: Entry[]): void {
    if (entries.length === 0) return;
    for (const e of entries) this.inFlight.delete(e.key);
    this.queue = [...entries, ...this.queue].sort((a, b) => a.key - b.key);
    this.trim();
  }

  /** Applies the bound: `latest` keeps only the newest waiting reading, `all` keeps `capacity`. */
  private trim(): void {
    const bound = this.options.policy === 'latest' ? 1 : this.options.capacity;
    const excess = this.queue.length - bound;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.dropped += excess;
    }
  }
}

/** What light telemetry keeps in a context store so its buffer survives a restart. */
export interface SavedBuffer {
  seq: number;
  readings: Telemetry[];
}

/**
 * Reads a saved buffer back, trusting nothing: anything that is not valid telemetry is
 * left out, and at most `capacity` readings (the newest) are kept.
 */
export function readSavedBuffer(value: unknown, capacity: number): SavedBuffer {
  const saved: SavedBuffer = { seq: 0, readings: [] };
  if (value === null || typeof value !== 'object') return saved;
  const { seq, readings } = value as { seq?: unknown; readings?: unknown };
  if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0) saved.seq = seq;
  if (!Array.isArray(readings)) return saved;
  for (const item of readings.slice(-Math.max(1, capacity))) {
    try {
      const telemetry = parseTelemetry(item);
      delete telemetry.historical;
      saved.readings.push(telemetry);
    } catch {
      // a damaged entry is skipped; the others are still worth sending
    }
  }
  return saved;
}

/** One piece of light telemetry's status line: a catalog key under `light-telemetry.status.` and its parameters. */
export interface StatusPart {
  key: 'offline' | 'sent' | 'online' | 'buffered' | 'dropped';
  params?: Record<string, number>;
}

/**
 * What light telemetry's status shows: offline, or the last value sent (or online before
 * the first), then how many readings wait and how many were dropped, when there are any.
 */
export function outboxStatus(outbox: Outbox, lastLight: number | undefined): { down: boolean; parts: StatusPart[] } {
  const parts: StatusPart[] = [];
  const down = outbox.link === 'down';
  if (down) parts.push({ key: 'offline' });
  else if (lastLight !== undefined) parts.push({ key: 'sent', params: { light: lastLight } });
  else if (outbox.link === 'up') parts.push({ key: 'online' });
  const buffered = outbox.waiting + outbox.pending;
  if (outbox.policy !== 'drop' && buffered > 0) parts.push({ key: 'buffered', params: { count: buffered } });
  if (outbox.dropped > 0) parts.push({ key: 'dropped', params: { count: outbox.dropped } });
  return { down, parts };
}
