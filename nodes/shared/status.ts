import type { Node, NodeAPI, NodeStatus } from 'node-red';
import type { StatusView } from '../lib/status-view';

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

/** The module name: Node-RED registers each node's catalog as `<module>/<node>`. */
export const MODULE = '@nightlight-iot/node-red-nightlight';

/**
 * A status text of this many characters (grapheme clusters) fits under a node and the
 * gap to the next one in the shipped layouts (9pt text, nodes about 230 px apart).
 */
export const STATUS_MAX = 32;

const ELLIPSIS = '…';
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The characters of `text` as a reader counts them: a Bengali or Thai letter with its marks is one. */
function characters(text: string): string[] {
  return Array.from(graphemes.segment(text), (s) => s.segment);
}

/** The length of `text` in characters as a reader counts them (grapheme clusters). */
export function statusLength(text: string): number {
  return characters(text).length;
}

/**
 * `text` cut to at most `max` characters with an ellipsis in the middle, so both the
 * start and the end of an id stay (`nightlight-kitchen-01` → `night…en-01`): ids often
 * differ only at the end. `text` unchanged when it fits; `max` below 2 gives the ellipsis.
 */
export function shorten(text: string, max: number): string {
  const chars = characters(text);
  if (chars.length <= max) return text;
  if (max < 2) return ELLIPSIS;
  const keep = max - 1;
  const head = Math.ceil(keep / 2);
  return chars.slice(0, head).join('') + ELLIPSIS + chars.slice(chars.length - (keep - head)).join('');
}

/**
 * `text` cut at the end to at most `max` characters, the last one an ellipsis: for a
 * text with no one value to shorten (an error message, whose whole text goes to the
 * Catch node and the log anyway).
 */
export function clip(text: string, max = STATUS_MAX): string {
  const chars = characters(text);
  if (chars.length <= max) return text;
  return max < 1
    ? ''
    : chars
        .slice(0, max - 1)
        .join('')
        .trimEnd() + ELLIPSIS;
}

/**
 * A status text that fits in {@link STATUS_MAX} characters: `render(value)` as it is when
 * it fits, otherwise rendered with `value` (a device id, a group name) shortened to the
 * room the rest of the text leaves, but to no fewer than `minValue` characters. The rest
 * (numbers, words of the catalog) is never cut.
 */
export function fitStatus(render: (value: string) => string, value: string, max = STATUS_MAX, minValue = 5): string {
  const full = render(value);
  const over = statusLength(full) - max;
  if (over <= 0) return full;
  return render(shorten(value, Math.max(minValue, statusLength(value) - over)));
}

/**
 * A fixed status text (one with no run-time value) as the key Node-RED's editor
 * translates into the browser's language: `<module>/<node>:<key>`, the node taken from
 * the key's first part (`led-command.status.local.on`). The runtime passes it on as it is.
 */
export function statusKey(key: string): string {
  return `${MODULE}/${key.slice(0, key.indexOf('.'))}:${key}`;
}

/**
 * A controller's {@link StatusView} as the node's status: a fixed text as its catalog key
 * (translated by the editor), a text with values translated here, its `fit` value
 * shortened so the whole fits in {@link STATUS_MAX} characters.
 */
export function renderStatus(RED: NodeAPI, view: StatusView): NodeStatus {
  const { fill, shape, key, params, words, fit } = view;
  if (!params) return { fill, shape, text: statusKey(key) };
  const values: Record<string, string | number> = { ...params };
  for (const [name, word] of Object.entries(words ?? {})) values[name] = RED._(word);
  const text = fit ? fitStatus((v) => RED._(key, { ...values, [fit]: v }), String(values[fit])) : RED._(key, values);
  return { fill, shape, text };
}
