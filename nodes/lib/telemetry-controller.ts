import {
  Outbox,
  outboxStatus,
  readSavedBuffer,
  type LinkState,
  type OfflinePolicy,
  type OutboxOptions,
  type ReplayOrder,
  type StatusPart,
} from './buffer';
import { BufferJournal, indexedChunks, readChunks, type ContextWrite } from './journal';
import { deliveryOf, linkFromStatus, type DeliveryMarker } from './link';
import { parseReading } from './payload';
import { ReportPolicy, type ReportOptions } from './policy';
import { TelemetrySource } from './telemetry';
import { TopicTemplate } from './topics';
import type { Telemetry } from './types';

/** Light telemetry's configuration, read once at deploy (see the adapter's option reader). */
export interface LightTelemetryOptions {
  /** The topic template (`{id}` is the device id). */
  topic: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** Largest accepted input payload, in bytes. */
  maxBytes: number;
  report: ReportOptions;
  outbox: OutboxOptions;
  /** The context store that keeps the buffer across restarts (none with `drop`). */
  store?: string;
}

export type { OfflinePolicy, ReplayOrder };

/** A telemetry message as the node sends it; `_msgid` is the input's when it answers one. */
export interface TelemetryMessage {
  _msgid?: string;
  topic: string;
  payload: Telemetry;
  qos: number;
  retain: boolean;
  nightlight: DeliveryMarker;
}

/**
 * What one event asks of the node: messages to send, writes for its context store, a
 * warning to log (a catalog key under `light-telemetry.warn.`), when to call `wake` next
 * (epoch ms; `undefined`: no timer) and an input to refuse (`refuse`, for `done(err)`).
 */
export interface TelemetryReaction {
  send: TelemetryMessage[];
  save: ContextWrite[];
  warn?: 'no-complete';
  wakeAt?: number;
  refuse?: unknown;
}

/** The context key of the stored buffer (its index; chunks under `<key>-<n>`). */
export const CONTEXT_KEY = 'nightlight-buffer';
/** While the link is known only from `mqtt out`'s connection (no status yet) and readings wait, how often to look again, in ms. */
export const PROBE_MS = 250;

/** What the controller reads of an input message. */
export interface TelemetryInput {
  _msgid?: string;
  payload?: unknown;
  status?: unknown;
  nightlight?: unknown;
}

/**
 * The light telemetry node without Node-RED: turns an input (a sensor reading, the Status
 * node's report on `mqtt out`, or the Complete node's completion of a send) into what to
 * send, store and show, and when to wake. Pure: `now` is an argument, and `probe` is what
 * the adapter sees of the `mqtt out` it is wired to (used until the first status arrives,
 * so that "never connected yet" counts as offline).
 */
export class TelemetryController {
  readonly outbox: Outbox;
  private readonly source = new TelemetrySource();
  private readonly policy: ReportPolicy;
  private journal: BufferJournal | undefined;
  private statusSeen = false;
  private warnedNoComplete = false;
  /** The light value last sent. */
  lastLight: number | undefined;

  readonly topic: string;

  /** Throws a NightlightError when `deviceId` cannot be used in the topic template (a setup failure). */
  constructor(
    readonly options: LightTelemetryOptions,
    private readonly nodeId: string,
    readonly deviceId: string,
  ) {
    this.topic = new TopicTemplate(options.topic).render(deviceId);
    this.policy = new ReportPolicy(options.report);
    this.outbox = new Outbox(options.outbox);
  }

  /** Whether the buffer is kept in a context store. */
  get stored(): boolean {
    return this.options.store !== undefined && this.outbox.policy !== 'drop';
  }

  get link(): LinkState {
    return this.outbox.link;
  }

  /** The stored chunk keys named by the stored index `index` (to read before `restore`). */
  chunkKeys(index: unknown): string[] {
    return indexedChunks(index).map((n) => `${CONTEXT_KEY}-${n}`);
  }

  /**
   * Takes back a buffer stored before a restart: `index` is the value under `CONTEXT_KEY`
   * (this or the older whole-buffer form), `chunks` the values of `chunkKeys(index)`.
   * From then on the buffer is stored as it changes. Call once, also when nothing was stored.
   * Sends nothing itself: the reaction asks for a wake at `now` when readings wait.
   */
  restore(index: unknown, chunks: unknown[], now: number): TelemetryReaction {
    if (!this.stored || this.journal) return { send: [], save: [] };
    const numbers = indexedChunks(index);
    const old = readSavedBuffer(index, this.outbox.capacity);
    const readings = numbers.length ? readChunks(chunks, this.outbox.capacity) : old.readings;
    const seq = (index as { seq?: unknown } | null)?.seq;
    this.source.continueFrom(typeof seq === 'number' ? seq : 0);
    this.outbox.restore(readings);
    this.journal = new BufferJournal(CONTEXT_KEY, numbers.length ? numbers[numbers.length - 1] + 1 : 0, numbers);
    this.outbox.keepIn(this.journal);
    this.journal.setSeq(this.source.lastSeq);
    // Restored readings go out at the next turn (not during deploy), without waiting for the next event.
    return { send: [], save: this.journal.flush(), wakeAt: this.outbox.waiting > 0 ? now : undefined };
  }

  /**
   * Reads the stored buffer through `read` (the index, then the chunks it names: `read` calls
   * back at once for a synchronous store) and hands what `restore` asks for to `then`.
   */
  load(
    read: (keys: string[], then: (values: unknown[]) => void) => void,
    now: () => number,
    then: (r: TelemetryReaction) => void,
  ): void {
    read([CONTEXT_KEY], ([index]) => read(this.chunkKeys(index), (chunks) => then(this.restore(index, chunks, now()))));
  }

