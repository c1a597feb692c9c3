import { checkClock, DEFAULT_MAX_SKEW_MS } from './clock';
import { formatLed, LedController, type LedEmit, type LedEvent, type LedFormat } from './led';
import { choiceOption, numberOption } from './options';
import { DEFAULT_MAX_BYTES, parseLedInput } from './payload';
import { DEFAULT_THRESHOLD } from './rule';
import type { StatusView } from './status-view';
import { TopicTemplate } from './topics';

/** The editor fields of an LED command node, as Node-RED hands them over (numbers may be strings). */
export interface LedCommandConfig {
  format?: string;
  emit?: string;
  maxBytes?: unknown;
  /** Report the applied state on a second output. */
  state?: boolean;
  stateTopic?: string;
  /** Seconds without a server command after which the device decides locally; 0 or empty: never. */
  fallback?: unknown;
  threshold?: unknown;
  /** Seconds a command's `ts` may be ahead of this node's clock; empty: 300; 0: no check. */
  maxSkew?: unknown;
}

export interface LedCommandOptions {
  format: LedFormat;
  emit: LedEmit;
  maxBytes: number;
  silenceMs: number;
  threshold: number;
  maxSkewMs: number;
  /** The state topic template, when the applied state is reported; the device id is filled by the node. */
  stateTopic: string | undefined;
}

const FORMATS: readonly LedFormat[] = ['boolean', 'number', 'onoff'];

/** Turns the editor's fields into options: seconds become ms, a missing or invalid field takes its default. */
export function readLedConfig(config: LedCommandConfig): LedCommandOptions {
  return {
    format: choiceOption(config.format, FORMATS, 'boolean'),
    emit: config.emit === 'every' ? 'every' : 'change',
    maxBytes: numberOption(config.maxBytes, DEFAULT_MAX_BYTES),
    silenceMs: numberOption(config.fallback, 0) * 1000,
    threshold: numberOption(config.threshold, DEFAULT_THRESHOLD),
    maxSkewMs: numberOption(config.maxSkew, DEFAULT_MAX_SKEW_MS / 1000) * 1000,
    stateTopic: config.state ? config.stateTopic || '{id}/state' : undefined,
  };
}

/** A message of output 1 (the LED) or 2 (the reported state); `null` where an output sends nothing. */
export type LedMessage = Record<string, unknown> & { _msgid?: string; payload: unknown };
export type LedOutputs = [LedMessage | null, LedMessage | null];

/** The status keys: who is in charge, then the LED. */
const LED_STATUS = {
  server: {
    on: 'led-command.status.server.on',
    off: 'led-command.status.server.off',
    waiting: 'led-command.status.server.waiting',
  },
  override: {
    on: 'led-command.status.override.on',
    off: 'led-command.status.override.off',
    waiting: 'led-command.status.server.waiting',
  },
  local: {
    on: 'led-command.status.local.on',
    off: 'led-command.status.local.off',
    waiting: 'led-command.status.local.waiting',
  },
} as const;

/**
 * The LED command node without Node-RED: an input (a server command, or a local light
 * reading for the offline fallback) in, what the two outputs send out, the status, and
 * when {@link tick} is due. Pure: `now` is an argument. Throws a NightlightError for a
 * device id the state topic cannot take (constructor) and for a refused input.
 */
export class LedCommandController {
  readonly led: LedController;
  private readonly stateTopic: string | undefined;

  /** `deviceId`: the device whose state topic is reported (already evaluated); only used with a state topic. */
  constructor(
    private readonly options: LedCommandOptions,
    deviceId: string,
    now: number,
  ) {
    this.stateTopic =
      options.stateTopic === undefined ? undefined : new TopicTemplate(options.stateTopic).render(deviceId);
    this.led = new LedController(
      { format: options.format, emit: options.emit },
      { silenceMs: options.silenceMs, threshold: options.threshold },
      now,
    );
  }

  /**
   * Who is in charge (the status shows a change of it at once); `override`: the server's
   * command, held there by a run-time control.
   */
  get inCharge(): 'server' | 'local' | 'override' {
    return this.led.overridden ? 'override' : this.led.inCharge;
  }

  /** One input at `now`: what to send, or `undefined` for nothing. */
  input(payload: unknown, now: number, _msgid?: string): LedOutputs | undefined {
    const input = parseLedInput(payload, this.options.maxBytes);
    if (input.kind === 'reading') return this.outputs(this.led.reading(input.light, now), _msgid);
    checkClock(input.command, now, this.options.maxSkewMs);
    return this.outputs(this.led.command(input.command, now), _msgid);
  }

  /** The timer: hands control to the device when the server has been silent long enough. */
  tick(now: number): LedOutputs | undefined {
    return this.outputs(this.led.tick(now));
  }

  /** When {@link tick} is due, or `undefined`. */
  nextWake(): number | undefined {
    return this.led.nextWake();
  }

  /** Every status of this node is a fixed text: who is in charge, then the LED. */
  status(): StatusView {
    const on = this.led.led.on;
    const key = LED_STATUS[this.inCharge][on === undefined ? 'waiting' : on ? 'on' : 'off'];
    return { fill: on ? 'yellow' : 'grey', shape: this.led.inCharge === 'server' ? 'dot' : 'ring', key };
  }

  /** What an event sends: the LED state on output 1, the reported state on output 2. */
  private outputs(event: LedEvent | undefined, _msgid?: string): LedOutputs | undefined {
    if (!event || event.outcome.kind !== 'apply') return undefined;
    const { on, output } = event.outcome;
    const first = output ? { _msgid, payload: formatLed(on, this.options.format), led_on: on, source: event.by } : null;
    let second: LedMessage | null = null;
    if (this.stateTopic && event.report) {
      const payload: Record<string, unknown> = { led_on: on, source: event.by };
      if (event.command?.seq !== undefined) payload.seq = event.command.seq;
      if (event.command?.ts !== undefined) payload.ts = event.command.ts;
      second = { _msgid, topic: this.stateTopic, payload, qos: 1, retain: true };
    }
    return first || second ? [first, second] : undefined;
  }
}
