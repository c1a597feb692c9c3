import { ReadingQueue } from './reading-queue';
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

/**
 * In which order a backlog goes out when the link returns:
 * - `live-first`: the newest reading first, as a live reading (the LED answers it at once,
 *   whatever the backlog), then the backlog oldest first, marked `historical`; a reading
 *   taken while the backlog drains goes ahead of it too;
 * - `chronological`: strictly oldest first, for a consumer that needs readings in the order
 *   they were taken; the newest then waits behind the whole backlog.
 */
export type ReplayOrder = 'live-first' | 'chronological';

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
  /** The order of a backlog when the link returns. */
  replay: ReplayOrder;
}

export const DEFAULT_CAPACITY = 1000;
export const MAX_CAPACITY = 100_000;
export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = {
  policy: 'drop',
  capacity: DEFAULT_CAPACITY,
  window: 5,
  gapMs: 50,
  ackTimeoutMs: 10_000,
  replay: 'live-first',
};

/**
 * The buffer bound: the configured capacity (or the default when none is configured), never
 * above `MAX_CAPACITY` nor above Node-RED's `nodeMessageBufferMaxLength` when that setting
 * is a positive number (core buffering nodes honour it; 0 or unset means no limit). When the
 * setting is set and no capacity is configured, the setting is the default.
 */
export function bufferBound(configured: number | undefined, nodeMessageBufferMaxLength: unknown): number {
  const limit =
    typeof nodeMessageBufferMaxLength === 'number' &&
    Number.isFinite(nodeMessageBufferMaxLength) &&
    nodeMessageBufferMaxLength >= 1
      ? Math.floor(nodeMessageBufferMaxLength)
      : undefined;
  const wanted =
    configured !== undefined && Number.isFinite(configured) && configured >= 1
      ? Math.floor(configured)
      : (limit ?? DEFAULT_CAPACITY);
  return Math.min(wanted, limit ?? MAX_CAPACITY, MAX_CAPACITY);
}

/** The link state as the Status node of `mqtt out` reports it. Unknown is treated as up. */
export type LinkState = 'unknown' | 'up' | 'down';

/** One telemetry message to hand to `mqtt out`; `key` comes back with its completion. */
export interface Outgoing {
  key: number;
  telemetry: Telemetry;
}

/**
 * Where the outbox records what it holds, so a buffer can be stored as it changes (one
 * append or one removal per reading) instead of rewritten whole: see `BufferJournal`.
 */
export interface OutboxJournal {
  /** A reading was added; returns its slot, handed back to `remove`. */
  append(telemetry: Telemetry): number;
  /** The reading in `slot` left the buffer (delivered, or dropped past the bound). */
  remove(slot: number): void;
}

interface Entry {
  key: number;
  telemetry: Telemetry;
  sentAt?: number;
  slot?: number;
}

/**
 * Store and forward for one device's telemetry. Pure: no timers and no clock; the node
 * calls `take(now)` whenever something may be sendable and `tick(now)` at `nextWake()`.
 *
 * A reading leaves the outbox only when its publish completed (`confirm`), so a message
 * that `mqtt out` silently dropped is sent again: when the link goes down, everything in
 * flight goes back into the queue; when no confirmation comes within the ack timeout, it
 * is sent again. Sending again is safe because telemetry carries `seq`/`ts` and the server
 * ignores what it has already seen. A reading is marked `historical` when a newer reading
 * exists at the time it is sent, so the server never switches an LED on a replayed reading.
 * With `replay: 'live-first'` the newest reading goes out first, live, and the backlog
 * follows oldest first; with `chronological` everything goes oldest first.
 *
 * Every operation is O(1) per reading: the never-sent readings are a ring buffer of number
 * columns in the order they were taken (`ReadingQueue`: no object per waiting reading);
 * readings put back after a send (at most a few windows' worth) wait in a short sorted list
 * beside it.
 *
 * With `drop`, nothing is tracked: a reading is sent when the link is not known to be
 * down (the lesson's fire and forget) and discarded otherwise.
 */
