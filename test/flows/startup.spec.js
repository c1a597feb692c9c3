'use strict';
// Start-up with the broker down, in the real Node-RED runtime against real brokers: the
// device flow is deployed while nothing listens on the broker's port, takes readings,
// and only then the broker starts. `mqtt out` starts disconnected and drops what it is
// given until it first connects, so readings taken before that must follow the offline
// policy exactly as readings taken during an outage do.
//
// What reaches the broker is counted by an observer with a persistent session, set up on
// the same port before the deploy (its subscription survives the broker's restart), so it
// receives what the device publishes even when the device connects first.
const assert = require('assert');
const mqtt = require('mqtt');
const { helper, ours, core, collect, until, onTab } = require('../support/runtime');
const { forEachBroker, freePort } = require('../support/brokers');
const { brokerConfig } = require('../support/system-flow');

const nodes = [ours.lightTelemetry, core.mqtt, core.status, core.complete, core.catch];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function deviceFlow(port, id, telemetry, { statusNode = true } = {}) {
  return onTab([
    brokerConfig('bdev', port),
    {
      id: 'lt',
      type: 'light-telemetry',
      deviceId: id,
      topic: '{id}/telemetry',
      qos: '1',
      rate: 100,
      ...telemetry,
      wires: [['mout', 'sent']],
    },
    { id: 'sent', type: 'helper' },
    { id: 'mout', type: 'mqtt out', broker: 'bdev', topic: '', qos: '', retain: '', wires: [] },
    ...(statusNode ? [{ id: 'st', type: 'status', scope: ['mout'], wires: [['lt']] }] : []),
    { id: 'cp', type: 'complete', scope: ['mout'], uncaught: false, wires: [['lt']] },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ]);
}

/** A subscriber to `topic` whose session (clean session off) outlives its connection and a broker restart. */
function observer(url, id, topic) {
  const received = [];
  const options = { clientId: `observer-${id}`, clean: false, reconnectPeriod: 100 };
  return {
    received,
    /** Connects once, subscribes, and leaves: the broker keeps the session. */
    async register() {
      const client = await mqtt.connectAsync(url, { ...options, reconnectPeriod: 0 });
      await client.subscribeAsync(topic, { qos: 1 });
      await client.endAsync();
    },
    async connect() {
      this.client = await mqtt.connectAsync(url, options);
      this.client.on('message', (_topic, payload) => received.push(JSON.parse(payload)));
    },
    async end() {
      if (this.client) await this.client.endAsync(true);
    },
  };
}

forEachBroker((startBroker, kind) => {
  describe(`readings taken before mqtt out first connects (${kind})`, function () {
    this.timeout(60000);
    let broker;
    let watcher;
    before(function (done) {
      helper.settings({ mqttReconnectTime: 300 });
      helper.startServer(done);
    });
    after(function (done) {
      helper.settings({ mqttReconnectTime: undefined });
      helper.stopServer(done);
    });
    afterEach(async function () {
      await helper.unload();
      if (watcher) await watcher.end();
      if (broker) await broker.close();
      broker = undefined;
      watcher = undefined;
    });

    /**
     * Registers the observer on a fresh broker, stops the broker, deploys `flow(port)` with
     * nothing listening, and takes `readings` (one every 50 ms); returns what light
     * telemetry had sent by then. `start()` then starts the broker on the same port.
     */
    async function deployWithBrokerDown(id, flow, readings) {
      const port = await freePort();
      broker = await startBroker({ port, extraConfig: ['user root'] });
      watcher = observer(broker.url, id, `${id}/telemetry`);
      await watcher.register();
      await broker.stop();
      await helper.load(nodes, flow(port));
      const sent = collect(helper.getNode('sent'));
      const lt = helper.getNode('lt');
      const statuses = [];
      lt.on('call:status', (call) => statuses.push(call.args[0]));
      for (const light of readings) {
        lt.receive({ payload: light });
        await sleep(50);
      }
      await sleep(500);
      const sentBefore = sent.length;
      return {
        lt,
        sent,
        statuses,
        sentBefore,
        async start() {
          await broker.start();
          await watcher.connect();
        },
      };
    }

    const expectations = {
      drop: { arrives: [], dropped: true },
      latest: { arrives: [[5, false]], dropped: true },
      all: {
        arrives: [
          [5, false],
          [1, true],
          [2, true],
          [3, true],
          [4, true],
        ],
        dropped: false,
      },
    };
    for (const [policy, { arrives, dropped }] of Object.entries(expectations)) {
      it(`${policy}: ${arrives.length === 0 ? 'none of the early readings arrives' : arrives.length === 1 ? 'only the last early reading arrives, live' : 'every early reading arrives once, the newest first and live, then the rest oldest first as history'}`, async function () {
        const id = `start-${policy}-${kind}`;
        const device = await deployWithBrokerDown(
          id,
          (port) => deviceFlow(port, id, { offline: policy }),
          [1, 2, 3, 4, 5],
        );
        assert.strictEqual(device.sentBefore, 0, 'nothing is handed to mqtt out before it first connects');
        assert.strictEqual(device.statuses.at(-1).fill, 'red', 'light telemetry shows the link down');
        await device.start();
        await until(() => device.statuses.at(-1).fill === 'green', 'light telemetry to see the link up', 15000);
        await until(() => !/buffered/.test(device.statuses.at(-1).text || ''), 'an empty buffer', 15000);
        device.lt.receive({ payload: 99 });
        await until(() => watcher.received.some((t) => t.light === 99), 'the first reading after the start');
        await sleep(300);
        const got = watcher.received.map((t) => [t.light, t.historical === true]);
        assert.deepStrictEqual(got, [...arrives, [99, false]]);
        assert.strictEqual(
          device.statuses.some((s) => /status\.dropped/.test(s.text || '')),
          dropped,
          'drops are shown',
        );
      });
    }

    it('all, with no Status node wired: the readings wait until mqtt out has connected, then every one arrives', async function () {
      const id = `start-nostatus-${kind}`;
      const device = await deployWithBrokerDown(
        id,
        (port) => deviceFlow(port, id, { offline: 'all' }, { statusNode: false }),
        [1, 2, 3],
      );
      assert.strictEqual(device.sentBefore, 0, 'nothing is handed to mqtt out before it first connects');
      await device.start();
      await until(() => watcher.received.length === 3, 'the early readings', 15000);
      await sleep(300);
      assert.deepStrictEqual(
        watcher.received.map((t) => [t.light, t.historical === true]),
        [
          [3, false],
          [1, true],
          [2, true],
        ],
      );
      assert.strictEqual(device.sent.length, 3, 'each sent once (none into a disconnected mqtt out)');
    });
  });
});
