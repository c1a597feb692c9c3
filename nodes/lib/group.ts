import {
  DecisionState,
  DEFAULT_DECIDE_OPTIONS,
  currentCommand,
  isHistorical,
  learnCommand,
  nextCommand,
  ruleWith,
  step,
  wantsOn,
  type DecideOptions,
  type DecideOverrides,
} from './decide';
import { NightlightError } from './errors';
import { isAfter } from './order';
import { RecentMap } from './recent';
import { checkDeviceId, deviceIdProblem } from './topics';
import type { Command, Telemetry } from './types';

export type Aggregation = 'median' | 'mean' | 'min' | 'max' | 'quorum';
export const AGGREGATIONS: readonly Aggregation[] = ['median', 'mean', 'min', 'max', 'quorum'];

export interface GroupOptions extends DecideOptions {
  /** The group's id: its command topic is the command template rendered with it. */
  name: string;
  /** Which sensors belong: ids and `*` patterns separated by commas or spaces; empty takes every sensor. */
  members: string;
  /** How the fresh sensors' readings become one: a statistic compared with the threshold, or a quorum. */
  aggregation: Aggregation;
  /** Quorum: the LED goes on when at least this many fresh sensors are dark. */
  quorum: number;
  /** A sensor counts only if heard from within this many ms; 0 counts every sensor held. */
  freshnessMs: number;
  /** Fewer fresh sensors than this: no decision, and a warning. */
  minFresh: number;
}

export const DEFAULT_GROUP_OPTIONS: GroupOptions = {
  ...DEFAULT_DECIDE_OPTIONS,
  name: 'group',
  members: '',
  aggregation: 'median',
  quorum: 2,
  freshnessMs: 60_000,
  minFresh: 1,
};

/** A group's command: the lesson's `led_on` plus which sensors the decision was taken from. */
export interface GroupCommand extends Command {
  /** The fresh sensors the decision was taken from, sorted. */
  sensors: string[];
  /** Quorum only: the fresh sensors that were dark, sorted. */
  dark?: string[];
}

/**
 * Reads a member list: device ids and patterns in which `*` stands for any characters,
 * separated by commas or white space. Returns a test for ids; throws `bad-members` when an
 * entry could never be a device id. An empty list admits every id.
 */
export function memberMatcher(spec: string): (id: string) => boolean {
  const entries = String(spec ?? '')
    .split(/[\s,]+/)
    .filter((e) => e.length > 0);
  if (entries.length === 0) return () => true;
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const entry of entries) {
    const problem = deviceIdProblem(entry.replace(/\*/g, 'x'));
    if (problem) throw new NightlightError('bad-members', { entry: entry.slice(0, 80), problem });
    if (entry.includes('*')) {
      const body = entry.split('*').map((part) => part.replace(/[.?^${}()|[\]\\]/g, '\\$&')).join('.*');
      patterns.push(new RegExp('^' + body + '$'));
    } else exact.add(entry);
  }
  return (id) => exact.has(id) || patterns.some((p) => p.test(id));
}

/** The median of `values` (which it sorts in place); the mean of the middle two for an even count. */
export function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

/** One statistic of a non-empty list of readings. */
export function aggregate(aggregation: Exclude<Aggregation, 'quorum'>, values: number[]): number {
  switch (aggregation) {
    case 'mean':
      return values.reduce((sum, v) => sum + v, 0) / values.length;
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    default:
      return median(values);
  }
}

/** What the group knows of one sensor: its last reading and when it was heard. */
class SensorState {
  ts: number | undefined;
  seq: number | undefined;
  /** When the reading was taken, as far as freshness goes: arrival for live readings. */
  takenAt: number;
  constructor(
    public light: number,
    telemetry: Telemetry,
    public lastSeen: number,
    takenAt: number,
  ) {
    this.ts = telemetry.ts;
    this.seq = telemetry.seq;
    this.takenAt = takenAt;
  }
}

/** How many sensors are fresh, and whether that is too few to decide. */
export interface GroupHealth {
  fresh: number;
  known: number;
  needed: number;
  tooFew: boolean;
  /** The health changed from enough to too few or back since it was last looked at. */
  tooFewChanged: boolean;
}

export type GroupOutcome =
  | { kind: 'command'; command: GroupCommand; value: number; changed: boolean; health: GroupHealth }
  | {
      kind: 'ignored';
      reason: 'not-member' | 'stale' | 'historical' | 'unchanged' | 'pending' | 'too-few';
      ledOn: boolean | undefined;
      value: number;
      health: GroupHealth | undefined;
    };

/**
 * Many sensors, one decision (the stadium). Each reading updates its sensor; the fresh
 * sensors are then aggregated and the result goes through the same hysteresis, debounce
 * and emit rules as a single device. No timers and no clock: `now` is passed in.
 */
export class GroupEngine {
  readonly options: GroupOptions;
  readonly isMember: (id: string) => boolean;
  private readonly sensors: RecentMap<SensorState>;
  private readonly decision = new DecisionState(0);
  private tooFew = false;

