import { isCommandAfter } from './order';
import type { Command, StreamPosition } from './types';

export type LedFormat = 'boolean' | 'number' | 'onoff';
export type LedEmit = 'change' | 'every';

export interface LedOptions {
  /** How the LED state is written to `msg.payload`: `true`/`false`, `1`/`0` (GPIO nodes) or `"on"`/`"off"`. */
  format: LedFormat;
  /** `change`: output only when the LED state changes (and for the first command); `every`: for every command. */
  emit: LedEmit;
}

export const DEFAULT_LED_OPTIONS: LedOptions = { format: 'boolean', emit: 'change' };

/** The LED state in the chosen format. */
export function formatLed(on: boolean, format: LedFormat): boolean | number | string {
  if (format === 'number') return on ? 1 : 0;
  if (format === 'onoff') return on ? 'on' : 'off';
  return on;
}

export type LedOutcome =
  | { kind: 'apply'; on: boolean; changed: boolean; output: boolean }
  | { kind: 'ignored'; reason: 'stale'; on: boolean | undefined };

/** Applies commands to one LED, ignoring any that is older than the last one applied. */
export class LedState {
  private readonly options: LedOptions;
  private position: StreamPosition | undefined;
  on: boolean | undefined;

  constructor(options: Partial<LedOptions> = {}) {
    this.options = { ...DEFAULT_LED_OPTIONS, ...options };
  }

  apply(command: Command): LedOutcome {
    const position: StreamPosition = { ts: command.ts, seq: command.seq };
    if (this.on !== undefined && !isCommandAfter(command, { ...this.position, led_on: this.on })) {
      return { kind: 'ignored', reason: 'stale', on: this.on };
    }
    const changed = this.on !== command.led_on;
    this.on = command.led_on;
    this.position = position;
    return { kind: 'apply', on: command.led_on, changed, output: changed || this.options.emit === 'every' };
  }
}
