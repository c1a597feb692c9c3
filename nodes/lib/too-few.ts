/**
 * When to warn that a sensor group has too few fresh sensors. Right after a deploy (or a
 * restart) no sensor has reported yet, and the first readings arrive one by one: the
 * group is "too few" only because it has just started. So nothing is said during the
 * first freshness window after the start; after it, the warning comes once for each spell
 * of too few (sensors that fell silent, a group that never filled up), as before.
 * Pure: the time is an argument.
 */
export class TooFewWarning {
  private readonly quietUntil: number;
  private warned = false;

  /** `startedAt`: when the node started (ms); `freshnessMs`: the group's freshness (0: off, no quiet start). */
  constructor(startedAt: number, freshnessMs: number) {
    this.quietUntil = startedAt + Math.max(0, freshnessMs);
  }

  /** Whether `now` is inside the first freshness window after the start, when sensors may not have reported yet. */
  starting(now: number): boolean {
    return now < this.quietUntil;
  }

  /**
   * Whether to warn now, given whether the group has too few fresh sensors at `now`.
   * True once per spell of too few, and never while {@link starting}.
   */
  check(tooFew: boolean, now: number): boolean {
    if (!tooFew) {
      this.warned = false;
      return false;
    }
    if (this.warned || this.starting(now)) return false;
    this.warned = true;
    return true;
  }
}
