import {
  DEFAULT_DECIDE_OPTIONS,
  currentCommand,
  isHistorical,
  nextCommand,
  ruleWith,
  settleNow,
  step,
  type DecideOptions,
  type DecideOverrides,
} from './decide';
import { TimeHeap } from './min-heap';
import { learnCommand, SharedDecisionState } from './scale-out';
import { darkLimit, wantsOn } from './rule';
import { SortedValues } from './sorted-values';
import { NightlightError } from './errors';
import { isAfter } from './order';
import { RecentEntry, RecentMap } from './recent';
import { checkDeviceId, deviceIdProblem } from './topics';
import type { Command, Telemetry } from './types';

export { lowerBound } from './sorted-values';

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
      const body = entry
        .split('*')
        .map((part) => part.replace(/[.?^${}()|[\]\\]/g, '\\$&'))
        .join('.*');
      patterns.push(new RegExp('^' + body + '$'));
    } else exact.add(entry);
  }
  return (id) => exact.has(id) || patterns.some((p) => p.test(id));
}

/** What the group knows of one sensor: its last reading and when it was heard. */
class SensorState extends RecentEntry {
  light: number;
  ts: number | undefined;
  seq: number | undefined;
  /** When the reading was taken, as far as freshness goes: arrival for live readings. */
  takenAt: number;
  /** Whether `light` is in the group's fresh values. */
  counted = false;
  constructor(light: number, telemetry: Telemetry, lastSeen: number, takenAt: number) {
    super(lastSeen);
    this.light = light;
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
      reason: 'not-member' | 'stale' | 'historical' | 'unchanged' | 'pending' | 'too-few' | 'held';
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
  private readonly decision = new SharedDecisionState(0);
  private tooFew = false;
  /*
   * The fresh sensors' readings, kept up to date reading by reading instead of gathered
   * and sorted for every decision (sorted-values.ts: median, min, max, how many are below
   * a limit for quorum, an exact mean), and a heap of (takenAt, sensor) from which sensors
   * leave the fresh set as time passes (min-heap.ts). Heap entries are not removed when a
   * sensor gets a newer reading: a stale one is skipped when it reaches the top, and the
   * heap is rebuilt when such entries pile up.
   */
  private readonly values = new SortedValues();
  private readonly deadlines = new TimeHeap<SensorState>();
  /** The latest `now` seen; an earlier one (the clock went back) recounts everything. */
  private clock = -Infinity;

  /** `onForget`: called with the id of each sensor forgotten (bound reached, or silent past the expiry). */
  constructor(options: Partial<GroupOptions> = {}, onForget?: (sensorId: string) => void) {
    this.options = { ...DEFAULT_GROUP_OPTIONS, ...options };
    checkDeviceId(this.options.name);
    this.isMember = memberMatcher(this.options.members);
    this.sensors = new RecentMap(Math.max(1, this.options.maxDevices), this.options.expiryMs, (sensor) => {
      this.uncount(sensor);
      onForget?.(sensor.recentId);
    });
  }

  /** Forgets the sensors silent past the expiry. */
  expire(now: number): void {
    this.sensors.expire(now);
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
    if (!this.isMember(sensorId))
      return { kind: 'ignored', reason: 'not-member', ledOn: this.decision.ledOn, value: NaN, health: undefined };
    this.sensors.expire(now);
    this.catchUp(now);
    const sensor = this.sensors.get(sensorId);
    if (sensor && !isAfter(telemetry, sensor)) {
      return { kind: 'ignored', reason: 'stale', ledOn: this.decision.ledOn, value: NaN, health: undefined };
    }
    const historical = isHistorical(telemetry, now, this.options.maxAgeMs);
    // A replayed reading counts as fresh only by the time it was taken, never by when it arrived.
    const takenAt = historical ? Math.min(now, telemetry.ts ?? -Infinity) : now;
    let updated = sensor;
    if (updated) {
      this.uncount(updated);
      updated.light = telemetry.light;
      updated.ts = telemetry.ts;
      updated.seq = telemetry.seq;
      updated.takenAt = takenAt;
      this.sensors.heard(sensorId, updated, now);
    } else {
      this.sensors.add(sensorId, (updated = new SensorState(telemetry.light, telemetry, now, takenAt)));
    }
    if (this.isFresh(updated, now - this.options.freshnessMs)) this.count(updated);
    if (historical)
      return { kind: 'ignored', reason: 'historical', ledOn: this.decision.ledOn, value: NaN, health: undefined };
    if (overrides.hold !== undefined) return this.held(overrides.hold, now);
    return this.decide(now, ruleWith(this.options, overrides));
  }

  /** A live reading while a control holds the group's LED at `on` (see DecisionEngine: the same rules). */
  private held(on: boolean, now: number): GroupOutcome {
    const health = this.judge(this.values.size);
    if (this.decision.ledOn !== on) return { ...this.force(on, now), health };
    if (this.options.emit === 'every') {
      const command: GroupCommand = { ...(currentCommand(this.decision) as Command), sensors: [] };
      return { kind: 'command', command, value: NaN, changed: false, health };
    }
    return { kind: 'ignored', reason: 'held', ledOn: on, value: NaN, health };
  }

  /** A control holds the group's LED at `on`: the command to publish (decided from no sensor). */
  force(on: boolean, now: number): GroupOutcome & { kind: 'command' } {
    const state = this.decision;
    const changed = state.ledOn !== on;
    state.ledOn = on;
    state.pendingCount = 0;
    state.mine = state.inFlight = true;
    const command: GroupCommand = { ...nextCommand(state, now), sensors: [] };
    return { kind: 'command', command, value: NaN, changed, health: this.judge(this.values.size) };
  }

  /**
   * Decides the group again at once from its fresh sensors, without debounce (a control
   * released the LED or changed the rule); a command always, unless too few sensors are fresh.
   */
  redecide(now: number, overrides: DecideOverrides = {}): GroupOutcome {
    this.sensors.expire(now);
    this.catchUp(now);
    return this.decide(now, ruleWith(this.options, overrides), true);
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
    this.catchUp(now);
    return this.judge(this.values.size);
  }

  clear(): void {
    this.sensors.clear();
    this.values.clear();
    this.deadlines.clear();
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

  /** `immediate`: no debounce, and a command even when nothing changed. */
  private decide(now: number, rule: DecideOptions, immediate = false): GroupOutcome {
    const values = this.values;
    const health = this.judge(values.size);
    const state = this.decision;
    if (health.tooFew) return { kind: 'ignored', reason: 'too-few', ledOn: state.ledOn, value: NaN, health };
    let want: boolean;
    let value: number;
    const limit = darkLimit(state.ledOn, rule.threshold, rule.band);
    const quorum = this.options.aggregation === 'quorum';
    if (quorum) {
      // Hysteresis per sensor: while the group is on, a sensor stays "dark" up to threshold + band.
      value = values.countBelow(limit);
      want = value >= Math.max(1, this.options.quorum);
    } else {
      value = this.statistic();
      want = wantsOn(state.ledOn, value, rule.threshold, rule.band);
    }
    const result = immediate ? settleNow(state, want) : step(state, want, now, rule);
    if (immediate) state.mine = state.inFlight = true;
    if (!result.send)
      return { kind: 'ignored', reason: result.reason ?? 'unchanged', ledOn: state.ledOn, value, health };
    // Only now, for the command, the fresh sensors by name.
    const ids: string[] = [];
    const dark: string[] = [];
    this.sensors.forEach((sensor) => {
      if (!sensor.counted) return;
      ids.push(sensor.recentId);
      if (quorum && sensor.light < limit) dark.push(sensor.recentId);
    });
    const command: GroupCommand = { ...nextCommand(state, now), sensors: ids.sort() };
    if (quorum) command.dark = dark.sort();
    return { kind: 'command', command, value, changed: result.changed, health };
  }

  /** When the quietest sensor is due to be forgotten by the expiry, or `undefined`. */
  nextExpiry(): number | undefined {
    return this.sensors.nextExpiry();
  }

  /** The configured statistic of the fresh values (at least one). */
  private statistic(): number {
    const values = this.values;
    switch (this.options.aggregation) {
      case 'min':
        return values.min;
      case 'max':
        return values.max;
      case 'mean': {
        const exact = values.exactMean();
        if (exact !== undefined) return exact;
        // Summed in the same order as always (quietest sensor first), so the result is the same to the last bit.
        let sum = 0;
        this.sensors.forEach((sensor) => {
          if (sensor.counted) sum += sensor.light;
        });
        return sum / values.size;
      }
      default:
        return values.median;
    }
  }

  /** Puts a fresh sensor's reading into the values (and its freshness deadline into the heap). */
  private count(sensor: SensorState): void {
    this.values.insert(sensor.light);
    sensor.counted = true;
    if (this.options.freshnessMs > 0) {
      this.deadlines.push(sensor.takenAt, sensor);
      if (this.deadlines.size > 2 * this.values.size + 16) this.compactHeap();
    }
  }

  /** Takes a sensor's reading out of the values (it went stale, was forgotten, or has a newer reading). */
  private uncount(sensor: SensorState): void {
    if (!sensor.counted) return;
    this.values.remove(sensor.light);
    sensor.counted = false;
  }

  /** Brings the fresh values to `now`: sensors whose reading is older than the freshness leave them. */
  private catchUp(now: number): void {
    if (this.options.freshnessMs <= 0) return;
    const since = now - this.options.freshnessMs;
    if (now < this.clock) {
      // The clock went back: sensors that were stale may be fresh again. Recount (rare).
      this.clock = now;
      this.deadlines.clear();
      this.sensors.forEach((sensor) => {
        this.uncount(sensor);
        if (this.isFresh(sensor, since)) this.count(sensor);
      });
      return;
    }
    this.clock = now;
    const deadlines = this.deadlines;
    while (deadlines.topAt < since) {
      const at = deadlines.topAt;
      const sensor = deadlines.topItem;
      deadlines.pop();
      // An entry for an older reading of the sensor (or of a sensor since forgotten) is skipped.
      if (sensor.counted && sensor.takenAt === at) this.uncount(sensor);
    }
  }

  /** Drops the heap entries that no longer stand for a counted reading (one entry per sensor is left). */
  private compactHeap(): void {
    const kept = new Set<SensorState>();
    this.deadlines.retain((at, sensor) => {
      if (!sensor.counted || sensor.takenAt !== at || kept.has(sensor)) return false;
      kept.add(sensor);
      return true;
    });
  }
}
