'use strict';
// Run-time control in the whole system, in the real Node-RED runtime against real brokers:
// the device (light telemetry, LED command) and the server (nightlight decide fed by
// `+/telemetry`, `+/commands` and `+/control`) on separate connections, and an outside MQTT
// client acting as a dashboard or Home Assistant: it publishes partial controls, reads the
// retained whole control and command, sends hostile controls, and restarts the server.
const assert = require('assert');
const mqtt = require('mqtt');
const { helper, ours, core, collect, until, caughtCode } = require('../support/runtime');
const { forEachBroker } = require('../support/brokers');
const { mqttIn, systemFlow } = require('../support/system-flow');

const nodes = [ours.lightTelemetry, ours.decide, ours.ledCommand, core.mqtt, core.status, core.complete, core.catch];
const ID = 'porch';

/** The whole system plus the server's `+/commands` and `+/control` subscriptions into nightlight decide. */
function controlledFlow(port) {
  const sub = (id, topic) => ({ ...mqttIn(id, 'bsrv', topic, ['dec']), z: 'tab1', x: 100, y: 100 });
  return [...systemFlow(port, ID), sub('mctl', '+/control'), sub('mecho', '+/commands')];
}

/** The retained message on `topic`, read by a fresh subscriber (`undefined` when none comes within a moment). */
async function retained(url, topic) {
  const client = await mqtt.connectAsync(url);
  try {
    const got = new Promise((resolve) => {
      client.on('message', (_t, payload, packet) => packet.retain && resolve(JSON.parse(String(payload))));
      setTimeout(() => resolve(undefined), 1500);
    });
    await client.subscribeAsync(topic, { qos: 1 });
    return await got;
  } finally {
    await client.endAsync();
  }
}

