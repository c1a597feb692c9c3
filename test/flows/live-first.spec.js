'use strict';
// Live first after an outage, in the real Node-RED runtime against real brokers: the device
// flow (light telemetry -> mqtt out, Status and Complete wired back; mqtt in -> LED command)
// and the server flow (mqtt in -> nightlight decide -> mqtt out). The device's connection is
// held down (the broker node's disconnect action) while it takes 1,000 readings; when it
// reconnects, the newest must reach the server first, as a live reading, and switch the LED,
// and the backlog must follow oldest first, as history, every reading exactly once.
const assert = require('assert');
const mqtt = require('mqtt');
const { helper, ours, core, collect, until } = require('../support/runtime');
const { forEachBroker } = require('../support/brokers');
const { systemFlow: wholeSystem } = require('../support/system-flow');

const nodes = [ours.lightTelemetry, ours.decide, ours.ledCommand, core.mqtt, core.status, core.complete, core.catch];
const BACKLOG = 1000;
// Replayed at 200 readings a second, the backlog takes about 5 s to drain: an LED that
// waited behind it (strictly chronological replay) could not answer within the bound.
const RATE = 200;
/** The bound on reconnect -> LED command. Measured: tens of ms on aedes and Mosquitto (printed by the test). */
const LED_BOUND_MS = 3000;

/** The whole system (server on a clean session), light telemetry buffering every reading for the replay. */
function systemFlow(port, id, telemetry) {
  const options = { offline: 'all', capacity: 2 * BACKLOG, rate: RATE, ackTimeout: 60, ...telemetry };
  return wholeSystem(port, id, options, { serverSession: false });
}

/** Light telemetry's statuses, each with the time it was set. */
function watchStatus(node) {
  const statuses = [];
  node.on('call:status', (call) => statuses.push({ ...call.args[0], at: Date.now() }));
  const last = () => statuses.at(-1) || {};
  return {
    statuses,
    last,
    offline: () => until(() => last().fill === 'red', 'light telemetry to see the link down'),
    online: () => until(() => last().fill === 'green', 'light telemetry to see the link up', 15000),
    drained: () =>
      until(() => last().fill === 'green' && !/buffered/.test(last().text || ''), 'an empty buffer', 30000),
  };
}

/** Resolves once the server hears `+/telemetry`: a probe device's reading (left out of what is counted) came through. */
async function serverListening(url) {
  const raw = helper.getNode('raw');
  let heard = false;
  const onInput = (msg) => msg.topic === 'probe/telemetry' && (heard = true);
  raw.on('input', onInput);
  const probe = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  try {
    await until(
      async () =>
        heard || (await probe.publishAsync('probe/telemetry', JSON.stringify({ light: 500 }), { qos: 0 }), false),
      'the server to be subscribed',
      20000,
    );
  } finally {
    raw.removeListener('input', onInput);
    await probe.endAsync(true);
  }
}

