import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { linkFromWiredNodes } from './lib/link';
import { readTelemetryConfig, type LightTelemetryConfig } from './lib/telemetry-config';
import { TelemetryController, telemetryStatus, type TelemetryReaction } from './lib/telemetry-controller';
import { NodeSetup, refuse } from './shared/refusal';
import { typedOption } from './shared/runtime';
import { STATUS_MAX, StatusThrottle, statusKey, statusLength } from './shared/status';

type LightTelemetryDef = NodeDef & LightTelemetryConfig;

/** The adapter: Node-RED in, the controller (nodes/lib/telemetry-controller.ts) decides, Node-RED out. */
export = function (RED: NodeAPI): void {
  function LightTelemetryNode(this: Node, config: LightTelemetryDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const options = readTelemetryConfig(config, RED.settings as { nodeMessageBufferMaxLength?: unknown });
    const setup = new NodeSetup(RED, node);
    const deviceId = () => String(typedOption(RED, node, config.deviceId, config.deviceIdType));
    const controller = setup.attempt(() => new TelemetryController(options, node.id, deviceId()));
    let timer: NodeJS.Timeout | undefined;
    /** What the mqtt out nodes wired to the output say of their connection (until a Status node reports). */
    const wired = (node as unknown as { wires?: string[][] }).wires?.[0] ?? [];
    const probe = () => linkFromWiredNodes(wired.map((id) => RED.nodes.getNode(id)));
    const render = { fixed: statusKey, text: RED._.bind(RED), fits: (t: string) => statusLength(t) <= STATUS_MAX };
    const statusShown = new StatusThrottle(node, () => telemetryStatus(controller!.statusParts(), render));
    const wake = () => apply(controller!.wake(Date.now(), probe()));

    /** Carries out what the controller asked: send, store, warn, set the timer, show the status. */
    function apply(reaction: TelemetryReaction): void {
      for (const msg of reaction.send) node.send(msg as unknown as NodeMessage);
      for (const { key, value } of reaction.save) node.context().set(key, value, options.store);
      if (reaction.warn) node.warn(RED._('light-telemetry.warn.' + reaction.warn));
      if (timer) clearTimeout(timer);
      const at = reaction.wakeAt;
      timer = at === undefined ? undefined : setTimeout(wake, Math.max(0, at - Date.now()));
      statusShown.updateWatching(controller!.link);
    }

    /** A context store read: at once when the store allows it (memory, localfilesystem with its cache), so no reading overtakes it. */
    function read(keys: string[], then: (values: unknown[]) => void): void {
      let values: unknown[] | undefined;
      try {
        values = keys.map((key) => node.context().get(key, options.store));
      } catch {
        // An asynchronous store; one that cannot be read is reported, and the buffer is then kept in memory only.
        node
          .context()
          .get(keys, options.store as string, (err: Error | undefined, ...got: unknown[]) =>
            err ? node.error(err) : then(got),
          );
      }
      if (values) then(values);
    }

    if (controller) node.status({});
    if (controller?.stored) controller.load(read, Date.now, apply);

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
  }

  RED.nodes.registerType('light-telemetry', LightTelemetryNode);
};
