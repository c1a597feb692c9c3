import { isAfter } from './order';
import type { Command, StreamPosition, Telemetry } from './types';

/** The lesson's rule: the LED goes on below this light level. */
export const DEFAULT_THRESHOLD = 300;
/** Default bound on the number of devices one node tracks. */
export const DEFAULT_MAX_DEVICES = 10_000;

export type EmitMode = 'change' | 'every';

export interface DecideOptions {
  /** The LED is on when light is below this. */
  threshold: number;
  /** `change`: a command only when the decision changes (and for a device's first reading); `every`: one per reading. */
  emit: EmitMode;
  /** Most devices tracked; the one heard from longest ago is forgotten first. */
  maxDevices: number;
}

export const DEFAULT_DECIDE_OPTIONS: DecideOptions = {
  threshold: DEFAULT_THRESHOLD,
  emit: 'change',
  maxDevices: DEFAULT_MAX_DEVICES,
};

/** Per-message overrides of the configured rule. */
export interface DecideOverrides {
  threshold?: number;
}

interface DeviceState {
  ledOn: boolean;
  light: number;
  position: StreamPosition;
  commandSeq: number;
  lastSeen: number;
}

export type Outcome =
  | { kind: 'command'; command: Command; light: number; changed: boolean }
  | { kind: 'ignored'; reason: 'stale' | 'historical' | 'unchanged'; ledOn?: boolean; light: number };

/**
 * Decides, per device, whether its LED should be on. Holds no timers and reads no clock:
 * `now` is passed in, so behaviour over time is tested by passing times.
 */
export class DecisionEngine {
  private readonly options: DecideOptions;
  private readonly devices = new Map<string, DeviceState>();
  /** Devices forgotten because the bound was reached. */
  evictions = 0;

  constructor(options: Partial<DecideOptions> = {}) {
    this.options = { ...DEFAULT_DECIDE_OPTIONS, ...options };
  }

  get size(): number {
    return this.devices.size;
  }

  /** What the node last decided for `deviceId`, or `undefined` when it has not decided yet. */
  ledOn(deviceId: string): boolean | undefined {
    return this.devices.get(deviceId)?.ledOn;
  }

  /**
   * Takes one reading of `deviceId` and says what to publish. Readings that are not
   * after the last one seen (replays, duplicates) are ignored, and readings marked
   * `historical` never switch the LED: only a live reading does.
   */
  observe(deviceId: string, telemetry: Telemetry, now: number, overrides: DecideOverrides = {}): Outcome {
    const threshold = overrides.threshold ?? this.options.threshold;
    const position: StreamPosition = { ts: telemetry.ts, seq: telemetry.seq };
    const state = this.devices.get(deviceId);
    if (state && !isAfter(position, state.position)) {
      return { kind: 'ignored', reason: 'stale', ledOn: state.ledOn, light: state.light };
    }
    if (telemetry.historical) {
      if (state) {
        state.light = telemetry.light;
        state.position = position;
        state.lastSeen = now;
      }
      return { kind: 'ignored', reason: 'historical', ledOn: state?.ledOn, light: telemetry.light };
    }
    const ledOn = telemetry.light < threshold;
    if (!state) {
      this.track(deviceId, { ledOn, light: telemetry.light, position, commandSeq: 1, lastSeen: now });
      return { kind: 'command', command: { led_on: ledOn, seq: 1, ts: now }, light: telemetry.light, changed: true };
    }
    const changed = ledOn !== state.ledOn;
    state.light = telemetry.light;
    state.position = position;
    state.lastSeen = now;
    this.touch(deviceId, state);
    if (!changed && this.options.emit === 'change') {
      return { kind: 'ignored', reason: 'unchanged', ledOn, light: telemetry.light };
    }
    state.ledOn = ledOn;
    state.commandSeq += 1;
    return { kind: 'command', command: { led_on: ledOn, seq: state.commandSeq, ts: now }, light: telemetry.light, changed };
  }

  /** Forgets every device. */
  clear(): void {
    this.devices.clear();
  }

  private track(deviceId: string, state: DeviceState): void {
    if (this.devices.size >= this.options.maxDevices) {
      const oldest = this.devices.keys().next().value as string;
      this.devices.delete(oldest);
      this.evictions += 1;
    }
    this.devices.set(deviceId, state);
  }

  /** Keeps the map in least-recently-heard order, so eviction takes the quietest device. */
  private touch(deviceId: string, state: DeviceState): void {
    this.devices.delete(deviceId);
    this.devices.set(deviceId, state);
  }
}
