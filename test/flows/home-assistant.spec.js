'use strict';
// The Home Assistant example (examples/06-home-assistant.json) as shipped, in the real
// Node-RED runtime against real brokers, with an outside MQTT client in Home Assistant's
// place. Every discovery message the flow publishes is held to Home Assistant's rules
// (test/support/ha-rules.js, written from its documentation, not from our code); then the
// client does what Home Assistant does with them: it reads the entities' states from the
// topics the configs name, picks a mode and a threshold as a user would (publishing what
// the select and the number publish), restarts (the birth message), and sees a silent
// device become unavailable.
//
// The example's broker node speaks MQTT 5, which Home Assistant requires from its release
// 2027.1. aedes has no MQTT 5 (CAPABILITIES.aedes.mqtt5 is false: it refuses the
// connection), so where the broker lacks it the broker node is switched to MQTT 3.1.1
// (protocolVersion 4) and everything else runs as shipped; on Mosquitto the example runs
// exactly as shipped, over MQTT 5. Besides the broker's address, the only edit is a short
// `offlineAfter` in the test of silence.
const assert = require('assert');
const mqtt = require('mqtt');
const { helper, collect, until, useServer, caughtCode } = require('../support/runtime');
const { forEachBroker, useBroker } = require('../support/brokers');
const { loadExample } = require('../support/examples');
const { DiscoveryCollector, stateFor, commandFor, availabilityFor } = require('../support/ha-rules');

const FILE = '06-home-assistant.json';
const PREFIX = 'homeassistant';
/** Three nightlights: a plain id, one with a dot, one in Thai script ("bedroom"). */
const IDS = ['porch', 'kitchen.window', 'ห้องนอน'];
const [PORCH, KITCHEN, BEDROOM] = IDS;

/**
 * The object id of `id` in its discovery topic, as docs/control.md says: ASCII letters,
 * digits and `-` stand for themselves, every other character is `_<hex code point>_`.
 */
const objectIdOf = (id) =>
  [...id].map((ch) => (/[A-Za-z0-9-]/.test(ch) ? ch : `_${ch.codePointAt(0).toString(16)}_`)).join('');
const configTopic = (id) => `${PREFIX}/device/${objectIdOf(id)}/config`;
const isConfig = (topic) => topic.startsWith(`${PREFIX}/device/`);

/** `f` on the first call only; later calls get the first call's promise. */
function once(f) {
  let done;
  return () => (done ??= f());
}

/** What `mqtt out` puts on the wire for a payload: text as it is, an object as JSON. */
const wireText = (payload) =>
  typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : JSON.stringify(payload);

/**
 * An MQTT client where Home Assistant would be: subscribed to the discovery prefix and to
 * the topics its entities read, it keeps every message (`seen`) and reads every discovery
 * message as Home Assistant would (`collector`; each message's own problems in `problems`).
 */
async function homeAssistant(url, protocolVersion) {
  const client = await mqtt.connectAsync(url, { protocolVersion, clientId: 'home-assistant', reconnectPeriod: 0 });
  const seen = [];
  const problems = [];
  const collector = new DiscoveryCollector(PREFIX);
  client.on('message', (topic, payload, packet) => {
    const text = payload.toString('utf8');
    seen.push({ topic, text, retain: packet.retain, qos: packet.qos, at: Date.now() });
    if (isConfig(topic)) problems.push(...collector.add(topic, text).map((p) => `${topic}: ${p}`));
  });
  await client.subscribeAsync([`${PREFIX}/#`, '+/telemetry', '+/commands', '+/availability', '+/control'], {
    qos: 1,
  });
  const on = (topic) => seen.filter((m) => m.topic === topic);
  const ha = {
    client,
    seen,
    problems,
    collector,
    on,
    last: (topic) => on(topic).at(-1),
    configs: () => seen.filter((m) => isConfig(m.topic)),
    /** The announced component of `id` on `platform`, with the options it inherits. */
    entity(id, platform) {
      const message = collector.message(configTopic(id));
      assert.ok(message, `${id} is announced`);
      const found = Object.values(message.components).filter((c) => c.platform === platform);
      assert.strictEqual(found.length, 1, `${id} has one ${platform}`);
      return found[0];
    },
    /** What Home Assistant shows for `entity` now: the state rendered from the last message on its state topic. */
    state(entity) {
      const last = ha.last(entity.state_topic);
      return last && stateFor(entity, last.text);
    },
    /** Publishes what a select or number publishes, as commandFor says (topic, payload, QoS, retain). */
    async choose(entity, value) {
      const c = commandFor(entity, value);
      await client.publishAsync(c.topic, c.payload, { qos: c.qos, retain: c.retain });
      return c;
    },
    close: once(() => client.endAsync(true)),
  };
  return ha;
}

