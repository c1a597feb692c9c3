import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { readDecideConfig, type DecideConfig } from './lib/decide-config';
import { DecideController, type DecideReaction, type Send } from './lib/decide-node';
import { Alarm } from './shared/alarm';
import { NodeSetup, refuse } from './shared/refusal';
import { typedOption } from './shared/runtime';
import { renderStatus, StatusThrottle } from './shared/status';

// This package, as Home Assistant discovery names the software that announced a device.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../../package.json') as { name: string; version: string; homepage?: string };
const ORIGIN = { name: pkg.name, sw: pkg.version, url: pkg.homepage };

interface DecideDef extends NodeDef, DecideConfig {
  groupName?: string;
  groupNameType?: string;
}

/** The adapter: Node-RED in, the controller (nodes/lib/decide-node.ts) decides, Node-RED out. */
export = function (RED: NodeAPI): void {
  function NightlightDecideNode(this: Node, config: DecideDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const settings = readDecideConfig(config);
    const setup = new NodeSetup(RED, node);
    const controller = setup.attempt(() => {
      const groupName =
        settings.mode === 'group' ? String(typedOption(RED, node, config.groupName, config.groupNameType) ?? '') : '';
      return new DecideController(settings, groupName, Date.now(), ORIGIN);
    });
    const statusShown = new StatusThrottle(node, () => renderStatus(RED, controller!.status(Date.now())));
    const timers: NodeJS.Timeout[] = [];

    function react(reaction: DecideReaction, now: number): void {
      if (reaction.warn) node.warn(RED._(reaction.warn.key, reaction.warn.params));
      if (reaction.status === 'release') statusShown.release();
      if (reaction.status !== 'none') statusShown.update(now);
      alarm.set();
    }
    // Holds that run out, devices going silent: the controller says when it is next due.
    const alarm = new Alarm(
      () => controller?.nextWake(),
      (now) =>
        react(
          controller!.wake(now, (msg) => node.send(msg as NodeMessage)),
          now,
        ),
    );

    node.on('input', (msg, send, done) => {
      if (setup.refused(msg, done) || !controller) return;
      const now = Date.now();
      let reaction: DecideReaction;
      try {
        reaction = controller.input(msg, now, send as Send);
      } catch (err) {
        return refuse(RED, node, msg, done, err, statusShown);
      }
      react(reaction, now);
      done();
    });

    if (controller) {
      const every = (ms: number, tick: (now: number) => void) =>
        ms > 0 && timers.push(setInterval(() => tick(Date.now()), ms));
      every(controller.refreshMs, (now) => controller.refresh(now).forEach((msg) => node.send(msg as NodeMessage)));
      every(controller.healthEveryMs, (now) => react(controller.checkHealth(now), now));
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      for (const timer of timers) clearInterval(timer);
      alarm.cancel();
      statusShown.cancel();
      controller?.clear();
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('nightlight-decide', NightlightDecideNode);
};
