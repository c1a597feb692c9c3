import { isAfter } from './order';
import { RecentEntry, RecentMap } from './recent';
import { DEFAULT_THRESHOLD, wantsOn } from './rule';
import type { Command, StreamPosition, Telemetry } from './types';

export { DEFAULT_THRESHOLD, wantsOn };
/** Default bound on the number of devices one node tracks. */
export const DEFAULT_MAX_DEVICES = 10_000;

export type EmitMode = 'change' | 'every';

/** How a decision turns readings into "LED on / off". Shared by devices and groups. */
export interface RuleOptions {
  /** The LED goes on when light is below this. */
  threshold: number;
  /** Hysteresis: once on, the LED goes off only at or above `threshold + band`. 0 is the lesson's plain rule. */
  band: number;
  /** Debounce: a flip needs this many readings in a row that ask for it (1: the first one flips). */
  debounceReadings: number;
  /** Debounce: a flip needs the condition to have held this long, in ms (0: no wait). */
  debounceMs: number;
  /** `change`: a command only when the decision changes (and the first time); `every`: one per live reading. */
  emit: EmitMode;
}

export interface DecideOptions extends RuleOptions {
  /** Most devices tracked; the one heard from longest ago is forgotten first. */
  maxDevices: number;
  /** A device silent for this long (ms) is forgotten; 0 never forgets. */
  expiryMs: number;
  /** A reading whose `ts` is older than this (ms) is taken as historical; 0 disables the check. */
  maxAgeMs: number;
}

export const DEFAULT_DECIDE_OPTIONS: DecideOptions = {
  threshold: DEFAULT_THRESHOLD,
  band: 0,
  debounceReadings: 1,
  debounceMs: 0,
  emit: 'change',
  maxDevices: DEFAULT_MAX_DEVICES,
  expiryMs: 0,
  maxAgeMs: 0,
};

/**
 * Overrides of the configured rule: per message (`msg.threshold`, `msg.band`) or by a
 * run-time control (control.ts), which may also hold the LED (`hold`: on or off, whatever
 * the readings say).
 */
export interface DecideOverrides {
  threshold?: number;
  band?: number;
  hold?: boolean;
}

/**
 * What one decision remembers: the LED state last decided, the debounce in progress, and
 * the position that state stands at. Also the position and value of the last reading, for
 * a device. One flat object per device keeps a tracked device small (no closures, no
 * nested objects); `ts`/`seq` let it be passed to `isAfter`. (Several Node-REDs sharing the
 * work need two flags more: see `SharedDecisionState` in scale-out.ts.)
 */
export class DecisionState extends RecentEntry {
  /** The LED state decided (or learned); `undefined` until the first decision. */
  ledOn: boolean | undefined = undefined;
  light = NaN;
  /**
   * The newest position this decision knows: of the last reading seen here (live or
   * historical), or of a newer command learned from the broker. A reading not after it is
   * not decided; `ledOn` is the decision for it (or for the newest live reading before it).
   */
  ts: number | undefined = undefined;
  seq: number | undefined = undefined;
  /**
   * Readings in a row that asked for the other state, and when the first of them came.
   * `pendingSince` is only written under a time debounce: a clock value would make V8 keep
   * a separate heap number for this field in every device, for nothing.
   */
  pendingCount = 0;
  pendingSince = 0;
  /**
   * Position of the last command published here or learned from the broker. For a device:
   * the position of the reading it answers (a reading without `ts`/`seq` gets one from the
   * receive time, see `nextCommand`). For a group: when it was decided, and a counter.
   */
  commandSeq: number | undefined = undefined;
  commandTs: number | undefined = undefined;

  constructor(now: number) {
    super(now);
  }
}

/**
 * Debounce: the LED state after one more reading that asks for `want`. A flip happens only
 * once `debounceReadings` readings in a row asked for it and the first of them is at least
 * `debounceMs` old; a reading that asks for the current state cancels the count.
 */
export function settle(state: DecisionState, want: boolean, now: number, rule: RuleOptions): boolean {
  const current = state.ledOn as boolean;
  if (want === current) {
    state.pendingCount = 0;
    return current;
  }
  if (state.pendingCount === 0 && rule.debounceMs > 0) state.pendingSince = now;
  state.pendingCount += 1;
  if (state.pendingCount >= rule.debounceReadings && now - state.pendingSince >= rule.debounceMs) {
    state.pendingCount = 0;
    return want;
  }
  return current;
}

export type StepResult = { send: boolean; changed: boolean; reason: 'unchanged' | 'pending' | undefined };

/**
 * One decision step: the first decision is taken at once (no debounce); later ones go
 * through the debounce, and a command is due when the state flips or emit is `every`.
 */
export function step(state: DecisionState, want: boolean, now: number, rule: RuleOptions): StepResult {
  if (state.ledOn === undefined) {
    state.ledOn = want;
    return { send: true, changed: true, reason: undefined };
  }
  const next = settle(state, want, now, rule);
  const changed = next !== state.ledOn;
  state.ledOn = next;
  if (changed || rule.emit === 'every') return { send: true, changed, reason: undefined };
  return { send: false, changed: false, reason: want === next ? 'unchanged' : 'pending' };
}

