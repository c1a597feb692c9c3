import type { Node, NodeAPI, NodeDef } from 'node-red';
import { DecisionEngine, DEFAULT_MAX_DEVICES, DEFAULT_THRESHOLD, type EmitMode } from './lib/decide';
import { DEFAULT_MAX_BYTES, parseTelemetry, readOverride } from './lib/payload';
import { TopicTemplate } from './lib/topics';
import { numberOption, showError, toNodeError, guardForCatch } from './shared/runtime';

interface DecideDef extends NodeDef {
  telemetryTopic: string;
  commandTopic: string;
  threshold: string | number;
  emit: EmitMode;
  qos: string;
  retain: boolean;
  maxDevices?: string | number;
  maxBytes?: string | number;
}

export = function (RED: NodeAPI): void {
  function NightlightDecideNode(this: Node, config: DecideDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const qos = config.qos === '0' || config.qos === '2' ? Number(config.qos) : 1;
    const retain = config.retain !== false;
    const maxBytes = numberOption(config.maxBytes, DEFAULT_MAX_BYTES);
    const engine = new DecisionEngine({
      threshold: numberOption(config.threshold, DEFAULT_THRESHOLD),
      emit: config.emit === 'every' ? 'every' : 'change',
      maxDevices: Math.max(1, Math.floor(numberOption(config.maxDevices, DEFAULT_MAX_DEVICES))),
    });
    let telemetryTopic: TopicTemplate | undefined;
    let commandTopic: TopicTemplate | undefined;
    let setupError: Error | undefined;
    try {
      telemetryTopic = new TopicTemplate(config.telemetryTopic || '{id}/telemetry');
      commandTopic = new TopicTemplate(config.commandTopic || '{id}/commands');
    } catch (err) {
      setupError = toNodeError(RED, err);
      node.error(setupError);
      showError(node, setupError);
    }

    node.on('input', (msg, send, done) => {
      if (setupError || !telemetryTopic || !commandTopic) return done(setupError);
      const m = msg as typeof msg & { threshold?: unknown };
      let deviceId: string;
      let outcome;
      try {
        deviceId = telemetryTopic.match(msg.topic);
        const telemetry = parseTelemetry(msg.payload, maxBytes);
        outcome = engine.observe(deviceId, telemetry, Date.now(), { threshold: readOverride('threshold', m.threshold) });
      } catch (err) {
        const error = toNodeError(RED, err);
        showError(node, error);
        guardForCatch(RED, msg);
        return done(error);
      }
      if (outcome.kind === 'command') {
        send({ topic: commandTopic.render(deviceId), payload: outcome.command, qos, retain, deviceId, light: outcome.light } as never);
      }
      const led = outcome.kind === 'command' ? outcome.command.led_on : outcome.ledOn;
      node.status({
        fill: led ? 'yellow' : 'grey',
        shape: 'dot',
        text: RED._('nightlight-decide.status.decided', {
          id: deviceId,
          light: outcome.light,
          led: RED._(led ? 'nightlight-decide.status.on' : 'nightlight-decide.status.off'),
          devices: engine.size,
        }),
      });
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      engine.clear();
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('nightlight-decide', NightlightDecideNode);
};
