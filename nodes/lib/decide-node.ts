import { checkClock } from './clock';
import { type DecideOverrides } from './decide';
import type { DecideSettings } from './decide-config';
import { DeviceDecider, GroupDecider, type Decider, type DeciderSnapshot } from './decider';
import type { GroupHealth } from './group';
import { parseCommand, parseTelemetry, readOverride } from './payload';
import type { StatusView } from './status-view';
import { TooFewWarning } from './too-few';
import { TopicTemplate } from './topics';
import type { Command } from './types';

/** What nightlight decide reads of an input message. */
export interface DecideInput {
  _msgid?: string;
  topic?: unknown;
  payload?: unknown;
  threshold?: unknown;
  band?: unknown;
}

/** A command message as the node sends it; `_msgid` is the input's when it answers one. */
export interface CommandMessage {
  _msgid?: string;
  topic: string;
  payload: Command;
  qos: number;
  retain: boolean;
  deviceId: string;
  light?: number;
  sensors?: string[];
  [key: string]: unknown;
}

/**
 * What one event asks of the node besides the messages it sent: a warning to log (a
 * catalog key and its values), and whether the status changes: `none`, `update`
 * (throttled) or `release` (the throttle lets this one show at once: the group's health changed).
 */
export interface DecideReaction {
  warn?: { key: string; params: Record<string, string | number> };
  status: 'none' | 'update' | 'release';
}

/** Where the controller hands each message to send. */
export type Send = (msg: CommandMessage) => void;

const NO_OVERRIDES: DecideOverrides = Object.freeze({});
const NONE: DecideReaction = Object.freeze({ status: 'none' });
const UPDATE: DecideReaction = Object.freeze({ status: 'update' });

/** The per-message overrides of the rule (`msg.threshold`, `msg.band`); throws `bad-override`. */
function overridesOf(msg: DecideInput): DecideOverrides {
  if (msg.threshold === undefined && msg.band === undefined) return NO_OVERRIDES;
  return { threshold: readOverride('threshold', msg.threshold), band: readOverride('band', msg.band, 0) };
}

/**
 * The nightlight decide node without Node-RED: routes an input (a device's telemetry, or a
 * command echoed back on the command topic) to its {@link Decider}, says what to send,
 * when to warn and what the status shows. Pure: `now` is an argument; the adapter owns the
 * timers (every `refreshMs` call {@link refresh}, every `healthEveryMs` {@link checkHealth}).
 * Throws a NightlightError for a configuration it cannot work with, and from `input` for
 * an input it refuses.
 */
export class DecideController {
  readonly decider: Decider;
  readonly refreshMs: number;
  readonly healthEveryMs: number;
  private readonly telemetryTopic: TopicTemplate;
  private readonly commandTopic: TopicTemplate;
  private readonly tooFewWarning: TooFewWarning;
  private readonly last = { id: '', light: NaN, ledOn: undefined as boolean | undefined };

  /** `groupName`: the group's name, already evaluated (it may come from an environment variable). */
  constructor(
    private readonly settings: DecideSettings,
    private readonly groupName: string,
    now: number,
  ) {
    this.telemetryTopic = new TopicTemplate(settings.telemetryTopic);
    this.commandTopic = new TopicTemplate(settings.commandTopic);
    const group = settings.mode === 'group';
    this.decider = group
      ? new GroupDecider({ ...settings.options, name: groupName })
      : new DeviceDecider(settings.options);
    this.refreshMs = settings.refreshMs;
    this.healthEveryMs = this.decider.healthEveryMs;
    this.tooFewWarning = new TooFewWarning(now, group ? settings.options.freshnessMs : 0);
  }

  /** One input at `now`; what it sends goes to `send` (after every check passed). */
  input(msg: DecideInput, now: number, send: Send): DecideReaction {
    const id = this.telemetryTopic.find(msg.topic);
    return id === undefined ? this.echoed(msg, now, send) : this.telemetry(id, msg, now, send);
  }

  /** The current commands, for the periodic re-send. */
  refresh(now: number): CommandMessage[] {
    return this.decider.refresh(now).map((p) => this.message(p.id, p.command));
  }

  /** A look at a group's health while no reading arrives (the timer). */
  checkHealth(now: number): DecideReaction {
    const health = this.decider.health(now);
    return health ? this.healthReaction(health, now) : NONE;
  }

