import type { StreamPosition } from './types';

/**
 * Whether `next` comes strictly after `last` in a device's stream, so a replayed or
 * duplicated message can be recognised. `ts` (when both carry it) decides first, because
 * a device's `seq` restarts from 1 when the device restarts but its clock does not;
 * `seq` breaks ties and orders devices that send no time. A message that carries neither
 * is always taken as new: that is how the lesson's devices and servers talk.
 */
export function isAfter(next: StreamPosition, last: StreamPosition | undefined): boolean {
  if (!last) return true;
  if (next.ts !== undefined && last.ts !== undefined) {
    if (next.ts !== last.ts) return next.ts > last.ts;
    if (next.seq !== undefined && last.seq !== undefined) return next.seq > last.seq;
    return false;
  }
  if (next.seq !== undefined && last.seq !== undefined) return next.seq > last.seq;
  return true;
}

/** Whether two positions are the same point of a stream: the same `ts` and the same `seq` (either may be absent on both). */
export function samePosition(a: StreamPosition, b: StreamPosition): boolean {
  return a.ts === b.ts && a.seq === b.seq;
}

/**
 * Whether command `next` supersedes command `last` for one device. Commands are ordered
 * by the position they carry (`isAfter`); two commands at the same position (one reading
 * decided on two Node-REDs, or two decisions in one millisecond) are ordered by a fixed
 * rule, so that every server and every LED picks the same one: `led_on: true` wins. A
 * nightlight left on by mistake is the lesser harm, and the next reading settles it.
 */
export function isCommandAfter(
  next: StreamPosition & { led_on: boolean },
  last: (StreamPosition & { led_on: boolean | undefined }) | undefined,
): boolean {
  if (!last || last.led_on === undefined) return true;
  if (isAfter(next, last)) return true;
  return next.led_on && !last.led_on && samePosition(next, last);
}
