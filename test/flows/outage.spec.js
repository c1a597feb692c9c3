'use strict';
// Fault tests: the device flow (light telemetry -> mqtt out, with Status and Complete nodes
// wired back; mqtt in -> LED command) and the server flow (mqtt in -> nightlight decide ->
// mqtt out) run in the real Node-RED runtime against a real broker, which is stopped and
// started again in the middle of a stream.
const assert = require('assert');
const mqtt = require('mqtt');
const { helper, ours, core, collect, until } = require('../support/runtime');
const { forEachBroker, ALL_BROKERS } = require('../support/brokers');
const { systemFlow } = require('../support/system-flow');

const nodes = [ours.lightTelemetry, ours.decide, ours.ledCommand, core.mqtt, core.status, core.complete, core.catch];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** How long the store-and-forward outage lasts: 40 readings at one every 100 ms, on four brokers. */
const OUTAGE_MS = 4000;
const RECONNECT_MS = 500;

/** Watches light telemetry's status; resolves `offline()` once it shows the link down. */
function watchStatus(node) {
  const statuses = [];
  node.on('call:status', (call) => statuses.push(call.args[0]));
  return {
    statuses,
    offline: () =>
      until(() => statuses.length > 0 && statuses.at(-1).fill === 'red', 'light telemetry to see the link down', 10000),
    online: () =>
      until(() => statuses.length > 0 && statuses.at(-1).fill === 'green', 'light telemetry to see the link up', 15000),
  };
}

/**
 * Ends an outage with the server back before the device: the device's connection is held
 * down (the mqtt-broker node's disconnect action) until the server's connection is up, then
 * reconnected. A broker may interleave the messages it queued for a persistent session with
 * live ones while that session resumes (aedes does), which would reorder telemetry for reasons
 * that have nothing to do with the device; the other tests let both reconnect on their own.
 */
async function holdDevice() {
  helper.getNode('ctl').receive({ action: 'disconnect' });
  const server = watchStatus(helper.getNode('min'));
  return async function release() {
    await server.online();
    helper.getNode('ctl').receive({ action: 'connect' });
  };
}

/** Collects what reaches a helper node for device `id` only (not the probe's traffic). */
function collectDevice(node, id) {
  const messages = [];
  node.on('input', (msg) => String(msg.topic).startsWith(`${id}/`) && messages.push(msg));
  return messages;
}

/**
 * Resolves once the server's subscription is in place: a probe device's reading (another
 * id, left out of what the tests count) has come through +/telemetry. Until then a broker
 * routes readings to nobody (the server's session is new), and a broker may still be
 * setting the subscription up after the connection shows as up (RabbitMQ declares a queue
 * and binds it).
 */
async function serverListening(url) {
  const seen = [];
  const raw = helper.getNode('raw');
  const onInput = (msg) => seen.push(msg.topic);
  raw.on('input', onInput);
  const probe = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  let last = 0;
  try {
    await until(
      async () => {
        if (seen.includes('probe/telemetry')) return true;
        if (Date.now() - last > 200) {
          last = Date.now();
          await probe.publishAsync('probe/telemetry', JSON.stringify({ light: 500 }), { qos: 0 });
        }
        return false;
      },
      'the server to be subscribed',
      20000,
    );
  } finally {
    raw.removeListener('input', onInput);
    await probe.endAsync(true);
  }
}

/** Feeds readings into light telemetry every `everyMs`; `light()` chooses each value. */
function produce(node, everyMs, light) {
  let n = 0;
  const timer = setInterval(() => node.receive({ payload: light(n++) }), everyMs);
  return { stop: () => clearInterval(timer), count: () => n };
}