  /** What the status shows at `now`: at most about 32 characters, the device id or group name shortened to fit. */
  status(now: number): StatusView {
    const snapshot = this.decider.snapshot();
    const { ledOn } = this.last;
    const words = { led: `nightlight-decide.status.${ledOn === undefined ? 'unknown' : ledOn ? 'on' : 'off'}` };
    const fill = ledOn ? 'yellow' : 'grey';
    if (snapshot.group) return this.groupStatus(snapshot.group, snapshot.size, now, fill, words);
    const { size, forgotten } = snapshot;
    if (forgotten) {
      return {
        fill,
        shape: 'dot',
        key: 'nightlight-decide.status.decidedForgotten',
        params: { count: size, forgotten },
        words,
      };
    }
    const params = { id: this.last.id, light: this.last.light, count: size };
    return { fill, shape: 'dot', key: 'nightlight-decide.status.decided', params, words, fit: 'id' };
  }

  private groupStatus(
    group: NonNullable<DeciderSnapshot['group']>,
    size: number,
    now: number,
    fill: StatusView['fill'],
    words: StatusView['words'],
  ): StatusView {
    const h = group.health;
    if (h?.tooFew) {
      // Just started: the sensors have not all reported yet. A fixed text, so the editor shows it in its own language.
      if (this.tooFewWarning.starting(now))
        return { fill: 'grey', shape: 'ring', key: 'nightlight-decide.status.waiting' };
      const params = { fresh: h.fresh, needed: h.needed, name: group.name };
      return { fill: 'yellow', shape: 'ring', key: 'nightlight-decide.status.tooFew', params, fit: 'name' };
    }
    const quorum = group.aggregation === 'quorum';
    const fresh = h?.fresh ?? 0;
    const params = { light: this.last.light, fresh, count: quorum ? fresh : size, name: group.name };
    return {
      fill,
      shape: 'dot',
      key: `nightlight-decide.status.${quorum ? 'groupQuorum' : 'group'}`,
      params,
      words,
      fit: 'name',
    };
  }

  clear(): void {
    this.decider.clear();
  }

  private telemetry(id: string, msg: DecideInput, now: number, send: Send): DecideReaction {
    const telemetry = parseTelemetry(msg.payload, this.settings.maxBytes);
    const overrides = overridesOf(msg);
    checkClock(telemetry, now, this.settings.maxSkewMs);
    const decision = this.decider.observe(id, telemetry, now, overrides);
    const last = this.last;
    if (decision.kind === 'command') {
      send(this.message(this.decider.commandId(id), decision.command, decision.light, decision.sensors, msg._msgid));
      last.ledOn = decision.command.led_on;
    } else if (decision.reason === 'not-member') {
      return NONE;
    } else {
      last.ledOn = decision.ledOn;
    }
    last.id = id;
    last.light = decision.light;
    const reaction = decision.health ? this.healthReaction(decision.health, now) : UPDATE;
    return reaction.status === 'release' ? reaction : UPDATE;
  }

  /** Not telemetry: perhaps a command echoed back by the broker (several Node-REDs share the work). */
  private echoed(msg: DecideInput, now: number, send: Send): DecideReaction {
    const id = this.commandTopic.find(msg.topic);
    if (id === undefined) throw this.telemetryTopic.mismatch(msg.topic);
    const command = parseCommand(msg.payload, this.settings.maxBytes);
    checkClock(command, now, this.settings.maxSkewMs);
    const learned = this.decider.learn(id, command, now);
    if (learned.kind === 'repair')
      send(this.message(learned.publish.id, learned.publish.command, undefined, undefined, msg._msgid));
    return NONE;
  }

  /**
   * A group's health after an event: warns once for each spell of too few fresh sensors
   * (not in the first freshness window after the start); the status shows at once when
   * the health changed.
   */
  private healthReaction(health: GroupHealth, now: number): DecideReaction {
    const warn = this.tooFewWarning.check(health.tooFew, now);
    const name = this.groupName;
    const reaction: DecideReaction = { status: warn || health.tooFewChanged ? 'release' : 'none' };
    if (warn)
      reaction.warn = {
        key: 'nightlight-decide.warn.tooFew',
        params: { fresh: health.fresh, count: health.known, needed: health.needed, name },
      };
    return reaction;
  }

  /** A command message; literals of fixed shapes, the commonest (a device's answer to a reading) with `light`. */
  private message(id: string, payload: Command, light?: number, sensors?: string[], _msgid?: string): CommandMessage {
    const { qos, retain } = this.settings;
    const topic = this.commandTopic.render(id);
    if (light === undefined) return { _msgid, topic, payload, qos, retain, deviceId: id };
    if (sensors === undefined) return { _msgid, topic, payload, qos, retain, deviceId: id, light };
    return { _msgid, topic, payload, qos, retain, deviceId: id, light, sensors };
  }
}
