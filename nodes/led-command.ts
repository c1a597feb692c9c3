import type { Node, NodeAPI, NodeDef } from 'node-red';
import { formatLed, LedState, type LedEmit, type LedFormat } from './lib/led';
import { DEFAULT_MAX_BYTES, parseCommand } from './lib/payload';
import { numberOption, showError, toNodeError, guardForCatch } from './shared/runtime';

interface LedCommandDef extends NodeDef {
  format: LedFormat;
  emit: LedEmit;
  maxBytes?: string | number;
}

const FORMATS: LedFormat[] = ['boolean', 'number', 'onoff'];

export = function (RED: NodeAPI): void {
  function LedCommandNode(this: Node, config: LedCommandDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const format = FORMATS.includes(config.format) ? config.format : 'boolean';
    const maxBytes = numberOption(config.maxBytes, DEFAULT_MAX_BYTES);
    const led = new LedState({ format, emit: config.emit === 'every' ? 'every' : 'change' });

    node.on('input', (msg, send, done) => {
      let outcome;
      try {
        outcome = led.apply(parseCommand(msg.payload, maxBytes));
      } catch (err) {
        const error = toNodeError(RED, err);
        showError(node, error);
        guardForCatch(RED, msg);
        return done(error);
      }
      if (outcome.kind === 'apply' && outcome.output) {
        send({ payload: formatLed(outcome.on, format), led_on: outcome.on } as never);
      }
      node.status({
        fill: led.on ? 'yellow' : 'grey',
        shape: led.on ? 'dot' : 'ring',
        text: RED._(led.on ? 'led-command.status.on' : 'led-command.status.off'),
      });
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('led-command', LedCommandNode);
};
