'use strict';
// `npm start` as a new user meets it: an embedded broker (or MQTT_URL), Node-RED with the
// package and the whole-system example deployed, the editor URL printed, a first command
// published, a clean stop on Ctrl-C (SIGINT), a Node-RED directory that keeps the user's
// flows between runs (--fresh starts over), Node-RED's warnings on the terminal, no update
// dialog in the editor, and a dashboard that charts the LED at every reading. Every run uses
// a temporary demo directory (NIGHTLIGHT_DEMO_DIR), never the project's .demo.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { until } = require('./support/runtime');
const { startAedes } = require('./support/brokers');
const { connect, subscribe } = require('./support/mqtt-clients');
const { startDemo, flowsOf, deploy } = require('./support/demo');
const { describeInBrowser, launch, openPage } = require('./support/browser');

const root = path.join(__dirname, '..');
const { name: packageName } = require('../package.json');
const example = JSON.parse(fs.readFileSync(path.join(root, 'examples', '01-whole-system.json'), 'utf8'));

function decideOf(flows) {
  const node = flows.find((n) => n.type === 'nightlight-decide');
  assert.ok(node, 'a decide node');
  return node;
}

describe('npm start (scripts/start.js)', function () {
  this.timeout(120000);
  let work;
  const running = [];

  beforeEach(function () {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-start-'));
  });

  afterEach(async function () {
    while (running.length) await running.pop().stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  async function run(options) {
    const demo = await startDemo(options);
    running.push(demo);
    await demo.ready();
    return demo;
  }

  async function stop(demo) {
    running.splice(running.indexOf(demo), 1);
    const code = await demo.stop();
    assert.strictEqual(code, 0, demo.out);
    assert.ok(demo.out.includes('Stopped.'), demo.out);
  }

  it('runs broker, Node-RED and the example, prints the editor URL, starts quietly, and stops cleanly on Ctrl-C', async function () {
    const dir = path.join(work, 'demo');
    const demo = await run({ dir });
    let client;
    try {
      assert.ok(demo.out.includes(`Node-RED editor: http://127.0.0.1:${demo.port}/`), demo.out);
      assert.ok(demo.out.includes(`Node-RED dir:    ${dir}${path.sep} `), demo.out);
      // A fresh demo says nothing from Node-RED: no info lines, and no warning about projects or credentials.
      assert.ok(!/Node-RED .* - \[/.test(demo.out), demo.out);
      const brokerUrl = demo.out.match(/MQTT broker: +embedded, (mqtt:\/\/127\.0\.0\.1:\d+)/)[1];

      const { flows } = await flowsOf(demo);
      const types = flows.map((n) => n.type);
      for (const type of ['light-telemetry', 'nightlight-decide', 'led-command', 'ui-chart'])
        assert.ok(types.includes(type), `${type} deployed`);

      client = await connect(brokerUrl);
      const commands = [];
      client.on('message', (topic, payload) => commands.push([topic, JSON.parse(payload.toString())]));
      await subscribe(client, 'nightlight-demo/commands', { qos: 1 });
      await until(() => commands.length > 0, 'a command from the deployed example', 20000);
      assert.strictEqual(typeof commands[0][1].led_on, 'boolean');
    } finally {
      if (client) client.end(true);
    }
    await stop(demo);
    assert.ok(
      fs.readFileSync(path.join(dir, 'node-red.log'), 'utf8').includes('[info] Started flows'),
      "Node-RED's full log is kept in the demo directory",
    );
  });

  it('keeps a deployed change between runs (MQTT_URL as broker), and --fresh restores example 1', async function () {
    const broker = await startAedes();
    let other;
    try {
      const dir = path.join(work, 'demo');
      const env = { MQTT_URL: broker.url };
      let demo = await run({ dir, env });
      assert.ok(demo.out.includes(`MQTT broker:     mqtt://127.0.0.1:${broker.port} (from MQTT_URL)`), demo.out);
      const first = await flowsOf(demo);
      const brokerNode = first.flows.find((n) => n.type === 'mqtt-broker');
      assert.deepStrictEqual([brokerNode.broker, String(brokerNode.port)], ['127.0.0.1', String(broker.port)]);
      const exampleThreshold = decideOf(example).threshold;
      assert.strictEqual(decideOf(first.flows).threshold, exampleThreshold);
      decideOf(first.flows).threshold = 123;
      await deploy(demo, first.flows);
      await stop(demo);

      // The next run uses another broker (MQTT_URL changed, or 1883 was taken): the kept flow follows it.
      other = await startAedes();
      demo = await run({ dir, env: { MQTT_URL: other.url } });
      assert.ok(demo.out.includes('your flows from the last run'), demo.out);
      const second = (await flowsOf(demo)).flows;
      assert.strictEqual(decideOf(second).threshold, 123, 'the deployed threshold survived the restart');
      assert.strictEqual(String(second.find((n) => n.type === 'mqtt-broker').port), String(other.port));
      await stop(demo);
      assert.strictEqual(fs.readlinkSync(path.join(dir, 'node_modules', ...packageName.split('/'))), root);

      demo = await run({ dir, env, args: ['--fresh'] });
      assert.ok(demo.out.includes('written afresh'), demo.out);
      assert.strictEqual(
        decideOf((await flowsOf(demo)).flows).threshold,
        exampleThreshold,
        '--fresh brings back the example',
      );
      await stop(demo);
    } finally {
      if (other) await other.close();
      await broker.close();
    }
  });

  it('repairs the package link of an older demo directory (an unscoped name, a link elsewhere) and keeps its flows', async function () {
    const broker = await startAedes();
    try {
      const dir = path.join(work, 'demo');
      const env = { MQTT_URL: broker.url };
      let demo = await run({ dir, env });
      await stop(demo);
      // As an older npm start could have left it: the nodes also linked under the old
      // unscoped name, and the scoped link pointing at a project that has moved.
      const modules = path.join(dir, 'node_modules');
      const scoped = path.join(modules, ...packageName.split('/'));
      fs.symlinkSync(root, path.join(modules, 'node-red-nightlight'), 'dir');
      fs.unlinkSync(scoped);
      fs.symlinkSync(path.join(work, 'moved-away'), scoped, 'dir');

      demo = await run({ dir, env });
      assert.strictEqual(fs.readlinkSync(scoped), root);
      assert.ok(!fs.existsSync(path.join(modules, 'node-red-nightlight')), 'the link under the old name is gone');
      const nodes = await demo.request('GET', '/nodes', undefined, { Accept: 'application/json' });
      const ours = nodes.json.filter((set) => set.module === packageName);
      assert.deepStrictEqual(
        ours
          .map((set) => set.types)
          .flat()
          .sort(),
        ['led-command', 'light-telemetry', 'nightlight-decide'],
        JSON.stringify(nodes.json),
      );
      assert.ok(
        ours.every((set) => set.enabled && !set.err),
        JSON.stringify(ours),
      );
      assert.ok(!/\[(warn|error)\]/.test(demo.out), demo.out);
      await stop(demo);
    } finally {
      await broker.close();
    }
  });

  it('refuses, without touching it, a directory it did not make (even with --fresh), an unknown option and a bad PORT or MQTT_URL', async function () {
    const dir = path.join(work, 'someone-elses');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    for (const [args, env, expected] of [
      [[], {}, /was not made by npm start/],
      [['--fresh'], {}, /was not made by npm start/],
      [['--fersh'], {}, /unknown option "--fersh"/],
      [[], { PORT: 'eighty' }, /PORT must be a port number/],
      [[], { MQTT_URL: 'mqtts://127.0.0.1:8883' }, /MQTT_URL must start with mqtt:\/\//],
    ]) {
      const demo = await startDemo({ dir, args, env });
      const code = await demo.exited;
      assert.strictEqual(code, 1, demo.out);
      assert.match(demo.out, expected);
      assert.deepStrictEqual(fs.readdirSync(dir), ['notes.txt']);
    }
  });

  describe('one running demo', function () {
    let shared;
    let broker;
    let demo;
    let client;
    const received = [];

    before(async function () {
      this.timeout(120000);
      shared = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-start-'));
      broker = await startAedes();
      demo = await startDemo({ dir: path.join(shared, 'demo'), env: { MQTT_URL: broker.url } });
      await demo.ready();
      client = await connect(broker.url);
      client.on('message', (topic, payload) => received.push({ topic, ...JSON.parse(payload.toString()) }));
      await subscribe(client, 'nightlight-test/#', { qos: 0 });
    });

    after(async function () {
      if (client) client.end(true);
      if (demo) assert.strictEqual(await demo.stop(), 0, demo.out);
      if (broker) await broker.close();
      if (shared) fs.rmSync(shared, { recursive: true, force: true });
    });

    it("shows Node-RED's warnings and errors on the terminal, not its info lines", async function () {
      const { flows } = await flowsOf(demo);
      const z = flows.find((n) => n.type === 'tab').id;
      const probe = [
        {
          id: 'test_warn_inject',
          type: 'inject',
          z,
          name: '',
          props: [],
          repeat: '',
          crontab: '',
          once: true,
          onceDelay: 0.1,
          topic: '',
          wires: [['test_warn_fn']],
        },
        {
          id: 'test_warn_fn',
          type: 'function',
          z,
          name: 'noisy',
          func: "node.warn('nightlight test warning');\nnode.error('nightlight test error');\nreturn null;",
          outputs: 1,
          timeout: 0,
          noerr: 0,
          initialize: '',
          finalize: '',
          libs: [],
          wires: [[]],
        },
      ];
      await deploy(demo, [...flows, ...probe]);
      await until(() => demo.out.includes('nightlight test error'), 'the error on the terminal', 20000);
      assert.match(demo.stdout, /Node-RED .* - \[warn\] \[function:noisy\] nightlight test warning/);
      assert.match(demo.stdout, /Node-RED .* - \[error\] \[function:noisy\] nightlight test error/);
      assert.ok(!demo.out.includes('Starting flows'), `info lines stay in the log file: ${demo.out}`);
      await deploy(demo, flows);
    });

    it('gives the editor settings without the update-notification dialog or tours', async function () {
      const settings = await demo.request('GET', '/settings');
      assert.strictEqual(settings.status, 200);
      assert.strictEqual(
        settings.json.telemetryEnabled,
        false,
        'the editor asks about update notifications while telemetryEnabled is undefined',
      );
      assert.strictEqual(settings.json.editorTheme.tours, false);
    });

    it('charts the LED state at every reading and shows every reading on the slider, and says how the hold works', async function () {
      const { flows } = await flowsOf(demo);
      const chart = flows.find((n) => n.type === 'ui-chart');
      const slider = flows.find((n) => n.type === 'ui-slider');
      const mqttBroker = flows.find((n) => n.type === 'mqtt-broker');
      const z = chart.z;
      // Debug taps: whatever reaches the chart or the slider is also published on nightlight-test/<widget>.
      const taps = [];
      for (const [widget, tag] of [
        [chart, 'chart'],
        [slider, 'slider'],
      ]) {
        const id = `test_tap_${tag}`;
        taps.push(
          {
            id,
            type: 'function',
            z,
            name: `tap ${tag}`,
            func: `return { topic: 'nightlight-test/${tag}', payload: JSON.stringify({ series: msg.topic, value: msg.payload }) };`,
            outputs: 1,
            timeout: 0,
            noerr: 0,
            initialize: '',
            finalize: '',
            libs: [],
            wires: [[`${id}_out`]],
          },
          {
            id: `${id}_out`,
            type: 'mqtt out',
            z,
            name: '',
            topic: '',
            qos: '0',
            retain: 'false',
            broker: mqttBroker.id,
            wires: [],
          },
        );
        for (const node of flows) for (const port of node.wires || []) if (port.includes(widget.id)) port.push(id);
      }
      received.length = 0;
      await deploy(demo, [...flows, ...taps]);
      const chartMsgs = () => received.filter((m) => m.topic === 'nightlight-test/chart');
      const lights = () => chartMsgs().filter((m) => m.series === 'light level');
      const firstLed = () => chartMsgs().findIndex((m) => m.series !== 'light level');
      await until(
        () =>
          firstLed() >= 0 &&
          chartMsgs()
            .slice(firstLed())
            .filter((m) => m.series === 'light level').length >= 4,
        'four readings after the first LED point',
        30000,
      );

      // After the LED's first state, every reading's light point comes with an LED point.
      const after = chartMsgs().slice(firstLed());
      const ledSeries = after[0].series;
      assert.match(ledSeries, /^LED/);
      for (const m of after)
        if (m.series === ledSeries) assert.ok(m.value === 0 || m.value === 1000, JSON.stringify(m));
      const readingsAt = after.map((m, i) => (m.series === 'light level' ? i : -1)).filter((i) => i >= 0);
      for (let k = 0; k + 1 < readingsAt.length; k++) {
        const between = after.slice(readingsAt[k] + 1, readingsAt[k + 1]);
        assert.ok(
          between.some((m) => m.series === ledSeries),
          `reading ${k} has no LED point: ${JSON.stringify(after)}`,
        );
      }

      // The slider gets every reading, from the first one on (so it never sits at 0 or at an old value).
      const sliderValues = () => received.filter((m) => m.topic === 'nightlight-test/slider').map((m) => m.value);
      const lightValues = lights().map((m) => m.value);
      await until(() => sliderValues().length >= lightValues.length, 'the slider to have every reading', 10000);
      assert.deepStrictEqual(sliderValues().slice(0, lightValues.length), lightValues);

      // A held level (the example's "dark" button) reaches the slider too.
      const pressed = await demo.request(
        'POST',
        `/inject/${example.find((n) => n.type === 'inject' && /dark/.test(n.name)).id}`,
      );
      assert.strictEqual(pressed.status, 200, pressed.text);
      await until(() => sliderValues().slice(lightValues.length).includes(100), 'the held level on the slider', 10000);

      // The page says how the hold works, with the example's hold time and threshold.
      const help = flows.find((n) => n.type === 'ui-markdown' && n.group === chart.group);
      assert.ok(help, 'a text on the dashboard page');
      assert.match(help.content, /holds it for 30 s/);
      assert.ok(help.content.includes(`below ${decideOf(example).threshold}`), help.content);
      await deploy(demo, flows);
    });

    describeInBrowser('in the editor', function () {
      it('opens with no update-notification (telemetry) dialog and no tour', async function () {
        const browser = await launch();
        try {
          const { page } = await openPage(browser);
          await page.goto(`http://127.0.0.1:${demo.port}/`);
          await page.locator('.red-ui-palette-node[data-palette-type="nightlight-decide"]').waitFor({ timeout: 60000 });
          // The editor hides its loading bar and asks about notifications in the same step.
          await page.locator('#red-ui-loading-progress').waitFor({ state: 'hidden', timeout: 60000 });
          const dialogs = await page.locator('.red-ui-popover:visible').allTextContents();
          assert.deepStrictEqual(dialogs, [], `dialogs over the editor: ${dialogs.join(' | ')}`);
          assert.strictEqual(
            await page.locator('.red-ui-tourGuide-popover:visible, .red-ui-tourGuide-shade:visible').count(),
            0,
          );
          assert.strictEqual(await page.evaluate(() => RED.settings.telemetryEnabled), false);
        } finally {
          await browser.close();
        }
      });
    });
  });
});