/** A decision taken at once, without debounce, and always sent (a control released the LED or changed the rule). */
export function settleNow(state: DecisionState, want: boolean): StepResult {
  const changed = state.ledOn !== want;
  state.ledOn = want;
  state.pendingCount = 0;
  return { send: true, changed, reason: undefined };
}

/**
 * The next command of a decision that has no reading position to carry (a group, or a
 * reading without `ts`/`seq`, like the lesson's): its position is the decision time and
 * a counter, strictly after the last command sent or learned, even when that one came
 * from a Node-RED with a clock slightly ahead of ours.
 */
export function nextCommand(state: DecisionState, now: number): Command {
  state.commandSeq = (state.commandSeq ?? 0) + 1;
  state.commandTs = state.commandTs !== undefined && state.commandTs >= now ? state.commandTs + 1 : now;
  state.ts = state.commandTs;
  state.seq = state.commandSeq;
  return { led_on: state.ledOn as boolean, seq: state.commandSeq, ts: state.commandTs };
}

/**
 * The command answering a device's reading: it carries the reading's own `ts`/`seq`, so
 * that commands are ordered by the readings they answer, whichever Node-RED decided them
 * and whatever its clock says. A reading without either falls back to `nextCommand`.
 */
export function readingCommand(state: DecisionState, reading: StreamPosition, now: number): Command {
  if (reading.ts === undefined && reading.seq === undefined) return nextCommand(state, now);
  state.commandTs = reading.ts;
  state.commandSeq = reading.seq;
  return currentCommand(state) as Command;
}

/**
 * The command of a decision taken without a reading (a control held the LED, released it,
 * or changed the rule). It must come after the last command the LED applied and before the
 * device's next reading, whose command carries that reading's position: so it takes the
 * newest position known plus one millisecond (plus one `seq` for a device that sends `seq`
 * without `ts`: its next reading then counts as a repeat of this position and is not
 * decided, see docs/limits.md). A decision that knows no position yet takes the time.
 */
export function controlCommand(state: DecisionState, now: number): Command {
  if (state.ts !== undefined) {
    state.ts = state.commandTs = state.ts + 1;
    state.commandSeq = state.seq;
  } else if (state.seq !== undefined) {
    state.seq = state.commandSeq = state.seq + 1;
    state.commandTs = undefined;
  } else return nextCommand(state, now);
  return currentCommand(state) as Command;
}

/** The command a decision stands at now, for a periodic refresh or a repair; `undefined` before the first decision. */
export function currentCommand(state: DecisionState): Command | undefined {
  if (state.ledOn === undefined) return undefined;
  const command: Command = { led_on: state.ledOn };
  if (state.commandSeq !== undefined) command.seq = state.commandSeq;
  if (state.commandTs !== undefined) command.ts = state.commandTs;
  return command;
}

/** Whether a reading is history: marked so by the device, or older than `maxAgeMs` by its `ts`. */
export function isHistorical(telemetry: Telemetry, now: number, maxAgeMs: number): boolean {
  return telemetry.historical === true || (maxAgeMs > 0 && telemetry.ts !== undefined && telemetry.ts < now - maxAgeMs);
}

/** The rule with the per-message overrides applied (the same object when there are none). */
export function ruleWith<R extends RuleOptions>(rule: R, overrides: DecideOverrides): R {
  if (overrides.threshold === undefined && overrides.band === undefined) return rule;
  return { ...rule, threshold: overrides.threshold ?? rule.threshold, band: overrides.band ?? rule.band };
}

export type IgnoreReason = 'stale' | 'historical' | 'unchanged' | 'pending' | 'held';

export type Outcome =
  | { kind: 'command'; command: Command; light: number; changed: boolean }
  | { kind: 'ignored'; reason: IgnoreReason; ledOn: boolean | undefined; light: number };

/**
 * Decides, per device, whether its LED should be on. Holds no timers and reads no clock:
 * `now` is passed in, so behaviour over time is tested by passing times.
 */
export class DecisionEngine<S extends DecisionState = DecisionState> {
  readonly options: DecideOptions;
  protected readonly devices: RecentMap<S>;

  /** `onForget`: called with the id of each device forgotten (bound reached, or silent past the expiry). */
  constructor(options: Partial<DecideOptions> = {}, onForget?: (deviceId: string) => void) {
    this.options = { ...DEFAULT_DECIDE_OPTIONS, ...options };
    const forgot = onForget && ((state: S) => onForget(state.recentId));
    this.devices = new RecentMap(Math.max(1, this.options.maxDevices), this.options.expiryMs, forgot);
  }

  get size(): number {
    return this.devices.size;
  }

  /** Devices forgotten because the bound was reached. */
  get evictions(): number {
    return this.devices.evicted;
  }

