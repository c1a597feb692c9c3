'use strict';
// nightlight decide's run-time control and Home Assistant options as a user sets them: in a
// real Chromium against a real Node-RED with the packed package, the dialog of example 3's
// decide node (and of one saved before these options existed) is filled in, Done, read back
// from the editor, exported, deployed, and the deployed node announces a device to Home
// Assistant on a real broker under the prefix chosen in the dialog.
const assert = require('assert');
const mqtt = require('mqtt');
const { prepareExample } = require('../support/examples');
const { startAedes } = require('../support/brokers');
const { until } = require('../support/runtime');
const { DiscoveryCollector } = require('../support/ha-rules');
const {
  describeInBrowser,
  useEditorSession,
  openEditor,
  openDialog,
  pressDone,
  dialogProblems,
  screenshot,
} = require('../support/browser');

const NEW_OPTIONS = [
  'controlTopic',
  'discovery',
  'discoveryPrefix',
  'availabilityTopic',
  'offlineAfter',
  'ledFrom',
  'stateTopic',
  'lux',
  'removeForgotten',
];
const HA_ROWS = ['#node-input-discoveryPrefix', '#node-input-availabilityTopic', '#node-input-offlineAfter'];

describeInBrowser('nightlight decide: control and Home Assistant options in the dialog', function () {
  this.timeout(240000);
  const session = useEditorSession('decide-options');
  let broker;
  let decideId;
  const oldId = 'decide-from-before';

  before(async function () {
    broker = await startAedes();
  });

  after(async function () {
    if (broker) await broker.close();
  });

  beforeEach(async function () {
    const flow = prepareExample('03-server-many-devices.json', { port: broker.port });
    const decide = flow.find((n) => n.type === 'nightlight-decide');
    decideId = decide.id;
    // The same node as a flow saved before these options existed has it.
    const old = { ...decide, id: oldId, y: decide.y + 200, wires: [[]] };
    for (const option of NEW_OPTIONS) delete old[option];
    const res = await session.red.request('POST', '/flows', [...flow, old], { 'Node-RED-Deployment-Type': 'full' });
    assert.strictEqual(res.status, 204, res.text);
  });

  // Bengali, whose labels are the longest after Thai (the Thai dialog is in shipped-dialogs.spec.js).
  for (const locale of ['bn']) {
    it(`sets the control topic and Home Assistant discovery, kept, exported, deployed and used (${locale})`, async function () {
      const opened = await session.page(locale);
      const { page } = opened;
      await openEditor(page, session.red.url, [decideId, oldId]);

      // A node saved before: the dialog shows the defaults, nothing red, and Done leaves the flow unchanged.
      await openDialog(page, oldId);
      assert.strictEqual(await page.inputValue('#node-input-controlTopic'), '{id}/control');
      assert.deepStrictEqual(await dialogProblems(page, { [HA_ROWS[0]]: false }), []);
      await pressDone(page);

      await openDialog(page, decideId);
      const hidden = Object.fromEntries(HA_ROWS.map((r) => [r, false]));
      assert.deepStrictEqual(await dialogProblems(page, { ...hidden, '#node-input-stateTopic': false }), []);
      await page.fill('#node-input-controlTopic', 'home/{id}/control');
      await page.check('#node-input-discovery');
      const shown = Object.fromEntries(HA_ROWS.map((r) => [r, true]));
      assert.deepStrictEqual(await dialogProblems(page, { ...shown, '#node-input-stateTopic': false }), []);
      assert.deepStrictEqual(
        [await page.inputValue('#node-input-discoveryPrefix'), await page.inputValue('#node-input-offlineAfter')],
        ['homeassistant', '300'],
      );
      await page.selectOption('#node-input-ledFrom', 'state');
      assert.deepStrictEqual(await dialogProblems(page, { '#node-input-stateTopic': true }), []);
      assert.strictEqual(await page.inputValue('#node-input-stateTopic'), '{id}/state');
      // A prefix that could never be published under is marked red.
      await page.fill('#node-input-discoveryPrefix', 'home/#');
      await page.press('#node-input-discoveryPrefix', 'Tab');
      assert.deepStrictEqual(await dialogProblems(page), ['node-input-discoveryPrefix is marked red (value "home/#")']);
      await page.fill('#node-input-discoveryPrefix', 'ha');
      await page.fill('#node-input-offlineAfter', '45');
      await page.fill('#node-input-stateTopic', 'home/{id}/state');
      await page.check('#node-input-lux');
      await page.check('#node-input-removeForgotten');
      await page.press('#node-input-stateTopic', 'Tab');
      assert.deepStrictEqual(await dialogProblems(page), []);
      await screenshot(page, `decide-home-assistant-${locale}`);
      await pressDone(page);

      const wanted = {
        controlTopic: 'home/{id}/control',
        discovery: true,
        discoveryPrefix: 'ha',
        offlineAfter: '45',
        ledFrom: 'state',
        stateTopic: 'home/{id}/state',
        lux: true,
        removeForgotten: true,
      };
      const pick = (n) => Object.fromEntries(Object.keys(wanted).map((k) => [k, n[k]]));
      const saved = await page.evaluate((id) => ({ ...RED.nodes.node(id), _def: undefined, _: undefined }), decideId);
      assert.deepStrictEqual(pick(saved), wanted, 'kept in the editor');
      assert.strictEqual(saved.valid, true);
      await openDialog(page, decideId);
      assert.deepStrictEqual(await dialogProblems(page, { ...shown, '#node-input-stateTopic': true }), []);
      assert.strictEqual(await page.inputValue('#node-input-discoveryPrefix'), 'ha', 'reopened');
      await pressDone(page);

      const exported = await page.evaluate(() => RED.nodes.createExportableNodeSet(RED.nodes.filterNodes({})));
      assert.deepStrictEqual(pick(exported.find((n) => n.id === decideId)), wanted, 'exported');
      await page.click('#red-ui-header-button-deploy');
      await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 20000 });
      const deployed = (await session.red.request('GET', '/flows')).json;
      assert.deepStrictEqual(pick(deployed.find((n) => n.id === decideId)), wanted, 'deployed');
      const old = deployed.find((n) => n.id === oldId);
      assert.deepStrictEqual(
        NEW_OPTIONS.filter((o) => old[o] === undefined),
        [],
        'the node from before is saved with the defaults',
      );

      // The deployed node announces a device under the chosen prefix, with the lux sensor and the state topic.
      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      try {
        const ha = new DiscoveryCollector('ha');
        client.on('message', (topic, payload) => topic.startsWith('ha/') && ha.add(topic, String(payload)));
        await client.subscribeAsync('ha/#', { qos: 1 });
        const id = `porch-${locale}`;
        await until(
          async () => {
            await client.publishAsync(`${id}/telemetry`, JSON.stringify({ light: 120 }), { qos: 1 });
            return ha.message(`ha/device/${id}/config`) !== undefined;
          },
          'the discovery config of the device',
          20000,
        );
        const config = ha.message(`ha/device/${id}/config`);
        assert.deepStrictEqual(ha.problems(), []);
        assert.deepStrictEqual(
          [
            config.components.light.device_class,
            config.components.led.state_topic,
            config.components.mode.command_topic,
          ],
          ['illuminance', `home/${id}/state`, `home/${id}/control`],
        );
      } finally {
        await client.endAsync(true);
      }
      assert.deepStrictEqual(opened.consoleErrors, []);
    });
  }
});
