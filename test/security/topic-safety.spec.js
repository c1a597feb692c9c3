'use strict';
// Issue 7.5: no configured or received device id can make a node publish to another
// device's topic or to a wildcard. Ids with + # / NUL, a leading $, control characters,
// lone surrogates or more than 64 characters are refused; anything else (unicode
// look-alikes included) stays inside its own topic level.
const assert = require('assert');
const path = require('path');
const mqtt = require('mqtt');
const { helper, ours, core, until, useServer, onTab, dist } = require('../support/runtime');
const { forEachBroker, useBroker } = require('../support/brokers');
const { Gen, fuzzSeed } = require('../support/hostile');

const { TopicTemplate, deviceIdProblem } = require(path.join(dist, 'lib', 'topics.js'));

/** Characters an attacker (or a careless env var) would try, and look-alikes that are fine. */
const ALPHABET = [
  'a',
  'b',
  'k',
  '-',
  '_',
  '.',
  ' ',
  "'",
  '`',
  '&',
  '+',
  '#',
  '/',
  '\u0000',
  '$',
  '\n',
  '\r',
  '\t',
  '\u0001',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u009f',
  '\ud800',
  '\udc00',
  '\ud83c\udf19',
  '／',
  '＋',
  '＃',
  '∕',
  '⁄',
  '＄',
  '\u200b',
  '\u200d',
  '\u202e',
  '\ufeff',
  'é',
  'ก',
  'ক',
  'ｋ',
];
/** Ids the contract accepts although they look like something else: each must stay one level. */
const LOOK_ALIKES = [
  "a$'",
  'a$`',
  'a$&',
  'a$$',
  'kitchen／x',
  '＋',
  '＃',
  '＄SYS',
  'kitchen\u200b',
  'ｋitchen',
  '\u202ekitchen',
  '🌙',
  'a b',
  'x'.repeat(64),
  '🌙'.repeat(64),
];
/** Ids that must never reach a topic. */
const HOSTILE_IDS = [
  '+',
  '#',
  'a/b',
  'kitchen/commands',
  '$SYS',
  '$share',
  '',
  'a\u0000',
  'kitchen\n',
  ' kitchen\r',
  'a\u0001',
  'a\u007f',
  'a\u009f',
  'a\ud800',
  '\udc00a',
  'x'.repeat(65),
  '🌙'.repeat(65),
  '../x',
];

function randomId(g) {
  return g.text(g.int(0, 70), ALPHABET).slice(0, g.int(0, 140));
}

