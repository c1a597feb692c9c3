'use strict';
// Example 2 (the device alone), loaded as shipped into the real runtime against a real
// broker: only the broker's port is changed, to the test broker's free port.
const assert = require('assert');
const path = require('path');
const mqtt = require('mqtt');
const { helper, allNodes, collect, until } = require('../support/runtime');
const { forEachBroker, ALL_BROKERS } = require('../support/brokers');

const example = require(path.join(__dirname, '../../examples/02-device-store-and-forward.json'));
const byType = (type) => example.filter((n) => n.type === type);

describe('example 2: the device alone', function () {
  it('runs as imported against localhost:1883 and uses only core nodes and ours', function () {
    const [broker] = byType('mqtt-broker');
    assert.deepStrictEqual([broker.broker, String(broker.port), broker.protocolVersion], ['localhost', '1883', '4']);
    const core = new Set([
      'tab',
      'comment',
      'inject',
      'function',
      'mqtt out',
      'mqtt in',
      'status',
      'complete',
      'debug',
      'mqtt-broker',
    ]);
    const ours = new Set(['light-telemetry', 'led-command']);
    assert.deepStrictEqual(
      example.filter((n) => !core.has(n.type) && !ours.has(n.type)),
      [],
    );
    assert.ok(
      byType('comment').some((c) => /drop/.test(c.info) && /latest/.test(c.info) && /all/.test(c.info)),
      'a comment explains each policy',
    );
  });

  it('is one tab of its own, every node on it', function () {
    const [tab, ...others] = byType('tab');
    assert.ok(tab && others.length === 0);
    assert.deepStrictEqual(
      example.filter((n) => n.type !== 'tab' && n.type !== 'mqtt-broker' && n.z !== tab.id),
      [],
    );
  });

  it('wires a Status and a Complete node watching mqtt out back into light telemetry', function () {
    const [telemetry] = byType('light-telemetry');
    const out = byType('mqtt out').find((n) => telemetry.wires[0].includes(n.id));
    for (const type of ['status', 'complete']) {
      const [watcher] = byType(type);
      assert.deepStrictEqual(watcher.scope, [out.id], `${type} watches the telemetry mqtt out`);
      assert.deepStrictEqual(watcher.wires, [[telemetry.id]], `${type} feeds light telemetry`);
    }
    assert.strictEqual(telemetry.offline, 'all');
  });

  forEachBroker(
    (startBroker, kind) => {
      describe(`against ${kind}`, function () {
        this.timeout(30000);
        let broker;
        before(function (done) {
          helper.startServer(done);
        });
        after(function (done) {
          helper.stopServer(done);
        });
        beforeEach(async function () {
          broker = await startBroker({ extraConfig: ['user root'] });
        });
        afterEach(async function () {
          await helper.unload();
          await broker.close();
        });

        it('publishes telemetry, switches the LED on a command and reports its state', async function () {
          const flow = example.map((n) =>
            n.type === 'mqtt-broker' ? { ...n, broker: '127.0.0.1', port: String(broker.port) } : { ...n },
          );
          const led = flow.find((n) => n.type === 'led-command');
          flow.push({ id: 'ledSpy', type: 'helper', z: led.z });
          led.wires = [[...led.wires[0], 'ledSpy'], led.wires[1]];
          const client = await mqtt.connectAsync(broker.url);
          try {
            const seen = [];
            client.on('message', (topic, payload) => seen.push([topic, JSON.parse(payload)]));
            await client.subscribeAsync(['nightlight-1/telemetry', 'nightlight-1/state'], { qos: 1 });
            await helper.load(allNodes, flow);
            const ledSpy = collect(helper.getNode('ledSpy'));
            await until(
              () => seen.some(([t]) => t === 'nightlight-1/telemetry'),
              'telemetry from the simulated sensor',
            );
            const [, telemetry] = seen.find(([t]) => t === 'nightlight-1/telemetry');
            assert.ok(
              telemetry.light >= 0 && telemetry.light <= 1000 && telemetry.seq === 1,
              JSON.stringify(telemetry),
            );
            await client.publishAsync(
              'nightlight-1/commands',
              JSON.stringify({ led_on: true, seq: 1, ts: Date.now() }),
              { qos: 1 },
            );
            await until(() => ledSpy.length === 1, 'the LED');
            assert.strictEqual(ledSpy[0].payload, 1, 'format 1/0 for a GPIO node');
            await until(() => seen.some(([t]) => t === 'nightlight-1/state'), 'the reported state');
            assert.deepStrictEqual(seen.find(([t]) => t === 'nightlight-1/state')[1].led_on, true);
          } finally {
            await client.endAsync(true);
          }
        });
      });
    },
    { brokers: ALL_BROKERS },
  );
});