forEachBroker((startBroker, kind) => {
  describe(`live first after an outage, a backlog of ${BACKLOG.toLocaleString('en-US')} (${kind})`, function () {
    this.timeout(90000);
    let broker;
    before(function (done) {
      helper.settings({ mqttReconnectTime: 500 });
      helper.startServer(done);
    });
    after(function (done) {
      helper.settings({ mqttReconnectTime: undefined });
      helper.stopServer(done);
    });
    before(async function () {
      broker = await startBroker();
    });
    afterEach(async function () {
      await helper.unload();
    });
    after(async function () {
      if (broker) await broker.close();
    });

    it('the newest reading arrives first and live and the LED answers it at once; the backlog follows oldest first as history, each reading exactly once', async function () {
      const id = `live-${kind}`;
      await helper.load(nodes, systemFlow(broker.port, id));
      const raw = [];
      helper
        .getNode('raw')
        .on('input', (msg) => msg.topic === `${id}/telemetry` && raw.push({ ...msg, at: Date.now() }));
      const cmds = [];
      helper.getNode('cmds').on('input', (msg) => msg.topic === `${id}/commands` && cmds.push(msg));
      const ledOut = [];
      helper.getNode('ledOut').on('input', (msg) => ledOut.push({ payload: msg.payload, at: Date.now() }));
      const caught = collect(helper.getNode('caught'));
      const lt = helper.getNode('lt');
      const status = watchStatus(lt);
      await status.online();
      await serverListening(broker.url);

      // Bright: the LED goes off. Then the device's connection is held down.
      lt.receive({ payload: 900 });
      await until(() => ledOut.length === 1, 'the LED off');
      await status.drained();
      helper.getNode('ctl').receive({ action: 'disconnect' });
      await status.offline();

      // 999 bright readings, then a dark one: only the newest should switch the LED (on).
      for (let i = 1; i < BACKLOG; i++) lt.receive({ payload: 900 + (i % 50) });
      lt.receive({ payload: 100 });
      await until(() => /buffered/.test(status.last().text || ''), 'the backlog in the status');

      const before = raw.length;
      helper.getNode('ctl').receive({ action: 'connect' });
      await status.online();
      const reconnectedAt = status.last().at;
      await until(() => ledOut.length === 2, 'the LED on', 20000);
      const ledMs = ledOut[1].at - reconnectedAt;
      await until(() => raw.length - before >= BACKLOG, 'the whole backlog at the server', 60000);
      await status.drained();

      const arrived = raw.slice(before).map((m) => m.payload);
      const firstSeq = raw[before - 1].payload.seq + 1;
      // The newest first, live; the LED on from it.
      assert.deepStrictEqual(
        [arrived[0].light, arrived[0].seq, arrived[0].historical],
        [100, firstSeq + BACKLOG - 1, undefined],
      );
      assert.deepStrictEqual(
        ledOut.map((m) => m.payload),
        [false, true],
      );
      assert.deepStrictEqual(
        cmds.map((m) => m.payload.led_on),
        [false, true],
        'no replayed reading switched the LED',
      );
      // The backlog oldest first, as history, each reading exactly once.
      const backlog = arrived.slice(1);
      assert.deepStrictEqual(
        backlog.map((t) => t.seq),
        Array.from({ length: BACKLOG - 1 }, (_, i) => firstSeq + i),
      );
      assert.ok(
        backlog.every((t) => t.historical === true),
        'the backlog is marked historical',
      );
      assert.strictEqual(raw.length - before, BACKLOG, 'nothing arrived twice');
      const drainMs = raw.at(-1).at - reconnectedAt;
      console.log(
        `      ${kind}: reconnect -> LED command ${ledMs} ms; the backlog of ${BACKLOG} drained in ${drainMs} ms`,
      );
      assert.ok(
        ledMs < LED_BOUND_MS,
        `the LED answered ${ledMs} ms after the reconnect (bound ${LED_BOUND_MS} ms; the backlog took ${drainMs} ms)`,
      );
      assert.deepStrictEqual(caught, []);
    });

    it('replay: chronological keeps the strict order: the newest reading comes last, after the whole backlog', async function () {
      const id = `chrono-${kind}`;
      await helper.load(nodes, systemFlow(broker.port, id, { replay: 'chronological', rate: 1000 }));
      const raw = collect(helper.getNode('raw'));
      const lt = helper.getNode('lt');
      const status = watchStatus(lt);
      await status.online();
      await serverListening(broker.url);
      helper.getNode('ctl').receive({ action: 'disconnect' });
      await status.offline();
      for (let i = 0; i < 200; i++) lt.receive({ payload: 900 + i });
      await until(() => /buffered/.test(status.last().text || ''), 'the backlog in the status');
      helper.getNode('ctl').receive({ action: 'connect' });
      await until(
        () => raw.filter((m) => m.topic === `${id}/telemetry`).length === 200,
        'the whole backlog at the server',
        30000,
      );
      const arrived = raw.filter((m) => m.topic === `${id}/telemetry`).map((m) => m.payload);
      assert.deepStrictEqual(
        arrived.map((t) => t.light),
        Array.from({ length: 200 }, (_, i) => 900 + i),
      );
      assert.deepStrictEqual(
        arrived.map((t) => t.historical === true),
        [...Array(199).fill(true), false],
      );
    });
  });
});