/** What every published topic must satisfy: a well-formed UTF-8 MQTT topic name without wildcards, outside $-topics. */
function assertPublishable(topic) {
  assert.ok(!/[+#\u0000]/.test(topic), `no wildcard or NUL in ${JSON.stringify(topic)}`);
  assert.ok(!topic.startsWith('$'), `not a $ topic: ${JSON.stringify(topic)}`);
  assert.ok(!/[\u0001-\u001f\u007f-\u009f]/.test(topic), `no control character in ${JSON.stringify(topic)}`);
  assert.strictEqual(Buffer.from(topic, 'utf8').toString('utf8'), topic, 'survives UTF-8 unchanged');
}

describe('per-device topic safety', function () {
  describe('topic templates (library)', function () {
    it('renders every accepted id into exactly its own level, and reads it back; distinct ids never share a topic', function () {
      const seed = fuzzSeed('device ids');
      const g = new Gen(seed);
      const templates = ['{id}/telemetry', '{id}/commands', 'stadium/{id}/commands', 'a/b/{id}'].map(
        (t) => new TopicTemplate(t),
      );
      const owner = new Map();
      let accepted = 0;
      const ids = [...LOOK_ALIKES, ...HOSTILE_IDS, ...Array.from({ length: 20000 }, () => randomId(g))];
      for (const id of ids) {
        for (const template of templates) {
          let topic;
          try {
            topic = template.render(id);
          } catch (err) {
            assert.strictEqual(err.code, 'bad-device-id', `seed ${seed}: ${JSON.stringify(id)}`);
            continue;
          }
          accepted++;
          assertPublishable(topic);
          const levels = topic.split('/');
          const shape = template.template.split('/');
          assert.strictEqual(levels.length, shape.length, `seed ${seed}: ${JSON.stringify(id)} stays one level`);
          assert.strictEqual(levels[shape.indexOf('{id}')], id);
          assert.strictEqual(template.match(topic), id);
          const bytes = Buffer.from(topic).toString('hex');
          assert.ok(
            !owner.has(bytes) || owner.get(bytes) === id,
            `seed ${seed}: ${JSON.stringify(id)} and ${JSON.stringify(owner.get(bytes))} share a topic`,
          );
          owner.set(bytes, id);
        }
      }
      assert.ok(accepted > 1000, 'the generator also makes acceptable ids');
      for (const id of HOSTILE_IDS) assert.ok(deviceIdProblem(id), `refused: ${JSON.stringify(id)}`);
      for (const id of LOOK_ALIKES) assert.strictEqual(deviceIdProblem(id), null, `accepted: ${JSON.stringify(id)}`);
    });

    it('refuses templates that could widen or escape a topic', function () {
      for (const t of [
        '{id}/#',
        '+/{id}',
        '{id}/+',
        '$SYS/{id}',
        '{id}/{id}',
        'x{id}/telemetry',
        'a\nb/{id}',
        'a\u0000/{id}',
        '',
        'telemetry',
      ]) {
        assert.throws(() => new TopicTemplate(t), { code: 'bad-topic' }, JSON.stringify(t));
      }
    });
  });

  describe('nodes', function () {
    useServer();
    afterEach(() => delete process.env.NIGHTLIGHT_TEST_ID);

    function telemetryFlow(config) {
      return onTab([
        { id: 'n', type: 'light-telemetry', topic: '{id}/telemetry', wires: [['out']], ...config },
        { id: 'out', type: 'helper' },
        { id: 'catch', type: 'catch', scope: ['n'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]);
    }

    it('light telemetry: a hostile configured id (typed or from env) publishes nothing and says why', async function () {
      const cases = [
        ...HOSTILE_IDS.map((id) => [{ deviceId: id, deviceIdType: 'str' }, id]),
        ...['kitchen\n', 'a/b', '#', '$SYS', ''].map((id) => [
          { deviceId: 'NIGHTLIGHT_TEST_ID', deviceIdType: 'env' },
          id,
        ]),
      ];
      for (const [config, id] of cases) {
        process.env.NIGHTLIGHT_TEST_ID = id;
        await helper.load([ours.lightTelemetry, core.catch], telemetryFlow(config));
        const outputs = [];
        const caught = [];
        helper.getNode('out').on('input', (m) => outputs.push(m));
        helper.getNode('caught').on('input', (m) => caught.push(m.error.message));
        helper.getNode('n').receive({ payload: 100 });
        await until(() => caught.length === 1, `the refusal of ${JSON.stringify(id)}`);
        await new Promise((r) => setTimeout(r, 20));
        assert.deepStrictEqual(caught, ['Error: nightlight.errors.bad-device-id'], JSON.stringify(config));
        assert.strictEqual(outputs.length, 0, `nothing published for ${JSON.stringify(id)}`);
        await helper.unload();
      }
    });

    it('light telemetry: a look-alike id (typed or from env) publishes to its own level only', async function () {
      for (const [id, type, template] of LOOK_ALIKES.flatMap((id) => [
        [id, 'str', '{id}/telemetry'],
        [id, 'env', 'stadium/{id}/telemetry'],
      ])) {
        process.env.NIGHTLIGHT_TEST_ID = id;
        await helper.load(
          [ours.lightTelemetry],
          telemetryFlow({ deviceId: type === 'env' ? 'NIGHTLIGHT_TEST_ID' : id, deviceIdType: type, topic: template }),
        );
        const outputs = [];
        helper.getNode('out').on('input', (m) => outputs.push(m.topic));
        helper.getNode('n').receive({ payload: 100 });
        await until(() => outputs.length === 1, 'the telemetry');
        assert.strictEqual(outputs[0], template.split('{id}').join(id));
        assertPublishable(outputs[0]);
        await helper.unload();
      }
    });

    it('nightlight decide: a received id either commands exactly <id>/commands or is refused', async function () {
      const seed = fuzzSeed('received ids');
      const g = new Gen(seed);
      const ids = [...LOOK_ALIKES, ...HOSTILE_IDS, ...Array.from({ length: 2000 }, () => randomId(g))];
      await helper.load(
        [ours.decide, core.catch],
        onTab([
          {
            id: 'n',
            type: 'nightlight-decide',
            telemetryTopic: 'site/{id}/telemetry',
            commandTopic: 'site/{id}/commands',
            emit: 'every',
            wires: [['out']],
          },
          { id: 'out', type: 'helper' },
          { id: 'catch', type: 'catch', scope: ['n'], uncaught: false, wires: [['caught']] },
          { id: 'caught', type: 'helper' },
        ]),
      );
      const outputs = [];
      const caught = [];
      helper.getNode('out').on('input', (m) => outputs.push(m.topic));
      helper.getNode('caught').on('input', (m) => caught.push([m.tag, m.error.message]));
      const node = helper.getNode('n');
      ids.forEach((id, tag) => node.receive({ topic: `site/${id}/telemetry`, payload: { light: 5 }, tag }));
      await until(() => outputs.length + caught.length === ids.length, 'every reading answered or refused');
      // One command per accepted reading (emit: every), in order: each to its own device.
      const refused = new Set(caught.map(([tag]) => tag));
      assert.deepStrictEqual(
        outputs,
        ids.filter((_, tag) => !refused.has(tag)).map((id) => `site/${id}/commands`),
        `seed ${seed}`,
      );
      outputs.forEach(assertPublishable);
      for (const [tag, message] of caught) {
        assert.ok(
          /bad-device-id|topic-mismatch/.test(message),
          `seed ${seed}: ${JSON.stringify(ids[tag])}: ${message}`,
        );
        assert.ok(
          deviceIdProblem(ids[tag]) || ids[tag].includes('/'),
          `seed ${seed}: refused a good id ${JSON.stringify(ids[tag])}`,
        );
      }
      HOSTILE_IDS.forEach((id, i) => assert.ok(refused.has(LOOK_ALIKES.length + i), `refused: ${JSON.stringify(id)}`));
    });
  });

  describe('through a broker: crafted telemetry topics never make the server publish elsewhere', function () {
    useServer();
    forEachBroker((startBroker, kind) => {
      describe(kind, function () {
        let broker;
        useBroker(startBroker, (started) => (broker = started), { perTest: false });

        it('commands go to <id>/commands of well-formed ids only', async function () {
          await helper.load(
            [ours.decide, core.mqtt, core.catch],
            onTab([
              {
                id: 'broker',
                type: 'mqtt-broker',
                broker: '127.0.0.1',
                port: String(broker.port),
                clientid: 'server',
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
              { id: 'decide', type: 'nightlight-decide', wires: [['outq']] },
              { id: 'outq', type: 'mqtt out', broker: 'broker', wires: [] },
              { id: 'catch', type: 'catch', scope: ['decide'], uncaught: false, wires: [['caught']] },
              { id: 'caught', type: 'helper' },
            ]),
          );
          const caught = [];
          helper.getNode('caught').on('input', (m) => caught.push(m.error.message));
          const spy = mqtt.connect(broker.url, { clientId: 'spy', reconnectPeriod: 0 });
          const seen = [];
          spy.on('message', (topic) => seen.push(topic));
          await new Promise((resolve, reject) => spy.once('connect', resolve).once('error', reject));
          await spy.subscribeAsync('#', { qos: 1 });
          await until(() => helper.getNode('broker').connected, 'the server connected');
          await new Promise((r) => setTimeout(r, 200));

          const good = ['kitchen', 'ｋitchen', 'kitchen\u200b', '🌙', 'a b', 'x'.repeat(64), 'kitchen／commands'];
          const crafted = ['x'.repeat(65), '', 'kitchen/commands', '🌙'.repeat(65)];
          // Mosquitto drops a publisher for control characters, aedes passes them on; aedes drops one publishing to $SYS.
          const malformed = ['a\u0001b', 'a\u007f', 'kitchen\n', '$SYS/x'];
          const attacker = mqtt.connect(broker.url, { clientId: 'attacker', reconnectPeriod: 0 });
          await new Promise((resolve, reject) => attacker.once('connect', resolve).once('error', reject));
          for (const id of [...good, ...crafted])
            await attacker.publishAsync(`${id}/telemetry`, JSON.stringify({ light: 5 }), { qos: 1 });
          const rogue = mqtt.connect(broker.url, { clientId: 'rogue', reconnectPeriod: 0 });
          rogue.on('error', () => {});
          await new Promise((resolve) => rogue.once('connect', resolve).once('close', resolve));
          for (const id of malformed)
            rogue.publish(`${id}/telemetry`, JSON.stringify({ light: 5 }), { qos: 0 }, () => {});
          await new Promise((r) => setTimeout(r, 300));
          await attacker.publishAsync('last/telemetry', JSON.stringify({ light: 5 }), { qos: 1 });
          await until(() => seen.includes('last/commands'), 'the command of the last reading');
          await new Promise((r) => setTimeout(r, 300));

          const commands = seen.filter((t) => !t.endsWith('/telemetry'));
          for (const topic of commands) assertPublishable(topic);
          assert.deepStrictEqual(commands.sort(), [...good, 'last'].map((id) => `${id}/commands`).sort());
          assert.ok(helper.getNode('broker').connected, 'the server is still connected');
          assert.ok(
            caught.every((m) => m === 'Error: nightlight.errors.bad-device-id'),
            caught.join(),
          );
          assert.ok(caught.length >= 2, 'the over-long and the empty id were refused');
          attacker.end(true);
          rogue.end(true);
          spy.end(true);
        });
      });
    });
  });
});
