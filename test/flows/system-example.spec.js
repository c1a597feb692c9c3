'use strict';
// The whole-system example (examples/01-whole-system.json) as shipped, with the real
// built-in MQTT nodes, against real brokers, and against clients that act exactly like
// the lesson's device and server.
const assert = require('assert');
const { helper, until, collect, useServer } = require('../support/runtime');
const { forEachBroker, useBroker } = require('../support/brokers');
const { loadExample } = require('../support/examples');
const { lessonDevice, lessonServer, clearRetained } = require('../support/mqtt-clients');

const EXAMPLE = '01-whole-system.json';
const SERVER_PART = ['nl1_srv_in', 'nl1_decide', 'nl1_cmd_out'];

forEachBroker((startBroker, kind) => {
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
      await loadExample(EXAMPLE, broker, { drop: [...SERVER_PART, 'nl1_tick', 'nl1_cycle'], probe: ['nl1_led_debug'] });
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
  });
});