  constructor(options: Partial<GroupOptions> = {}) {
    this.options = { ...DEFAULT_GROUP_OPTIONS, ...options };
    checkDeviceId(this.options.name);
    this.isMember = memberMatcher(this.options.members);
    this.sensors = new RecentMap(Math.max(1, this.options.maxDevices), this.options.expiryMs);
  }

  get name(): string {
    return this.options.name;
  }

  get size(): number {
    return this.sensors.size;
  }

  get evictions(): number {
    return this.sensors.evicted;
  }

  get expirations(): number {
    return this.sensors.expired;
  }

  get ledOn(): boolean | undefined {
    return this.decision.ledOn;
  }

  /** Takes one reading of sensor `sensorId` and says what to publish for the group. */
  observe(sensorId: string, telemetry: Telemetry, now: number, overrides: DecideOverrides = {}): GroupOutcome {
    if (!this.isMember(sensorId)) return { kind: 'ignored', reason: 'not-member', ledOn: this.decision.ledOn, value: NaN, health: undefined };
    this.sensors.expire(now);
    const sensor = this.sensors.get(sensorId);
    if (sensor && !isAfter(telemetry, sensor)) {
      return { kind: 'ignored', reason: 'stale', ledOn: this.decision.ledOn, value: NaN, health: undefined };
    }
    const historical = isHistorical(telemetry, now, this.options.maxAgeMs);
    // A replayed reading counts as fresh only by the time it was taken, never by when it arrived.
    const takenAt = historical ? Math.min(now, telemetry.ts ?? -Infinity) : now;
    if (sensor) {
      sensor.light = telemetry.light;
      sensor.ts = telemetry.ts;
      sensor.seq = telemetry.seq;
      sensor.takenAt = takenAt;
      this.sensors.heard(sensorId, sensor, now);
    } else {
      this.sensors.add(sensorId, new SensorState(telemetry.light, telemetry, now, takenAt));
    }
    if (historical) return { kind: 'ignored', reason: 'historical', ledOn: this.decision.ledOn, value: NaN, health: undefined };
    return this.decide(now, ruleWith(this.options, overrides));
  }

  /** Takes a command seen on the broker for the group as the one last published (see DecisionEngine.learn). */
  learn(command: Command): boolean {
    return learnCommand(this.decision, command) === 'newer';
  }

  /** The group's current command, for a periodic refresh; `undefined` before the first decision. */
  current(): Command | undefined {
    return currentCommand(this.decision);
  }

  /** Counts the fresh sensors at `now` (for a warning while no reading arrives). */
  health(now: number): GroupHealth {
    this.sensors.expire(now);
    let fresh = 0;
    const since = now - this.options.freshnessMs;
    for (const [, sensor] of this.sensors) if (this.isFresh(sensor, since)) fresh += 1;
    return this.judge(fresh);
  }

  clear(): void {
    this.sensors.clear();
  }

  private isFresh(sensor: SensorState, since: number): boolean {
    return this.options.freshnessMs <= 0 || sensor.takenAt >= since;
  }

  private judge(fresh: number): GroupHealth {
    const needed = Math.max(1, this.options.minFresh);
    const tooFew = fresh < needed;
    const tooFewChanged = tooFew !== this.tooFew;
    this.tooFew = tooFew;
    return { fresh, known: this.sensors.size, needed, tooFew, tooFewChanged };
  }

  private decide(now: number, rule: DecideOptions): GroupOutcome {
    const since = now - this.options.freshnessMs;
    const ids: string[] = [];
    const lights: number[] = [];
    for (const [id, sensor] of this.sensors) {
      if (this.isFresh(sensor, since)) {
        ids.push(id);
        lights.push(sensor.light);
      }
    }
    const health = this.judge(ids.length);
    const state = this.decision;
    if (health.tooFew) return { kind: 'ignored', reason: 'too-few', ledOn: state.ledOn, value: NaN, health };
    let want: boolean;
    let value: number;
    let dark: string[] | undefined;
    if (this.options.aggregation === 'quorum') {
      // Hysteresis per sensor: while the group is on, a sensor stays "dark" up to threshold + band.
      dark = ids.filter((_, i) => wantsOn(state.ledOn, lights[i], rule.threshold, rule.band));
      value = dark.length;
      want = value >= Math.max(1, this.options.quorum);
    } else {
      value = aggregate(this.options.aggregation, lights);
      want = wantsOn(state.ledOn, value, rule.threshold, rule.band);
    }
    const result = step(state, want, now, rule);
    if (!result.send) return { kind: 'ignored', reason: result.reason ?? 'unchanged', ledOn: state.ledOn, value, health };
    const command: GroupCommand = { ...nextCommand(state, now), sensors: ids.sort() };
    if (dark) command.dark = dark.sort();
    return { kind: 'command', command, value, changed: result.changed, health };
  }
}
