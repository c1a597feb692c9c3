/**
 * A double-ended queue on a ring buffer: adding or removing at either end is O(1)
 * (amortised: the ring doubles when full and halves when a quarter full), unlike
 * `Array.prototype.shift`/`splice`, which move every element. No Node-RED import.
 */
export class Deque<T> {
  private ring: Array<T | undefined>;
  private head = 0;
  private size = 0;

  constructor(initialCapacity = 16) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.ring = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** The element at position `i` from the front (0 is the front), or `undefined`. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.size) return undefined;
    return this.ring[(this.head + i) & (this.ring.length - 1)];
  }

  peekFront(): T | undefined {
    return this.at(0);
  }

  peekBack(): T | undefined {
    return this.at(this.size - 1);
  }

  pushBack(value: T): void {
    if (this.size === this.ring.length) this.resize(this.ring.length * 2);
    this.ring[(this.head + this.size) & (this.ring.length - 1)] = value;
    this.size += 1;
  }

  pushFront(value: T): void {
    if (this.size === this.ring.length) this.resize(this.ring.length * 2);
    this.head = (this.head - 1) & (this.ring.length - 1);
    this.ring[this.head] = value;
    this.size += 1;
  }

  popFront(): T | undefined {
    if (this.size === 0) return undefined;
    const value = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.size -= 1;
    this.shrink();
    return value;
  }

  popBack(): T | undefined {
    if (this.size === 0) return undefined;
    const i = (this.head + this.size - 1) & (this.ring.length - 1);
    const value = this.ring[i];
    this.ring[i] = undefined;
    this.size -= 1;
    this.shrink();
    return value;
  }

  /** The elements front to back, as a new array. */
  toArray(): T[] {
    const out = new Array<T>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.ring[(this.head + i) & (this.ring.length - 1)] as T;
    return out;
  }

  clear(): void {
    this.ring = new Array<T | undefined>(16);
    this.head = 0;
    this.size = 0;
  }

  private shrink(): void {
    if (this.ring.length > 16 && this.size <= this.ring.length / 4) this.resize(this.ring.length / 2);
  }

  private resize(capacity: number): void {
    const ring = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.size; i++) ring[i] = this.ring[(this.head + i) & (this.ring.length - 1)];
    this.ring = ring;
    this.head = 0;
  }
}
