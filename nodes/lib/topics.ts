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
 * Control characters (which Mosquitto answers by dropping the publishing client's whole
 * connection as a malformed packet) and lone UTF-16 surrogates (which UTF-8 encoding turns
 * into U+FFFD, so two different ids could share one topic).
 */
const UNSAFE_CHARS =
  /[\u0001-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A short, printable sample of any value for an error message; never throws. */
export function sample(value: unknown, max = 80): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.slice(0, max);
}

/**
 * Why `id` cannot name a device, or `null` when it can. An id is 1 to 64 characters
 * without `+`, `#`, `/` or NUL and does not start with `$`, so it can never widen a
 * subscription, reach another device's topic, or land in the broker's `$SYS` tree.
 * Control characters and lone surrogates are refused too (see UNSAFE_CHARS).
 */
export function deviceIdProblem(id: unknown): string | null {
  if (typeof id !== 'string') return 'not-string';
  if (id.length === 0) return 'empty';
  // A code point takes one or two UTF-16 units: count code points only when it can matter.
  if (
    id.length > MAX_DEVICE_ID_LENGTH &&
    (id.length > 2 * MAX_DEVICE_ID_LENGTH || [...id].length > MAX_DEVICE_ID_LENGTH)
  )
    return 'too-long';
  if (FORBIDDEN_ID_CHARS.test(id) || UNSAFE_CHARS.test(id)) return 'forbidden-char';
  if (id.startsWith('$')) return 'leading-dollar';
  return null;
}

/** Returns `id` when it is a valid device id; throws `bad-device-id` otherwise. */
export function checkDeviceId(id: unknown): string {
  const problem = deviceIdProblem(id);
  if (problem) {
    throw new NightlightError('bad-device-id', { id: sample(id), problem });
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
  if (UNSAFE_CHARS.test(template)) return 'forbidden-char';
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
    if (problem) throw new NightlightError('bad-topic', { topic: sample(template), problem });
    this.template = template;
    const levels = template.split('/');
    const idIndex = levels.indexOf(ID_PLACEHOLDER);
    this.subscription = levels.map((level, i) => (i === idIndex ? '+' : level)).join('/');
    this.prefix = levels
      .slice(0, idIndex)
      .map((level) => level + '/')
      .join('');
    this.suffix = levels
      .slice(idIndex + 1)
      .map((level) => '/' + level)
      .join('');
  }

  /** The topic of device `id`; throws `bad-device-id` for an id that could escape its level. */
  render(id: string): string {
    checkDeviceId(id);
    // Concatenation, never String.replace: a replacement string would expand `$'`, `` $` ``
    // and `$&` in the id into other parts of the template (`a$'` gave `a/telemetry/telemetry`).
    return this.prefix + id + this.suffix;
  }

  /**
   * The device id in `topic`, or throws `topic-mismatch` when the topic does not have
   * the template's shape and `bad-device-id` when the id level is not a valid id.
   */
  match(topic: unknown): string {
    const id = this.find(topic);
    if (id === undefined) throw this.mismatch(topic);
    return id;
  }

  /**
   * Like {@link match}, but a topic of another shape gives `undefined` instead of an
   * exception (a server sees its own commands come back for every command it sends, and
   * throwing costs far more than comparing). Still throws `bad-device-id`.
   */
  find(topic: unknown): string | undefined {
    if (typeof topic !== 'string') return undefined;
    // The topic has the template's shape when it starts with the levels before the id,
    // ends with the levels after it, and what is left between is one whole level. This
    // runs for every message, so it compares strings instead of splitting the topic.
    // (`suffix`, when there is one, starts with `/`: the first `/` after the prefix must be its own.)
    const { prefix, suffix } = this;
    const end = topic.length - suffix.length;
    if (
      end < prefix.length ||
      !topic.startsWith(prefix) ||
      !topic.endsWith(suffix) ||
      topic.indexOf('/', prefix.length) !== (suffix ? end : -1)
    ) {
      return undefined;
    }
    return checkDeviceId(topic.slice(prefix.length, end));
  }

  /** The `topic-mismatch` error for a topic that does not fit this template. */
  mismatch(topic: unknown): NightlightError {
    return new NightlightError('topic-mismatch', { topic: sample(topic), template: this.template });
  }
}
