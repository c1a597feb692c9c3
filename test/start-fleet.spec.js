'use strict';
// The Fleet page of the `npm start` demo (scripts/demo-fleet.js), as a user meets it: three
// simulated devices reporting on the demo's broker besides the example's own, a dashboard
// page in a real Chromium listing all four with live values, and per row a mode and a
// threshold that reach the broker as controls on <id>/control; ids that are HTML or Vue
// syntax shown as text; a control the page should not send refused by the flow; an older
// demo directory given the page once, with the user's flows kept.
//
// nightlight decide's run-time control (it takes <id>/control, then says "override" in its
// commands) is being built beside this: the test 'nightlight decide follows ...' holds every
// assertion that needs it, and skips while the decide node still refuses the control topic.
const assert = require('assert');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { until } = require('./support/runtime');
const { startAedes } = require('./support/brokers');
const { connect, subscribe } = require('./support/mqtt-clients');
const { startDemo, flowsOf, deploy } = require('./support/demo');
const { describeInBrowser, launch, openPage } = require('./support/browser');
const { addDashboard } = require('../scripts/demo-dashboard');
const { PREFIX, CONTROL_IN, SIMULATED } = require('../scripts/demo-fleet');

const root = path.join(__dirname, '..');
const example = JSON.parse(fs.readFileSync(path.join(root, 'examples', '01-whole-system.json'), 'utf8'));
const exampleDecide = example.find((n) => n.type === 'nightlight-decide');
const THRESHOLD = Number(exampleDecide.threshold);
const MAIN = example.find((n) => n.type === 'light-telemetry').deviceId;
const DEVICES = [MAIN, ...SIMULATED].sort();

/** Every message the client gets: topic, parsed payload (or the text), qos and retain, in order. */
function record(client) {
  const messages = [];
  client.on('message', (topic, payload, packet) => {
    let value;
    try {
      value = JSON.parse(payload.toString());
    } catch {
      value = payload.toString();
    }
    messages.push({ topic, payload: value, qos: packet.qos, retain: packet.retain });
  });
  return messages;
}

/** The retained message of `topic`, as a new subscriber gets it. */
async function retained(url, topic) {
  const client = await connect(url);
  try {
    const messages = record(client);
    await subscribe(client, topic, { qos: 1 });
    await until(() => messages.some((m) => m.retain), `a retained message on ${topic}`, 10000);
    return messages.find((m) => m.retain);
  } finally {
    client.end(true);
  }
}