  /** Routes an input: a completion, a link status, or a reading (refused when it is not one). */
  input(msg: TelemetryInput, now: number, probe?: LinkState): TelemetryReaction {
    this.probe(probe);
    const delivery = deliveryOf(msg, this.nodeId);
    if (delivery) {
      this.outbox.confirm(delivery.key);
      return this.pump(now);
    }
    if (msg.status !== null && typeof msg.status === 'object') return this.status(msg.status, now);
    let light: number;
    try {
      light = parseReading(msg.payload, this.options.maxBytes);
    } catch (err) {
      return { send: [], save: [], refuse: err };
    }
    const report = this.policy.offer({ light, at: now }, now);
    if (report) this.outbox.push(this.source.reading(report.reading.light, report.reading.at));
    return this.pump(now, report ? msg._msgid : undefined);
  }

  /** What is due at `now`: a held-back reading or a heartbeat, sends whose completion is overdue, the next send of a replay. */
  wake(now: number, probe?: LinkState): TelemetryReaction {
    this.probe(probe);
    const report = this.policy.tick(now);
    if (report) this.outbox.push(this.source.reading(report.reading.light, report.reading.at));
    const overdue = this.outbox.tick(now);
    const reaction = this.pump(now);
    if (overdue > 0 && this.outbox.confirmed === 0 && !this.warnedNoComplete) {
      // Nothing was ever confirmed: the Complete node is probably not wired.
      this.warnedNoComplete = true;
      reaction.warn = 'no-complete';
    }
    return reaction;
  }

  /** What the status shows: offline or the last value sent, then buffered and dropped counts. */
  statusParts(): { down: boolean; parts: StatusPart[] } {
    return outboxStatus(this.outbox, this.lastLight);
  }

  /** Forgets the buffer in memory (the stored copy stays for the next start). */
  close(): void {
    this.outbox.clear();
  }

  private status(status: object, now: number): TelemetryReaction {
    // Our own status (a Status node watching every node) says nothing about the link.
    const link =
      (status as { source?: { id?: unknown } }).source?.id === this.nodeId ? undefined : linkFromStatus(status);
    if (link) {
      this.statusSeen = true;
      if (link !== this.outbox.link) this.setLink(link);
    }
    return this.pump(now);
  }

  private setLink(link: 'up' | 'down'): void {
    if (link === 'down') this.outbox.linkDown();
    else this.outbox.linkUp();
  }

  /** Sends what the outbox releases; says what to store and when to wake. `msgid`: the input's, when it added the newest reading. */
  /** Until a Status node reports on the link, `mqtt out`'s own connection says whether it is up: never connected yet is offline. */
  private probe(probe: LinkState | undefined): void {
    if (!this.statusSeen && probe && probe !== 'unknown' && probe !== this.outbox.link) this.setLink(probe);
  }

  private pump(now: number, msgid?: string): TelemetryReaction {
    const send: TelemetryMessage[] = [];
    for (let out = this.outbox.take(now); out.length > 0; out = this.outbox.take(now)) {
      for (const { key, telemetry } of out) {
        this.lastLight = telemetry.light;
        const nightlight: DeliveryMarker = { node: this.nodeId, key, device: this.deviceId, seq: telemetry.seq };
        // Only the newest reading (not historical) answers the message that came in; Node-RED ids the rest.
        const { qos, retain } = this.options;
        send.push({
          _msgid: telemetry.historical ? undefined : msgid,
          topic: this.topic,
          payload: telemetry,
          qos,
          retain,
          nightlight,
        });
      }
    }
    let save: ContextWrite[] = [];
    if (this.journal) {
      this.journal.setSeq(this.source.lastSeq);
      save = this.journal.flush();
    }
    return { send, save, wakeAt: this.nextWake(now) };
  }

  private nextWake(now: number): number | undefined {
    let wake: number | undefined;
    for (const t of [this.policy.nextWake(), this.outbox.nextWake()])
      if (t !== undefined && (wake === undefined || t < wake)) wake = t;
    if (
      !this.statusSeen &&
      this.outbox.link === 'down' &&
      this.outbox.waiting > 0 &&
      (wake === undefined || now + PROBE_MS < wake)
    )
      wake = now + PROBE_MS;
    return wake;
  }
}

/** How the adapter turns status parts into text: a fixed text's key for the editor, a text rendered with values, and whether a text fits. */
export interface StatusRendering {
  fixed(key: string): string;
  text(key: string, params?: Record<string, number>): string;
  fits(text: string): boolean;
}

/**
 * Light telemetry's status from its parts (see `statusParts`): red ring while offline, else
 * green dot. A fixed word alone (offline, online) is its catalog key, shown by the editor in
 * the browser's language; a text with values is rendered by the runtime. While a buffer
 * drains the counts matter more than the last value sent, so that goes when all would not fit.
 */
export function telemetryStatus(
  { down, parts }: { down: boolean; parts: StatusPart[] },
  render: StatusRendering,
): { fill?: 'red' | 'green'; shape?: 'ring' | 'dot'; text?: string } {
  if (parts.length === 0) return {};
  const look = { fill: down ? 'red' : 'green', shape: down ? 'ring' : 'dot' } as const;
  const key = (p: StatusPart) => 'light-telemetry.status.' + p.key;
  if (parts.length === 1 && !parts[0].params) return { ...look, text: render.fixed(key(parts[0])) };
  let texts = parts.map((p) => render.text(key(p), p.params));
  if (parts.length > 1 && parts[0].key === 'sent' && !render.fits(texts.join(' · '))) texts = texts.slice(1);
  return { ...look, text: texts.join(' · ') };
}
