import { checkClock } from './clock';
import { ControlBook, controlPayload, heldAt, type ControlPayload } from './control';
import { type DecideOverrides } from './decide';
import type { DecideSettings } from './decide-config';
import { Announcer, type Origin, type Publication as DiscoveryMessage } from './discovery';
import { DeviceDecider, GroupDecider, type Decider, type DeciderSnapshot } from './decider';
import type { GroupHealth } from './group';
import { parseCommand, parseControl, parseTelemetry, readOverride } from './payload';
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

/** Anything the node sends for an `mqtt out` to publish; `_msgid` is the input's when it answers one. */
export interface BrokerMessage {
  _msgid?: string;
  topic: string;
  payload: unknown;
  qos: number;
  retain: boolean;
  [key: string]: unknown;
}

/** A command message as the node sends it. */
export interface CommandMessage extends BrokerMessage {
  payload: Command;
  deviceId: string;
  light?: number;
  sensors?: string[];
}

/** A device's (or group's) whole run-time control, published retained on its control topic. */
export interface ControlMessage extends BrokerMessage {
  payload: ControlPayload;
  deviceId: string;
  retain: true;
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
export type Send = (msg: BrokerMessage) => void;

const NO_OVERRIDES: DecideOverrides = Object.freeze({});
const NONE: DecideReaction = Object.freeze({ status: 'none' });
const UPDATE: DecideReaction = Object.freeze({ status: 'update' });

/**
 * The overrides of the rule for one reading: the message's own (`msg.threshold`,
 * `msg.band`; throws `bad-override`) before the run-time control's (`control`).
 */
function overridesOf(msg: DecideInput, control: DecideOverrides | undefined): DecideOverrides {
  if (msg.threshold === undefined && msg.band === undefined) return control ?? NO_OVERRIDES;
  const threshold = readOverride('threshold', msg.threshold) ?? control?.threshold;
  return { threshold, band: readOverride('band', msg.band, 0) ?? control?.band, hold: control?.hold };
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
  private readonly controlTopic: TopicTemplate;
  private readonly controls: ControlBook;
  private readonly tooFewWarning: TooFewWarning;
  /** Home Assistant discovery, when on; `forgotten` collects the ids the decider forgot, for it. */
  private readonly announcer: Announcer | undefined;
  private readonly forgotten: string[] = [];
  private readonly birthTopic: string | undefined;
  private readonly availabilityTopic: TopicTemplate | undefined;
  private readonly last = { id: '', light: NaN, ledOn: undefined as boolean | undefined };

  /**
   * `groupName`: the group's name, already evaluated (it may come from an environment
   * variable); `origin`: this software, as Home Assistant discovery names it.
   */
  constructor(
    private readonly settings: DecideSettings,
    private readonly groupName: string,
    now: number,
    origin: Origin = { name: 'nightlight', sw: '' },
  ) {
    this.telemetryTopic = new TopicTemplate(settings.telemetryTopic);
    this.commandTopic = new TopicTemplate(settings.commandTopic);
    this.controlTopic = new TopicTemplate(settings.controlTopic);
    this.controls = new ControlBook(settings.options.maxDevices);
    const group = settings.mode === 'group';
    const { discovery } = settings;
    const forgot = discovery && ((id: string) => this.forgotten.push(id));
    this.decider = group
      ? new GroupDecider({ ...settings.options, name: groupName }, forgot)
      : new DeviceDecider(settings.options, forgot);
    if (discovery) {
      const state = new TopicTemplate(settings.stateTopic);
      const availability = new TopicTemplate(settings.availabilityTopic);
      const topicsOf = (id: string) => ({
        telemetry: this.telemetryTopic.render(id),
        commands: this.commandTopic.render(id),
        state: state.render(id),
        control: this.controlTopic.render(id),
        availability: availability.render(id),
      });
      this.announcer = new Announcer(discovery, topicsOf, { threshold: settings.options.threshold }, origin);
      this.birthTopic = `${discovery.prefix}/status`;
      this.availabilityTopic = availability;
    }
    this.refreshMs = settings.refreshMs;
    this.healthEveryMs = this.decider.healthEveryMs;
    this.tooFewWarning = new TooFewWarning(now, group ? settings.options.freshnessMs : 0);
  }

  /**
   * One input at `now`: a device's telemetry, a command echoed back on the command topic,
   * or a run-time control. What it sends goes to `send` (after every check passed).
   */
  input(msg: DecideInput, now: number, send: Send): DecideReaction {
    const id = this.telemetryTopic.find(msg.topic);
    if (id !== undefined) return this.telemetry(id, msg, now, send);
    const commanded = this.commandTopic.find(msg.topic);
    if (commanded !== undefined) return this.echoed(commanded, msg, now, send);
    const controlled = this.controlTopic.find(msg.topic);
    if (controlled !== undefined) return this.control(controlled, msg, now, send);
    const available = this.availabilityTopic?.find(msg.topic);
    if (available !== undefined) return this.adopt(available, msg.payload, now);
    const birthTopic = this.birthTopic;
    if (this.announcer && birthTopic !== undefined && msg.topic === birthTopic) {
      // Home Assistant (re)started: announce everything again.
      this.publish(this.announcer.birth(birthTopic, msg.payload), send);
      return NONE;
    }
    throw this.telemetryTopic.mismatch(msg.topic);
  }

  /** The current commands, for the periodic re-send. */
  refresh(now: number): CommandMessage[] {
    return this.decider.refresh(now).map((p) => this.message(p.id, p.command, now));
  }

  /** When {@link wake} is next due (a hold runs out; with discovery, a device goes offline or is forgotten), or `undefined`. */
  nextWake(): number | undefined {
    let next = this.controls.nextWake();
    if (this.announcer) {
      for (const at of [this.announcer.nextWake(), this.decider.nextExpiry()])
        if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  /**
   * The timer: holds that ran out go back to the rule, which decides again at once; with
   * discovery, silent devices are announced offline, and forgotten ones stop being announced.
   */
  wake(now: number, send: Send): DecideReaction {
    const ended = this.controls.expire(now);
    for (const id of ended) {
      send(this.controlMessage(id, now));
      this.enact(id, now, send);
    }
    if (this.announcer) {
      this.decider.expire(now);
      this.publish(this.announcer.tick(now), send);
      this.announceForgotten(send);
    }
    return ended.length > 0 ? UPDATE : NONE;
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
    const shownId = snapshot.group ? snapshot.group.name : this.last.id;
    if (heldAt(this.controls.get(shownId), now) !== undefined) {
      // The LED shown is held by a run-time control: say so, whatever the readings are.
      const params = { id: shownId, count: snapshot.size };
      return { fill, shape: 'ring', key: 'nightlight-decide.status.held', params, words, fit: 'id' };
    }
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
    this.controls.clear();
    this.announcer?.clear();
  }

  private telemetry(id: string, msg: DecideInput, now: number, send: Send): DecideReaction {
    const telemetry = parseTelemetry(msg.payload, this.settings.maxBytes);
    const commandId = this.decider.commandId(id);
    const overrides = overridesOf(msg, this.controls.overrides(commandId, now));
    checkClock(telemetry, now, this.settings.maxSkewMs);
    const decision = this.decider.observe(id, telemetry, now, overrides);
    const last = this.last;
    if (decision.kind === 'command') {
      send(this.message(commandId, decision.command, now, decision.light, decision.sensors, msg._msgid));
      last.ledOn = decision.command.led_on;
    } else if (decision.reason === 'not-member') {
      return NONE;
    } else {
      last.ledOn = decision.ledOn;
    }
    last.id = id;
    last.light = decision.light;
    if (this.announcer) this.announce(id, now, send);
    const reaction = decision.health ? this.healthReaction(decision.health, now) : UPDATE;
    return reaction.status === 'release' ? reaction : UPDATE;
  }

  /** A command echoed back by the broker (several Node-REDs may share the work). */
  private echoed(id: string, msg: DecideInput, now: number, send: Send): DecideReaction {
    const command = parseCommand(msg.payload, this.settings.maxBytes);
    checkClock(command, now, this.settings.maxSkewMs);
    const learned = this.decider.learn(id, command, now);
    if (learned.kind === 'repair')
      send(this.message(learned.publish.id, learned.publish.command, now, undefined, undefined, msg._msgid));
    return NONE;
  }

  /**
   * A run-time control for device (or group) `id`, whole or in part. Taken when newer than
   * the one known; then the whole control is published retained when what came was not
   * it, and the LED is held, or decided again, when the hold or the rule changed.
   */
  private control(id: string, msg: DecideInput, now: number, send: Send): DecideReaction {
    const control = parseControl(msg.payload, this.settings.maxBytes);
    if (control) checkClock(control, now, this.settings.maxSkewMs);
    if (!this.decider.controls(id)) return NONE;
    const outcome = this.controls.apply(id, control, now);
    if (outcome.kind === 'same') return NONE;
    if (outcome.kind === 'stale') {
      if (outcome.repair) send(this.controlMessage(id, now, msg._msgid));
      return NONE;
    }
    if (outcome.kind === 'applied' && outcome.publish) send(this.controlMessage(id, now, msg._msgid));
    if (outcome.effect) this.enact(id, now, send, msg._msgid);
    return UPDATE;
  }

  /** The LED as `id`'s control now wants it: held, or decided again by the (control's) rule. */
  private enact(id: string, now: number, send: Send, _msgid?: string): void {
    const overrides = this.controls.overrides(id, now) ?? NO_OVERRIDES;
    const publication =
      overrides.hold === undefined
        ? this.decider.redecide(id, now, overrides)
        : this.decider.force(id, overrides.hold, now);
    if (!publication) return;
    const { command, light, sensors } = publication;
    send(this.message(id, command, now, light, sensors, _msgid));
    const last = this.last;
    if (last.id !== id) last.light = light ?? NaN;
    else if (light !== undefined) last.light = light;
    last.id = id;
    last.ledOn = command.led_on;
  }

  /** Home Assistant discovery for a reading of `id`: the device, or the group and its sensor. */
  private announce(id: string, now: number, send: Send): void {
    const announcer = this.announcer!;
    if (this.settings.mode === 'group') {
      this.publish(announcer.heard(this.groupName, 'group', now), send);
      this.publish(announcer.heard(id, 'sensor', now, this.groupName), send);
    } else this.publish(announcer.heard(id, 'device', now), send);
    this.announceForgotten(send);
  }

  /**
   * A device's availability, retained on the broker (this node's own, or a previous run's):
   * a device announced `online` that this node has not heard yet is watched from now, so it
   * goes `offline` if it stays silent.
   */
  private adopt(id: string, payload: unknown, now: number): DecideReaction {
    const announcer = this.announcer!;
    if (this.settings.mode !== 'group') announcer.adopt(id, 'device', now, undefined, payload);
    else if (id === this.groupName) announcer.adopt(id, 'group', now, undefined, payload);
    else if (this.decider.member(id)) announcer.adopt(id, 'sensor', now, this.groupName, payload);
    return NONE;
  }

  private announceForgotten(send: Send): void {
    while (this.forgotten.length > 0) this.publish(this.announcer!.forget(this.forgotten.shift()!), send);
  }

  private publish(messages: readonly DiscoveryMessage[], send: Send): void {
    for (const m of messages) send({ topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain });
  }

  /** The whole control of `id`, to publish retained on its control topic. */
  private controlMessage(id: string, _now: number, _msgid?: string): ControlMessage {
    const payload = controlPayload(this.controls.get(id)!);
    return { _msgid, topic: this.controlTopic.render(id), payload, qos: this.settings.qos, retain: true, deviceId: id };
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

  /**
   * A command message; literals of fixed shapes, the commonest (a device's answer to a
   * reading) with `light`. A device (or group) with a run-time control says why.
   */
  private message(
    id: string,
    command: Command,
    now: number,
    light?: number,
    sensors?: string[],
    _msgid?: string,
  ): CommandMessage {
    const { qos, retain } = this.settings;
    const topic = this.commandTopic.render(id);
    const payload = this.controls.size === 0 ? command : this.why(id, command, now);
    if (light === undefined) return { _msgid, topic, payload, qos, retain, deviceId: id };
    if (sensors === undefined) return { _msgid, topic, payload, qos, retain, deviceId: id, light };
    return { _msgid, topic, payload, qos, retain, deviceId: id, light, sensors };
  }

  /** `command` saying why, when `id` has a run-time control: `mode` and the control's threshold and band. */
  private why(id: string, command: Command, now: number): Command {
    const state = this.controls.get(id);
    if (!state) return command;
    const why: Command = { ...command, mode: heldAt(state, now) === undefined ? 'auto' : 'override' };
    if (state.threshold !== undefined) why.threshold = state.threshold;
    if (state.band !== undefined) why.band = state.band;
    return why;
  }
}