/** One client publishing the devices' readings, as the lesson's devices do: `{"light": N}`. */
async function deviceClient(url, protocolVersion) {
  const client = await mqtt.connectAsync(url, { protocolVersion, clientId: 'devices', reconnectPeriod: 0 });
  return {
    send: (id, light, qos = 0) => client.publishAsync(`${id}/telemetry`, JSON.stringify({ light }), { qos }),
    close: once(() => client.endAsync(true)),
  };
}

/**
 * Every retained message on the broker, read by a fresh subscriber to `#`: it waits until
 * `expected` topics have come, then until a message of its own has made the round trip, so
 * what the broker had besides them has come too.
 */
async function retainedMessages(url, protocolVersion, expected) {
  const client = await mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 0 });
  const retained = new Map();
  const marker = `test-marker/${process.pid}-${Date.now()}`;
  let back = false;
  client.on('message', (topic, payload, packet) => {
    if (topic === marker) back = true;
    else if (packet.retain) retained.set(topic, payload.toString('utf8'));
  });
  try {
    await client.subscribeAsync('#', { qos: 1 });
    await until(() => expected.every((t) => retained.has(t)), `retained messages on ${expected.join(', ')}`);
    await client.publishAsync(marker, 'x', { qos: 1 });
    await until(() => back, 'a round trip after the retained messages');
    return retained;
  } finally {
    await client.endAsync(true);
  }
}

