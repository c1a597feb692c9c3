import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from 'node-red';
import { DecisionEngine, type DecideOverrides } from './lib/decide';
import { readDecideConfig, type DecideConfig } from './lib/decide-config';
import { GroupEngine, type GroupHealth } from './lib/group';
import { DEFAULT_MAX_BYTES, parseCommand, parseTelemetry, readOverride } from './lib/payload';
import { TopicTemplate } from './lib/topics';
import type { Command } from './lib/types';
import { guardForCatch, numberOption, showError, toNodeError, typedOption } from './shared/runtime';
import { fitStatus, StatusThrottle, statusKey } from './shared/status';
import { TooFewWarning } from './lib/too-few';

interface DecideDef extends NodeDef, DecideConfig {
  telemetryTopic: string;
  commandTopic: string;
  qos: string;
  retain: boolean;
  maxBytes?: string | number;
  groupName?: string;
  groupNameType?: string;
}

const NO_OVERRIDES: DecideOverrides = Object.freeze({});

export = function (RED: NodeAPI): void {
  function NightlightDecideNode(this: Node, config: DecideDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const qos = config.qos === '0' || config.qos === '2' ? Number(config.qos) : 1;
    const retain = config.retain !== false;
    const maxBytes = numberOption(config.maxBytes, DEFAULT_MAX_BYTES);
    const { mode, options, refreshMs } = readDecideConfig(config);
    const timers: NodeJS.Timeout[] = [];
    let telemetryTopic: TopicTemplate, commandTopic: TopicTemplate;
    let devices: DecisionEngine | undefined, group: GroupEngine | undefined, groupTopic = '';
    let setupError: Error | undefined;
    try {
      telemetryTopic = new TopicTemplate(config.telemetryTopic || '{id}/telemetry');
      commandTopic = new TopicTemplate(config.commandTopic || '{id}/commands');
      if (mode === 'group') {
        group = new GroupEngine({ ...options, name: String(typedOption(RED, node, config.groupName, config.groupNameType) ?? '') });
        groupTopic = commandTopic.render(group.name);
      } else devices = new DecisionEngine(options);
    } catch (err) {
      setupError = toNodeError(RED, err);
      node.error(setupError);
      showError(node, setupError);
    }

    /** A command message; `_msgid` is the input's when it answers one, so Node-RED need not make a new id. */
    const out = (topic: string, deviceId: string, payload: Command, light?: number, _msgid?: string): NodeMessage =>
      (light === undefined ? { _msgid, topic, payload, qos, retain, deviceId } : { _msgid, topic, payload, qos, retain, deviceId, light }) as NodeMessage;
    const status = { id: '', light: NaN, led: undefined as boolean | undefined, health: undefined as GroupHealth | undefined };
    const tooFewWarning = new TooFewWarning(Date.now(), group ? options.freshnessMs : 0);
    /** The status: at most about 32 characters, the device id or group name shortened to fit. */
    function render(): NodeStatus {
      const led = RED._(`nightlight-decide.status.${status.led === undefined ? 'unknown' : status.led ? 'on' : 'off'}`);
      const h = status.health;
      if (group && h?.tooFew) {
        // Just started: the sensors have not all reported yet. A fixed text, so the editor shows it in its own language.
        if (tooFewWarning.starting(Date.now())) return { fill: 'grey', shape: 'ring', text: statusKey('nightlight-decide.status.waiting') };
        const text = fitStatus((name) => RED._('nightlight-decide.status.tooFew', { fresh: h.fresh, needed: h.needed, name }), group.name);
        return { fill: 'yellow', shape: 'ring', text };
      }
      const engine = (group ?? devices) as { size: number; evictions: number; expirations: number };
      const forgotten = engine.evictions + engine.expirations;
      let text: string;
      if (group) {
        const params = { light: status.light, led, fresh: h?.fresh ?? 0, count: options.aggregation === 'quorum' ? h?.fresh ?? 0 : engine.size };
        const key = options.aggregation === 'quorum' ? 'nightlight-decide.status.groupQuorum' : 'nightlight-decide.status.group';
        text = fitStatus((name) => RED._(key, { ...params, name }), group.name);
      } else if (forgotten) {
        text = RED._('nightlight-decide.status.decidedForgotten', { count: engine.size, forgotten, led });
      } else {
        text = fitStatus((id) => RED._('nightlight-decide.status.decided', { id, light: status.light, led, count: engine.size }), status.id);
      }
      return { fill: status.led ? 'yellow' : 'grey', shape: 'dot', text };
    }
    const statusShown = new StatusThrottle(node, render);
    /**
     * Keeps the group's health for the status; warns once for each spell of too few fresh
     * sensors, but not in the first freshness window after the start. True when the status should change.
     */
    function checkHealth(health: GroupHealth | undefined, now: number): boolean {
      if (!health) return false;
      status.health = health;
      const warn = tooFewWarning.check(health.tooFew, now);
      if (warn) node.warn(RED._('nightlight-decide.warn.tooFew', { fresh: health.fresh, count: health.known, needed: health.needed, name: group?.name ?? '' }));
      if (!warn && !health.tooFewChanged) return false;
      statusShown.release();
      return true;
    }

    node.on('input', (msg, send, done) => {
      if (setupError) return done(setupError);
      const now = Date.now();
      try {
        const id = telemetryTopic.find(msg.topic);
        if (id === undefined) {
          // Not telemetry: perhaps a command echoed back by the broker (several Node-REDs share the work).
          const commandId = commandTopic.find(msg.topic);
          if (commandId === undefined) throw telemetryTopic.mismatch(msg.topic);
          const command = parseCommand(msg.payload, maxBytes);
          if (group) {
            if (commandId === group.name) group.learn(command);
          } else {
            const learned = devices!.learn(commandId, command, now);
            if (learned.kind === 'repair') send(out(commandTopic.render(commandId), commandId, learned.command, undefined, msg._msgid));
          }
          return done();
        }
        const telemetry = parseTelemetry(msg.payload, maxBytes);
        const m = msg as typeof msg & { threshold?: unknown; band?: unknown };
        const overrides =
          m.threshold === undefined && m.band === undefined
            ? NO_OVERRIDES
            : { threshold: readOverride('threshold', m.threshold), band: readOverride('band', m.band, 0) };
        if (group) {
          const outcome = group.observe(id, telemetry, now, overrides);
          if (outcome.kind === 'ignored' && outcome.reason === 'not-member') return done();
          checkHealth(outcome.health, now);
          if (outcome.kind === 'command') send({ ...out(groupTopic, group.name, outcome.command, outcome.value, msg._msgid), sensors: outcome.command.sensors } as NodeMessage);
          status.id = id;
          status.light = outcome.value;
          status.led = group.ledOn;
        } else {
          const outcome = devices!.observe(id, telemetry, now, overrides);
          if (outcome.kind === 'command') send(out(commandTopic.render(id), id, outcome.command, outcome.light, msg._msgid));
          status.id = id;
          status.light = outcome.light;
          status.led = outcome.kind === 'command' ? outcome.command.led_on : outcome.ledOn;
        }
      } catch (err) {
        const error = toNodeError(RED, err);
        showError(node, error);
        statusShown.shown(now);
        guardForCatch(RED, msg);
        return done(error);
      }
      statusShown.update(now);
      done();
    });

    if (!setupError && refreshMs > 0) {
      timers.push(setInterval(() => {
        if (group) {
          const command = group.current();
          if (command) node.send(out(groupTopic, group.name, command));
        } else devices!.forEachCommand(Date.now(), (id, command) => node.send(out(commandTopic.render(id), id, command)));
      }, refreshMs));
    }
    if (group && options.freshnessMs > 0) {
      const g = group;
      timers.push(setInterval(() => {
        const now = Date.now();
        if (checkHealth(g.health(now), now)) statusShown.update(now);
      }, Math.min(5000, Math.max(250, options.freshnessMs / 4))));
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      for (const timer of timers) clearInterval(timer);
      statusShown.cancel();
      devices?.clear();
      group?.clear();
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('nightlight-decide', NightlightDecideNode);
};
