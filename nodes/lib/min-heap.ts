/**
 * A min-heap of (time, item) pairs with lazy deletion: an entry that no longer stands for
 * anything (its item changed since) is not searched for and removed, it is skipped when it
 * reaches the top; {@link retain} drops such entries when they pile up. Two parallel arrays
 * (times as plain doubles, items beside them) keep an entry at two array slots.
 */
export class TimeHeap<T> {
  private at: number[] = [];
  private items: T[] = [];

  get size(): number {
    return this.at.length;
  }

  /** The earliest time held; `Infinity` when empty. */
  get topAt(): number {
    return this.at.length > 0 ? this.at[0] : Infinity;
  }

  /** The item of the earliest entry (call only when not empty). */
  get topItem(): T {
    return this.items[0];
  }

  push(at: number, item: T): void {
    const { at: times, items } = this;
    let i = times.length;
    times.push(at);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent] <= at) break;
      times[i] = times[parent];
      items[i] = items[parent];
      i = parent;
    }
    times[i] = at;
    items[i] = item;
  }

  /** Removes the earliest entry (nothing when empty). */
  pop(): void {
    const { at: times, items } = this;
    if (times.length === 0) return;
    const at = times.pop() as number;
    const item = items.pop() as T;
    const n = times.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && times[child + 1] < times[child]) child += 1;
      if (times[child] >= at) break;
      times[i] = times[child];
      items[i] = items[child];
      i = child;
    }
    times[i] = at;
    items[i] = item;
  }

  /** Keeps only the entries for which `keep(at, item)` is true (rebuilds the heap). */
  retain(keep: (at: number, item: T) => boolean): void {
    const { at: times, items } = this;
    this.clear();
    for (let i = 0; i < times.length; i += 1) if (keep(times[i], items[i])) this.push(times[i], items[i]);
  }

  clear(): void {
    this.at = [];
    this.items = [];
  }
}
