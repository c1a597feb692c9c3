import { NightlightError } from './errors';
import { sample } from './topics';
import type { Command, Control, ControlMode, StreamPosition, Telemetry } from './types';

/** Default largest payload, in bytes, that a node parses. A lesson message is about 15 bytes. */
export const DEFAULT_MAX_BYTES = 4096;
/** Light readings outside 0 to this bound are refused (the lesson's sensor gives 0 to 1023; lux tops out near 120,000). */
export const MAX_LIGHT = 1_000_000;
/** Latest epoch milliseconds a `ts` may hold (the end of ECMAScript time). */
const MAX_TS = 8.64e15;
const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Texts that name a number JSON cannot hold: a reading that says so is refused as not finite. */
const NON_FINITE = /^[+-]?(?:NaN|Infinity)$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns what `mqtt in` delivers (a Buffer, a string, or already-parsed JSON) into a
 * JavaScript value, refusing anything over `maxBytes` before it is decoded or parsed.
 * Numbers, booleans and objects pass through untouched.
 */
export function decodePayload(payload: unknown, maxBytes = DEFAULT_MAX_BYTES): unknown {
  if (Buffer.isBuffer(payload) || payload instanceof Uint8Array) {
    if (payload.length > maxBytes) throw new NightlightError('too-large', { size: payload.length, max: maxBytes });
    let text: string;
    try {
      text = utf8.decode(payload);
    } catch {
      throw new NightlightError('not-utf8');
    }
    return parseText(text, maxBytes);
  }
  if (typeof payload === 'string') {
    // A string can only be shorter in characters than in UTF-8 bytes, so check the cheap bound first.
    if (payload.length > maxBytes || Buffer.byteLength(payload) > maxBytes) {
      throw new NightlightError('too-large', { size: Buffer.byteLength(payload), max: maxBytes });
    }
    return parseText(payload, maxBytes);
  }
  return payload;
}

function parseText(text: string, _maxBytes: number): unknown {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new NightlightError('empty');
  if (NUMERIC.test(trimmed)) return Number(trimmed);
  try {
    return JSON.parse(trimmed);
  } catch {
    throw new NightlightError('not-json', { sample: trimmed.slice(0, 40) });
  }
}

/** Throws unless `value` is a plain object without keys that could reach a prototype. */
function plainObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw new NightlightError('not-object', { type: describe(value) });
  }
  for (const key of FORBIDDEN_KEYS) {
    if (Object.prototype.hasOwnProperty.call(value, key)) throw new NightlightError('forbidden-key', { key });
  }
  return value as Record<string, unknown>;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Checks a light value: a finite number from 0 to MAX_LIGHT. */
export function checkLight(light: unknown): number {
  if (typeof light !== 'number') throw new NightlightError('light-not-number', { type: describe(light) });
  if (!Number.isFinite(light)) throw new NightlightError('light-not-finite', { value: sample(light, 40) });
  if (light < 0 || light > MAX_LIGHT) throw new NightlightError('light-out-of-range', { value: light, max: MAX_LIGHT });
  return light;
}

/** Reads the optional `ts` / `seq` fields shared by telemetry and commands. */
function readPosition(obj: Record<string, unknown>): StreamPosition {
  const position: StreamPosition = {};
  if (obj.ts !== undefined) {
    const ts = obj.ts;
    if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0 || ts > MAX_TS) {
      throw new NightlightError('bad-ts', { value: sample(ts, 40) });
    }
    position.ts = ts;
  }
  if (obj.seq !== undefined) {
    const seq = obj.seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
      throw new NightlightError('bad-seq', { value: sample(seq, 40) });
    }
    position.seq = seq;
  }
  return position;
}

/**
 * Reads telemetry as a server receives it: a JSON object with a numeric `light`, and
 * optionally `ts`, `seq` and `historical`. Other fields are allowed and ignored. The
 * result is a new object holding only the known fields, so nothing from the input can
 * reach a prototype.
 */
export function parseTelemetry(payload: unknown, maxBytes = DEFAULT_MAX_BYTES): Telemetry {
  const obj = plainObject(decodePayload(payload, maxBytes));
  if (!Object.prototype.hasOwnProperty.call(obj, 'light')) throw new NightlightError('no-light');
  const telemetry: Telemetry = { light: checkLight(obj.light), ...readPosition(obj) };
  if (obj.historical !== undefined) {
    if (typeof obj.historical !== 'boolean')
      throw new NightlightError('bad-historical', { type: describe(obj.historical) });
    if (obj.historical) telemetry.historical = true;
  }
  return telemetry;
}

/**
 * Reads a sensor reading as a device flow produces it: a number, a numeric string, or
 * an object (or its JSON text) with `light`.
 */