  /** Devices forgotten because they were silent for longer than the expiry. */
  get expirations(): number {
    return this.devices.expired;
  }

  /** What the node last decided (or learned) for `deviceId`, or `undefined` when nothing yet. */
  ledOn(deviceId: string): boolean | undefined {
    return this.devices.get(deviceId)?.ledOn;
  }

  /**
   * Takes one reading of `deviceId` and says what to publish. Readings that are not after
   * the last one seen (replays, duplicates, out of order) are ignored, and so are readings
   * not after a command learned from the broker (another Node-RED answered a newer reading);
   * historical readings update what the node knows but never switch the LED: only a live
   * reading does. A command carries the position of the reading it answers.
   */
  observe(deviceId: string, telemetry: Telemetry, now: number, overrides: DecideOverrides = {}): Outcome {
    this.devices.expire(now);
    let state = this.devices.get(deviceId);
    if (state && !isAfter(telemetry, state)) {
      return { kind: 'ignored', reason: 'stale', ledOn: state.ledOn, light: state.light };
    }
    if (state) this.devices.heard(deviceId, state, now);
    else this.devices.add(deviceId, (state = this.createState(now)));
    state.light = telemetry.light;
    if (telemetry.ts !== undefined || telemetry.seq !== undefined) {
      state.ts = telemetry.ts;
      state.seq = telemetry.seq;
    }
    if (isHistorical(telemetry, now, this.options.maxAgeMs)) {
      return { kind: 'ignored', reason: 'historical', ledOn: state.ledOn, light: telemetry.light };
    }
    if (overrides.hold !== undefined) return this.held(state, overrides.hold, now);
    const rule = ruleWith(this.options, overrides);
    const result = step(state, wantsOn(state.ledOn, telemetry.light, rule.threshold, rule.band), now, rule);
    this.decided(state, result.send);
    if (!result.send) {
      return { kind: 'ignored', reason: result.reason ?? 'unchanged', ledOn: state.ledOn, light: telemetry.light };
    }
    return {
      kind: 'command',
      command: readingCommand(state, telemetry, now),
      light: telemetry.light,
      changed: result.changed,
    };
  }

  /**
   * A live reading while a control holds the LED at `on`: the reading is known, nothing is
   * decided. A command only when the decision does not stand at `on` yet (the device was
   * forgotten meanwhile), or, under emit `every`, the held command again.
   */
  private held(state: S, on: boolean, now: number): Outcome {
    const light = state.light;
    if (state.ledOn !== on) return { kind: 'command', command: this.hold(state, on, now), light, changed: true };
    this.decided(state, this.options.emit === 'every');
    if (this.options.emit === 'every')
      return { kind: 'command', command: currentCommand(state) as Command, light, changed: false };
    return { kind: 'ignored', reason: 'held', ledOn: on, light };
  }

  private hold(state: S, on: boolean, now: number): Command {
    state.ledOn = on;
    state.pendingCount = 0;
    this.decided(state, true);
    return controlCommand(state, now);
  }

  /** A control holds `deviceId`'s LED at `on` (a device not heard from yet is added): the command to publish. */
  force(deviceId: string, on: boolean, now: number): Command {
    this.devices.expire(now);
    let state = this.devices.get(deviceId);
    if (!state) this.devices.add(deviceId, (state = this.createState(now)));
    return this.hold(state, on, now);
  }

  /**
   * Decides `deviceId` again at once from its newest reading, without debounce (a control
   * released the LED or changed the rule): the command to publish, always, or `undefined`
   * when no reading is known.
   */
  redecide(deviceId: string, now: number, overrides: DecideOverrides = {}): Outcome | undefined {
    this.devices.expire(now);
    const state = this.devices.get(deviceId);
    if (!state || Number.isNaN(state.light)) return undefined;
    const rule = ruleWith(this.options, overrides);
    const { changed } = settleNow(state, wantsOn(state.ledOn, state.light, rule.threshold, rule.band));
    this.decided(state, true);
    return { kind: 'command', command: controlCommand(state, now), light: state.light, changed };
  }

  /** When the quietest device is due to be forgotten by the expiry, or `undefined`. */
  nextExpiry(): number | undefined {
    return this.devices.nextExpiry();
  }

  /** A new device's state. */
  protected createState(now: number): S {
    return new DecisionState(now) as S;
  }

  /** A live reading was decided for `state` (`sent`: a command goes out). Nothing here; see scale-out.ts. */
  protected decided(_state: S, _sent: boolean): void {}

  /** Calls `visit` with the current command of every tracked device that has one (a periodic refresh). */
  forEachCommand(now: number, visit: (deviceId: string, command: Command) => void): void {
    this.devices.expire(now);
    for (const [deviceId, state] of this.devices) {
      const command = currentCommand(state);
      if (command) visit(deviceId, command);
    }
  }

  /** Forgets devices silent for longer than the expiry; returns how many. */
  expire(now: number): number {
    return this.devices.expire(now);
  }

  /** Forgets every device. */
  clear(): void {
    this.devices.clear();
  }
}
