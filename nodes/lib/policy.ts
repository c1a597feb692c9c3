/**
 * "How often" a device reports: which sensor readings become telemetry. Pure: no timers
 * and no clock; every call takes the current time, and `nextWake()` tells the caller when
 * to call `tick()` again.
 */
export interface ReportOptions {
  /** Least time between two reports, in ms; faster readings are coalesced and the newest wins. 0: off. */
  minIntervalMs: number;
  /** A reading is reported only when it differs by at least this much from the last one reported. 0: off. */
  deadband: number;
  /** The latest reading is reported again when nothing was reported for this long, in ms. 0: off. */
  heartbeatMs: number;
}

export const DEFAULT_REPORT_OPTIONS: ReportOptions = { minIntervalMs: 0, deadband: 0, heartbeatMs: 0 };

/** A reading: the light level and the time it was taken (epoch ms). */
export interface Reading {
  light: number;
  at: number;
}

/** Why a reading (or a tick) produced a report. */
export type ReportReason = 'reading' | 'interval' | 'heartbeat';

export interface Report {
  reading: Reading;
  reason: ReportReason;
}

/**
 * Decides which readings to report. With every option at 0 each reading is reported at
 * once (the lesson's behaviour). A reading held back by the minimum interval is never
 * stuck: it is reported when the interval ends (on `tick`), unless a newer reading
 * replaced it first.
 */
export class ReportPolicy {
  private readonly options: ReportOptions;
  /** When the last report was made (the time of the `offer`/`tick` that made it). */
  private lastReportAt: number | undefined;
  /** The light value last reported, which the deadband is measured from. */
  private lastReportedLight: number | undefined;
  /** A reading waiting for the minimum interval to end. */
  private pending: Reading | undefined;
  /** The newest reading seen, reported or not: what a heartbeat repeats. */
  private latest: Reading | undefined;

  constructor(options: Partial<ReportOptions> = {}) {
    this.options = { ...DEFAULT_REPORT_OPTIONS, ...options };
  }

  /** Takes a reading at `now`; returns the report to make now, or `undefined`. */
  offer(reading: Reading, now: number): Report | undefined {
    this.latest = reading;
    const { deadband, minIntervalMs } = this.options;
    if (
      deadband > 0 &&
      this.lastReportedLight !== undefined &&
      Math.abs(reading.light - this.lastReportedLight) < deadband
    ) {
      // Nothing significant changed since the last report, and this reading is newer than any pending one.
      this.pending = undefined;
      return undefined;
    }
    if (minIntervalMs > 0 && this.lastReportAt !== undefined && now - this.lastReportAt < minIntervalMs) {
      this.pending = reading;
      return undefined;
    }
    return this.report(reading, 'reading', now);
  }

  /** Reports what is due at `now`: a pending reading whose interval ended, or a heartbeat. */
  tick(now: number): Report | undefined {
    const { minIntervalMs, heartbeatMs } = this.options;
    if (this.pending && (this.lastReportAt === undefined || now - this.lastReportAt >= minIntervalMs)) {
      return this.report(this.pending, 'interval', now);
    }
    if (heartbeatMs > 0 && this.latest && this.lastReportAt !== undefined && now - this.lastReportAt >= heartbeatMs) {
      return this.report(this.latest, 'heartbeat', now);
    }
    return undefined;
  }

  /** When `tick` next has something to do, or `undefined` when nothing is due. */
  nextWake(): number | undefined {
    if (this.lastReportAt === undefined) return undefined;
    const times: number[] = [];
    if (this.pending) times.push(this.lastReportAt + this.options.minIntervalMs);
    if (this.options.heartbeatMs > 0 && this.latest) times.push(this.lastReportAt + this.options.heartbeatMs);
    return times.length ? Math.min(...times) : undefined;
  }

  private report(reading: Reading, reason: ReportReason, now: number): Report {
    this.pending = undefined;
    this.lastReportAt = now;
    this.lastReportedLight = reading.light;
    return { reading, reason };
  }
}
