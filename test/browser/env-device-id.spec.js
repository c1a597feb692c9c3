'use strict';
// The `env` type of every typed id field, end to end, as a user sets it: in a real Node-RED
// process started with DEVICE_ID and NIGHTLIGHT_GROUP in its environment, the editor
// (headless Chromium, en-US and Bengali) chooses env in light telemetry's and LED command's
// device id and in nightlight decide's group name, types the variable, Done; reopened, the
// dialog shows env and the variable again; the flow exported and deployed says type "env";
// and on a real broker the telemetry, the reported state and the group's command go out on
// the variables' values, never on "DEVICE_ID/...".
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const mqtt = require('mqtt');
const { startNodeRed } = require('../support/node-red-process');
const { userDirWithPackage } = require('../support/packed');
const { startAedes, HOST } = require('../support/brokers');
const { until } = require('../support/runtime');
const {
  describeInBrowser,
  launch,
  openPage,
  screenshot,
  SETTINGS,
  openEditor,
  openDialog,
  pressDone,
  dialogProblems,
  chooseType,
} = require('../support/browser');

const VALUE = 'lamp-from-env-7';
const GROUP = 'hall-from-env';
/** Each typed id field: the node, its field and property, and the variable it is set to. */
const FIELDS = [
  { node: 'env_tel', field: 'node-input-deviceId', property: 'deviceId', variable: 'DEVICE_ID', plain: 'plain-id' },
  { node: 'env_led', field: 'node-input-deviceId', property: 'deviceId', variable: 'DEVICE_ID', plain: 'plain-id' },
  {
    node: 'env_decide',
    field: 'node-input-groupName',
    property: 'groupName',
    variable: 'NIGHTLIGHT_GROUP',
    plain: 'plain-group',
  },
];

/** A flow with one light telemetry and one LED command (reporting its state), both with a plain id, over `broker`. */
function flowFor(broker) {
  const z = 'envtab';
  return [
    { id: z, type: 'tab', label: 'env device id' },
    {
      id: 'envbroker',
      type: 'mqtt-broker',
      name: 'test broker',
      broker: HOST,
      port: String(broker.port),
      clientid: '',
      autoConnect: true,
      usetls: false,
      protocolVersion: '4',
      keepalive: '60',
      cleansession: true,
      autoUnsubscribe: true,
    },
    {
      id: 'env_reading',
      type: 'inject',
      z,
      name: 'reading',
      props: [{ p: 'payload' }],
      repeat: '',
      crontab: '',
      once: false,
      onceDelay: 0.1,
      topic: '',
      payload: '120',
      payloadType: 'num',
      x: 120,
      y: 60,
      wires: [['env_tel']],
    },
    {
      id: 'env_tel',
      type: 'light-telemetry',
      z,
      name: '',
      deviceId: 'plain-id',
      deviceIdType: 'str',
      topic: '{id}/telemetry',
      qos: '1',
      retain: false,
      maxBytes: 4096,
      minInterval: 0,
      deadband: 0,
      heartbeat: 0,
      offline: 'drop',
      capacity: 1000,
      rate: 20,
      ackTimeout: 10,
      store: '',
      x: 320,
      y: 60,
      wires: [['env_tel_out']],
    },
    {
      id: 'env_tel_out',
      type: 'mqtt out',
      z,
      name: '',
      topic: '',
      qos: '',
      retain: '',
      broker: 'envbroker',
      x: 520,
      y: 60,
      wires: [],
    },
    {
      id: 'env_command',
      type: 'inject',
      z,
      name: 'command',
      props: [{ p: 'payload' }],
      repeat: '',
      crontab: '',
      once: false,
      onceDelay: 0.1,
      topic: '',
      payload: '{"led_on":true}',
      payloadType: 'json',
      x: 120,
      y: 160,
      wires: [['env_led']],
    },
    {
      id: 'env_led',
      type: 'led-command',
      z,
      name: '',
      format: 'boolean',
      emit: 'change',
      maxBytes: 4096,
      state: true,
      deviceId: 'plain-id',
      deviceIdType: 'str',
      stateTopic: '{id}/state',
      fallback: 0,
      threshold: 300,
      outputs: 2,
      x: 320,
      y: 160,
      wires: [[], ['env_state_out']],
    },
    {
      id: 'env_state_out',
      type: 'mqtt out',
      z,
      name: '',
      topic: '',
      qos: '',
      retain: '',
      broker: 'envbroker',
      x: 520,
      y: 160,
      wires: [],
    },
    {
      id: 'env_sensors',
      type: 'mqtt in',
      z,
      name: '',
      topic: 's1/telemetry',
      qos: '1',
      datatype: 'auto-detect',
      broker: 'envbroker',
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      x: 120,
      y: 260,
      wires: [['env_decide']],
    },
    {
      id: 'env_decide',
      type: 'nightlight-decide',
      z,
      name: '',
      mode: 'group',
      telemetryTopic: '{id}/telemetry',
      commandTopic: '{id}/commands',
      threshold: 300,
      band: 0,
      debounce: 'none',
      debounceCount: 3,
      debounceTime: 10,
      emit: 'change',
      refresh: 0,
      qos: '1',
      retain: false,
      maxDevices: 1000,
      expiry: 0,
      maxAge: 0,
      maxBytes: 4096,
      groupName: 'plain-group',
      groupNameType: 'str',
      members: 's*',
      aggregation: 'median',
      quorum: 2,
      freshness: 60,
      minFresh: 1,
      x: 320,
      y: 260,
      wires: [['env_cmd_out']],
    },
    {
      id: 'env_cmd_out',
      type: 'mqtt out',
      z,
      name: '',
      topic: '',
      qos: '',
      retain: '',
      broker: 'envbroker',
      x: 520,
      y: 260,
      wires: [],
    },
  ];
}