forEachBroker((startBroker, kind) => {
  describe(`run-time control of the whole system (${kind})`, function () {
    this.timeout(60000);
    let broker;
    let client;
    before(function (done) {
      helper.startServer(done);
    });
    after(function (done) {
      helper.stopServer(done);
    });
    beforeEach(async function () {
      broker = await startBroker();
      client = await mqtt.connectAsync(broker.url);
    });
    afterEach(async function () {
      await helper.unload();
      if (client) await client.endAsync(true);
      if (broker) await broker.close();
    });

    async function deploy() {
      await helper.load(nodes, controlledFlow(broker.port));
      const led = collect(helper.getNode('ledOut'));
      // What nightlight decide sent: its commands (`commands`) and the whole controls it published.
      const sent = collect(helper.getNode('cmds'));
      const commands = {
        get length() {
          return sent.filter((m) => m.topic.endsWith('/commands')).length;
        },
        at: (i) => sent.filter((m) => m.topic.endsWith('/commands')).at(i),
        some: (p) => sent.filter((m) => m.topic.endsWith('/commands')).some(p),
        map: (f) => sent.filter((m) => m.topic.endsWith('/commands')).map(f),
      };
      const caught = collect(helper.getNode('caught'));
      // Every reading the server's connection delivered (nightlight decide has it too, in order).
      const heard = collect(helper.getNode('raw'));
      await until(() => helper.getNode('bsrv').connected && helper.getNode('bdev').connected, 'both connections');
      return { led, commands, caught, heard, lt: helper.getNode('lt') };
    }
    const ledIs = (led, on) => until(() => led.length > 0 && led.at(-1).payload === on, `the LED ${on ? 'on' : 'off'}`);
    const publish = (payload, retain = false) =>
      client.publishAsync(`${ID}/control`, typeof payload === 'string' ? payload : JSON.stringify(payload), {
        qos: 1,
        retain,
      });

    it('a partial control holds the LED against readings, is kept retained whole, and auto hands back to the rule', async function () {
      const { led, commands, heard, lt } = await deploy();
      lt.receive({ payload: 900 });
      await ledIs(led, false);
      await publish({ mode: 'on' });
      await ledIs(led, true);
      const whole = await retained(broker.url, `${ID}/control`);
      assert.strictEqual(whole.mode, 'on');
      assert.strictEqual(typeof whole.ts, 'number', 'the whole control carries its position');
      assert.deepStrictEqual(
        [(await retained(broker.url, `${ID}/commands`)).led_on, (await retained(broker.url, `${ID}/commands`)).mode],
        [true, 'override'],
      );
      const before = commands.length;
      const readings = heard.length;
      for (const light of [950, 980, 1000]) lt.receive({ payload: light });
      await until(() => heard.length >= readings + 3, 'the server has the three bright readings');
      // A published control goes after them on the server's connection: once its command is out, they were decided.
      await publish({ threshold: 100 });
      await until(() => commands.at(-1).payload.threshold === 100, 'a command carrying the new threshold');
      assert.strictEqual(commands.length, before + 1, 'bright readings do not undo the hold');
      assert.strictEqual(led.at(-1).payload, true);
      assert.strictEqual(commands.at(-1).payload.mode, 'override', 'the threshold leaves the hold alone');
      await publish({ mode: 'auto' });
      await ledIs(led, false);
      assert.deepStrictEqual(
        [commands.at(-1).payload.mode, commands.at(-1).payload.threshold],
        ['auto', 100],
        'decided again from the newest reading with the run-time threshold',
      );
      lt.receive({ payload: 50 });
      await ledIs(led, true);
      assert.deepStrictEqual((await retained(broker.url, `${ID}/control`)).threshold, 100);
    });

    it('a hold for a while ends by itself, and a restarted server learns a retained hold', async function () {
      let { led, lt, commands, heard } = await deploy();
      lt.receive({ payload: 900 });
      await ledIs(led, false);
      await publish({ mode: 'on', for: 1 });
      await ledIs(led, true);
      await ledIs(led, false);
      assert.strictEqual((await retained(broker.url, `${ID}/control`)).mode, 'auto', 'the ended hold is published');

      await publish({ mode: 'off', ts: Date.now() }, true);
      await until(async () => (await retained(broker.url, `${ID}/commands`))?.mode === 'override', 'the hold applied');
      await helper.unload();
      ({ led, lt, commands, heard } = await deploy());
      await until(() => commands.some((m) => m.payload.mode === 'override'), 'the restarted server applying the hold');
      lt.receive({ payload: 10 });
      await until(() => heard.some((m) => m.payload.light === 10), 'the server has the dark reading');
      await publish({ band: 5 });
      await until(() => commands.at(-1).payload.band === 5, 'the band command, after the dark reading');
      assert.deepStrictEqual(
        commands.map((m) => m.payload.led_on),
        commands.map(() => false),
        'dark, but the restarted server holds the LED off',
      );
      await publish({ mode: 'auto' });
      await ledIs(led, true);
    });

    it('hostile controls are refused one by one with their codes; readings and good controls go on', async function () {
      const { led, caught, lt } = await deploy();
      lt.receive({ payload: 900 });
      await ledIs(led, false);
      const bad = [
        ['{"mode":"dim"}', 'bad-control-mode'],
        ['{"mode":"on","for":-1}', 'bad-control-for'],
        ['{"mode":"auto","for":5}', 'control-for-without-hold'],
        ['{"threshold":"high"}', 'bad-control-number'],
        ['{"band":-3}', 'bad-control-number'],
        ['{}', 'no-control'],
        ['{"mode":"on","ts":99999999999999}', 'ts-ahead'],
        ['not json', 'not-json'],
        ['[]', 'not-object'],
        ['{"__proto__":{"mode":"on"}}', 'forbidden-key'],
        // Not JSON, so `mqtt in` hands it over as text, whose size is checked before anything is parsed.
        ['{"mode":"on"' + ' '.repeat(5000) + 'x', 'too-large'],
        ['{"mode":"on","for":"ever"}', 'bad-control-for'],
        ['{"mode":"on","threshold":1e7}', 'bad-control-number'],
        ['{"mode":"off","ts":-5}', 'bad-ts'],
      ];
      for (const [payload] of bad) await publish(payload);
      await until(() => caught.length >= bad.length, `${bad.length} refusals`).catch((err) => {
        throw new Error(`${err.message}: ${JSON.stringify(caught.map(caughtCode))}`);
      });
      assert.deepStrictEqual(
        caught.map(caughtCode),
        bad.map(([, code]) => code),
      );
      assert.strictEqual(led.at(-1).payload, false, 'no hostile control moved the LED');
      lt.receive({ payload: 20 });
      await ledIs(led, true);
      await publish({ mode: 'off' });
      await ledIs(led, false);
    });
  });
});
