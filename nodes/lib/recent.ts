/**
 * Anything a {@link RecentMap} holds: it remembers when it was last heard from (epoch ms),
 * and carries the map's links to its neighbours in last-heard order. Keeping the links in
 * the entry itself (instead of re-inserting it into the Map) makes "heard" O(1) whatever
 * the map's size: V8's Map leaves a deleted slot per re-insertion and rehashes when they
 * fill it, which made the cost per reading grow with the number of entries.
 */
export class RecentEntry {
  lastSeen: number;
  /** @internal The id this entry is held under, for forgetting it from the front. */
  recentId = '';
  /** @internal The entry heard from just before this one (towards the quietest). */
  recentPrev: RecentEntry | undefined = undefined;
  /** @internal The entry heard from just after this one (towards the newest). */
  recentNext: RecentEntry | undefined = undefined;

  constructor(lastSeen: number) {
    this.lastSeen = lastSeen;
  }
}

/**
 * A Map from id to state, bounded in size and in silence. Entries are kept in the order
 * they were last heard from, so the quietest is always first: reaching the bound forgets
 * that one, and expiry only ever looks at the front. No timers and no clock: `now` is
 * passed in, and expiry happens when the caller asks for it. Every operation is O(1)
 * (expiry: per entry forgotten).
 */
export class RecentMap<V extends RecentEntry> {
  private readonly entries = new Map<string, V>();
  /** The quietest entry and the one heard from last (a doubly linked list through the entries). */
  private first: V | undefined = undefined;
  private last: V | undefined = undefined;
  /** Entries forgotten because the bound was reached. */
  evicted = 0;
  /** Entries forgotten because they were silent for longer than the expiry. */
  expired = 0;

  /**
   * @param max most entries held (at least 1)
   * @param expiryMs an entry silent for this long is forgotten; 0 never forgets
   * @param onForget called with each entry forgotten by the bound or by expiry (not by `clear`)
   */
  constructor(
    readonly max: number,
    readonly expiryMs: number,
    private readonly onForget?: (value: V) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(id: string): V | undefined {
    return this.entries.get(id);
  }

  /** Adds a new entry heard at `value.lastSeen`, forgetting the quietest one when full. */
  add(id: string, value: V): void {
    if (this.entries.size >= this.max && this.first) {
      this.forget(this.first);
      this.evicted += 1;
    }
    value.recentId = id;
    this.entries.set(id, value);
    this.append(value);
  }

  /** The entry heard from longest ago (the next to expire), or `undefined` when empty. */
  get oldest(): V | undefined {
    return this.first;
  }

  /** Forgets `id` (without telling the owner, as `clear` does not); returns whether it was held. */
  delete(id: string): boolean {
    const value = this.entries.get(id);
    if (!value) return false;
    this.entries.delete(id);
    this.unlink(value);
    return true;
  }

  /** Records that `id` was heard from at `now`: it moves to the back of the line. */
  heard(_id: string, value: V, now: number): void {
    value.lastSeen = now;
    if (value === this.last) return;
    this.unlink(value);
    this.append(value);
  }

  /** Forgets every entry silent for at least the expiry; returns how many went. */
  expire(now: number): number {
    if (this.expiryMs <= 0) return 0;
    let gone = 0;
    while (this.first && this.first.lastSeen + this.expiryMs <= now) {
      this.forget(this.first);
      gone += 1;
    }
    this.expired += gone;
    return gone;
  }

  /** When the quietest entry is due to be forgotten by the expiry, or `undefined` (no expiry, or empty). */
  nextExpiry(): number | undefined {
    return this.expiryMs > 0 && this.first ? this.first.lastSeen + this.expiryMs : undefined;
  }

  /** Every entry, quietest first. */
  *[Symbol.iterator](): IterableIterator<[string, V]> {
    for (let entry = this.first; entry; entry = entry.recentNext as V | undefined) yield [entry.recentId, entry];
  }

  /** Every entry, quietest first, without the iterator's allocations (for hot paths). */
  forEach(visit: (value: V) => void): void {
    for (let entry = this.first; entry; entry = entry.recentNext as V | undefined) visit(entry);
  }

  clear(): void {
    this.entries.clear();
    this.first = this.last = undefined;
  }

  private forget(value: V): void {
    this.entries.delete(value.recentId);
    this.unlink(value);
    this.onForget?.(value);
  }

  private append(value: V): void {
    value.recentPrev = this.last;
    value.recentNext = undefined;
    if (this.last) this.last.recentNext = value;
    else this.first = value;
    this.last = value;
  }

  private unlink(value: V): void {
    const { recentPrev: prev, recentNext: next } = value;
    if (prev) prev.recentNext = next;
    else this.first = next as V | undefined;
    if (next) next.recentPrev = prev;
    else this.last = prev as V | undefined;
    value.recentPrev = value.recentNext = undefined;
  }
}