export class Outbox {
  private readonly options: OutboxOptions;
  /** Readings never sent, oldest first. */
  private readonly queue = new ReadingQueue();
  /** Readings sent and put back (link down, ack timeout), oldest first; short. */
  private retry: Entry[] = [];
  private readonly inFlight = new Map<number, Entry>();
  private nextKey = 1;
  private lastSendAt: number | undefined;
  /** Readings restored so far (their keys count down from 0, so they sort before every new one). */
  private restored = 0;
  private journal: OutboxJournal | undefined;
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

  /**
   * From now on records every reading added and every one leaving in `journal` (the
   * readings held now first, oldest first). Ignored with `drop`, which keeps nothing.
   */
  keepIn(journal: OutboxJournal): void {
    if (this.options.policy === 'drop' || this.journal) return;
    this.journal = journal;
    // Oldest first: the sent ones (objects) merged with the queue (already in order).
    const sent = [...this.inFlight.values(), ...this.retry].sort((a, b) => a.key - b.key);
    let s = 0;
    for (let i = 0; i < this.queue.length; i++) {
      const key = this.queue.keyAt(i) as number;
      for (; s < sent.length && sent[s].key < key; s++) sent[s].slot = journal.append(sent[s].telemetry);
      this.queue.setSlot(i, journal.append((this.queue.at(i) as Entry).telemetry));
    }
    for (; s < sent.length; s++) sent[s].slot = journal.append(sent[s].telemetry);
  }

  get policy(): OfflinePolicy {
    return this.options.policy;
  }

  get replay(): ReplayOrder {
    return this.options.replay;
  }

  /** The bound on waiting readings. */
  get capacity(): number {
    return this.options.capacity;
  }

  /** Readings waiting to be sent. */
  get waiting(): number {
    return this.queue.length + this.retry.length;
  }

  /** Readings sent and not yet confirmed. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Adds a reading to send. */
  push(telemetry: Telemetry): void {
    if (telemetry.historical !== undefined) telemetry = withoutMark(telemetry);
    const key = this.nextKey++;
    if (this.options.policy === 'drop') {
      if (this.link === 'down') this.dropped += 1;
      else this.queue.pushBack({ key, telemetry });
      return;
    }
    const entry: Entry = { key, telemetry };
    if (this.journal) entry.slot = this.journal.append(telemetry);
    this.queue.pushBack(entry);
    this.trim();
  }

  /**
   * The messages to send now: as many as the in-flight window and the send gap allow
   * (the newest first with `live-first`, else the oldest), nothing while the link is down.
   */
  take(now: number): Outgoing[] {
    if (this.link === 'down') return [];
    if (this.options.policy === 'drop') {
      const out: Outgoing[] = [];
      for (let e = this.queue.popFront(); e; e = this.queue.popFront()) out.push(this.send(e, now));
      return out;
    }
    if (this.waiting === 0 || this.inFlight.size >= this.options.window) return [];
    if (this.lastSendAt !== undefined && now - this.lastSendAt < this.options.gapMs) return [];
    const entry = this.next();
    this.inFlight.set(entry.key, entry);
    return [this.send(entry, now)];
  }

  /** The publish of `key` completed: the reading is delivered and leaves the outbox. */
  confirm(key: number): boolean {
    let entry = this.inFlight.get(key);
    if (entry) {
      this.inFlight.delete(key);
    } else {
      // Confirmed after it was put back for re-sending: it arrived after all.
      const i = this.retry.findIndex((e) => e.key === key);
      if (i < 0) return false;
      entry = this.retry[i];
      this.retry.splice(i, 1);
    }
    this.confirmed += 1;
    this.forget(entry);
    return true;
  }

  /** The link went down: nothing is sent, and what was in flight is sent again later. */
  linkDown(): void {
    this.link = 'down';
    if (this.options.policy === 'drop') {
      // Readings not yet handed over when the link turned out to be down are discarded like any reading taken offline.
      this.dropped += this.queue.length;
      this.queue.clear();
      return;
    }
    this.requeue([...this.inFlight.values()]);
  }

