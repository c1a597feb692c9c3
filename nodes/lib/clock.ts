import { NightlightError } from './errors';
import type { StreamPosition } from './types';

/**
 * How far (ms) a reading's or command's `ts` may be ahead of the receiving node's clock by
 * default: five minutes. Real clocks drift by seconds and NTP corrects them; a `ts` further
 * ahead is a forged message or a device clock gone wrong, and taking it would lock the
 * device: every genuine message after it would look older and be ignored.
 */
export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;

/**
 * Refuses a message whose `ts` is more than `maxSkewMs` ahead of `now` (`ts-ahead`), before
 * it can move the device's position. A message without `ts`, or one whose clock lags
 * behind, passes. `maxSkewMs` 0 or less turns the check off.
 */
export function checkClock(position: StreamPosition, now: number, maxSkewMs: number): void {
  if (maxSkewMs > 0 && position.ts !== undefined && position.ts - now > maxSkewMs) {
    throw new NightlightError('ts-ahead', {
      ts: position.ts,
      ahead: Math.round((position.ts - now) / 1000),
      skew: Math.round(maxSkewMs / 1000),
    });
  }
}
