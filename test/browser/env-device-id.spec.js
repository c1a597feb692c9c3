'use strict';
// The device id's `env` type, end to end, as a user sets it: in a real Node-RED process
// started with DEVICE_ID in its environment, the editor (headless Chromium, en-US and
// Bengali) chooses env in light telemetry's and LED command's id field and types DEVICE_ID,
// Done; reopened, the dialog shows env DEVICE_ID again; the flow exported and deployed says
// deviceIdType "env"; and on a real broker the telemetry and the reported state go out on
// the variable's value, never on "DEVICE_ID/...".
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const mqtt = require('mqtt');
const { startNodeRed } = require('../support/node-red-process');
const { userDirWithPackage } = require('../support/packed');
const { startAedes, HOST } = require('../support/brokers');
const { until } = require('../support/runtime');
const { describeInBrowser, launch, openPage, screenshot, SETTINGS, openEditor, openDialog, pressDone, dialogProblems, chooseType } = require('../support/browser');

const VALUE = 'lamp-from-env-7';

/** A flow with one light telemetry and one LED command (reporting its state), both with a plain id, over `broker`. */
function flowFor(broker) {
  const z = 'envtab';
  return [
    { id: z, type: 'tab', label: 'env device id' },
    { id: 'envbroker', type: 'mqtt-broker', name: 'test broker', broker: HOST, port: String(broker.port), clientid: '', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true, autoUnsubscribe: true },
    { id: 'env_reading', type: 'inject', z, name: 'reading', props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', payload: '120', payloadType: 'num', x: 120, y: 60, wires: [['env_tel']] },
    { id: 'env_tel', type: 'light-telemetry', z, name: '', deviceId: 'plain-id', deviceIdType: 'str', topic: '{id}/telemetry', qos: '1', retain: false, maxBytes: 4096, minInterval: 0, deadband: 0, heartbeat: 0, offline: 'drop', capacity: 1000, rate: 20, ackTimeout: 10, store: '', x: 320, y: 60, wires: [['env_tel_out']] },
    { id: 'env_tel_out', type: 'mqtt out', z, name: '', topic: '', qos: '', retain: '', broker: 'envbroker', x: 520, y: 60, wires: [] },
    { id: 'env_command', type: 'inject', z, name: 'command', props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', payload: '{"led_on":true}', payloadType: 'json', x: 120, y: 160, wires: [['env_led']] },
    { id: 'env_led', type: 'led-command', z, name: '', format: 'boolean', emit: 'change', maxBytes: 4096, state: true, deviceId: 'plain-id', deviceIdType: 'str', stateTopic: '{id}/state', fallback: 0, threshold: 300, outputs: 2, x: 320, y: 160, wires: [[], ['env_state_out']] },
    { id: 'env_state_out', type: 'mqtt out', z, name: '', topic: '', qos: '', retain: '', broker: 'envbroker', x: 520, y: 160, wires: [] },
  ];
}

/** What the device id field of the open dialog shows: its type and value. */
const shownId = (page) => page.evaluate(() => ({ type: $('#node-input-deviceId').typedInput('type'), value: $('#node-input-deviceId').typedInput('value') }));

describeInBrowser('device id from an environment variable (env type), editor to broker', function () {
  this.timeout(240000);
  let work;
  let red;
  let browser;
  let broker;
  const pages = [];

  before(async function () {
    broker = await startAedes();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-env-'));
    const userDir = userDirWithPackage(work);
    // The Node-RED child process inherits this environment.
    const before = process.env.DEVICE_ID;
    process.env.DEVICE_ID = VALUE;
    try {
      red = await startNodeRed({ userDir, settings: SETTINGS });
    } finally {
      if (before === undefined) delete process.env.DEVICE_ID;
      else process.env.DEVICE_ID = before;
    }
    browser = await launch();
  });

  afterEach(async function () {
    while (pages.length) await pages.pop().context.close();
  });

  after(async function () {
    if (browser) await browser.close();
    if (red) await red.stop();
    if (broker) await broker.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  for (const locale of ['en-US', 'bn']) {
    it(`light telemetry and LED command set to env DEVICE_ID (${locale}) keep it, export it and publish on ${VALUE}/...`, async function () {
      const res = await red.request('POST', '/flows', flowFor(broker), { 'Node-RED-Deployment-Type': 'full' });
      assert.strictEqual(res.status, 204, res.text);
      const opened = await openPage(browser, { locale });
      pages.push(opened);
      const { page } = opened;
      await openEditor(page, red.url, ['env_tel', 'env_led']);

      for (const id of ['env_tel', 'env_led']) {
        await openDialog(page, id);
        assert.deepStrictEqual(await shownId(page), { type: 'str', value: 'plain-id' });
        await chooseType(page, 'node-input-deviceId', 'env');
        const input = page.locator('#node-input-deviceId + .red-ui-typedInput-container input.red-ui-typedInput-input');
        await input.fill('');
        await input.pressSequentially('DEVICE_ID');
        await input.press('Tab');
        await until(async () => (await shownId(page)).value === 'DEVICE_ID', 'the field to hold DEVICE_ID');
        assert.deepStrictEqual(await dialogProblems(page), [], `${id}: env DEVICE_ID is not marked red`);
        await pressDone(page);
        const saved = await page.evaluate((nodeId) => {
          const n = RED.nodes.node(nodeId);
          return { deviceId: n.deviceId, deviceIdType: n.deviceIdType, valid: n.valid };
        }, id);
        assert.deepStrictEqual(saved, { deviceId: 'DEVICE_ID', deviceIdType: 'env', valid: true }, `${id} saved`);

        await openDialog(page, id);
        assert.deepStrictEqual(await shownId(page), { type: 'env', value: 'DEVICE_ID' }, `${id} reopened`);
        const label = await page.locator('#node-input-deviceId + .red-ui-typedInput-container .red-ui-typedInput-type-select').getAttribute('class');
        assert.doesNotMatch(label, /disabled/);
        await screenshot(page, `env-device-id-${id}-${locale}`);
        await pressDone(page);
        assert.strictEqual(await page.evaluate((nodeId) => !!RED.nodes.node(nodeId).changed, id), true, 'changed by the first edit only');
      }

      // What Export > JSON would give for these nodes.
      const exported = await page.evaluate(() => RED.nodes.createExportableNodeSet(RED.nodes.filterNodes({ z: 'envtab' })));
      for (const id of ['env_tel', 'env_led']) {
        const n = exported.find((e) => e.id === id);
        assert.deepStrictEqual([n.deviceId, n.deviceIdType], ['DEVICE_ID', 'env'], `${id} exported`);
      }

      await page.click('#red-ui-header-button-deploy');
      await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 20000 });
      const deployed = (await red.request('GET', '/flows')).json;
      for (const id of ['env_tel', 'env_led']) {
        const n = deployed.find((e) => e.id === id);
        assert.deepStrictEqual([n.deviceId, n.deviceIdType], ['DEVICE_ID', 'env'], `${id} deployed`);
      }

      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      const seen = [];
      try {
        // Retained messages from an earlier run are not this run's.
        client.on('message', (topic, payload, packet) => packet.retain || seen.push({ topic, payload: JSON.parse(payload.toString()) }));
        await client.subscribeAsync('#', { qos: 1 });
        // The nodes' broker connection is up before a button is pressed.
        await until(async () => (await red.request('POST', '/inject/env_reading')).status === 200 && seen.some((m) => m.topic.endsWith('/telemetry')), 'telemetry from the deployed flow', 20000);
        assert.strictEqual((await red.request('POST', '/inject/env_command')).status, 200);
        await until(() => seen.some((m) => m.topic.endsWith('/state')), 'the reported state', 20000);
        const topics = [...new Set(seen.map((m) => m.topic))].sort();
        assert.deepStrictEqual(topics, [`${VALUE}/state`, `${VALUE}/telemetry`]);
        assert.strictEqual(seen.find((m) => m.topic === `${VALUE}/telemetry`).payload.light, 120);
        assert.strictEqual(seen.find((m) => m.topic === `${VALUE}/state`).payload.led_on, true);
      } finally {
        await client.endAsync();
      }
      assert.deepStrictEqual(opened.consoleErrors, []);
    });
  }
});
