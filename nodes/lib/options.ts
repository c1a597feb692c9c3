/**
 * Editor fields as Node-RED hands them over (numbers may arrive as strings, old flows may
 * lack a field): each read one way, for every node of the package. No Node-RED import.
 */

/** A non-negative finite number from an editor field, or `fallback` when the field is empty or not such a number. */
export function numberOption(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : Number.parseFloat(String(value ?? ''));
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** A whole number of at least `min` from an editor field, or `fallback`. */
export function wholeOption(value: unknown, fallback: number, min: number): number {
  return Math.max(min, Math.floor(numberOption(value, fallback)));
}

export type Qos = 0 | 1 | 2;

/** An MQTT QoS from an editor field (`"0"`, `"1"`, `"2"` or the number), or `fallback` for anything else. */
export function qosOption(value: unknown, fallback: Qos): Qos {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  return text === '0' || text === '1' || text === '2' ? (Number(text) as Qos) : fallback;
}

/** One of `allowed`, or `fallback` when `value` is none of them. */
export function choiceOption<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return (allowed as readonly unknown[]).includes(value) ? (value as T) : fallback;
}
