/**
 * Home Assistant MQTT discovery for nightlight decide, without Node-RED: what to publish, and
 * when, so that each device, group or group's sensor appears in Home Assistant as a device.
 * Device-based discovery: one retained message per device on `<prefix>/device/<object id>/config`
 * with `dev`, `o` (origin) and `cmps` (components), keys abbreviated. Pure: `now` is an argument.
 */
import { NightlightError } from './errors';
import type { Qos } from './options';
import { MAX_LIGHT } from './payload';
import { RecentEntry, RecentMap } from './recent';
import { checkDeviceId, sample } from './topics';

/** The discovery prefix Home Assistant listens on unless told otherwise. */
export const DEFAULT_DISCOVERY_PREFIX = 'homeassistant';
/** Availability's two words; `online` is also what Home Assistant's birth message says on `<prefix>/status`. */
const ONLINE = 'online';
const OFFLINE = 'offline';
/** Starts every device identifier and unique id, so ours never meet another integration's. */
const ID_PREFIX = 'nightlight_';
/** Anything but what stands for itself in an object id. */
const ESCAPED = /[^A-Za-z0-9-]/gu;
const UNSAFE_PREFIX = /[+#\u0000-\u001f\u007f]/;

/** What is announced: a nightlight, a sensor group with its one LED, or one sensor of a group. */
export type DiscoveryKind = 'device' | 'group' | 'sensor';

/** The topics of one device, already rendered for its id. */
export interface DeviceTopics {
  /** Where its readings arrive: `{"light": n, ...}`. */
  telemetry: string;
  /** Where its commands go: `{"led_on": bool, "mode"?: "auto"|"override", "threshold"?: n, ...}`. */
  commands: string;
  /** Where the device reports its LED: `{"led_on": bool, ...}`. */
  state: string;
  /** Where run-time control goes: `{"mode": ...}` or `{"threshold": n}`. */
  control: string;
  /** Where this module says `online` or `offline` for the device. */
  availability: string;
}

export interface DiscoverySettings {
  /** Home Assistant's discovery prefix, usually {@link DEFAULT_DISCOVERY_PREFIX}. */
  prefix: string;
  /** Readings are in lux: the light sensor gets the illuminance device class and `lx`. */
  lux: boolean;
  /** A device silent this long (ms) is announced `offline`; 0: never. */
  offlineAfterMs: number;
  /** A forgotten device is removed from Home Assistant (an empty config), not only no longer tracked. */
  removeForgotten: boolean;
  /** Whether Home Assistant shows the LED as commanded or as the device reports it. */
  ledFrom: 'commands' | 'state';
  qos: Qos;
}

/** The configured rule: what the threshold shows until a command says otherwise. */
export interface DiscoveryRule {
  threshold: number;
}

/** This software, as Home Assistant logs the origin of a discovered device. */
export interface Origin {
  name: string;
  sw: string;
  url?: string;
}

/** One message to publish, its payload already text: JSON for a config, `online`/`offline`, `''` to remove. */
export interface Publication {
  topic: string;
  payload: string;
  qos: Qos;
  retain: true;
}

/**
 * Maps a device id to the characters Home Assistant allows in an object id, `[a-zA-Z0-9_-]`,
 * so that two different ids never share one. ASCII letters, digits and `-` stand for
 * themselves; every other character, `_` included, becomes `_<hex>_`: its Unicode code point
 * in lowercase hexadecimal between two underscores (`.` gives `_2e_`, `_` gives `_5f_`, a
 * space `_20_`, Bengali `ক` gives `_995_`). An underscore therefore only ever opens or closes
 * an escape, which makes the mapping reversible, hence injective. Throws `bad-device-id` for
 * what is not a device id.
 */
export function objectId(id: string): string {
  checkDeviceId(id);
  return id.replace(ESCAPED, (ch) => '_' + (ch.codePointAt(0) as number).toString(16) + '_');
}

/** The identifier Home Assistant's device registry files device `id` under. */
export function deviceIdentifier(id: string): string {
  return ID_PREFIX + objectId(id);
}

/** The topic of device `id`'s discovery message. */
export function discoveryTopic(prefix: string, id: string): string {
  return `${prefix}/device/${objectId(id)}/config`;
}

const MODELS = { device: 'Nightlight', group: 'Nightlight group', sensor: 'Light sensor' };
const LED_TEMPLATE = "{{ 'ON' if value_json.led_on else 'OFF' }}";
/** A command says `override` while the LED is held against the readings: the select shows which way. */
const MODE_TEMPLATE = "{{ ('on' if value_json.led_on else 'off') if value_json.mode == 'override' else 'auto' }}";

/** One component: its platform, English name and unique id (the device's identifier and `part`), then its options. */
function entity(key: string, p: string, name: string, part: string, options: object): object {
  return { p, name, uniq_id: `${key}_${part}`, ...options };
}

/**
 * The discovery payload of device `id` (before serialising): `light` (a sensor) unless it is a
 * group, and `led`, `mode` and `threshold` unless it is a group's sensor, whose device names
 * the group's (`via`) as the one it is reached through.
 */
export function discoveryConfig(
  kind: DiscoveryKind,
  id: string,
  topics: DeviceTopics,
  settings: DiscoverySettings,
  rule: DiscoveryRule,
  origin: Origin,
  via?: string,
): Record<string, unknown> {
  const key = deviceIdentifier(id);
  const lx = settings.lux ? { unit_of_meas: 'lx' } : {};
  const cmps: Record<string, object> = {};
  if (kind !== 'group') {
    const illuminance = settings.lux ? { dev_cla: 'illuminance', ...lx } : {};
    const reading = { stat_t: topics.telemetry, val_tpl: '{{ value_json.light }}', stat_cla: 'measurement' };
    cmps.light = entity(key, 'sensor', 'Light level', 'light', { ...reading, ...illuminance });
  }
  if (kind !== 'sensor') {
    const ledTopic = settings.ledFrom === 'state' ? topics.state : topics.commands;
    cmps.led = entity(key, 'binary_sensor', 'LED', 'led', { stat_t: ledTopic, val_tpl: LED_TEMPLATE });
    // Both publish retained run-time control and read back what the commands say.
    const control = { cmd_t: topics.control, ret: true, stat_t: topics.commands };
    const modes = { cmd_tpl: '{"mode": "{{ value }}"}', val_tpl: MODE_TEMPLATE, ops: ['auto', 'on', 'off'] };
    cmps.mode = entity(key, 'select', 'Mode', 'mode', { ...control, ...modes });
    const shown = `{{ value_json.threshold | default(${String(rule.threshold)}) }}`;
    const range = { min: 0, max: MAX_LIGHT, step: 1, mode: 'box', ...lx };
    const threshold = { ...control, cmd_tpl: '{"threshold": {{ value }}}', val_tpl: shown, ...range };
    cmps.threshold = entity(key, 'number', 'Threshold', 'threshold', threshold);
  }
  const dev: Record<string, unknown> = { ids: [key], name: id, mdl: MODELS[kind] };
  if (kind === 'sensor' && via !== undefined) dev.via_device = deviceIdentifier(via);
  const { name, sw, url } = origin;
  const o = url === undefined ? { name, sw } : { name, sw, url };
  const avty = [{ t: topics.availability, pl_avail: ONLINE, pl_not_avail: OFFLINE }];
  return { dev, o, avty, qos: settings.qos, cmps };
}

/** One announced id: when it was last heard, what it was announced as, and whether it is online. */
class Announced extends RecentEntry {
  online = true;

  constructor(
    lastSeen: number,
    public kind: DiscoveryKind,
    public via: string | undefined,
    public config: Publication,
    readonly availability: string,
  ) {
    super(lastSeen);
  }
}

const NONE: readonly Publication[] = Object.freeze([]);

/** Whether an MQTT payload (text, or its bytes as `mqtt in` may deliver them) is the word `online`. */
function saysOnline(payload: unknown): boolean {
  const text = payload instanceof Uint8Array ? Buffer.from(payload).toString('utf8') : payload;
  return text === ONLINE;
}

/**
 * Which discovery messages are due for the ids a node hears from: an id's config and `online`
 * when first heard, `offline` once it has been silent for `offlineAfterMs`, `online` when heard
 * again, and every config on Home Assistant's birth message. Online ids are kept in last-heard
 * order: `heard` is O(1) and `tick` only visits the ids it turns offline. Hearing an id never
 * makes `tick` due sooner, unless nothing was watched. `now` must not go backwards.
 */
export class Announcer {
  private readonly online: RecentMap<Announced>;
  private readonly offline = new Map<string, Announced>();
  private quiet: Publication[] = [];

  /** Throws `bad-topic` for a prefix that is no topic to publish under. */
  constructor(
    private readonly settings: DiscoverySettings,
    private readonly topicsOf: (id: string) => DeviceTopics,
    private readonly rule: DiscoveryRule,
    private readonly origin: Origin,
  ) {
    const { prefix } = settings;
    if (!prefix || UNSAFE_PREFIX.test(prefix) || prefix.startsWith('$'))
      throw new NightlightError('bad-topic', { topic: sample(prefix), problem: 'prefix' });
    this.online = new RecentMap<Announced>(Infinity, settings.offlineAfterMs, (entry) => {
      entry.online = false;
      this.offline.set(entry.recentId, entry);
      this.quiet.push(this.publication(entry.availability, OFFLINE));
    });
  }

  /** How many ids are tracked, online or not. */
  get size(): number {
    return this.online.size + this.offline.size;
  }

  /**
   * `id` is announced `online` on the broker (a retained availability, from before this node
   * started) but not tracked here: track it as heard at `now`, publishing nothing, so that it
   * is announced `offline` if it stays silent. Without this a restarted server would leave a
   * silent device `online` for ever. An id tracked already, or a payload other than `online`,
   * changes nothing.
   */
  adopt(id: string, kind: DiscoveryKind, now: number, via?: string, payload: unknown = ONLINE): void {
    if (!saysOnline(payload) || this.online.get(id) || this.offline.get(id)) return;
    const through = kind === 'sensor' ? via : undefined;
    const entry = new Announced(now, kind, through, this.config(id, kind, through), this.topicsOf(id).availability);
    this.online.add(id, entry);
  }

  /**
   * `id` was heard from at `now` as `kind` (a group's sensor: `via` is the group's id). Due:
   * its config when it is new or was announced otherwise, `online` when new or offline.
   */
  heard(id: string, kind: DiscoveryKind, now: number, via?: string): readonly Publication[] {
    const through = kind === 'sensor' ? via : undefined;
    const known = this.online.get(id);
    if (known) {
      this.online.heard(id, known, now);
      return this.reannounce(id, known, kind, through) ?? NONE;
    }
    const quiet = this.offline.get(id);
    const entry =
      quiet ?? new Announced(now, kind, through, this.config(id, kind, through), this.topicsOf(id).availability);
    const config = quiet ? this.reannounce(id, quiet, kind, through) : [entry.config];
    this.offline.delete(id);
    entry.lastSeen = now;
    entry.online = true;
    this.online.add(id, entry);
    return [...(config ?? []), this.publication(entry.availability, ONLINE)];
  }

  /** `offline` for each id silent for at least `offlineAfterMs` at `now` (once per silent spell). */
  tick(now: number): Publication[] {
    this.online.expire(now);
    const due = this.quiet;
    this.quiet = [];
    return due;
  }

  /** When {@link tick} next has something to say (epoch ms), or `undefined` when no id can go offline. */
  nextWake(): number | undefined {
    const oldest = this.online.oldest;
    return oldest && this.settings.offlineAfterMs > 0 ? oldest.lastSeen + this.settings.offlineAfterMs : undefined;
  }

  /** Every config again when `topic` and `payload` are Home Assistant's birth message; nothing otherwise. */
  birth(topic: string, payload: unknown): readonly Publication[] {
    return topic === `${this.settings.prefix}/status` && saysOnline(payload) ? this.announceAll() : NONE;
  }

  /** Every tracked id's config, each followed by its current availability. */
  announceAll(): Publication[] {
    const out: Publication[] = [];
    const add = (entry: Announced) => {
      out.push(entry.config, this.publication(entry.availability, entry.online ? ONLINE : OFFLINE));
    };
    this.online.forEach(add);
    this.offline.forEach(add);
    return out;
  }

  /** Stops tracking `id`; with `removeForgotten`, also removes it from Home Assistant (an empty config and availability). */
  forget(id: string): readonly Publication[] {
    const entry = this.online.get(id) ?? this.offline.get(id);
    if (!entry) return NONE;
    if (!this.online.delete(id)) this.offline.delete(id);
    if (!this.settings.removeForgotten) return NONE;
    // Removed: its config, and its retained availability too, so nothing of it stays on the broker.
    return [this.publication(entry.config.topic, ''), this.publication(entry.availability, '')];
  }

  /** Stops tracking every id, publishing nothing. */
  clear(): void {
    this.online.clear();
    this.offline.clear();
    this.quiet = [];
  }

  /** The new config when `entry` was announced as something else; `undefined` when it stands. */
  private reannounce(id: string, entry: Announced, kind: DiscoveryKind, via: string | undefined) {
    if (entry.kind === kind && entry.via === via) return undefined;
    Object.assign(entry, { kind, via, config: this.config(id, kind, via) });
    return [entry.config];
  }

  private config(id: string, kind: DiscoveryKind, via: string | undefined): Publication {
    const { settings } = this;
    const payload = discoveryConfig(kind, id, this.topicsOf(id), settings, this.rule, this.origin, via);
    return this.publication(discoveryTopic(settings.prefix, id), JSON.stringify(payload));
  }

  private publication(topic: string, payload: string): Publication {
    return { topic, payload, qos: this.settings.qos, retain: true };
  }
}
