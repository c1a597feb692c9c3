import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { formatLed, LedController, type LedEmit, type LedEvent, type LedFormat } from './lib/led';
import { DEFAULT_MAX_BYTES, parseLedInput } from './lib/payload';
import { TopicTemplate } from './lib/topics';
import { guardForCatch, numberOption, showError, toNodeError, typedOption } from './shared/runtime';
import { StatusThrottle, statusKey } from './shared/status';

interface LedCommandDef extends NodeDef {
  format: LedFormat;
  emit: LedEmit;
  maxBytes?: string | number;
  state?: boolean;
  deviceId?: string;
  deviceIdType?: string;
  stateTopic?: string;
  fallback?: string | number;
  threshold?: string | number;
}

const FORMATS: LedFormat[] = ['boolean', 'number', 'onoff'];

/** The status keys: who is in charge, then the LED. */
const LED_STATUS = {
  server: { on: 'led-command.status.server.on', off: 'led-command.status.server.off', waiting: 'led-command.status.server.waiting' },
  local: { on: 'led-command.status.local.on', off: 'led-command.status.local.off', waiting: 'led-command.status.local.waiting' },
} as const;

/** A local reading is a number, or an object with `light` and no `led_on`; anything else is a command. */
export = function (RED: NodeAPI): void {
  function LedCommandNode(this: Node, config: LedCommandDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const format = FORMATS.includes(config.format) ? config.format : 'boolean';
    const maxBytes = numberOption(config.maxBytes, DEFAULT_MAX_BYTES);
    const controller = new LedController(
      { format, emit: config.emit === 'every' ? 'every' : 'change' },
      { silenceMs: numberOption(config.fallback, 0) * 1000, threshold: numberOption(config.threshold, 300) },
      Date.now(),
    );
    let stateTopic: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let setupError = false;
    if (config.state) {
      try {
        const deviceId = String(typedOption(RED, node, config.deviceId, config.deviceIdType));
        stateTopic = new TopicTemplate(config.stateTopic || '{id}/state').render(deviceId);
      } catch (err) {
        const error = toNodeError(RED, err);
        node.error(error);
        showError(node, error);
        setupError = true;
      }
    }

    // Every status of this node is a fixed text: a catalog key, which the editor shows in the browser's language.
    const statusShown = new StatusThrottle(node, () => {
      const on = controller.led.on;
      const text = statusKey(LED_STATUS[controller.inCharge][on === undefined ? 'waiting' : on ? 'on' : 'off']);
      return { fill: on ? 'yellow' : 'grey', shape: controller.inCharge === 'server' ? 'dot' : 'ring', text };
    });
    /** A change of who is in charge (server or local fallback) shows at once; everything else at most 4 times a second. */
    const showStatus = () => statusShown.updateWatching(controller.inCharge);

    /** What an event sends: the LED state on output 1, the reported state on output 2. */
    function messages(event: LedEvent | undefined, _msgid?: string): (NodeMessage | null)[] | undefined {
      if (!event || event.outcome.kind !== 'apply') return undefined;
      const { on, output } = event.outcome;
      const first = output ? ({ _msgid, payload: formatLed(on, format), led_on: on, source: event.by } as NodeMessage) : null;
      let second: NodeMessage | null = null;
      if (stateTopic && event.report) {
        const payload: Record<string, unknown> = { led_on: on, source: event.by };
        if (event.command?.seq !== undefined) payload.seq = event.command.seq;
        if (event.command?.ts !== undefined) payload.ts = event.command.ts;
        second = { _msgid, topic: stateTopic, payload, qos: 1, retain: true } as NodeMessage;
      }
      return first || second ? [first, second] : undefined;
    }

    function schedule(): void {
      if (timer) clearTimeout(timer);
      timer = undefined;
      const wake = controller.nextWake();
      if (wake !== undefined) timer = setTimeout(onTimer, Math.max(0, wake - Date.now()));
    }

    function onTimer(): void {
      timer = undefined;
      const out = messages(controller.tick(Date.now()));
      if (out) node.send(out);
      showStatus();
      schedule();
    }

    node.on('input', (msg, send, done) => {
      let event: LedEvent | undefined;
      try {
        const input = parseLedInput(msg.payload, maxBytes);
        event = input.kind === 'reading' ? controller.reading(input.light, Date.now()) : controller.command(input.command, Date.now());
      } catch (err) {
        const error = toNodeError(RED, err);
        showError(node, error);
        statusShown.shown();
        guardForCatch(RED, msg);
        return done(error);
      }
      const out = messages(event, msg._msgid);
      if (out) send(out);
      showStatus();
      schedule();
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      statusShown.cancel();
      node.status({});
      done();
    });

    if (!setupError) statusShown.urgent();
    schedule();
  }

  RED.nodes.registerType('led-command', LedCommandNode);
};
