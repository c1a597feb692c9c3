import { isCommandAfter } from './order';
import { DEFAULT_THRESHOLD, wantsOn } from './rule';
import type { Command, StreamPosition } from './types';

export type LedFormat = 'boolean' | 'number' | 'onoff';
export type LedEmit = 'change' | 'every';

export interface LedOptions {
  /** How the LED state is written to `msg.payload`: `true`/`false`, `1`/`0` (GPIO nodes) or `"on"`/`"off"`. */
  format: LedFormat;
  /** `change`: output only when the LED state changes (and for the first command); `every`: for every command. */
  emit: LedEmit;
}

export const DEFAULT_LED_OPTIONS: LedOptions = { format: 'boolean', emit: 'change' };

/** The LED state in the chosen format. */
export function formatLed(on: boolean, format: LedFormat): boolean | number | string {
  if (format === 'number') return on ? 1 : 0;
  if (format === 'onoff') return on ? 'on' : 'off';
  return on;
}

export type LedOutcome =
  | { kind: 'apply'; on: boolean; changed: boolean; output: boolean }
  | { kind: 'ignored'; reason: 'stale'; on: boolean | undefined };

/** Applies commands to one LED, ignoring any that is older than the last one applied. */
export class LedState {
  private readonly options: LedOptions;
  private position: StreamPosition | undefined;
  on: boolean | undefined;

  constructor(options: Partial<LedOptions> = {}) {
    this.options = { ...DEFAULT_LED_OPTIONS, ...options };
  }

  apply(command: Command): LedOutcome {
    const position: StreamPosition = { ts: command.ts, seq: command.seq };
    if (this.on !== undefined && !isCommandAfter(command, { ...this.position, led_on: this.on })) {
      return { kind: 'ignored', reason: 'stale', on: this.on };
    }
    const changed = this.on !== command.led_on;
    this.on = command.led_on;
    this.position = position;
    return { kind: 'apply', on: command.led_on, changed, output: changed || this.options.emit === 'every' };
  }

  /** Sets the LED by a local decision; the position of the last server command is kept. */
  applyLocal(on: boolean): LedOutcome {
    const changed = this.on !== on;
    this.on = on;
    return { kind: 'apply', on, changed, output: changed };
  }
}

/** Who decides the LED: the server's commands, or the device itself while the server is silent. */
export type InCharge = 'server' | 'local';

export interface FallbackOptions {
  /** After this long without an applied command (ms) the device decides locally. 0: never. */
  silenceMs: number;
  /** The local rule, the server's (`wantsOn` without a band): the LED is on when light is below this. */
  threshold: number;
}

export const DEFAULT_FALLBACK_OPTIONS: FallbackOptions = { silenceMs: 0, threshold: DEFAULT_THRESHOLD };

/** What one event did to the LED; `report` is set when the reported state should be published. */
export interface LedEvent {
  outcome: LedOutcome;
  by: InCharge;
  report: boolean;
  command?: Command;
}

/**
 * The LED of one device with the offline fallback: server commands rule while they keep
 * coming; after `silenceMs` without one, the device applies the same rule to its own
 * readings until a new server command arrives. Only a command that is applied (newer
 * than the last one) counts as the server being back: a retained old command that the
 * broker hands out again on reconnect says nothing about the server. Pure: times are
 * arguments and `nextWake()` says when `tick()` is due.
 */
export class LedController {
  readonly led: LedState;
  private readonly fallback: FallbackOptions;
  private lastCommandAt: number;
  private lastLight: number | undefined;
  inCharge: InCharge = 'server';
  /**
   * The last command applied says a run-time control holds the LED (`mode: "override"`):
   * someone chose this state on purpose, so the offline fallback does not take over.
   */
  overridden = false;

  constructor(options: Partial<LedOptions> = {}, fallback: Partial<FallbackOptions> = {}, now = 0) {
    this.led = new LedState(options);
    this.fallback = { ...DEFAULT_FALLBACK_OPTIONS, ...fallback };
    this.lastCommandAt = now;
  }

  /** A server command arrived at `now`. */
  command(command: Command, now: number): LedEvent {
    const outcome = this.led.apply(command);
    if (outcome.kind === 'apply') {
      this.lastCommandAt = now;
      this.inCharge = 'server';
      this.overridden = command.mode === 'override';
    }
    return { outcome, by: 'server', report: outcome.kind === 'apply', command };
  }

  /** A local light reading arrived at `now`; it switches the LED only while the device is in charge. */
  reading(light: number, now: number): LedEvent | undefined {
    this.lastLight = light;
    this.tick(now);
    return this.inCharge === 'local' ? this.decideLocally() : undefined;
  }

  /** Hands control to the device when the server has been silent long enough. */
  tick(now: number): LedEvent | undefined {
    const { silenceMs } = this.fallback;
    if (this.inCharge === 'server' && !this.overridden && silenceMs > 0 && now - this.lastCommandAt >= silenceMs) {
      this.inCharge = 'local';
      return this.lastLight === undefined ? undefined : this.decideLocally();
    }
    return undefined;
  }

  /** When the server's silence would hand control to the device, or `undefined`. */
  nextWake(): number | undefined {
    return this.inCharge === 'server' && !this.overridden && this.fallback.silenceMs > 0
      ? this.lastCommandAt + this.fallback.silenceMs
      : undefined;
  }

  private decideLocally(): LedEvent {
    const outcome = this.led.applyLocal(wantsOn(undefined, this.lastLight as number, this.fallback.threshold, 0));
    return { outcome, by: 'local', report: outcome.kind === 'apply' && outcome.changed };
  }
}