forEachBroker(
  (startBroker, kind) => {
    describe(`losing the connection (${kind})`, function () {
      this.timeout(60000);
      let broker;
      before(function (done) {
        helper.settings({ mqttReconnectTime: RECONNECT_MS });
        helper.startServer(done);
      });
      after(function (done) {
        helper.settings({ mqttReconnectTime: undefined });
        helper.stopServer(done);
      });
      // One broker for the block (each test uses its own device id, topics and client ids);
      // the tests stop and start it.
      before(async function () {
        // Mosquitto started as root drops to the `mosquitto` user, which cannot write its
        // persistence file into our temporary directory: stay root so retained messages survive.
        broker = await startBroker({ extraConfig: ['user root'] });
      });
      afterEach(async function () {
        await helper.unload();
        // A test that failed during an outage leaves the broker down.
        await broker.start().catch(() => {});
      });
      after(async function () {
        if (broker) await broker.close();
      });

      it(`all: every reading produced during a ${OUTAGE_MS / 1000} s outage arrives exactly once, in order, and changes no decision`, async function () {
        // Strictly chronological replay: when the device reconnects before its first reading after the
        // outage, the default (live first) rightly sends the newest outage reading first, as live.
        await helper.load(nodes, systemFlow(broker.port, 'mill', { offline: 'all', replay: 'chronological' }));
        const raw = collectDevice(helper.getNode('raw'), 'mill');
        const cmds = collectDevice(helper.getNode('cmds'), 'mill');
        const caught = collect(helper.getNode('caught'));
        const lt = helper.getNode('lt');
        const status = watchStatus(lt);
        await status.online();
        await serverListening(broker.url);
        // Dark readings (LED on) before and after; bright ones while offline, which must never switch it off.
        let phase = 'before';
        let dark = 100;
        let bright = 900;
        const producedOffline = [];
        let outageMs;
        const producer = produce(lt, 100, () => {
          if (phase !== 'offline') return dark++;
          producedOffline.push(bright);
          return bright++;
        });
        try {
          await until(() => raw.length >= 5 && cmds.length === 1, 'the stream and the first command');
          const stoppedAt = Date.now();
          await broker.stop();
          await status.offline();
          phase = 'offline';
          const release = await holdDevice();
          await sleep(OUTAGE_MS);
          phase = 'after';
          await broker.start();
          outageMs = Date.now() - stoppedAt;
          await release();
          await status.online();
          await until(
            () => raw.some((m) => m.payload.light === producedOffline.at(-1)),
            'the last outage reading at the server',
            20000,
          );
        } finally {
          producer.stop();
        }
        // Every reading taken (seq 1 to the count), whatever was still in the backlog when the producer stopped.
        const taken = producer.count();
        await until(
          () => new Set(raw.map((m) => m.payload.seq)).size >= taken,
          `all ${taken} readings at the server`,
          20000,
        );
        await sleep(500);
        const arrived = raw.filter((m) => m.payload.light >= 900);
        assert.ok(outageMs >= OUTAGE_MS, `the outage lasted ${outageMs} ms`);
        assert.ok(producedOffline.length >= 20, `${producedOffline.length} readings in the outage`);
        assert.deepStrictEqual(
          arrived.map((m) => m.payload.light),
          producedOffline,
          `every outage reading exactly once, in order; arrived ${arrived.map((m) => m.payload.light)}`,
        );
        assert.ok(
          arrived.every((m) => m.payload.historical === true),
          'replayed readings are marked historical',
        );
        const seqs = raw.map((m) => m.payload.seq);
        for (let s = 1; s <= taken; s++) assert.ok(seqs.includes(s), `reading ${s} arrived`);
        assert.strictEqual(Math.max(...seqs), taken);
        assert.deepStrictEqual(
          cmds.map((m) => m.payload.led_on),
          [true],
          'the server never switched on a replayed or duplicated reading',
        );
        assert.deepStrictEqual(caught, []);
      });

      // The other policies and the buffer's bound are the device's own behaviour, the same over
      // every broker: they run on the two of the default list, whose restarts take a moment
      // (a RabbitMQ restart takes about ten seconds; what differs per broker is covered above and below).
      const devicePolicies = kind === 'aedes' || kind === 'mosquitto';
      /** `it` for the tests of the device's own behaviour: defined on those two brokers only. */
      const deviceIt = devicePolicies ? it : () => undefined;
      for (const policy of devicePolicies ? ['latest', 'drop'] : []) {
        it(`${policy}: ${policy === 'latest' ? 'only the newest outage reading arrives, as a live reading' : 'none of the outage readings arrives'}`, async function () {
          await helper.load(nodes, systemFlow(broker.port, `t-${policy}`, { offline: policy }));
          const raw = collectDevice(helper.getNode('raw'), `t-${policy}`);
          const cmds = collectDevice(helper.getNode('cmds'), `t-${policy}`);
          const ledOut = collect(helper.getNode('ledOut'));
          const lt = helper.getNode('lt');
          const status = watchStatus(lt);
          await status.online();
          await serverListening(broker.url);
          lt.receive({ payload: 100 });
          await until(() => cmds.length === 1 && ledOut.length === 1, 'the first command at the LED');
          await broker.stop();
          await status.offline();
          for (const light of [900, 901, 902, 903, 904]) lt.receive({ payload: light });
          await sleep(2000);
          const server = watchStatus(helper.getNode('min'));
          await broker.start();
          // Both connections come back on their own; the server's persistent session keeps what the
          // device publishes before the server is back.
          await status.online();
          await server.online();
          if (policy === 'latest')
            await until(() => raw.some((m) => m.payload.light === 904), 'the newest outage reading');
          lt.receive({ payload: 150 });
          await until(() => raw.some((m) => m.payload.light === 150), 'the first reading after the outage');
          await sleep(500);
          const outage = raw
            .filter((m) => m.payload.light >= 900)
            .map((m) => [m.payload.light, m.payload.historical === true]);
          if (policy === 'latest') {
            assert.deepStrictEqual(outage, [[904, false]], 'only the newest, sent as a live reading');
            assert.deepStrictEqual(
              cmds.map((m) => m.payload.led_on),
              [true, false, true],
              'the server acted on the newest reading',
            );
          } else {
            assert.deepStrictEqual(outage, []);
            assert.deepStrictEqual(
              cmds.map((m) => m.payload.led_on),
              [true],
            );
          }
          assert.ok(
            status.statuses.some((s) => /status\.dropped/.test(s.text || '')),
            'the drops were shown',
          );
        });
      }

      deviceIt(
        'memory stays bounded when the outage outlasts the buffer: the oldest are dropped and counted',
        async function () {
          // Strictly chronological replay, so the order asserted is the buffer's own (the default,
          // live-first, sends the newest reading ahead of the backlog; its own tests cover that).
          await helper.load(
            nodes,
            systemFlow(broker.port, 'small', { offline: 'all', capacity: 5, replay: 'chronological' }),
          );
          const raw = collectDevice(helper.getNode('raw'), 'small');
          const lt = helper.getNode('lt');
          const status = watchStatus(lt);
          await status.online();
          await serverListening(broker.url);
          lt.receive({ payload: 100 });
          await until(() => raw.length === 1, 'the first reading at the server');
          await until(() => !/buffered/.test(status.statuses.at(-1).text), 'the publish to be confirmed');
          await broker.stop();
          await status.offline();
          for (let light = 900; light < 920; light++) lt.receive({ payload: light });
          await until(() => /status\.dropped/.test(status.statuses.at(-1).text || ''), 'the drops in the status');
          const release = await holdDevice();
          await sleep(1000);
          await broker.start();
          await release();
          await status.online();
          await until(() => raw.some((m) => m.payload.light === 919), 'the newest reading');
          await sleep(500);
          // (The reading before the outage may reach the server twice: QoS 1 is at least once on the
          // broker's side too, and the server ignores the copy. The outage readings are what is counted.)
          const outage = raw.filter((m) => m.payload.light >= 900);
          assert.deepStrictEqual(
            outage.map((m) => m.payload.light),
            [915, 916, 917, 918, 919],
            'the newest five, oldest first',
          );
          assert.deepStrictEqual(
            outage.map((m) => m.payload.seq),
            [17, 18, 19, 20, 21],
          );
          assert.ok(/status\.dropped/.test(status.statuses.at(-1).text), 'the drop count stays visible');
        },
      );

      it('a device that reconnects after missing 5 decision changes ends in the latest state, never an older one', async function () {
        await helper.load(nodes, systemFlow(broker.port, 'lamp'));
        const cmds = collectDevice(helper.getNode('cmds'), 'lamp');
        const ledOut = collect(helper.getNode('ledOut'));
        const status = watchStatus(helper.getNode('lt'));
        const ledStatus = watchStatus(helper.getNode('led')).statuses;
        const sensor = await mqtt.connectAsync(broker.url, { clientId: 'lesson-device-lamp', reconnectPeriod: 200 });
        const observer = await mqtt.connectAsync(broker.url, { clientId: 'observer-lamp', reconnectPeriod: 200 });
        const published = [];
        observer.on(
          'message',
          (topic, payload, packet) => !packet.retain && published.push(JSON.parse(payload).led_on),
        );
        await observer.subscribeAsync('lamp/commands', { qos: 1 });
        try {
          await status.online();
          await serverListening(broker.url);
          let seq = 0;
          const publish = (light) =>
            sensor.publishAsync('lamp/telemetry', JSON.stringify({ light, seq: ++seq }), { qos: 1 });
          await publish(100);
          await until(() => ledOut.length === 1, 'the LED on');
          helper.getNode('ctl').receive({ action: 'disconnect' });
          await status.offline();
          for (const light of [900, 100, 900, 100, 900]) {
            await publish(light);
            await until(() => cmds.length === seq, `decision ${seq}`);
          }
          assert.deepStrictEqual(
            cmds.map((m) => m.payload.led_on),
            [true, false, true, false, true, false],
          );
          await until(() => published.length === 6, 'every command published at the broker');
          await observer.endAsync(true);
          // The broker itself restarts too while the device is away: the retained command survives.
          await broker.stop();
          await broker.start();
          await sleep(200);
          helper.getNode('ctl').receive({ action: 'connect' });
          await status.online();
          await until(() => ledOut.length === 2, 'the latest command at the LED');
          await sleep(1000);
        } finally {
          await sensor.endAsync(true);
          await observer.endAsync(true);
        }
        assert.deepStrictEqual(
          ledOut.map((m) => m.payload),
          [true, false],
        );
        assert.strictEqual(ledStatus.at(-1).fill, 'grey', 'the LED status shows it off');
      });
    });
  },
  { brokers: ALL_BROKERS },
);
