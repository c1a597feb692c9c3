'use strict';
// What the nodes show as their status, on the real runtime with the real translation:
// node-red-node-test-helper gives nodes a RED._ that returns the key, so here each node
// gets Node-RED's own i18n (@node-red/util, i18next) over the built catalogs under the
// namespace Node-RED registers them with, in the language the runtime would use.
// Fixed texts must reach the editor as catalog keys (it translates them into the
// browser's language); texts with run-time values must fit in about 32 characters.
const assert = require('assert');
const path = require('path');
const { i18n } = /** @type {import('../support/typed').NodeRedUtil} */ (require('@node-red/util'));
const { helper, ours, core, collect, until, useServer, onTab, dist, nodeRedUtil } = require('../support/runtime');
const { decideNode, ledNode, telemetryNode } = require('../support/typed');
const { STATUS_MAX, statusLength } = require('../../dist/nodes/shared/status');

const MODULE = require('../../package.json').name;
const LANGUAGES = ['en-US', 'bn', 'th'];
const NODES = { lightTelemetry: 'light-telemetry', decide: 'nightlight-decide', ledCommand: 'led-command' };
const built = path.join(dist, 'locales');
const catalogs = Object.fromEntries(
  LANGUAGES.map((lang) => [
    lang,
    Object.fromEntries(Object.values(NODES).map((n) => [n, require(path.join(built, lang, `${n}.json`))])),
  ]),
);
const LONG_ID = 'nightlight-' + 'x'.repeat(40) + '-kitchen-42';

/** Our node module `name`, loaded with a RED._ that translates into `lang` as the runtime does. */
function inLanguage(name, lang) {
  const namespace = `${MODULE}/${NODES[name]}`;
  return (RED) => {
    const t = i18n.i.getFixedT(lang, namespace);
    const red = Object.create(RED);
    red._ = (key, params) => t(key, params);
    return ours[name](red);
  };
}

/** The statuses `node` shows, in order. */
function statusesOf(node) {
  const statuses = [];
  node.on('call:status', (call) => statuses.push(call.args[0]));
  return statuses;
}

const lookup = (object, key) =>
  key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), object);

/** Asserts that `text` is `<module>/<node>:<key>` with a text under that key in every language. */
function assertKey(text, node) {
  const m = String(text).match(/^(.+)\/([\w-]+):([\w.-]+)$/);
  assert.ok(m, `"${text}" is a catalog key with its namespace`);
  assert.deepStrictEqual([m[1], m[2]], [MODULE, node], text);
  for (const lang of LANGUAGES)
    assert.strictEqual(typeof lookup(catalogs[lang][node], m[3]), 'string', `${lang} has ${m[3]}`);
  return m[3];
}

function assertFits(text, what) {
  assert.ok(
    statusLength(text) <= STATUS_MAX,
    `${what}: "${text}" is ${statusLength(text)} characters, more than ${STATUS_MAX}`,
  );
}

/** @param {import('../support/typed').DecideProps} [props] */
function decideFlow(props = {}) {
  return onTab([decideNode({ id: 'decide', wires: [['out']], ...props }), { id: 'out', type: 'helper' }]);
}

/** @param {import('../support/typed').DecideProps} [props] */
function groupFlow(props = {}) {
  return decideFlow({
    mode: 'group',
    groupName: 'stadium',
    telemetryTopic: 'stadium/{id}/telemetry',
    commandTopic: 'stadium/{id}/commands',
    aggregation: 'median',
    freshness: '60',
    minFresh: '3',
    ...props,
  });
}

