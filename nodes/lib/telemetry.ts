import type { Telemetry } from './types';

export interface TelemetryOptions {
  /** Add `ts` (epoch ms of the reading) to each message. */
  includeTs: boolean;
  /** Add `seq` (a per-device counter) to each message. */
  includeSeq: boolean;
}

export const DEFAULT_TELEMETRY_OPTIONS: TelemetryOptions = { includeTs: true, includeSeq: true };

/**
 * Turns readings into telemetry payloads for one device. No timers, no clock: the
 * reading's time is passed in.
 */
export class TelemetrySource {
  private readonly options: TelemetryOptions;
  private seq = 0;

  constructor(options: Partial<TelemetryOptions> = {}) {
    this.options = { ...DEFAULT_TELEMETRY_OPTIONS, ...options };
  }

  /** The `seq` of the last reading made (0 before the first). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Continues counting after `seq` (a counter saved before a restart); never counts backwards. */
  continueFrom(seq: number): void {
    if (Number.isSafeInteger(seq) && seq > this.seq) this.seq = seq;
  }

  /** The payload for a reading of `light` taken at `now`. */
  reading(light: number, now: number): Telemetry {
    const telemetry: Telemetry = { light };
    if (this.options.includeTs) telemetry.ts = now;
    if (this.options.includeSeq) telemetry.seq = ++this.seq;
    return telemetry;
  }
}
