import type { Node, NodeAPI } from 'node-red';
import { isNightlightError } from '../lib/errors';

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

/** Shows a refused input as a red status; the caller passes the error to `done`. */
export function showError(node: Node, error: Error): void {
  node.status({ fill: 'red', shape: 'ring', text: error.message.slice(0, 60) });
}

/** A non-negative number from an editor field, or `fallback` when the field is empty or not a number. */
export function numberOption(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : Number.parseFloat(String(value ?? ''));
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** A value of a typed-input editor field (`str`, `env`, ...), evaluated for `node`. */
export function typedOption(RED: NodeAPI, node: Node, value: unknown, type: unknown): unknown {
  if (!type || type === 'str') return value;
  return RED.util.evaluateNodeProperty(String(value ?? ''), String(type), node, {});
}
