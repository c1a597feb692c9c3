import { NightlightError } from './errors';

/** The longest device id we accept, in characters. */
export const MAX_DEVICE_ID_LENGTH = 64;
/** The longest topic template we accept, in characters. */
export const MAX_TEMPLATE_LENGTH = 256;
/** The placeholder a topic template carries for the device id. */
export const ID_PLACEHOLDER = '{id}';

const FORBIDDEN_ID_CHARS = /[+#/\u0000]/;
const FORBIDDEN_TOPIC_CHARS = /[+#\u0000]/;

/**
 * Why `id` cannot name a device, or `null` when it can. An id is 1 to 64 characters
 * without `+`, `#`, `/` or NUL and does not start with `$`, so it can never widen a
 * subscription, reach another device's topic, or land in the broker's `$SYS` tree.
 */
export function deviceIdProblem(id: unknown): string | null {
  if (typeof id !== 'string') return 'not-string';
  if (id.length === 0) return 'empty';
  // Counted in code points; a string of at most 64 UTF-16 units cannot hold more, so
  // only longer strings pay for the count.
  if (id.length > MAX_DEVICE_ID_LENGTH && [...id].length > MAX_DEVICE_ID_LENGTH) return 'too-long';
  if (FORBIDDEN_ID_CHARS.test(id)) return 'forbidden-char';
  if (id.startsWith('$')) return 'leading-dollar';
  return null;
}

/** Returns `id` when it is a valid device id; throws `bad-device-id` otherwise. */
export function checkDeviceId(id: unknown): string {
  const problem = deviceIdProblem(id);
  if (problem) {
    throw new NightlightError('bad-device-id', { id: String(id).slice(0, 80), problem });
  }
  return id as string;
}

/**
 * Why `template` cannot be a topic template, or `null` when it can. A template is a
 * publishable MQTT topic in which exactly one whole level is `{id}`, such as
 * `{id}/telemetry` or `stadium/{id}/telemetry`.
 */
export function templateProblem(template: unknown): string | null {
  if (typeof template !== 'string' || template.length === 0) return 'empty';
  if (template.length > MAX_TEMPLATE_LENGTH) return 'too-long';
  if (FORBIDDEN_TOPIC_CHARS.test(template)) return 'wildcard';
  if (template.startsWith('$')) return 'leading-dollar';
  const levels = template.split('/');
  const idLevels = levels.filter((level) => level.includes(ID_PLACEHOLDER));
  if (idLevels.length !== 1 || idLevels[0] !== ID_PLACEHOLDER) return 'placeholder';
  return null;
}

/**
 * A topic with one level standing for the device id. Renders the topic of a device
 * and reads the device id back out of a received topic.
 */
export class TopicTemplate {
  readonly template: string;
  /** The same topic with `+` for the id: what a server subscribes to. */
  readonly subscription: string;
  /** What comes before the id level, with its `/` (`''` when the id is the first level). */
  private readonly prefix: string;
  /** What comes after the id level, with its `/` (`''` when the id is the last level). */
  private readonly suffix: string;

  constructor(template: string) {
    const problem = templateProblem(template);
    if (problem) throw new NightlightError('bad-topic', { topic: String(template).slice(0, 80), problem });
    this.template = template;
    const levels = template.split('/');
    const idIndex = levels.indexOf(ID_PLACEHOLDER);
    this.subscription = levels.map((level, i) => (i === idIndex ? '+' : level)).join('/');
    const at = template.indexOf(ID_PLACEHOLDER);
    this.prefix = template.slice(0, at);
    this.suffix = template.slice(at + ID_PLACEHOLDER.length);
  }

  /** The topic of device `id`; throws `bad-device-id` for an id that could escape its level. */
  render(id: string): string {
    checkDeviceId(id);
    return this.prefix + id + this.suffix;
  }

  /**
   * The device id in `topic`, or throws `topic-mismatch` when the topic does not have
   * the template's shape and `bad-device-id` when the id level is not a valid id.
   */
  match(topic: unknown): string {
    if (typeof topic !== 'string') throw new NightlightError('topic-mismatch', { topic: String(topic).slice(0, 80), template: this.template });
    // The topic has the template's shape when it starts with the levels before the id,
    // ends with the levels after it, and what is left between is one whole level. This
    // runs for every message, so it compares strings instead of splitting the topic.
    const { prefix, suffix } = this;
    const end = topic.length - suffix.length;
    // (`suffix`, when there is one, starts with `/`: the first `/` after the prefix must be its own.)
    if (end < prefix.length || !topic.startsWith(prefix) || !topic.endsWith(suffix) || topic.indexOf('/', prefix.length) !== (suffix ? end : -1)) {
      throw new NightlightError('topic-mismatch', { topic: topic.slice(0, 80), template: this.template });
    }
    return checkDeviceId(topic.slice(prefix.length, end));
  }
}