  /** The link is back: sending resumes (with the newest reading first, with `live-first`). */
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
    let wake: number | undefined;
    for (const e of this.inFlight.values()) {
      const t = (e.sentAt as number) + this.options.ackTimeoutMs;
      if (wake === undefined || t < wake) wake = t;
    }
    if (
      this.waiting > 0 &&
      this.link !== 'down' &&
      this.inFlight.size < this.options.window &&
      this.lastSendAt !== undefined
    ) {
      const t = this.lastSendAt + this.options.gapMs;
      if (wake === undefined || t < wake) wake = t;
    }
    return wake;
  }

  /** Every reading not yet delivered (in flight or waiting), oldest first (for persisting the buffer whole). */
  snapshot(): Telemetry[] {
    return [...this.inFlight.values(), ...this.retry, ...this.queue.toArray()]
      .sort((a, b) => a.key - b.key)
      .map((e) => e.telemetry);
  }

  /**
   * Puts back readings saved before a restart (oldest first), ahead of anything pushed
   * since. They are older than every new reading, so they are always sent as historical.
   */
  restore(readings: Telemetry[]): void {
    if (this.options.policy === 'drop' || readings.length === 0) return;
    const entries: Entry[] = readings.map((t, i) => ({
      key: i - readings.length - this.restored,
      telemetry: withoutMark(t),
    }));
    if (this.journal) for (const e of entries) e.slot = this.journal.append(e.telemetry);
    for (let i = entries.length - 1; i >= 0; i--) this.queue.pushFront(entries[i]);
    this.restored += readings.length;
    this.trim();
  }

  /** Forgets everything. */
  clear(): void {
    this.queue.clear();
    this.retry = [];
    this.inFlight.clear();
  }

  /** The next reading to send: the newest when it is the newest reading taken and replay is live-first, else the oldest. */
  private next(): Entry {
    if (this.options.replay === 'live-first') {
      const back = this.queue.backKey;
      const last = this.retry[this.retry.length - 1];
      const newest = back !== undefined && (!last || back > last.key) ? back : last?.key;
      if (newest === this.nextKey - 1) return (newest === back ? this.queue.popBack() : this.retry.pop()) as Entry;
    }
    return this.popOldest() as Entry;
  }

  private popOldest(): Entry | undefined {
    const front = this.queue.frontKey;
    const first = this.retry[0];
    if (first && (front === undefined || first.key < front)) return this.retry.shift();
    return this.queue.popFront();
  }

  private send(entry: Entry, now: number): Outgoing {
    // Held readings carry no `historical`: the copy sent gets it when a newer reading exists.
    const telemetry = entry.key < this.nextKey - 1 ? marked(entry.telemetry) : { ...entry.telemetry };
    if (entry.sentAt !== undefined) this.resent += 1;
    entry.sentAt = now;
    this.lastSendAt = now;
    return { key: entry.key, telemetry };
  }

  private requeue(entries: Entry[]): void {
    if (entries.length === 0) return;
    for (const e of entries) this.inFlight.delete(e.key);
    this.retry = [...this.retry, ...entries].sort((a, b) => a.key - b.key);
    this.trim();
  }

  private forget(entry: Entry): void {
    if (this.journal && entry.slot !== undefined) this.journal.remove(entry.slot);
  }

  /** Applies the bound: `latest` keeps only the newest waiting reading, `all` keeps `capacity`. */
  private trim(): void {
    const bound = this.options.policy === 'latest' ? 1 : this.options.capacity;
    while (this.waiting > bound) {
      this.forget(this.popOldest() as Entry);
      this.dropped += 1;
    }
  }
}

/**
 * A copy of `telemetry` marked `historical`. Built as one literal in the usual case (V8 makes
 * `{ ...t, historical: true }` or a property added after a spread about 10 times as costly).
 */
function marked(t: Telemetry): Telemetry {
  if (t.ts !== undefined && t.seq !== undefined) return { light: t.light, ts: t.ts, seq: t.seq, historical: true };
  const copy: Telemetry = { ...t };
  copy.historical = true;
  return copy;
}

/** `telemetry` without its `historical` mark (the outbox sets the mark itself when it sends). */
function withoutMark(telemetry: Telemetry): Telemetry {
  const reading = { ...telemetry };
  delete reading.historical;
  return reading;
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
