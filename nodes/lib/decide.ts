import { isAfter } from './order';
import { RecentMap } from './recent';
import type { Command, Telemetry } from './types';

/** The lesson's rule: the LED goes on below this light level. */
export const DEFAULT_THRESHOLD = 300;
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

/** Per-message overrides of the configured rule (`msg.threshold`, `msg.band`). */
export interface DecideOverrides {
  threshold?: number;
  band?: number;
}

/**
 * What one decision remembers: the LED state last commanded (or learned from the broker),
 * the debounce in progress, and the position of the last command. Also the position and
 * value of the last reading, for a device. One flat object per device keeps a tracked
 * device small (no closures, no nested objects); `ts`/`seq` let it be passed to `isAfter`.
 */
export class DecisionState {
  /** The LED state commanded or learned; `undefined` until the first decision. */
  ledOn: boolean | undefined = undefined;
  light = NaN;
  /** Position of the last reading. */
  ts: number | undefined = undefined;
  seq: number | undefined = undefined;
  lastSeen: number;
  /** Readings in a row that asked for the other state, and when the first of them came. */
  pendingCount = 0;
  pendingSince = 0;
  /** Position of the last command sent or learned. */
  commandSeq = 0;
  commandTs: number | undefined = undefined;

  constructor(now: number) {
    this.lastSeen = now;
  }
}

/**
 * Hysteresis: whether the LED should be on after `light`, given whether it is on now.
 * Off (or undecided), it goes on below `threshold`; on, it stays on below `threshold + band`.
 */
export function wantsOn(ledOn: boolean | undefined, light: number, threshold: number, band: number): boolean {
  return light < (ledOn === true ? threshold + band : threshold);
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
  if (state.pendingCount === 0) state.pendingSince = now;
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

/**
 * The next command of a decision. Its position is strictly after the last command sent or
 * learned, even when that one came from a Node-RED with a clock slightly ahead of ours.
 */
export function nextCommand(state: DecisionState, now: number): Command {
  state.commandSeq += 1;
  state.commandTs = state.commandTs !== undefined && state.commandTs >= now ? state.commandTs + 1 : now;
  return { led_on: state.ledOn as boolean, seq: state.commandSeq, ts: state.commandTs };
}

/** The command a decision stands at now, for a periodic refresh; `undefined` before the first decision. */
export function currentCommand(state: DecisionState): Command | undefined {
  if (state.ledOn === undefined) return undefined;
  const command: Command = { led_on: state.ledOn, seq: state.commandSeq };
  if (state.commandTs !== undefined) command.ts = state.commandTs;
  return command;
}

/**
 * Takes a command learned from the broker (one this or another Node-RED published) as the
 * decision's state, unless it is not newer than the last command this decision knows.
 * Returns whether it was taken. It resets the debounce: the decision was taken elsewhere.
 */
export function learnCommand(state: DecisionState, command: Command): boolean {
  if (state.ledOn !== undefined && !isAfter(command, { ts: state.commandTs, seq: state.commandSeq })) return false;
  state.ledOn = command.led_on;
  if (command.seq !== undefined) state.commandSeq = command.seq;
  if (command.ts !== undefined) state.commandTs = command.ts;
  state.pendingCount = 0;
  return true;
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

export type IgnoreReason = 'stale' | 'historical' | 'unchanged' | 'pending';

export type Outcome =
  | { kind: 'command'; command: Command; light: number; changed: boolean }
  | { kind: 'ignored'; reason: IgnoreReason; ledOn: boolean | undefined; light: number };

export type LearnOutcome = { kind: 'learned'; ledOn: boolean } | { kind: 'ignored'; reason: 'stale'; ledOn: boolean | undefined };

/**
 * Decides, per device, whether its LED should be on. Holds no timers and reads no clock:
 * `now` is passed in, so behaviour over time is tested by passing times.
 */
export class DecisionEngine {
  readonly options: DecideOptions;
  private readonly devices: RecentMap<DecisionState>;

  constructor(options: Partial<DecideOptions> = {}) {
    this.options = { ...DEFAULT_DECIDE_OPTIONS, ...options };
    this.devices = new RecentMap(Math.max(1, this.options.maxDevices), this.options.expiryMs);
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
   * the last one seen (replays, duplicates, out of order) are ignored; historical readings
   * update what the node knows but never switch the LED: only a live reading does.
   */
  observe(deviceId: string, telemetry: Telemetry, now: number, overrides: DecideOverrides = {}): Outcome {
    this.devices.expire(now);
    let state = this.devices.get(deviceId);
    if (state && !isAfter(telemetry, state)) {
      return { kind: 'ignored', reason: 'stale', ledOn: state.ledOn, light: state.light };
    }
    if (state) this.devices.heard(deviceId, state, now);
    else this.devices.add(deviceId, (state = new DecisionState(now)));
    state.light = telemetry.light;
    state.ts = telemetry.ts;
    state.seq = telemetry.seq;
    if (isHistorical(telemetry, now, this.options.maxAgeMs)) {
      return { kind: 'ignored', reason: 'historical', ledOn: state.ledOn, light: telemetry.light };
    }
    const rule = ruleWith(this.options, overrides);
    const result = step(state, wantsOn(state.ledOn, telemetry.light, rule.threshold, rule.band), now, rule);
    if (!result.send) return { kind: 'ignored', reason: result.reason ?? 'unchanged', ledOn: state.ledOn, light: telemetry.light };
    return { kind: 'command', command: nextCommand(state, now), light: telemetry.light, changed: result.changed };
  }

  /**
   * Takes a command seen on the broker for `deviceId` as the one last published to it:
   * updates the LED state and command position, sends nothing and counts no reading.
   * A command not newer than the one known is ignored.
   */
  learn(deviceId: string, command: Command, now: number): LearnOutcome {
    this.devices.expire(now);
    let state = this.devices.get(deviceId);
    if (!state) this.devices.add(deviceId, (state = new DecisionState(now)));
    if (!learnCommand(state, command)) return { kind: 'ignored', reason: 'stale', ledOn: state.ledOn };
    return { kind: 'learned', ledOn: command.led_on };
  }

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