/** What the typed input `#field` of the open dialog shows: its type and value. */
const shown = (page, field) =>
  page.evaluate((f) => ({ type: $(`#${f}`).typedInput('type'), value: $(`#${f}`).typedInput('value') }), field);

describeInBrowser('typed id fields from an environment variable (env type), editor to broker', function () {
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
    const saved = { DEVICE_ID: process.env.DEVICE_ID, NIGHTLIGHT_GROUP: process.env.NIGHTLIGHT_GROUP };
    Object.assign(process.env, { DEVICE_ID: VALUE, NIGHTLIGHT_GROUP: GROUP });
    try {
      red = await startNodeRed({ userDir, settings: SETTINGS });
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
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
    it(`light telemetry, LED command (env DEVICE_ID) and a decide group (env NIGHTLIGHT_GROUP) in ${locale}: kept, exported, used on the broker`, async function () {
      const res = await red.request('POST', '/flows', flowFor(broker), { 'Node-RED-Deployment-Type': 'full' });
      assert.strictEqual(res.status, 204, res.text);
      const opened = await openPage(browser, { locale });
      pages.push(opened);
      const { page } = opened;
      await openEditor(
        page,
        red.url,
        FIELDS.map((f) => f.node),
      );

      for (const { node: id, field, property, variable, plain } of FIELDS) {
        const typeProperty = `${property}Type`;
        await openDialog(page, id);
        assert.deepStrictEqual(await shown(page, field), { type: 'str', value: plain });
        await chooseType(page, field, 'env');
        const input = page.locator(`#${field} + .red-ui-typedInput-container input.red-ui-typedInput-input`);
        await input.fill('');
        await input.pressSequentially(variable);
        await input.press('Tab');
        await until(async () => (await shown(page, field)).value === variable, `the field to hold ${variable}`);
        assert.deepStrictEqual(await dialogProblems(page), [], `${id}: env ${variable} is not marked red`);
        await pressDone(page);
        const saved = await page.evaluate(
          ([nodeId, p, t]) => {
            const n = RED.nodes.node(nodeId);
            return { value: n[p], type: n[t], valid: n.valid };
          },
          [id, property, typeProperty],
        );
        assert.deepStrictEqual(saved, { value: variable, type: 'env', valid: true }, `${id} saved`);

        await openDialog(page, id);
        assert.deepStrictEqual(await shown(page, field), { type: 'env', value: variable }, `${id} reopened`);
        await screenshot(page, `env-id-${id}-${locale}`);
        await pressDone(page);
      }

      // What Export > JSON would give for these nodes.
      const exported = await page.evaluate(() =>
        RED.nodes.createExportableNodeSet(RED.nodes.filterNodes({ z: 'envtab' })),
      );
      for (const { node: id, property, variable } of FIELDS) {
        const n = exported.find((e) => e.id === id);
        assert.deepStrictEqual([n[property], n[`${property}Type`]], [variable, 'env'], `${id} exported`);
      }

      await page.click('#red-ui-header-button-deploy');
      await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 20000 });
      const deployed = (await red.request('GET', '/flows')).json;
      for (const { node: id, property, variable } of FIELDS) {
        const n = deployed.find((e) => e.id === id);
        assert.deepStrictEqual([n[property], n[`${property}Type`]], [variable, 'env'], `${id} deployed`);
      }

      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      const seen = [];
      try {
        // Retained messages from an earlier run are not this run's.
        client.on(
          'message',
          (topic, payload, packet) => packet.retain || seen.push({ topic, payload: JSON.parse(payload.toString()) }),
        );
        await client.subscribeAsync('#', { qos: 1 });
        // The nodes' broker connection is up before a button is pressed.
        await until(
          async () =>
            (await red.request('POST', '/inject/env_reading')).status === 200 &&
            seen.some((m) => m.topic.endsWith('/telemetry')),
          'telemetry from the deployed flow',
          20000,
        );
        assert.strictEqual((await red.request('POST', '/inject/env_command')).status, 200);
        await until(() => seen.some((m) => m.topic.endsWith('/state')), 'the reported state', 20000);
        // A sensor of the group reports; the group's command goes out under the group's name.
        await client.publishAsync('s1/telemetry', JSON.stringify({ light: 90 }), { qos: 1 });
        await until(() => seen.some((m) => m.topic.endsWith('/commands')), 'the group command', 20000);
        const topics = [...new Set(seen.map((m) => m.topic))].sort();
        assert.deepStrictEqual(topics, [`${GROUP}/commands`, `${VALUE}/state`, `${VALUE}/telemetry`, 's1/telemetry']);
        assert.strictEqual(seen.find((m) => m.topic === `${GROUP}/commands`).payload.led_on, true);
        assert.strictEqual(seen.find((m) => m.topic === `${VALUE}/telemetry`).payload.light, 120);
        assert.strictEqual(seen.find((m) => m.topic === `${VALUE}/state`).payload.led_on, true);
      } finally {
        await client.endAsync();
      }
      assert.deepStrictEqual(opened.consoleErrors, []);
    });
  }
});
