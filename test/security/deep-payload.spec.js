'use strict';
// A parsed JSON payload nested a few thousand levels deep used to crash Node-RED when one of
// our nodes refused it: Node-RED copies a refused message for each Catch node with a
// recursive copy, which overflowed the stack. Such values are now replaced before done(err).
const assert = require('assert');
const path = require('path');
const mqtt = require('mqtt');
const { helper, ours, core, until, useServer, onTab, dist } = require('../support/runtime');
const { forEachBroker } = require('../support/brokers');
const { nested } = require('../support/hostile');

const { nestedDeeperThan, MAX_CATCH_DEPTH } = require(path.join(dist, 'shared', 'runtime.js'));

describe('deeply nested payloads', function () {
  it('nestedDeeperThan counts levels exactly, without recursion, through cycles and past Buffers', function () {
    const cyclic = { a: {} };
    cyclic.a.back = cyclic;
    const table = [
      [null, 0, false],
      [5, 0, false],
      [{}, 1, false],
      [{}, 0, true],
      [nested(MAX_CATCH_DEPTH - 1), MAX_CATCH_DEPTH, false], // MAX_CATCH_DEPTH arrays in all
      [nested(MAX_CATCH_DEPTH), MAX_CATCH_DEPTH, true],
      [{ a: [{ b: [] }] }, 4, false],
      [{ a: [{ b: [] }] }, 3, true],
      [cyclic, 10, false],
      [{ buf: Buffer.alloc(1000) }, 2, false],
      [nested(1_000_000), MAX_CATCH_DEPTH, true],
    ];
    for (const [value, max, expected] of table) assert.strictEqual(nestedDeeperThan(value, max), expected, `${max}`);
  });

  describe('through mqtt in (auto-detect parses JSON) and a Catch node', function () {
    useServer();
    forEachBroker((startBroker, kind) => {
      it(`${kind}: a 100,000-level JSON payload is refused, reported, and the server keeps serving`, async function () {
        this.timeout(30000);
        const broker = await startBroker();
        try {
          await helper.load(
            [ours.decide, core.mqtt, core.catch],
            onTab([
              {
                id: 'broker',
                type: 'mqtt-broker',
                broker: '127.0.0.1',
                port: String(broker.port),
                protocolVersion: '4',
                keepalive: '60',
                cleansession: true,
              },
              {
                id: 'in',
                type: 'mqtt in',
                topic: '+/telemetry',
                qos: '1',
                datatype: 'auto-detect',
                broker: 'broker',
                wires: [['decide']],
              },
              { id: 'decide', type: 'nightlight-decide', wires: [['out']] },
              { id: 'out', type: 'helper' },
              { id: 'catch', type: 'catch', scope: ['decide'], uncaught: false, wires: [['caught']] },
              { id: 'caught', type: 'helper' },
            ]),
          );
          const out = [];
          const caught = [];
          helper.getNode('out').on('input', (m) => out.push(m.topic));
          helper.getNode('caught').on('input', (m) => caught.push(m));
          await until(() => helper.getNode('broker').connected, 'connected');
          await new Promise((r) => setTimeout(r, 200));
          const client = mqtt.connect(broker.url, { reconnectPeriod: 0 });
          await new Promise((resolve) => client.once('connect', resolve));
          const depth = 100000;
          await client.publishAsync('evil/telemetry', `{"light":${'['.repeat(depth)}${']'.repeat(depth)}}`, { qos: 1 });
          await client.publishAsync('good/telemetry', '{"light":10}', { qos: 1 });
          await until(() => out.length === 1 && caught.length === 1, 'the refusal and the next command');
          assert.strictEqual(caught[0].error.message, 'Error: nightlight.errors.light-not-number');
          assert.strictEqual(
            caught[0].payload,
            'nightlight.errors.too-deep',
            'the Catch node gets a note instead of the deep value',
          );
          assert.strictEqual(caught[0].topic, 'evil/telemetry', 'and the rest of the message as it came');
          assert.deepStrictEqual(out, ['good/commands']);
          client.end(true);
        } finally {
          await helper.unload();
          await broker.close();
        }
      });
    });
  });
});
