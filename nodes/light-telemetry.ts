import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { linkFromWiredNodes } from './lib/link';
import { readTelemetryConfig, type LightTelemetryConfig } from './lib/telemetry-config';
import { CONTEXT_KEY, TelemetryController, telemetryStatus, type TelemetryReaction } from './lib/telemetry-controller';
import { TopicTemplate } from './lib/topics';
import { NodeSetup, refuse } from './shared/refusal';
import { typedOption } from './shared/runtime';
import { STATUS_MAX, StatusThrottle, statusKey, statusLength } from './shared/status';

type LightTelemetryDef = NodeDef & LightTelemetryConfig;

export = function (RED: NodeAPI): void {
  function LightTelemetryNode(this: Node, config: LightTelemetryDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const options = readTelemetryConfig(config, (RED.settings as { nodeMessageBufferMaxLength?: unknown }).nodeMessageBufferMaxLength);
    const setup = new NodeSetup(RED, node);
    const controller = setup.attempt(() => {
      const deviceId = String(typedOption(RED, node, config.deviceId, config.deviceIdType));
      return new TelemetryController(options, node.id, deviceId, new TopicTemplate(config.topic || '{id}/telemetry').render(deviceId));
    });
    let timer: NodeJS.Timeout | undefined;
    if (controller) node.status({});
    const probe = () => linkFromWiredNodes(((node as unknown as { wires?: string[][] }).wires?.[0] ?? []).map((id) => RED.nodes.getNode(id)));
    const statusShown = new StatusThrottle(node, () =>
      telemetryStatus(controller!.statusParts(), { fixed: statusKey, text: (key, params) => RED._(key, params), fits: (text) => statusLength(text) <= STATUS_MAX }),
    );

    /** Carries out what the controller asked: send, store, warn, set the timer, show the status. */
    function apply(reaction: TelemetryReaction): void {
      for (const msg of reaction.send) node.send(msg as unknown as NodeMessage);
      if (reaction.save.length) node.context().set(reaction.save.map((w) => w.key), reaction.save.map((w) => w.value), options.store as string);
      if (reaction.warn) node.warn(RED._('light-telemetry.warn.' + reaction.warn));
      if (timer) clearTimeout(timer);
      timer = reaction.wakeAt === undefined ? undefined : setTimeout(() => apply(controller!.wake(Date.now(), probe())), Math.max(0, reaction.wakeAt - Date.now()));
      statusShown.updateWatching(controller!.link);
    }

    if (controller?.stored) restoreStored(controller, options.store as string);

    node.on('input', (msg, _send, done) => {
      if (setup.refused(msg, done) || !controller) return;
      const reaction = controller.input(msg, Date.now(), probe());
      if (reaction.refuse !== undefined) return refuse(RED, node, msg, done, reaction.refuse, statusShown);
      apply(reaction);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      statusShown.cancel();
      controller?.close();
      node.status({});
      done();
    });

    /** Reads the stored buffer back: synchronously when the store allows it (memory, localfilesystem with its cache), so no reading overtakes it. */
    function restoreStored(c: TelemetryController, store: string): void {
      const context = node.context();
      const read = (keys: string[], then: (values: unknown[]) => void) => {
        let values: unknown[] | undefined;
        try {
          values = keys.map((key) => context.get(key, store));
        } catch {
          // An asynchronous store; one that cannot be read is reported, and the buffer is then kept in memory only.
          context.get(keys, store, (err: Error | undefined, ...got: unknown[]) => (err ? node.error(err) : then(got)));
        }
        if (values) then(values);
      };
      read([CONTEXT_KEY], ([index]) => read(c.chunkKeys(index), (chunks) => apply(c.restore(index, chunks, Date.now()))));
    }
  }

  RED.nodes.registerType('light-telemetry', LightTelemetryNode);
};