describe('npm start: the Fleet page (scripts/demo-fleet.js)', function () {
  this.timeout(120000);

  describe('a fresh demo', function () {
    let work;
    let broker;
    let demo;
    let client;
    let messages;

    before(async function () {
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-fleet-'));
      broker = await startAedes();
      demo = await startDemo({ dir: path.join(work, 'demo'), env: { MQTT_URL: broker.url } });
      await demo.ready();
      client = await connect(broker.url);
      messages = record(client);
      for (const topic of ['+/telemetry', '+/commands', '+/control']) await subscribe(client, topic, { qos: 1 });
    });

    after(async function () {
      if (client) client.end(true);
      if (demo) assert.strictEqual(await demo.stop(), 0, demo.out);
      if (broker) await broker.close();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    const on = (topic) => messages.filter((m) => m.topic === topic);

    it('says where the page is, and adds it, the simulated devices and a +/control input into nightlight decide', async function () {
      assert.ok(
        demo.out.includes(`Dashboard:       http://127.0.0.1:${demo.port}/dashboard (every device: /dashboard/fleet)`),
      );
      const { flows } = await flowsOf(demo);
      const byId = new Map(flows.map((n) => [n.id, n]));
      const page = flows.find((n) => n.type === 'ui-page' && n.path === '/fleet');
      assert.ok(page, 'a dashboard page at /fleet');
      assert.strictEqual(page.name, 'Fleet');
      const main = flows.find((n) => n.type === 'ui-page' && n.path === '/nightlight');
      assert.strictEqual(page.ui, main.ui, 'both pages on the one dashboard');

      const decide = flows.find((n) => n.type === 'nightlight-decide');
      const feed = flows.find(
        (n) => n.type === 'mqtt in' && n.topic === '+/telemetry' && n.wires[0].includes(decide.id),
      );
      const control = byId.get(CONTROL_IN);
      assert.deepStrictEqual(
        [control.type, control.topic, control.broker, control.z, control.wires],
        ['mqtt in', '+/control', feed.broker, decide.z, [[decide.id]]],
      );
      // Tidy: no other node of the tab sits where it is.
      for (const n of flows.filter((n) => n.z === decide.z && n !== control && typeof n.x === 'number'))
        assert.ok(
          Math.abs(n.x - control.x) >= 150 || Math.abs(n.y - control.y) >= 40,
          `${n.id} is on the control input`,
        );

      const tab = flows.find((n) => n.type === 'tab' && n.id === `${PREFIX}tab`);
      assert.ok(tab, 'a tab of its own');
      const comments = flows.filter((n) => n.type === 'comment' && n.z === tab.id).map((n) => n.name);
      assert.ok(
        comments.some((c) => /simulated devices/i.test(c)),
        comments.join(' | '),
      );
      // Every mqtt node the fleet added uses the demo's broker node.
      for (const n of flows.filter((n) => n.id.startsWith(PREFIX) && /^mqtt /.test(n.type)))
        assert.strictEqual(n.broker, feed.broker, n.id);
    });

    it('runs three simulated devices on the broker: {light, ts, seq} every couple of seconds, one dark, one bright', async function () {
      const readings = (id) => on(`${id}/telemetry`).map((m) => m.payload);
      await until(
        () => SIMULATED.every((id) => readings(id).length >= 3),
        'three readings of each simulated device',
        20000,
      );
      for (const id of SIMULATED) {
        const got = readings(id);
        for (const r of got) {
          assert.deepStrictEqual(Object.keys(r).sort(), ['light', 'seq', 'ts'], JSON.stringify(r));
          assert.ok(Number.isFinite(r.light) && r.light >= 0, JSON.stringify(r));
          assert.ok(Math.abs(r.ts - Date.now()) < 30000, JSON.stringify(r));
        }
        for (let k = 1; k < got.length; k++) {
          assert.strictEqual(got[k].seq, got[k - 1].seq + 1, `${id}: ${JSON.stringify(got)}`);
          const gap = got[k].ts - got[k - 1].ts;
          assert.ok(gap > 1000 && gap < 4000, `${id} reports every couple of seconds: ${JSON.stringify(got)}`);
        }
      }
      assert.ok(
        readings('attic').every((r) => r.light < THRESHOLD),
        `attic is dark: ${JSON.stringify(readings('attic'))}`,
      );
      assert.ok(
        readings('garden').every((r) => r.light >= THRESHOLD),
        `garden is bright: ${JSON.stringify(readings('garden'))}`,
      );
      // nightlight decide serves them like any device.
      await until(
        () => on('attic/commands').length > 0 && on('garden/commands').length > 0,
        'commands for attic and garden',
        10000,
      );
      assert.strictEqual(on('attic/commands').at(-1).payload.led_on, true);
      assert.strictEqual(on('garden/commands').at(-1).payload.led_on, false);
    });

    describeInBrowser('in Chromium', function () {
      let browser;
      let page;
      let consoleErrors;
      let blocked;

      before(async function () {
        browser = await launch();
        ({ page, consoleErrors, blocked } = await openPage(browser, { viewport: { width: 1300, height: 800 } }));
        await page.goto(`http://127.0.0.1:${demo.port}/dashboard/fleet`);
      });

      after(async function () {
        if (browser) await browser.close();
      });

      /** What the table shows, row by row: the text of each cell, by column class. */
      const table = () =>
        page.evaluate(() =>
          [...document.querySelectorAll('.nl-fleet-table tbody tr')].map((tr) => {
            const cell = (name) => tr.querySelector(`.nl-${name}`).textContent.trim();
            return {
              device: tr.getAttribute('data-device'),
              id: cell('id'),
              light: cell('light'),
              led: cell('led'),
              mode: cell('mode'),
              threshold: cell('threshold'),
              seen: cell('seen'),
            };
          }),
        );
      const row = async (id) => (await table()).find((r) => r.device === id);
      const rowLocator = (id) => page.locator(`.nl-fleet-table tr[data-device=${JSON.stringify(id)}]`);

      it('lists the four devices with their light, LED, mode, threshold and last seen, updating live', async function () {
        await until(
          async () => {
            const rows = await table();
            return DEVICES.every((id) => rows.some((r) => r.device === id && r.led !== '—' && r.light !== '—'));
          },
          'a complete row for each of the four devices',
          30000,
        );
        const first = await table();
        assert.deepStrictEqual(
          first.map((r) => r.device),
          DEVICES,
          'sorted by id, and nothing else',
        );
        for (const r of first) {
          assert.strictEqual(r.id, r.device);
          assert.match(r.light, /^\d+$/, JSON.stringify(r));
          assert.match(r.led, /^(on|off)$/, JSON.stringify(r));
          assert.strictEqual(r.mode, 'auto', JSON.stringify(r));
          assert.strictEqual(
            r.threshold,
            String(THRESHOLD),
            `no control yet: decide's own threshold ${JSON.stringify(r)}`,
          );
          assert.match(r.seen, /^\d s ago$/, JSON.stringify(r));
        }
        assert.strictEqual((await row('attic')).led, 'on', 'attic is dark');
        assert.strictEqual((await row('garden')).led, 'off', 'garden is bright');
        // Live: every device's light moves on, with no reload.
        await until(
          async () => {
            const now = await table();
            return first.every((r) => now.find((n) => n.device === r.device).light !== r.light);
          },
          'a new light level in every row',
          15000,
        );
        assert.deepStrictEqual(consoleErrors, []);
        assert.deepStrictEqual(blocked, [], 'the page asks nothing of any host but the demo');
      });

      it('publishes {"mode": "on"} on <id>/control (QoS 1, not retained) when "on" is chosen in a row', async function () {
        const before = on('garden/control').length;
        await rowLocator('garden').getByRole('button', { name: 'Mode on for garden' }).click();
        await until(() => on('garden/control').length > before, 'a control on garden/control', 10000);
        const sent = on('garden/control')[before];
        assert.deepStrictEqual(sent, { topic: 'garden/control', payload: { mode: 'on' }, qos: 1, retain: false });
        await page.locator('.nl-fleet-sent', { hasText: 'Sent mode on to garden.' }).waitFor();
      });

      it('publishes {"threshold": n} on <id>/control from a row, and refuses a threshold that is not one', async function () {
        const before = on('attic/control').length;
        const input = rowLocator('attic').getByRole('spinbutton', { name: 'Threshold for attic' });
        await input.fill('-5');
        await input.press('Enter');
        await page.locator('.nl-fleet-sent', { hasText: 'must be a number from 0 to 1000000' }).waitFor();
        await input.fill('50');
        await rowLocator('attic').getByRole('button', { name: 'Set the threshold for attic' }).click();
        await until(() => on('attic/control').length > before, 'a control on attic/control', 10000);
        // The first control published is the valid one: -5 never left the page.
        assert.deepStrictEqual(on('attic/control')[before], {
          topic: 'attic/control',
          payload: { threshold: 50 },
          qos: 1,
          retain: false,
        });
        assert.strictEqual(await input.inputValue(), '', 'the field is emptied once sent');
      });

      it('shows ids that are HTML or Vue syntax as text, and "__proto__" as a device like another', async function () {
        const hostile = ['<b>bold', '{{ 7 * 7 }}', '__proto__', '"><img src=x onerror=alert(1)>', 'constructor'];
        for (const id of hostile)
          await client.publishAsync(`${id}/telemetry`, JSON.stringify({ light: 42 }), { qos: 1 });
        await until(
          async () => {
            const rows = await table();
            return hostile.every((id) => rows.some((r) => r.device === id && r.light === '42'));
          },
          'a row for each hostile id',
          10000,
        );
        for (const id of hostile) assert.strictEqual((await row(id)).id, id, 'the id as it is, as text');
        assert.strictEqual(
          await page.locator('.nl-fleet-table b, .nl-fleet-table img').count(),
          0,
          'no element from an id',
        );
        assert.ok(!(await table()).some((r) => r.id === '49'), 'no template evaluated from an id');
        const rows = await table();
        assert.ok(
          DEVICES.every((id) => rows.some((r) => r.device === id)),
          'the other rows are still there',
        );
        assert.deepStrictEqual(consoleErrors, []);
      });

      // Every assertion here waits for nightlight decide's run-time control (a teammate's change
      // in nodes/): until the decide node takes <id>/control it refuses the controls above with
      // "topic ... does not match", and this test skips.
      it('nightlight decide follows the controls: garden held on ("override"), attic off at threshold 50', async function () {
        // Today's decide node answers a control with a topic-mismatch error naming its topic.
        const refused = () => /\[error\] \[nightlight-decide:[^\]]*\].*"(garden|attic)\/control"/.test(demo.out);
        const override = () => on('garden/commands').find((m) => m.payload.mode === 'override');
        await until(() => refused() || override(), 'the decide node to take or refuse the controls', 20000);
        if (!override()) this.skip(); // nightlight decide does not take run-time control yet
        assert.deepStrictEqual(
          [override().payload.led_on, override().payload.mode],
          [true, 'override'],
          JSON.stringify(override()),
        );
        const command = await retained(broker.url, 'garden/commands');
        assert.ok(command, 'a retained command on garden/commands');
        assert.deepStrictEqual(
          [command.payload.led_on, command.payload.mode],
          [true, 'override'],
          JSON.stringify(command),
        );
        // The decide node keeps the merged control retained on the control topic.
        const control = await retained(broker.url, 'garden/control');
        assert.ok(control, 'a retained control on garden/control');
        assert.strictEqual(control.payload.mode, 'on', JSON.stringify(control));

        // Attic is dark (about a third of the threshold); below 50 is darker than it ever gets.
        await until(
          () => on('attic/commands').some((m) => m.payload.threshold === 50),
          'a command for attic with threshold 50',
          20000,
        );
        const attic = on('attic/commands').find((m) => m.payload.threshold === 50).payload;
        assert.deepStrictEqual([attic.led_on, attic.mode], [false, 'auto'], JSON.stringify(attic));

        // The page shows what the commands say.
        await until(
          async () => {
            const [g, a] = [await row('garden'), await row('attic')];
            return g.led === 'on' && g.mode === 'on' && a.led === 'off' && a.threshold === '50';
          },
          'garden on (held) and attic off at 50 on the page',
          10000,
        );
        const held = rowLocator('garden').getByRole('button', { name: 'Mode on for garden' });
        assert.strictEqual(await held.getAttribute('aria-pressed'), 'true');
        // The decide node's own control message does not come back as a new one, again and again.
        assert.ok(on('garden/control').length < 10, JSON.stringify(on('garden/control')));
      });
    });

    describe('a control the page should not send', function () {
      it('publishes only controls for a device in the table, with a mode or a threshold it can take', async function () {
        // What a page could send, scripted by anyone who can open the dashboard: straight into
        // the flow's control function, through inject nodes deployed beside it.
        const { flows } = await flowsOf(demo);
        const controlFn = flows.find((n) => n.id === `${PREFIX}control_fn`);
        const attempts = [
          { id: 'nobody', mode: 'on' },
          { id: 'garden/#', mode: 'on' },
          { id: '+', mode: 'on' },
          { id: 'garden', mode: 'party' },
          { id: 'garden', threshold: '7' },
          { id: 'garden', threshold: 1e9 },
          { id: 'garden', threshold: -1 },
          { id: 'garden' },
          { id: 'porch', mode: 'auto' }, // the one valid control, last
        ];
        const injects = attempts.map((payload, i) => ({
          id: `test_fleet_inject_${i}`,
          type: 'inject',
          z: controlFn.z,
          name: '',
          props: [{ p: 'payload' }],
          repeat: '',
          crontab: '',
          once: false,
          onceDelay: 0.1,
          topic: '',
          payload: JSON.stringify(payload),
          payloadType: 'json',
          x: 100,
          y: 700 + 40 * i,
          wires: [[controlFn.id]],
        }));
        await deploy(demo, [...flows, ...injects], 'nodes');
        try {
          const from = messages.length;
          // Each inject answers 404 until the deploy has started it, and fires once when it answers 200.
          for (const inject of injects)
            await until(
              async () => (await demo.request('POST', `/inject/${inject.id}`)).status === 200,
              `${inject.id} deployed and pressed`,
              10000,
            );
          // One function and one mqtt out, in order: once the valid control is on the broker,
          // any refused one would have been before it.
          await until(
            () => messages.slice(from).some((m) => m.topic === 'porch/control'),
            'the valid control on porch/control',
            10000,
          );
          // (Once nightlight decide takes controls, its merged porch control may follow.)
          const controls = messages.slice(from).filter((m) => m.topic.endsWith('/control'));
          assert.deepStrictEqual(controls[0], {
            topic: 'porch/control',
            payload: { mode: 'auto' },
            qos: 1,
            retain: false,
          });
          assert.deepStrictEqual(
            controls.filter((m) => m.topic !== 'porch/control'),
            [],
            'nothing for another device',
          );
          for (const warning of [
            'a control for a device not in the table',
            'mode must be auto, on or off',
            'threshold must be a number from 0 to 1000000',
          ])
            assert.ok(demo.stdout.includes(`[function:control from the page] Fleet page: ${warning}`), warning);
        } finally {
          await deploy(demo, flows, 'nodes');
        }
      });
    });
  });

  describe('an older demo directory (layout 1: example 1 and the dashboard, no Fleet page)', function () {
    let work;
    let broker;

    before(async function () {
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-fleet-old-'));
      broker = await startAedes();
    });

    after(async function () {
      if (broker) await broker.close();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("gets the Fleet page once, added to the user's flows as they are", async function () {
      const dir = path.join(work, 'demo');
      const env = { MQTT_URL: broker.url };
      // What an npm start before the Fleet page left, with two edits of the user's.
      const flows = structuredClone(example);
      addDashboard({ flows });
      const decide = flows.find((n) => n.type === 'nightlight-decide');
      decide.threshold = 150;
      const tab = flows.find((n) => n.type === 'tab');
      flows.push({ id: 'user_note', type: 'comment', z: tab.id, name: 'my own note', info: '', x: 800, y: 900 });
      const brokerNode = flows.find((n) => n.type === 'mqtt-broker');
      Object.assign(brokerNode, { broker: '127.0.0.1', port: String(broker.port) });
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flows, null, 4));
      const marker = {
        layout: 1,
        credentialSecret: crypto.randomBytes(32).toString('hex'),
        broker: { host: '127.0.0.1', port: broker.port },
      };
      fs.writeFileSync(path.join(dir, 'nightlight-demo.json'), JSON.stringify(marker));
      const positions = new Map(flows.map((n) => [n.id, [n.x, n.y]]));

      let demo = await startDemo({ dir, env });
      let after;
      try {
        await demo.ready();
        assert.match(demo.out, /your flows from the last run/);
        assert.match(demo.out, /added the Fleet page \(\/dashboard\/fleet\)/);
        after = (await flowsOf(demo)).flows;
      } finally {
        assert.strictEqual(await demo.stop(), 0, demo.out);
      }
      const byId = new Map(after.map((n) => [n.id, n]));
      // The user's edits are kept, and every node of theirs is still there, wired as it was.
      assert.strictEqual(byId.get(decide.id).threshold, 150);
      assert.strictEqual(byId.get('user_note').name, 'my own note');
      for (const n of flows) {
        assert.ok(byId.has(n.id), `${n.id} kept`);
        if (n.wires) assert.deepStrictEqual(byId.get(n.id).wires, n.wires, `${n.id}'s wires`);
        // Only moved down, by whole rows, to make room for the control input.
        if (typeof n.x === 'number') {
          const [x, y] = positions.get(n.id);
          assert.strictEqual(byId.get(n.id).x, x);
          assert.ok([0, 60].includes(byId.get(n.id).y - y), `${n.id} moved from ${y} to ${byId.get(n.id).y}`);
        }
      }
      assert.deepStrictEqual(byId.get(CONTROL_IN).wires, [[decide.id]]);
      assert.strictEqual(byId.get(`${PREFIX}ui_page`).ui, flows.find((n) => n.type === 'ui-base').id);
      // The page and the simulated devices follow the user's threshold.
      assert.match(byId.get(`${PREFIX}table_fn`).func, /const CONFIGURED_THRESHOLD = 150;/);
      assert.match(byId.get(`${PREFIX}attic`).func, /Math\.round\(50 \+ /);
      const marked = JSON.parse(fs.readFileSync(path.join(dir, 'nightlight-demo.json'), 'utf8'));
      assert.strictEqual(marked.layout, 2);
      assert.strictEqual(marked.credentialSecret, marker.credentialSecret);

      // The user deletes the Fleet tab and its page; the next start leaves them deleted.
      const trimmed = after.filter((n) => !n.id.startsWith(PREFIX));
      demo = await startDemo({ dir, env });
      try {
        await demo.ready();
        await deploy(demo, trimmed);
        assert.ok(!/added the Fleet page/.test(demo.out), demo.out);
      } finally {
        assert.strictEqual(await demo.stop(), 0, demo.out);
      }
      demo = await startDemo({ dir, env });
      try {
        await demo.ready();
        assert.ok(!/Fleet page/.test(demo.out.split('Flows:')[1]), demo.out);
        const again = (await flowsOf(demo)).flows;
        assert.deepStrictEqual(
          again.filter((n) => n.id.startsWith(PREFIX)),
          [],
          'not added again',
        );
      } finally {
        assert.strictEqual(await demo.stop(), 0, demo.out);
      }
    });
  });
});