forEachBroker((startBroker, kind, caps) => {
  describe(`Home Assistant example (06) on ${kind}`, function () {
    this.timeout(30000);
    // Home Assistant needs MQTT 5 from 2027.1; a broker without it gets the example over MQTT 3.1.1.
    const protocolVersion = caps.mqtt5 ? 5 : 4;
    const brokerProps = caps.mqtt5 ? {} : { protocolVersion: 4 };
    let broker;
    useServer();
    useBroker(startBroker, (started) => (broker = started));
    const open = [];
    afterEach(async function () {
      while (open.length > 0) await open.pop().close();
    });

    /**
     * The example loaded (edited by `edit`, see prepareExample), Home Assistant and the devices
     * connected; `sent` is every message nightlight decide hands to the `mqtt out` (which turns
     * an object payload into JSON text in place: read payloads with wireText).
     */
    async function start(edit) {
      const ha = await homeAssistant(broker.url, protocolVersion);
      open.push(ha);
      await loadExample(FILE, broker, { brokerProps, edit });
      const server = helper.getNode('nl6_broker');
      assert.strictEqual(
        server.options.protocolVersion === 5,
        caps.mqtt5,
        `the example speaks MQTT ${protocolVersion}`,
      );
      const sent = collect(helper.getNode('nl6_out'));
      const devices = await deviceClient(broker.url, protocolVersion);
      open.push(devices);
      return { ha, sent, devices };
    }

    /**
     * `id` reports `light` until Home Assistant has its discovery config: the flow published
     * that after subscribing to all its topics, so from then on nothing it is sent is lost.
     */
    async function firstReading(ha, send, id, light) {
      let lastSent = 0;
      await until(async () => {
        if (ha.collector.message(configTopic(id))) return true;
        if (Date.now() - lastSent > 250) {
          lastSent = Date.now();
          await send(id, light);
        }
        return false;
      }, `${id} announced`);
    }

    /** Waits for the next command on `<id>/commands` that `test` accepts; returns it parsed. */
    async function commandWhere(ha, id, test, what) {
      let found;
      await until(() => {
        const last = ha.last(`${id}/commands`);
        found = last && JSON.parse(last.text);
        return found !== undefined && test(found);
      }, `${id}: ${what}`);
      return found;
    }

    it('announces three devices as Home Assistant requires; its select and number switch one; its birth message brings every config again', async function () {
      const { ha, sent, devices } = await start();
      await firstReading(ha, devices.send, PORCH, 800);
      await devices.send(KITCHEN, 120);
      await devices.send(BEDROOM, 800);
      await until(
        () => IDS.every((id) => ha.last(`${id}/availability`)?.text === 'online' && ha.last(`${id}/commands`)),
        'every device announced, online and commanded',
      );

      // Every discovery message, each on its own and all together, as Home Assistant's rules have them.
      assert.deepStrictEqual(ha.problems, []);
      assert.deepStrictEqual(ha.collector.problems(), []);
      assert.deepStrictEqual(
        IDS.map((id) => ha.on(configTopic(id)).length),
        [1, 1, 1],
        'one config per device, on the topic of its object id',
      );
      assert.strictEqual(ha.collector.size, 3);
      const announced = IDS.map((id) => ha.collector.message(configTopic(id)));
      assert.deepStrictEqual(
        announced.map((m) => m.device.name),
        IDS,
        'one device per id, named by it',
      );
      const identifiers = announced.flatMap((m) => m.device.identifiers);
      assert.strictEqual(new Set(identifiers).size, 3, `three device identifiers: ${identifiers}`);
      const uniqueIds = announced.flatMap((m) => Object.values(m.components).map((c) => c.unique_id));
      assert.strictEqual(uniqueIds.length, 12);
      assert.strictEqual(new Set(uniqueIds).size, 12, `unique ids repeat: ${uniqueIds}`);
      for (const m of announced)
        assert.deepStrictEqual(
          Object.values(m.components)
            .map((c) => c.platform)
            .sort(),
          ['binary_sensor', 'number', 'select', 'sensor'],
        );

      // What Home Assistant shows now, read from the topics the configs name.
      assert.deepStrictEqual(
        IDS.map((id) => [
          ha.state(ha.entity(id, 'sensor')),
          ha.state(ha.entity(id, 'binary_sensor')),
          ha.state(ha.entity(id, 'select')),
          ha.state(ha.entity(id, 'number')),
        ]),
        [
          [800, 'off', 'auto', 300],
          [120, 'on', 'auto', 300],
          [800, 'off', 'auto', 300],
        ],
      );
      for (const id of IDS) {
        const topic = `${id}/availability`;
        for (const platform of ['sensor', 'binary_sensor', 'select', 'number'])
          assert.strictEqual(availabilityFor(ha.entity(id, platform), topic, ha.last(topic).text), true, id);
      }

      // A user picks "on" for the bedroom in Home Assistant: it publishes on the bedroom's control topic.
      const select = ha.entity(BEDROOM, 'select');
      const number = ha.entity(BEDROOM, 'number');
      const led = ha.entity(BEDROOM, 'binary_sensor');
      const picked = await ha.choose(select, 'on');
      assert.deepStrictEqual(picked, {
        topic: `${BEDROOM}/control`,
        payload: '{"mode": "on"}',
        qos: 1,
        retain: true,
      });
      await commandWhere(ha, BEDROOM, (c) => c.mode === 'override', 'held');
      let retained = await retainedMessages(broker.url, protocolVersion, [`${BEDROOM}/commands`, `${BEDROOM}/control`]);
      const held = retained.get(`${BEDROOM}/commands`);
      assert.deepStrictEqual(
        [JSON.parse(held).led_on, JSON.parse(held).mode],
        [true, 'override'],
        `the retained command: ${held}`,
      );
      assert.deepStrictEqual([stateFor(select, held), stateFor(led, held), stateFor(number, held)], ['on', 'on', 300]);
      const control = JSON.parse(retained.get(`${BEDROOM}/control`));
      assert.strictEqual(control.mode, 'on');
      assert.strictEqual(typeof control.ts, 'number', 'the whole control replaced the one Home Assistant retained');

      // The threshold, to 50: the hold stays, the commands carry it.
      await ha.choose(number, 50);
      await commandWhere(ha, BEDROOM, (c) => c.threshold === 50, 'the new threshold');
      retained = await retainedMessages(broker.url, protocolVersion, [`${BEDROOM}/commands`]);
      const withThreshold = retained.get(`${BEDROOM}/commands`);
      const { led_on: ledOn, mode, threshold } = JSON.parse(withThreshold);
      assert.deepStrictEqual(
        [ledOn, mode, threshold],
        [true, 'override', 50],
        `the retained command: ${withThreshold}`,
      );
      assert.deepStrictEqual(
        [stateFor(select, withThreshold), stateFor(led, withThreshold), stateFor(number, withThreshold)],
        ['on', 'on', 50],
      );

      // Back to auto: decided again from the newest reading (800), with the threshold of 50.
      await ha.choose(select, 'auto');
      const auto = await commandWhere(ha, BEDROOM, (c) => c.mode === 'auto', 'back to auto');
      assert.deepStrictEqual([auto.led_on, auto.threshold], [false, 50]);
      assert.deepStrictEqual([ha.state(select), ha.state(led), ha.state(number)], ['auto', 'off', 50]);
      // The next readings follow the threshold of 50 (band 50: off again at 100): with the
      // configured 300, 120 would keep the LED on.
      await devices.send(BEDROOM, 30);
      await commandWhere(ha, BEDROOM, (c) => c.led_on === true, 'on at 30');
      await devices.send(BEDROOM, 120);
      const off = await commandWhere(ha, BEDROOM, (c) => c.led_on === false, 'off at 120');
      assert.deepStrictEqual([off.mode, off.threshold], ['auto', 50]);
      assert.strictEqual(ha.state(led), 'off');
      assert.strictEqual(ha.state(ha.entity(BEDROOM, 'sensor')), 120);

      // Home Assistant restarts: its last will says offline (nothing to do), its birth says online.
      const before = ha.configs().length;
      const configsBefore = new Map(IDS.map((id) => [id, ha.last(configTopic(id)).text]));
      await ha.client.publishAsync(`${PREFIX}/status`, 'offline', { qos: 1 });
      await ha.client.publishAsync(`${PREFIX}/status`, 'online', { qos: 1 });
      await until(() => ha.configs().length >= before + 3, 'every config again');
      await devices.send(PORCH, 100);
      await commandWhere(ha, PORCH, (c) => c.led_on === true, 'porch on, after the birth message');
      assert.strictEqual(ha.configs().length, before + 3, 'the birth message brought each config once; offline none');
      for (const id of IDS) {
        assert.strictEqual(ha.last(configTopic(id)).text, configsBefore.get(id), `${id}: the same config again`);
        const again = ha.seen.indexOf(ha.last(configTopic(id)));
        const availability = ha.seen.slice(again).find((m) => m.topic === `${id}/availability`);
        assert.strictEqual(availability?.text, 'online', `${id}: its availability after its config`);
      }
      assert.deepStrictEqual(ha.problems, []);
      assert.deepStrictEqual(ha.collector.problems(), []);

      // What the flow published: every discovery message and availability retained at QoS 1,
      // and Home Assistant saw each discovery message, in order.
      for (const m of sent.filter((s) => isConfig(s.topic) || s.topic.endsWith('/availability')))
        assert.deepStrictEqual([m.topic, m.qos, m.retain], [m.topic, 1, true]);
      for (const id of IDS)
        assert.deepStrictEqual(
          ha.on(configTopic(id)).map((m) => m.text),
          sent.filter((s) => s.topic === configTopic(id)).map((s) => wireText(s.payload)),
          `${id}: Home Assistant saw every config the flow published`,
        );

      // Every retained message on the broker: exactly the last retained message the flow
      // published on each topic (the devices' readings and Home Assistant's birth are not
      // retained; the partial controls Home Assistant retained were replaced by the whole ones).
      const expected = new Map();
      for (const s of sent) if (s.retain) expected.set(s.topic, wireText(s.payload));
      const topics = [...expected.keys()].sort();
      assert.deepStrictEqual(
        topics,
        [
          ...IDS.flatMap((id) => [configTopic(id), `${id}/availability`, `${id}/commands`]),
          `${BEDROOM}/control`,
        ].sort(),
      );
      retained = await retainedMessages(broker.url, protocolVersion, topics);
      assert.deepStrictEqual([...retained.keys()].sort(), topics);
      for (const topic of topics) assert.strictEqual(retained.get(topic), expected.get(topic), topic);
      const final = new DiscoveryCollector(PREFIX);
      for (const [topic, text] of retained) if (isConfig(topic)) final.add(topic, text);
      assert.deepStrictEqual(final.problems(), []);
      assert.strictEqual(final.size, 3);
      const { mode: finalMode, threshold: finalThreshold } = JSON.parse(retained.get(`${BEDROOM}/control`));
      assert.deepStrictEqual([finalMode, finalThreshold], ['auto', 50], 'the whole control, retained');
    });

    it('a device silent past "offline after" becomes unavailable in Home Assistant; its next reading makes it available', async function () {
      const OFFLINE_AFTER = 2;
      const { ha, devices } = await start({ nl6_decide: { offlineAfter: OFFLINE_AFTER } });
      await firstReading(ha, devices.send, PORCH, 800);
      await devices.send(KITCHEN, 800);
      const silentSince = Date.now();
      await devices.send(BEDROOM, 800);
      await until(() => IDS.every((id) => ha.last(`${id}/availability`)?.text === 'online'), 'every device online');
      // The porch and the kitchen window go on reporting (every 250 ms); the bedroom falls silent.
      const chatter = setInterval(() => {
        devices.send(PORCH, 800).catch(() => {});
        devices.send(KITCHEN, 800).catch(() => {});
      }, 250);
      let offline;
      try {
        await until(() => (offline = ha.last(`${BEDROOM}/availability`))?.text === 'offline', 'the bedroom offline');
      } finally {
        clearInterval(chatter);
      }
      assert.ok(
        offline.at - silentSince >= OFFLINE_AFTER * 1000 - 20,
        `offline ${offline.at - silentSince} ms after the last reading`,
      );
      for (const id of [PORCH, KITCHEN])
        assert.deepStrictEqual(
          ha.on(`${id}/availability`).map((m) => m.text),
          ['online'],
          `${id} kept reporting, so stayed online`,
        );
      const topic = `${BEDROOM}/availability`;
      for (const platform of ['sensor', 'binary_sensor', 'select', 'number'])
        assert.strictEqual(availabilityFor(ha.entity(BEDROOM, platform), topic, offline.text), false, platform);
      let retained = await retainedMessages(broker.url, protocolVersion, [topic]);
      assert.strictEqual(retained.get(topic), 'offline', 'retained, for a Home Assistant that starts later');

      await devices.send(BEDROOM, 100);
      await until(() => ha.last(topic).text === 'online', 'the bedroom online again');
      assert.deepStrictEqual(
        ha.on(topic).map((m) => m.text),
        ['online', 'offline', 'online'],
      );
      assert.strictEqual(availabilityFor(ha.entity(BEDROOM, 'binary_sensor'), topic, ha.last(topic).text), true);
      await commandWhere(ha, BEDROOM, (c) => c.led_on === true, 'the bedroom on');
      assert.strictEqual(ha.on(configTopic(BEDROOM)).length, 1, 'back online without a new config');
      retained = await retainedMessages(broker.url, protocolVersion, [topic]);
      assert.strictEqual(retained.get(topic), 'online');
      assert.deepStrictEqual(ha.problems, []);
    });

    it('after a restart of the server, a device silent since before it is announced offline', async function () {
      const edit = { nl6_decide: { offlineAfter: 1 } };
      const { ha, devices } = await start(edit);
      await firstReading(ha, devices.send, PORCH, 800);
      await firstReading(ha, devices.send, KITCHEN, 800);
      const topic = `${PORCH}/availability`;
      await until(() => ha.last(topic)?.text === 'online', 'the porch online');
      await helper.unload();
      await loadExample(FILE, broker, { brokerProps, edit });
      // The kitchen window reports after the restart; the porch never does again.
      const chatter = setInterval(() => devices.send(KITCHEN, 800).catch(() => {}), 250);
      try {
        await until(() => ha.last(topic)?.text === 'offline', 'the porch offline, from its retained online');
      } finally {
        clearInterval(chatter);
      }
      assert.strictEqual(
        ha.last(`${KITCHEN}/availability`).text,
        'online',
        'the kitchen window reports, so stays online',
      );
      assert.strictEqual(availabilityFor(ha.entity(PORCH, 'sensor'), topic, 'offline'), false);
    });

    it('its buttons try a control without Home Assistant; a bad control is refused and shown', async function () {
      const { ha } = await start();
      const refused = collect(helper.getNode('nl6_errors'));
      const press = (id) => helper.getNode(id).receive({});
      const DEMO = 'demo-porch';
      let pressed = 0;
      await until(() => {
        if (ha.collector.message(configTopic(DEMO))) return true;
        if (pressed++ % 10 === 0) press('nl6_try_reading');
        return false;
      }, 'demo-porch announced');
      const first = await commandWhere(ha, DEMO, () => true, 'a first command');
      assert.strictEqual(first.led_on, true, 'dark (120): on');
      assert.strictEqual(first.mode, undefined, 'no control yet: the command says nothing of why');
      assert.strictEqual(ha.state(ha.entity(DEMO, 'select')), 'auto');

      press('nl6_try_on');
      const held = await commandWhere(ha, DEMO, (c) => c.mode === 'override', 'held on');
      assert.strictEqual(held.led_on, true);
      const [sample] = ha.on(`${DEMO}/control`);
      assert.deepStrictEqual(
        JSON.parse(sample.text),
        { mode: 'on', for: 60 },
        'the button publishes the sample control',
      );
      assert.strictEqual(ha.state(ha.entity(DEMO, 'select')), 'on');
      const retained = await retainedMessages(broker.url, protocolVersion, [`${DEMO}/control`]);
      const whole = JSON.parse(retained.get(`${DEMO}/control`));
      assert.strictEqual(whole.mode, 'on');
      assert.ok(whole.for > 55 && whole.for <= 60, `the hold has ${whole.for} s left`);

      press('nl6_try_auto');
      const auto = await commandWhere(ha, DEMO, (c) => c.mode === 'auto', 'back to auto');
      assert.strictEqual(auto.led_on, true, 'the rule decides again: still dark');
      assert.strictEqual(ha.state(ha.entity(DEMO, 'select')), 'auto');

      await ha.client.publishAsync(`${DEMO}/control`, '{"mode": "dim"}', { qos: 1 });
      await until(() => refused.length > 0, 'the bad control refused');
      assert.deepStrictEqual(refused.map(caughtCode), ['bad-control-mode']);
      assert.deepStrictEqual(ha.problems, []);
      assert.deepStrictEqual(ha.collector.problems(), []);
    });

    it('keeps its session over a broker restart: a reading sent while it reconnects is decided', async function () {
      const { ha, sent, devices } = await start();
      await firstReading(ha, devices.send, PORCH, 800);
      await ha.close();
      await devices.close();
      const server = helper.getNode('nl6_broker');
      await broker.stop();
      await until(() => !server.connected, 'the server to notice the broker is gone');
      await broker.start();
      // Node-RED tries again every few seconds: this reading is on the broker before the server is back.
      const device = await deviceClient(broker.url, protocolVersion);
      open.push(device);
      await device.send(KITCHEN, 100, 1);
      assert.strictEqual(server.connected, false, 'the reading went to the broker while the server was away');
      await until(() => server.connected, 'the server to reconnect', 20000);
      await until(
        () => sent.some((m) => m.topic === `${KITCHEN}/commands` && JSON.parse(wireText(m.payload)).led_on === true),
        'the kitchen window on',
      );
    });
  });
});
