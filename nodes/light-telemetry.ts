import type { Node, NodeAPI, NodeDef } from 'node-red';
import { parseReading, DEFAULT_MAX_BYTES } from './lib/payload';
import { TelemetrySource } from './lib/telemetry';
import { TopicTemplate } from './lib/topics';
import { numberOption, showError, toNodeError, typedOption, guardForCatch } from './shared/runtime';

interface LightTelemetryDef extends NodeDef {
  deviceId: string;
  deviceIdType?: string;
  topic: string;
  qos: string;
  retain: boolean;
  maxBytes?: string | number;
}

export = function (RED: NodeAPI): void {
  function LightTelemetryNode(this: Node, config: LightTelemetryDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const qos = Number(config.qos) === 1 || Number(config.qos) === 2 ? Number(config.qos) : 0;
    const retain = config.retain === true;
    const maxBytes = numberOption(config.maxBytes, DEFAULT_MAX_BYTES);
    const source = new TelemetrySource();
    let topic: string | undefined;
    let setupError: Error | undefined;
    try {
      const deviceId = typedOption(RED, node, config.deviceId, config.deviceIdType);
      topic = new TopicTemplate(config.topic || '{id}/telemetry').render(deviceId as string);
      node.status({});
    } catch (err) {
      setupError = toNodeError(RED, err);
      node.error(setupError);
      showError(node, setupError);
    }

    node.on('input', (msg, send, done) => {
      if (setupError || !topic) return done(setupError);
      let light: number;
      try {
        light = parseReading(msg.payload, maxBytes);
      } catch (err) {
        const error = toNodeError(RED, err);
        showError(node, error);
        guardForCatch(RED, msg);
        return done(error);
      }
      const payload = source.reading(light, Date.now());
      send({ topic, payload, qos, retain });
      node.status({ fill: 'green', shape: 'dot', text: RED._('light-telemetry.status.sent', { light }) });
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('light-telemetry', LightTelemetryNode);
};