export function parseReading(payload: unknown, maxBytes = DEFAULT_MAX_BYTES): number {
  let value: unknown;
  try {
    value = decodePayload(payload, maxBytes);
  } catch (err) {
    // A sensor flow that sends the text `NaN` or `Infinity` sent a number JSON cannot hold: say so.
    if (err instanceof NightlightError && err.code === 'not-json' && NON_FINITE.test(String(err.params.sample))) {
      throw new NightlightError('light-not-finite', { value: String(err.params.sample) });
    }
    throw err;
  }
  if (typeof value === 'number') return checkLight(value);
  if (value !== null && typeof value === 'object') return parseTelemetry(value, maxBytes).light;
  throw new NightlightError('not-number', { type: describe(value) });
}

/** Reads a command as a device receives it: a JSON object with a boolean `led_on`, and optionally `ts`/`seq`. */
export function parseCommand(payload: unknown, maxBytes = DEFAULT_MAX_BYTES): Command {
  const obj = plainObject(decodePayload(payload, maxBytes));
  if (!Object.prototype.hasOwnProperty.call(obj, 'led_on')) throw new NightlightError('no-led-on');
  if (typeof obj.led_on !== 'boolean') throw new NightlightError('led-on-not-boolean', { type: describe(obj.led_on) });
  const command: Command = { led_on: obj.led_on, ...readPosition(obj) };
  if (obj.mode !== undefined) {
    if (obj.mode !== 'auto' && obj.mode !== 'override')
      throw new NightlightError('bad-command-mode', { value: sample(obj.mode, 40) });
    command.mode = obj.mode;
  }
  return command;
}

const CONTROL_MODES: readonly unknown[] = ['auto', 'on', 'off'] satisfies ControlMode[];
/** The longest hold a control may ask for: a year, in seconds. */
export const MAX_HOLD_S = 366 * 24 * 3600;

/** A control's `threshold` or `band`: a number within the light range (`null`: back to the configured one). */
function controlNumber(name: 'threshold' | 'band', value: unknown): number | null {
  if (value === null) return null;
  const min = name === 'band' ? 0 : -MAX_LIGHT;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_LIGHT)
    throw new NightlightError('bad-control-number', { name, value: sample(value, 40), min, max: MAX_LIGHT });
  return value;
}

/**
 * Reads a run-time control as nightlight decide receives it on `<id>/control`: a JSON object
 * with at least one of `mode` (`auto`, `on`, `off`), `threshold`, `band`, and optionally
 * `for` (seconds an `on`/`off` holds) and `ts`. An empty payload (a retained control being
 * deleted) is `null`: back to the configured rule. Other fields are allowed and ignored.
 */
export function parseControl(payload: unknown, maxBytes = DEFAULT_MAX_BYTES): Control | null {
  const empty = (typeof payload === 'string' || Buffer.isBuffer(payload)) && payload.length === 0;
  if (empty) return null;
  const obj = plainObject(decodePayload(payload, maxBytes));
  const control: Control = {};
  if (obj.mode !== undefined) {
    if (!CONTROL_MODES.includes(obj.mode))
      throw new NightlightError('bad-control-mode', { value: sample(obj.mode, 40) });
    control.mode = obj.mode as ControlMode;
  }
  if (obj.for !== undefined) {
    const seconds = obj.for;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_HOLD_S)
      throw new NightlightError('bad-control-for', { value: sample(seconds, 40), max: MAX_HOLD_S });
    if (control.mode !== 'on' && control.mode !== 'off')
      throw new NightlightError('control-for-without-hold', { mode: String(control.mode ?? '') });
    control.for = seconds;
  }
  if (obj.threshold !== undefined) control.threshold = controlNumber('threshold', obj.threshold);
  if (obj.band !== undefined) control.band = controlNumber('band', obj.band);
  if (control.mode === undefined && control.threshold === undefined && control.band === undefined)
    throw new NightlightError('no-control');
  const { ts } = readPosition(obj);
  if (ts !== undefined) control.ts = ts;
  return control;
}

/**
 * Reads a per-message numeric override such as `msg.threshold`: `undefined` when absent,
 * a finite number (or numeric string) of at least `min` otherwise; anything else throws
 * `bad-override`.
 */
export function readOverride(name: string, value: unknown, min = -MAX_LIGHT): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' && NUMERIC.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || Math.abs(n) > MAX_LIGHT || n < min) {
    throw new NightlightError('bad-override', { name, value: sample(value, 40) });
  }
  return n;
}

/** What LED command receives: a local light reading (for its offline fallback) or a command. */
export type LedInput = { kind: 'reading'; light: number } | { kind: 'command'; command: Command };

/**
 * Tells LED command's two inputs apart: a number, or an object with `light` and no
 * `led_on`, is a local light reading; anything else is read as a command.
 */
export function parseLedInput(payload: unknown, maxBytes = DEFAULT_MAX_BYTES): LedInput {
  const value = decodePayload(payload, maxBytes);
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
  const has = (key: string) => isObject && Object.prototype.hasOwnProperty.call(value, key);
  if (typeof value === 'number' || (has('light') && !has('led_on')))
    return { kind: 'reading', light: parseReading(value, maxBytes) };
  return { kind: 'command', command: parseCommand(value, maxBytes) };
}
