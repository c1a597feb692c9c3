import type { Node, NodeAPI } from 'node-red';
import { isNightlightError } from '../lib/errors';
import { clip } from './status';

/** The message-catalog namespace every node of this package shares for errors. */
export const ERRORS = 'nightlight.errors.';

/**
 * The error to hand to `done(err)`: a library refusal becomes its translated message
 * (with `code` kept for flows that branch on it); anything else is passed through.
 */
export function toNodeError(RED: NodeAPI, err: unknown): Error {
  if (isNightlightError(err)) {
    const translated = new Error(RED._(ERRORS + err.code, err.params)) as Error & { code: string };
    translated.code = err.code;
    return translated;
  }
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Shows a refused input as a red status, cut to fit under the node (the whole message goes
 * to the Catch node and the log); the caller passes the error to `done`.
 */
export function showError(node: Node, error: Error): void {
  node.status({ fill: 'red', shape: 'ring', text: clip(error.message) });
}

// Editor fields are read by the library's option readers (one rule each), re-exported for the adapters.
export { numberOption, qosOption, wholeOption } from '../lib/options';

/** A value of a typed-input editor field (`str`, `env`, ...), evaluated for `node`. */
export function typedOption(RED: NodeAPI, node: Node, value: unknown, type: unknown): unknown {
  if (!type || type === 'str') return value;
  return RED.util.evaluateNodeProperty(String(value ?? ''), String(type), node, {});
}

/** Nesting depth above which a property of a refused message is replaced before the Catch node sees it. */
export const MAX_CATCH_DEPTH = 256;

/**
 * Whether `value` nests deeper than `max` levels. Iterative, so it cannot itself run out
 * of stack, and it visits each object once (messages may hold cycles).
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const seen = new Set<object>();
  const stack: Array<[object, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (depth > max) return true;
    if (seen.has(current) || Buffer.isBuffer(current) || ArrayBuffer.isView(current)) continue;
    seen.add(current);
    for (const key of Object.keys(current)) {
      const child = (current as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * Makes a refused message safe to hand to `done(err)`. Node-RED deep-copies the message
 * for every Catch node with a recursive clone, which overflows the stack for a value nested
 * a few thousand levels deep, as a parsed JSON payload of well under a megabyte can be: the
 * error report is lost and, from an `mqtt in` delivery, the flow stops answering. Such
 * properties are replaced by a short note; everything else in the message is left as it came.
 */
export function guardForCatch(RED: NodeAPI, msg: object): void {
  const m = msg as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    if (nestedDeeperThan(m[key], MAX_CATCH_DEPTH)) m[key] = RED._(ERRORS + 'too-deep', { max: MAX_CATCH_DEPTH });
  }
}