describe('status texts on the runtime', function () {
  useServer();
  before(async function () {
    i18n.init({ lang: 'en-US' });
    for (const node of Object.values(NODES))
      await i18n.registerMessageCatalog(`${MODULE}/${node}`, built, `${node}.json`);
    await i18n.i.loadLanguages(LANGUAGES);
  });

  describe('fixed texts are catalog keys the editor translates', function () {
    it('LED command: every status is a key (waiting, LED on/off, server or local)', async function () {
      await helper.load(
        [inLanguage('ledCommand', 'en-US')],
        onTab([
          ledNode({
            id: 'led',
            format: 'boolean',
            emit: 'change',
            fallback: 0.3,
            threshold: 300,
            wires: [['out']],
          }),
          { id: 'out', type: 'helper' },
        ]),
      );
      const led = helper.getNode('led');
      const out = collect(helper.getNode('out'));
      const statuses = statusesOf(led);
      // The first status (waiting, before any listener) was shown at deploy; it shows again after a redeploy in another test.
      led.receive({ payload: { led_on: true, seq: 1, ts: 1 } });
      await until(() => out.length === 1 && statuses.length >= 1, 'the LED on');
      assert.strictEqual(assertKey(statuses.at(-1).text, 'led-command'), 'led-command.status.server.on');
      led.receive({ payload: 900 });
      await until(() => out.length === 2, 'the local decision after the silence', 3000);
      await until(() => /local\.off$/.test(statuses.at(-1).text), 'the local status');
      for (const s of statuses) assertKey(s.text, 'led-command');
    });

    it('LED command: the status at deploy is the waiting key', async function () {
      const shown = [];
      // Node-RED's own status event, which is what reaches the editor.
      const listener = (event) => event.id === 'led' && shown.push(event.status);
      // The runtime's own event bus (another installation's under the compatibility matrix).
      const { events } = nodeRedUtil;
      events.on('node-status', listener);
      try {
        await helper.load([inLanguage('ledCommand', 'th')], onTab([ledNode({ id: 'led', wires: [[]] })]));
        await until(() => shown.length >= 1, 'a status at deploy');
      } finally {
        events.removeListener('node-status', listener);
      }
      assert.strictEqual(
        assertKey(shown[0].text, 'led-command'),
        'led-command.status.server.waiting',
        'the same key whatever the runtime language',
      );
    });

    it('light telemetry: offline and online alone are keys; with a count the text is rendered', async function () {
      await helper.load(
        [inLanguage('lightTelemetry', 'en-US')],
        onTab([
          telemetryNode({
            id: 'lt',
            deviceId: 'kitchen',
            topic: '{id}/telemetry',
            qos: '1',
            offline: 'all',
            wires: [['out']],
          }),
          { id: 'out', type: 'helper' },
        ]),
      );
      const lt = helper.getNode('lt');
      const statuses = statusesOf(lt);
      const link = (up) =>
        lt.receive({
          status: {
            fill: up ? 'green' : 'red',
            shape: 'dot',
            text: `node-red:common.status.${up ? 'connected' : 'disconnected'}`,
            source: { id: 'mqttout' },
          },
        });
      link(false);
      await until(() => statuses.length >= 1, 'the offline status');
      assert.strictEqual(assertKey(statuses.at(-1).text, 'light-telemetry'), 'light-telemetry.status.offline');
      link(true);
      await until(() => /status\.online$/.test(statuses.at(-1).text), 'the online status');
      assertKey(statuses.at(-1).text, 'light-telemetry');
      link(false);
      lt.receive({ payload: 412 });
      await until(() => /buffered/.test(statuses.at(-1).text), 'the buffered count');
      assert.strictEqual(statuses.at(-1).text, 'offline · 1 buffered');
    });

    it('light telemetry: while a buffer drains, the counts stay and the last value sent goes when all would not fit', async function () {
      await helper.load(
        [inLanguage('lightTelemetry', 'en-US')],
        onTab([
          telemetryNode({
            id: 'lt',
            deviceId: 'kitchen',
            topic: '{id}/telemetry',
            qos: '1',
            offline: 'all',
            capacity: 2,
            ackTimeout: 60,
            wires: [['out']],
          }),
          { id: 'out', type: 'helper' },
        ]),
      );
      const lt = helper.getNode('lt');
      const out = collect(helper.getNode('out'));
      const statuses = statusesOf(lt);
      const link = (up) =>
        lt.receive({
          status: {
            fill: up ? 'green' : 'red',
            shape: 'dot',
            text: `node-red:common.status.${up ? 'connected' : 'disconnected'}`,
            source: { id: 'mqttout' },
          },
        });
      link(false);
      for (const light of [1, 2, 3, 4, 5]) lt.receive({ payload: light * 100000 });
      await until(() => /dropped/.test(statuses.at(-1)?.text || ''), 'the drops while offline');
      assert.strictEqual(statuses.at(-1).text, 'offline · 2 buffered · 3 dropped');
      link(true);
      // Two readings go out; unconfirmed (no complete node here), they stay counted as buffered.
      await until(() => out.length === 2 && /^2 buffered/.test(statuses.at(-1).text), 'the replay in the status', 3000);
      assert.strictEqual(
        statuses.at(-1).text,
        '2 buffered · 3 dropped',
        'not "light 500000 sent · 2 buffered · 3 dropped"',
      );
    });

    it('a refused input: a red status cut to fit, the whole message to the Catch node', async function () {
      await helper.load(
        [inLanguage('decide', 'en-US'), core.catch],
        onTab([
          decideNode({ id: 'decide', wires: [['out']] }),
          { id: 'out', type: 'helper' },
          { id: 'catch', type: 'catch', scope: ['decide'], uncaught: false, wires: [['caught']] },
          { id: 'caught', type: 'helper' },
        ]),
      );
      const decide = helper.getNode('decide');
      const caught = collect(helper.getNode('caught'));
      const statuses = statusesOf(decide);
      decide.receive({ topic: 'kitchen/telemetry', payload: true });
      await until(() => caught.length === 1, 'the error at the Catch node');
      const red = statuses.find((s) => s.fill === 'red');
      assertFits(red.text, 'the red status');
      const message = caught[0].error.message.replace(/^Error: /, '');
      assert.strictEqual(message, 'Refused: expected a JSON object, got boolean');
      assert.strictEqual(red.text, 'Refused: expected a JSON object…');
    });

    it('decide: "waiting for sensors" while a group has just started', async function () {
      await helper.load([inLanguage('decide', 'en-US')], groupFlow());
      const decide = helper.getNode('decide');
      const statuses = statusesOf(decide);
      decide.receive({ topic: 'stadium/s1/telemetry', payload: { light: 10 } });
      await until(() => statuses.length >= 1, 'a status');
      assert.strictEqual(assertKey(statuses.at(-1).text, 'nightlight-decide'), 'nightlight-decide.status.waiting');
      assert.deepStrictEqual([statuses.at(-1).fill, statuses.at(-1).shape], ['grey', 'ring']);
    });
  });

  describe(`texts with run-time values fit in ${STATUS_MAX} characters`, function () {
    for (const lang of LANGUAGES) {
      it(`${lang}: per device, a long id is shortened with an ellipsis, and the device count agrees in number`, async function () {
        await helper.load([inLanguage('decide', lang)], decideFlow());
        const decide = helper.getNode('decide');
        const out = collect(helper.getNode('out'));
        const statuses = statusesOf(decide);
        decide.receive({ topic: `${LONG_ID}/telemetry`, payload: { light: 800 } });
        await until(() => out.length === 1 && statuses.length >= 1, 'a decision and its status');
        const one = statuses.at(-1).text;
        assertFits(one, lang);
        assert.ok(one.startsWith('night') && one.includes('…'), `the id is shortened: ${one}`);
        if (lang === 'en-US') assert.match(one, /: 800 → off · 1 device$/);
        // Statuses show at most 4 times a second: wait for the one with two devices.
        decide.receive({ topic: 'nightlight-demo/telemetry', payload: { light: 100 } });
        await until(() => out.length === 2 && statuses.at(-1).text !== one, 'the second device in the status', 2000);
        const two = statuses.at(-1).text;
        assertFits(two, lang);
        if (lang === 'en-US') assert.strictEqual(two, 'night…demo: 100 → on · 2 devices');
      });

      it(`${lang}: a group with a long name, median and quorum`, async function () {
        for (const aggregation of ['median', 'quorum']) {
          await helper.load(
            [inLanguage('decide', lang)],
            groupFlow({ groupName: LONG_ID, aggregation, quorum: '2', minFresh: '3' }),
          );
          const decide = helper.getNode('decide');
          const out = collect(helper.getNode('out'));
          const statuses = statusesOf(decide);
          for (const id of ['s1', 's2', 's3'])
            decide.receive({ topic: `stadium/${id}/telemetry`, payload: { light: 10 } });
          await until(() => out.length === 1, 'the group decision');
          await until(() => statuses.length > 0 && statuses.at(-1).shape === 'dot', 'the decision in the status', 2000);
          const text = statuses.at(-1).text;
          assertFits(text, `${lang} ${aggregation}`);
          assert.ok(text.includes('…'), text);
          if (lang === 'en-US')
            assert.match(text, aggregation === 'quorum' ? /: 3\/3 sensors dark → on$/ : /: 10 \(3\/3 sensors\) → on$/);
          await helper.unload();
        }
      });
    }
  });

  describe('the too-few warning of a sensor group (example 4)', function () {
    it('no warning right after deploy while sensors report one by one, and none once enough have', async function () {
      // Freshness 60 s: the first window after the deploy is far longer than this test.
      await helper.load([inLanguage('decide', 'en-US')], groupFlow({ minFresh: '4' }));
      const decide = helper.getNode('decide');
      const out = collect(helper.getNode('out'));
      const warnings = [];
      decide.on('call:warn', (call) => warnings.push(call.args[0]));
      for (const id of ['s1', 's2', 's3', 's4', 's5', 's6'])
        decide.receive({ topic: `stadium/${id}/telemetry`, payload: { light: 800 } });
      await until(() => out.length === 1, 'the decision from four fresh sensors');
      assert.deepStrictEqual(out[0].payload.sensors, ['s1', 's2', 's3', 's4']);
      assert.deepStrictEqual(warnings, [], 'the first three readings (1, 2 and 3 of 4 needed) gave no warning');
    });

    it('a warning when the sensors fall silent later, in the runtime language with the right number', async function () {
      await helper.load([inLanguage('decide', 'en-US')], groupFlow({ freshness: '0.3', minFresh: '2' }));
      const decide = helper.getNode('decide');
      const out = collect(helper.getNode('out'));
      const statuses = statusesOf(decide);
      const warnings = [];
      decide.on('call:warn', (call) => warnings.push(call.args[0]));
      decide.receive({ topic: 'stadium/s1/telemetry', payload: { light: 800 } });
      decide.receive({ topic: 'stadium/s2/telemetry', payload: { light: 800 } });
      await until(() => out.length === 1, 'a decision');
      assert.deepStrictEqual(warnings, [], 'no warning while enough sensors are fresh');
      await until(() => warnings.length === 1, 'the warning once both went silent', 5000);
      assert.match(
        warnings[0],
        /^Group stadium: only [01] of 2 sensors are fresh and 2 are needed, so the LED is not switched until enough sensors report$/,
      );
      await until(() => statuses.at(-1).shape === 'ring' && statuses.at(-1).fill === 'yellow', 'a yellow ring');
      assert.match(statuses.at(-1).text, /^stadium: [01] fresh, 2 needed$/);
    });

    it('a warning after the first window when the group never fills up', async function () {
      await helper.load([inLanguage('decide', 'en-US')], groupFlow({ freshness: '0.3', minFresh: '3' }));
      const decide = helper.getNode('decide');
      const warnings = [];
      decide.on('call:warn', (call) => warnings.push(call.args[0]));
      decide.receive({ topic: 'stadium/s1/telemetry', payload: { light: 800 } });
      await until(() => warnings.length === 1, 'the warning when the first window is over', 5000);
      assert.match(warnings[0], /^Group stadium: (only )?[01] of 1 sensor is fresh and 3 are needed/);
    });
  });
});
