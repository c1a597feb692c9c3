import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { LedCommandController, readLedConfig, type LedCommandConfig, type LedOutputs } from './lib/led-node';
import { Alarm } from './shared/alarm';
import { NodeSetup, refuse } from './shared/refusal';
import { typedOption } from './shared/runtime';
import { renderStatus, StatusThrottle } from './shared/status';

interface LedCommandDef extends NodeDef, LedCommandConfig {
  deviceId?: string;
  deviceIdType?: string;
}

/** The adapter: Node-RED in, the controller (nodes/lib/led-node.ts) decides, Node-RED out. */
export = function (RED: NodeAPI): void {
  function LedCommandNode(this: Node, config: LedCommandDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const options = readLedConfig(config);
    const setup = new NodeSetup(RED, node);
    const controller = setup.attempt(() => {
      const deviceId =
        options.stateTopic === undefined ? '' : String(typedOption(RED, node, config.deviceId, config.deviceIdType));
      return new LedCommandController(options, deviceId, Date.now());
    });
    // Every status of this node is a fixed text: a catalog key, which the editor shows in the browser's language.
    const statusShown = new StatusThrottle(node, () => renderStatus(RED, controller!.status()));

    /** Sends what an event gives, shows a change of who is in charge at once (the rest throttled), sets the timer. */
    function after(out: LedOutputs | undefined, send: (msgs: NodeMessage[]) => void): void {
      if (out) send(out as NodeMessage[]);
      statusShown.updateWatching(controller!.inCharge);
      alarm.set();
    }
    const alarm = new Alarm(
      () => controller!.nextWake(),
      (now) => after(controller!.tick(now), (msgs) => node.send(msgs)),
    );

    node.on('input', (msg, send, done) => {
      if (setup.refused(msg, done) || !controller) return;
      let out: LedOutputs | undefined;
      try {
        out = controller.input(msg.payload, Date.now(), msg._msgid);
      } catch (err) {
        return refuse(RED, node, msg, done, err, statusShown);
      }
      after(out, send);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      alarm.cancel();
      statusShown.cancel();
      node.status({});
      done();
    });

    if (controller) {
      statusShown.urgent();
      alarm.set();
    }
  }

  RED.nodes.registerType('led-command', LedCommandNode);
};
