'use strict';
// The server example (examples/03-server-many-devices.json) as shipped, with the real MQTT
// nodes against real brokers, serving several lesson devices: plain MQTT clients that send
// only {"light": N} at QoS 0 and read only led_on.
const assert = require('assert');
const mqtt = require('mqtt');
const { until, useServer } = require('../support/runtime');
const { forEachBroker, useBroker, ALL_BROKERS } = require('../support/brokers');
const { loadExample } = require('../support/examples');
const { lessonDevice, clearRetained } = require('../support/mqtt-clients');

const SIMULATOR = ['nl3_tick', 'nl3_sim', 'nl3_sim_out'];

/** The example pointed at the test broker, without its simulated devices (so only ours talk). */
async function loadServer(broker) {
  await loadExample('03-server-many-devices.json', broker, { drop: SIMULATOR });
  // Give the broker a moment to put both subscriptions in place.
  await new Promise((r) => setTimeout(r, 300));
}

const settle = () => new Promise((r) => setTimeout(r, 400));

forEachBroker(
  (startBroker, kind, caps) => {
    describe(`server example (03) on ${kind}`, function () {
      this.timeout(30000);
      let broker;
      useServer();
      useBroker(startBroker, (started) => (broker = started), { perTest: false });

      it('gives several lesson devices their own correct commands, with the band', async function () {
        await loadServer(broker);
        const ids = ['desk', 'porch', 'garden'];
        const devices = await Promise.all(ids.map((id) => lessonDevice(broker.url, id)));
        try {
          const [desk, porch, garden] = devices;
          await desk.send(120);
          await porch.send(800);
          await garden.send(310);
          await until(() => devices.every((d) => d.commands.length === 1), 'a first command for each device');
          assert.deepStrictEqual(
            devices.map((d) => d.commands),
            [[true], [false], [false]],
          );
          await garden.send(200); // dark: on
          await desk.send(320); // inside the band (300 to 350): stays on, nothing sent
          await porch.send(790); // unchanged: nothing sent
          await until(() => garden.commands.length === 2, 'garden on');
          await desk.send(360); // at or above 350: off
          await until(() => desk.commands.length === 2, 'desk off');
          await settle();
          assert.deepStrictEqual(
            devices.map((d) => d.commands),
            [[true, false], [false], [false, true]],
          );
        } finally {
          await Promise.all(devices.map((d) => d.close()));
        }
      });

      const learns = caps.retainedToWildcards
        ? 'learns commands another server published (fed back from +/commands) and does not send them again'
        : 'cannot learn a retained command from +/commands (the broker never delivers retained messages to wildcards): it starts the device afresh';
      it(learns, async function () {
        const other = await mqtt.connectAsync(broker.url, { clientId: 'another-node-red', reconnectPeriod: 0 });
        const future = Date.now() + 60_000; // even a clock ahead of ours does not make our next command look old
        await other.publishAsync('hall/commands', JSON.stringify({ led_on: true, seq: 41, ts: future }), {
          qos: 1,
          retain: true,
        });
        await other.endAsync();
        await loadServer(broker);
        const hall = await lessonDevice(broker.url, 'hall');
        const seen = await mqtt.connectAsync(broker.url, { clientId: 'watcher', reconnectPeriod: 0 });
        const published = [];
        seen.on('message', (_t, payload) => published.push(JSON.parse(payload.toString())));
        await seen.subscribeAsync('hall/commands', { qos: 1 });
        try {
          await until(() => published.length === 1, 'the retained command');
          await hall.send(100); // dark, as the other server already decided
          if (caps.retainedToWildcards) {
            await settle();
            assert.strictEqual(published.length, 1, 'no second "on" command');
            await hall.send(900);
            await until(() => published.length === 2, 'the off command');
            assert.deepStrictEqual([published[1].led_on, published[1].seq], [false, 42]);
            assert.ok(published[1].ts > future, 'ordered after the learned command');
          } else {
            await until(() => published.length === 2, 'a second "on" command');
            assert.deepStrictEqual(
              [published[1].led_on, published[1].seq],
              [true, 1],
              'a first command: nothing was learned',
            );
            assert.ok(published[1].ts < future, 'ordered before the command it never saw');
          }
        } finally {
          await hall.close();
          await seen.endAsync();
          await clearRetained(broker.url, ['hall/commands']);
        }
      });
    });
  },
  { brokers: ALL_BROKERS },
);
