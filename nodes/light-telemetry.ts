import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { DEFAULT_CAPACITY, MAX_CAPACITY, Outbox, outboxStatus, readSavedBuffer, type OfflinePolicy } from './lib/buffer';
import { deliveryOf, linkFromStatus, type DeliveryMarker } from './lib/link';
import { parseReading, DEFAULT_MAX_BYTES } from './lib/payload';
import { ReportPolicy } from './lib/policy';
import { TelemetrySource } from './lib/telemetry';
import { TopicTemplate } from './lib/topics';
import { numberOption, showError, toNodeError, typedOption, guardForCatch } from './shared/runtime';
import { STATUS_MAX, StatusThrottle, statusKey, statusLength } from './shared/status';

interface LightTelemetryDef extends NodeDef {
  deviceId: string;
  deviceIdType?: string;
  topic: string;
  qos: string;
  retain: boolean;
  maxBytes?: string | number;
  minInterval?: string | number;
  deadband?: string | number;
  heartbeat?: string | number;
  offline?: OfflinePolicy;
  capacity?: string | number;
  rate?: string | number;
  ackTimeout?: string | number;
  store?: string;
}

const POLICIES: OfflinePolicy[] = ['drop', 'latest', 'all'];
const WINDOW = 5;
const CONTEXT_KEY = 'nightlight-buffer';

export = function (RED: NodeAPI): void {
  function LightTelemetryNode(this: Node, config: LightTelemetryDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const qos = Number(config.qos) === 1 || Number(config.qos) === 2 ? Number(config.qos) : 0;
    const retain = config.retain === true;
    const maxBytes = numberOption(config.maxBytes, DEFAULT_MAX_BYTES);
    const source = new TelemetrySource();
    const policy = new ReportPolicy({
      minIntervalMs: numberOption(config.minInterval, 0) * 1000,
      deadband: numberOption(config.deadband, 0),
      heartbeatMs: numberOption(config.heartbeat, 0) * 1000,
    });
    const capacity = Math.min(MAX_CAPACITY, numberOption(config.capacity, DEFAULT_CAPACITY));
    const outbox = new Outbox({
      policy: POLICIES.includes(config.offline as OfflinePolicy) ? (config.offline as OfflinePolicy) : 'drop',
      capacity,
      window: WINDOW,
      gapMs: 1000 / Math.max(0.1, numberOption(config.rate, 20)),
      ackTimeoutMs: Math.max(1, numberOption(config.ackTimeout, 10)) * 1000,
    });
    let deviceId = '';
    let topic: string | undefined;
    let setupError: Error | undefined;
    let lastLight: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    let warnedNoComplete = false;
    const store = outbox.policy !== 'drop' && config.store ? String(config.store) : undefined;
    if (store) {
      // Synchronous when the store allows it (memory, localfilesystem with its cache), so no reading overtakes the restored ones.
      const restore = (value: unknown) => {
        const saved = readSavedBuffer(value, capacity);
        source.continueFrom(saved.seq);
        outbox.restore(saved.readings);
      };
      try {
        restore(node.context().get(CONTEXT_KEY, store));
      } catch {
        node.context().get(CONTEXT_KEY, store, (err: Error | undefined, value: unknown) => {
          if (err) node.error(err);
          else restore(value);
          pump();
        });
      }
    }
    try {
      deviceId = String(typedOption(RED, node, config.deviceId, config.deviceIdType));
      topic = new TopicTemplate(config.topic || '{id}/telemetry').render(deviceId);
      node.status({});
    } catch (err) {
      setupError = toNodeError(RED, err);
      node.error(setupError);
      showError(node, setupError);
    }

    const statusShown = new StatusThrottle(node, () => {
      const { down, parts } = outboxStatus(outbox, lastLight);
      // A fixed word alone (offline, online) goes to the editor as a catalog key, shown in the browser's language;
      // a text with run-time values is rendered here, in the runtime's language.
      if (parts.length === 1 && !parts[0].params) {
        return { fill: down ? 'red' : 'green', shape: down ? 'ring' : 'dot', text: statusKey('light-telemetry.status.' + parts[0].key) };
      }
      let texts = parts.map((p) => RED._('light-telemetry.status.' + p.key, p.params));
      // While a buffer drains, the counts matter more than the last value sent: that goes when all would not fit.
      if (parts.length > 1 && parts[0].key === 'sent' && statusLength(texts.join(' · ')) > STATUS_MAX) texts = texts.slice(1);
      return parts.length ? { fill: down ? 'red' : 'green', shape: down ? 'ring' : 'dot', text: texts.join(' · ') } : {};
    });
    /** The link going up or down changing shows at once; everything else at most 4 times a second. */
    const showStatus = () => statusShown.updateWatching(outbox.link);

    /** Sends what the outbox releases, then sets the timer for whatever is due next. */
    /** `msgid`: the input's, when that input has just added the newest reading. */
    function pump(msgid?: string): void {
      if (!topic) return;
      const now = Date.now();
      for (const { key, telemetry } of outbox.take(now)) {
        const nightlight: DeliveryMarker = { node: node.id, key, device: deviceId, seq: telemetry.seq };
        lastLight = telemetry.light;
        // Only the newest reading (not historical) answers the message that came in; Node-RED ids the rest.
        node.send({ _msgid: telemetry.historical ? undefined : msgid, topic, payload: telemetry, qos, retain, nightlight } as NodeMessage);
      }
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (store) node.context().set(CONTEXT_KEY, { seq: source.lastSeq, readings: outbox.snapshot() }, store);
      const wakes = [policy.nextWake(), outbox.nextWake()].filter((t): t is number => t !== undefined);
      if (wakes.length) timer = setTimeout(onTimer, Math.max(0, Math.min(...wakes) - Date.now()));
      showStatus();
    }

    function onTimer(): void {
      timer = undefined;
      const now = Date.now();
      const report = policy.tick(now);
      if (report) outbox.push(source.reading(report.reading.light, report.reading.at));
      if (outbox.tick(now) > 0 && outbox.confirmed === 0 && !warnedNoComplete) {
        warnedNoComplete = true;
        node.warn(RED._('light-telemetry.warn.no-complete'));
      }
      pump();
    }

    // Readings restored from the store go out without waiting for the next event.
    if (outbox.waiting > 0) timer = setTimeout(onTimer, 0);

    node.on('input', (msg, _send, done) => {
      if (setupError || !topic) return done(setupError);
      const delivery = deliveryOf(msg, node.id);
      const status = (msg as { status?: { source?: { id?: string } } }).status;
      if (delivery) {
        outbox.confirm(delivery.key);
      } else if (status && typeof status === 'object') {
        // Our own status (a Status node watching every node) says nothing about the link.
        const link = status.source?.id === node.id ? undefined : linkFromStatus(status);
        if (!link || link === outbox.link) return done();
        if (link === 'down') outbox.linkDown();
        else outbox.linkUp();
      } else {
        let light: number;
        try {
          light = parseReading(msg.payload, maxBytes);
        } catch (err) {
          const error = toNodeError(RED, err);
          showError(node, error);
          statusShown.shown();
          guardForCatch(RED, msg);
          return done(error);
        }
        const now = Date.now();
        const report = policy.offer({ light, at: now }, now);
        if (report) outbox.push(source.reading(report.reading.light, report.reading.at));
        pump(report ? msg._msgid : undefined);
        return done();
      }
      pump();
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      statusShown.cancel();
      outbox.clear();
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('light-telemetry', LightTelemetryNode);
};
