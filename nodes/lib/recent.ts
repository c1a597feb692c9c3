/** Anything a {@link RecentMap} holds: it remembers when it was last heard from (epoch ms). */
export interface Heard {
  lastSeen: number;
}

/**
 * A Map from id to state, bounded in size and in silence. Entries are kept in the order
 * they were last heard from, so the quietest is always first: reaching the bound forgets
 * that one, and expiry only ever looks at the front. No timers and no clock: `now` is
 * passed in, and expiry happens when the caller asks for it.
 */
export class RecentMap<V extends Heard> {
  private readonly entries = new Map<string, V>();
  /** Entries forgotten because the bound was reached. */
  evicted = 0;
  /** Entries forgotten because they were silent for longer than the expiry. */
  expired = 0;
  /** Earliest time at which the first entry can expire; nothing is scanned before it. */
  private nextDeadline = Infinity;

  /**
   * @param max most entries held (at least 1)
   * @param expiryMs an entry silent for this long is forgotten; 0 never forgets
   */
  constructor(
    readonly max: number,
    readonly expiryMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(id: string): V | undefined {
    return this.entries.get(id);
  }

  /** Adds a new entry heard at `value.lastSeen`, forgetting the quietest one when full. */
  add(id: string, value: V): void {
    if (this.entries.size >= this.max) {
      const quietest = this.entries.keys().next().value as string;
      this.entries.delete(quietest);
      this.evicted += 1;
    }
    this.entries.set(id, value);
    if (this.expiryMs > 0) this.nextDeadline = Math.min(this.nextDeadline, value.lastSeen + this.expiryMs);
  }

  /** Records that `id` was heard from at `now`: it moves to the back of the line. */
  heard(id: string, value: V, now: number): void {
    value.lastSeen = now;
    this.entries.delete(id);
    this.entries.set(id, value);
  }

  /** Forgets every entry silent for at least the expiry; returns how many went. */
  expire(now: number): number {
    if (this.expiryMs <= 0 || now < this.nextDeadline) return 0;
    let gone = 0;
    this.nextDeadline = Infinity;
    for (const [id, value] of this.entries) {
      const deadline = value.lastSeen + this.expiryMs;
      if (deadline > now) {
        this.nextDeadline = deadline;
        break;
      }
      this.entries.delete(id);
      gone += 1;
    }
    this.expired += gone;
    return gone;
  }

  /** Every entry, quietest first. */
  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries[Symbol.iterator]();
  }

  clear(): void {
    this.entries.clear();
    this.nextDeadline = Infinity;
  }
}
