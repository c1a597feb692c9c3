import type { Node, NodeStatus } from 'node-red';

/** At most one ordinary status update per this many ms; errors and warnings show at once. */
export const STATUS_MS = 250;

/**
 * A node's status, shown at most once per {@link STATUS_MS}. Translating a status text
 * (`RED._`) costs more than everything else a node does for a message, and no one reads
 * a status that changes thousands of times a second: an ordinary update shows at once
 * when the last one is old enough, otherwise a timer shows the latest state when the
 * interval is up. `render` is only called when a status is actually shown.
 */
export class StatusThrottle {
  private lastAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private lastState: unknown;

  constructor(
    private readonly node: Node,
    private readonly render: () => NodeStatus,
    private readonly intervalMs = STATUS_MS,
  ) {}

  /** An ordinary update: shown now or when the interval is up. */
  update(now = Date.now()): void {
    if (this.timer) return;
    const wait = this.intervalMs - (now - this.lastAt);
    if (wait <= 0) this.show(now);
    else this.timer = setTimeout(() => ((this.timer = undefined), this.update()), wait);
  }

  /**
   * An ordinary update, except that it shows at once when `state` (what the status says
   * matters most: the link, who is in charge) differs from the last one passed here.
   */
  updateWatching(state: unknown, now = Date.now()): void {
    if (state === this.lastState) return this.update(now);
    this.lastState = state;
    this.urgent(now);
  }

  /** An update that must not wait (a warning, the link going down): shown now. */
  urgent(now = Date.now()): void {
    this.cancel();
    this.show(now);
  }

  /**
   * Records that the node showed a status of its own at `now` (a red error status), so an
   * ordinary update does not replace it before the interval is up.
   */
  shown(now = Date.now()): void {
    this.cancel();
    this.lastAt = now;
  }

  /** Lets the next ordinary update show at once. */
  release(): void {
    this.lastAt = -Infinity;
  }

  /** Stops a pending update (on close). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private show(now: number): void {
    this.lastAt = now;
    this.node.status(this.render());
  }
}
