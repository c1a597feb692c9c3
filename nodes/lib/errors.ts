/**
 * Every way an input can be refused. Each code is a message-catalog key under
 * `nightlight.errors.<code>` in every language, so the node adapters can turn a
 * library error into a translated `done(err)` without the library knowing Node-RED.
 */
export type ErrorCode =
  | 'empty'
  | 'too-large'
  | 'not-utf8'
  | 'not-json'
  | 'not-object'
  | 'not-number'
  | 'forbidden-key'
  | 'no-light'
  | 'light-not-number'
  | 'light-not-finite'
  | 'light-out-of-range'
  | 'no-led-on'
  | 'led-on-not-boolean'
  | 'bad-seq'
  | 'bad-ts'
  | 'ts-ahead'
  | 'bad-historical'
  | 'bad-device-id'
  | 'bad-topic'
  | 'topic-mismatch'
  | 'bad-override'
  | 'bad-members'
  | 'bad-command-mode'
  | 'bad-control-mode'
  | 'bad-control-for'
  | 'control-for-without-hold'
  | 'bad-control-number'
  | 'no-control';

export type ErrorParams = Record<string, string | number>;

/** A refused input. `code` names the rule that was broken; `params` fill the message. */
export class NightlightError extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams;

  constructor(code: ErrorCode, params: ErrorParams = {}) {
    super(code);
    this.name = 'NightlightError';
    this.code = code;
    this.params = params;
  }
}

export function isNightlightError(err: unknown): err is NightlightError {
  return err instanceof NightlightError;
}
