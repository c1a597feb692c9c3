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
