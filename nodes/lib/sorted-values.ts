/** The first index of sorted `values` whose value is not below `x` (`values.length` when none). */
export function lowerBound(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Values whose running sum is exact in doubles: integers this small, at most 2^20 of them, never round. */
const EXACT_LIMIT = 2 ** 32;
const MAX_EXACT_COUNT = 2 ** 20;
const isExact = (v: number) => Number.isInteger(v) && Math.abs(v) <= EXACT_LIMIT;

/**
 * A multiset of numbers kept sorted as values come and go, for order statistics without a
 * sort per question: min, max, median, how many are below a limit. It also keeps the sum of
 * the values that add up exactly (small integers), so their mean costs nothing and is the
 * same to the last bit whatever order they came in; with any other value held, {@link exactMean}
 * says so and the caller sums in an order of its own.
 */
export class SortedValues {
  private values: number[] = [];
  private exactSum = 0;
  private inexact = 0;

  get size(): number {
    return this.values.length;
  }

  insert(v: number): void {
    this.values.splice(lowerBound(this.values, v), 0, v);
    if (isExact(v)) this.exactSum += v;
    else this.inexact += 1;
  }

  /** Removes one occurrence of `v`, which must be held. */
  remove(v: number): void {
    this.values.splice(lowerBound(this.values, v), 1);
    if (isExact(v)) this.exactSum -= v;
    else this.inexact -= 1;
  }

  /** The smallest value (call only when not empty). */
  get min(): number {
    return this.values[0];
  }

  /** The largest value (call only when not empty). */
  get max(): number {
    return this.values[this.values.length - 1];
  }

  /** The median: the middle value, or the mean of the middle two for an even count (call only when not empty). */
  get median(): number {
    const { values } = this;
    const mid = values.length >> 1;
    return values.length % 2 === 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  }

  /** How many values are below `x`. */
  countBelow(x: number): number {
    return lowerBound(this.values, x);
  }

  /** The mean when every value held adds up exactly, otherwise `undefined` (call only when not empty). */
  exactMean(): number | undefined {
    return this.inexact === 0 && this.values.length <= MAX_EXACT_COUNT ? this.exactSum / this.values.length : undefined;
  }

  clear(): void {
    this.values = [];
    this.exactSum = 0;
    this.inexact = 0;
  }
}
