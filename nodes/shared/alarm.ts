/** The longest delay `setTimeout` takes; a longer one would fire at once (Node.js sets it to 1 ms). */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * One timer for a controller's next wake (`nextWake`: epoch ms, or `undefined` for none),
 * set again by the adapter after every event. A wake further off than `setTimeout` can wait
 * is reached in steps: `onWake` is then called early, finds nothing due, and the adapter
 * sets the alarm again.
 */
export class Alarm {
  private timer: NodeJS.Timeout | undefined;
  /** What the timer is set for (cheap to check after every event: most events change nothing). */
  private at: number | undefined;

  constructor(
    private readonly nextWake: () => number | undefined,
    private readonly onWake: (now: number) => void,
  ) {}

  set(): void {
    const at = this.nextWake();
    if (at === this.at && (at === undefined || this.timer)) return;
    clearTimeout(this.timer);
    this.at = at;
    if (at === undefined) {
      this.timer = undefined;
      return;
    }
    const delay = Math.min(MAX_DELAY_MS, Math.max(0, at - Date.now()));
    this.timer = setTimeout(() => {
      this.timer = this.at = undefined;
      this.onWake(Date.now());
    }, delay);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = this.at = undefined;
  }
}
