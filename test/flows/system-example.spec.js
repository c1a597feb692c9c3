'use strict';
// The whole-system example (examples/01-whole-system.json) as shipped, with the real
// built-in MQTT nodes, against real brokers, and against clients that act exactly like
// the lesson's device and server.
const assert = require('assert');
const mqtt = require('mqtt');
const { helper, allNodes, until, collect, useServer } = require('../support/runtime');
const { forEachBroker, useBroker, ALL_BROKERS } = require('../support/brokers');
const { loadExample, prepareExample } = require('../support/examples');
const { lessonDevice, lessonServer, clearRetained } = require('../support/mqtt-clients');

const EXAMPLE = '01-whole-system.json';
const SERVER_PART = ['nl1_srv_in', 'nl1_decide', 'nl1_cmd_out'];

const DOT = {
  ok: 'works with a device id that has a dot in it',
  level: 'with a dot in the device id, the broker splits the topic at the dot, so +/telemetry never hears the device',
  refused: "with a dot in the device id, the broker refuses the topic and disconnects the device's connection",
};

forEachBroker(
  (startBroker, kind, caps) => {
    describe(`whole-system example on ${kind}`, function () {
      this.timeout(30000);
      let broker;
      useServer();
      useBroker(startBroker, (started) => (broker = started), { perTest: false });

      it('switches the LED on when the preset makes it dark and off when bright', async function () {
        await loadExample(EXAMPLE, broker, { probe: ['nl1_led_debug'] });
        const led = collect(helper.getNode('nl1_led_debug'));
        helper.getNode('nl1_dark').receive({});
        await until(() => led.some((m) => m.payload === true), 'LED on after dark');
        helper.getNode('nl1_bright').receive({});
        await until(() => led.at(-1).payload === false, 'LED off after bright');
        const decideStatus = helper.getNode('nl1_decide');
        assert.ok(decideStatus, 'the server part runs');
      });

      it('serves a lesson device that sends only {"light": N} at QoS 0 and reads only led_on', async function () {
        await loadExample(EXAMPLE, broker, { drop: ['nl1_tick', 'nl1_cycle'] });
        const device = await lessonDevice(broker.url, 'lessondevice42');
        try {
          device.send(120);
          await until(() => device.commands.length >= 1, 'the first command');
          assert.strictEqual(device.commands.at(-1), true);
          device.send(700);
          await until(() => device.commands.at(-1) === false, 'LED off command');
          device.send(650);
          device.send(299);
          await until(() => device.commands.at(-1) === true, 'LED on command');
          // On change (the default): one command per change, plus the first.
          assert.deepStrictEqual(device.commands, [true, false, true]);
        } finally {
          await device.close();
        }
      });

      it('is driven by a lesson server that answers every reading at QoS 0', async function () {
        await clearRetained(broker.url, ['nightlight-demo/commands']);
        await loadExample(EXAMPLE, broker, {
          drop: [...SERVER_PART, 'nl1_tick', 'nl1_cycle'],
          probe: ['nl1_led_debug'],
        });
        const server = await lessonServer(broker.url, 'nightlight-demo');
        try {
          const led = collect(helper.getNode('nl1_led_debug'));
          helper.getNode('nl1_dark').receive({});
          await until(() => led.length === 1, 'LED on');
          assert.strictEqual(led[0].payload, true);
          helper.getNode('nl1_bright').receive({});
          await until(() => led.length === 2, 'LED off');
          assert.strictEqual(led[1].payload, false);
          assert.deepStrictEqual(server.readings, [100, 800]);
        } finally {
          await server.close();
        }
      });

      it(DOT[caps.dot], async function () {
        const id = 'hall.1';
        const flow = prepareExample(EXAMPLE, broker, { drop: ['nl1_tick', 'nl1_cycle'], probe: ['nl1_led_debug'] }).map(
          (n) => {
            if (n.id === 'nl1_telemetry') return { ...n, deviceId: id };
            if (n.id === 'nl1_cmd_in') return { ...n, topic: `${id}/commands` };
            return n;
          },
        );
        const watcher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
        const seen = [];
        // (Retained commands of the other tests aside; and NATS lets `#` see its own `$MQTT/...` and `$JS/...` subjects.)
        watcher.on('message', (topic, _p, packet) => !packet.retain && !topic.startsWith('$') && seen.push(topic));
        await watcher.subscribeAsync('#', { qos: 0 });
        try {
          await helper.load(allNodes, flow);
          const link = helper.getNode('nl1_broker');
          await until(() => link.connected, 'the example to connect');
          const led = collect(helper.getNode('nl1_led_debug'));
          helper.getNode('nl1_dark').receive({});
          if (caps.dot === 'ok') {
            await until(() => led.some((m) => m.payload === true), 'LED on');
            assert.ok(seen.includes(`${id}/telemetry`) && seen.includes(`${id}/commands`), seen.join());
          } else if (caps.dot === 'level') {
            await until(() => seen.includes('hall/1/telemetry'), 'the reading, as hall/1/telemetry');
            await new Promise((r) => setTimeout(r, 500));
            assert.deepStrictEqual(led, [], 'no command: the server never heard the device');
            assert.ok(!seen.some((t) => /commands$/.test(t)), seen.join());
          } else {
            await until(() => !link.connected, 'the broker to close the connection');
            assert.deepStrictEqual(led, []);
            assert.deepStrictEqual(seen, [], "nothing reached the broker's other clients");
          }
        } finally {
          await watcher.endAsync(true);
        }
      });
    });
  },
  { brokers: ALL_BROKERS },
);
