'use strict';
const assert = require('assert');
const { helper, ours, core, collect, until, useServer, onTab } = require('../support/runtime');
const { telemetryNode } = require('../support/typed');

/** @param {import('../support/typed').TelemetryProps} [props] */
function flow(props = {}) {
  return onTab([
    telemetryNode({
      id: 'lt',
      deviceId: 'kitchen',
      topic: '{id}/telemetry',
      qos: '1',
      wires: [['out']],
      ...props,
    }),
    { id: 'out', type: 'helper' },
    { id: 'catch', type: 'catch', scope: ['lt'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ]);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const linkStatus = (up) => ({
  status: up
    ? {
        fill: 'green',
        shape: 'dot',
        text: 'node-red:common.status.connected',
        source: { id: 'mqttout', type: 'mqtt out' },
      }
    : {
        fill: 'red',
        shape: 'ring',
        text: 'node-red:common.status.disconnected',
        source: { id: 'mqttout', type: 'mqtt out' },
      },
});

describe('light telemetry node', function () {
  useServer();

  it('sends every reading by default, ready for a bare mqtt out, with ts, seq and a delivery marker', async function () {
    await helper.load([ours.lightTelemetry, core.catch], flow());
    const out = collect(helper.getNode('out'));
    const lt = helper.getNode('lt');
    const before = Date.now();
    for (const payload of [412, '17', { light: 3 }, '{"light": 2.5}']) lt.receive({ payload });
    await until(() => out.length === 4, 'four messages');
    assert.deepStrictEqual(
      out.map((m) => [m.topic, m.payload.light, m.payload.seq, m.qos, m.retain]),
      [
        ['kitchen/telemetry', 412, 1, 1, false],
        ['kitchen/telemetry', 17, 2, 1, false],
        ['kitchen/telemetry', 3, 3, 1, false],
        ['kitchen/telemetry', 2.5, 4, 1, false],
      ],
    );
    assert.ok(
      out.every((m) => m.payload.ts >= before && m.payload.ts <= Date.now() && m.payload.historical === undefined),
    );
    assert.deepStrictEqual(out[0].nightlight, { node: 'lt', key: 1, device: 'kitchen', seq: 1 });
  });

  it('coalesces readings faster than the minimum interval and flushes the newest when it ends', async function () {
    await helper.load([ours.lightTelemetry, core.catch], flow({ minInterval: 0.4 }));
    const out = collect(helper.getNode('out'));
    const lt = helper.getNode('lt');
    for (const light of [1, 2, 3, 4]) lt.receive({ payload: light });
    await until(() => out.length === 2, 'the first reading and the flushed newest one');
    await sleep(600);
    assert.deepStrictEqual(
      out.map((m) => m.payload.light),
      [1, 4],
    );
  });

  it('deadband and heartbeat: small moves are held back, the latest is repeated', async function () {
    await helper.load([ours.lightTelemetry, core.catch], flow({ deadband: 50, heartbeat: 0.3 }));
    const out = collect(helper.getNode('out'));
    const lt = helper.getNode('lt');
    for (const light of [100, 120, 149]) lt.receive({ payload: light });
    await until(() => out.length >= 2, 'a heartbeat');
    assert.deepStrictEqual(
      out.slice(0, 2).map((m) => m.payload.light),
      [100, 149],
    );
    assert.ok(out[1].payload.seq > out[0].payload.seq, 'a heartbeat is a new message for the server');
    lt.receive({ payload: 400 });
    await until(() => out.some((m) => m.payload.light === 400), 'the big move');
  });

  it('store and forward: buffers while the mqtt out is disconnected, replays oldest first when it reconnects', async function () {
    await helper.load([ours.lightTelemetry, core.catch], flow({ offline: 'all', rate: 100, replay: 'chronological' }));
    const out = collect(helper.getNode('out'));
    const lt = helper.getNode('lt');
    const statuses = [];
    lt.on('call:status', (call) => statuses.push(call.args[0]));
    const confirm = (m) => lt.receive({ payload: JSON.stringify(m.payload), topic: m.topic, nightlight: m.nightlight });
    lt.receive(linkStatus(true));
    lt.receive({ payload: 1 });
    await until(() => out.length === 1, 'the live reading');
    confirm(out[0]);
    lt.receive(linkStatus(false));
    for (const light of [2, 3, 4]) lt.receive({ payload: light });
    // RED._ is a pass-through in the helper: status texts are catalog keys.
    await until(
      () => out.length === 1 && /status\.offline.*status\.buffered/.test(statuses.at(-1).text || ''),
      'an offline status with readings buffered',
    );
    assert.strictEqual(statuses.at(-1).fill, 'red');
    assert.strictEqual(out.length, 1, 'nothing is sent while offline');
    lt.receive(linkStatus(true));
    // The window holds 5 in flight, so all three go; each is confirmed as the Complete node would.
    await until(() => out.length === 4, 'the replay');
    out.slice(1).forEach(confirm);
    assert.deepStrictEqual(
      out.map((m) => [m.payload.light, m.payload.historical === true]),
      [
        [1, false],
        [2, true],
        [3, true],
        [4, false],
      ],
    );
    await until(() => !/buffered/.test(statuses.at(-1).text || ''), 'an empty buffer');
  });

  it('live first (the default): when the link returns the newest reading goes out first, live, then the backlog oldest first as history', async function () {
    await helper.load([ours.lightTelemetry, core.catch], flow({ offline: 'all', rate: 100 }));
    const out = collect(helper.getNode('out'));
    const lt = helper.getNode('lt');
    const confirm = (m) => lt.receive({ payload: JSON.stringify(m.payload), topic: m.topic, nightlight: m.nightlight });
    lt.receive(linkStatus(true));
    lt.receive({ payload: 1 });
    await until(() => out.length === 1, 'the live reading');
    confirm(out[0]);
    lt.receive(linkStatus(false));
    for (const light of [2, 3, 4]) lt.receive({ payload: light });
    await sleep(50);
    assert.strictEqual(out.length, 1, 'nothing is sent while offline');
    lt.receive(linkStatus(true));
    await until(() => out.length === 4, 'the replay');
    out.slice(1).forEach(confirm);
    assert.deepStrictEqual(
      out.map((m) => [m.payload.light, m.payload.historical === true]),
      [
        [1, false],
        [4, false],
        [2, true],
        [3, true],
      ],
    );
  });

  describe("Node-RED's nodeMessageBufferMaxLength setting", function () {
    before(function () {
      helper.settings({ nodeMessageBufferMaxLength: 3 });
    });
    after(function () {
      helper.settings({ nodeMessageBufferMaxLength: undefined });
    });
    /** @type {[string, import('../support/typed').TelemetryProps, number][]} */
    const cases = [
      ['caps a larger configured capacity', { capacity: 1000 }, 3],
      ['is the bound when no capacity is configured', { capacity: '' }, 3],
      ['leaves a smaller configured capacity alone', { capacity: 2 }, 2],
    ];
    for (const [name, props, bound] of cases) {
      it(`${name}: ${bound} of 10 outage readings are kept, the oldest dropped`, async function () {
        await helper.load([ours.lightTelemetry, core.catch], flow({ offline: 'all', rate: 100, ...props }));
        const out = collect(helper.getNode('out'));
        const lt = helper.getNode('lt');
        lt.receive(linkStatus(false));
        for (let light = 1; light <= 10; light++) lt.receive({ payload: light });
        lt.receive(linkStatus(true));
        await until(() => out.length === bound, 'the kept readings');
        await sleep(100);
        const kept = Array.from({ length: bound }, (_, i) => 10 - bound + 1 + i);
        assert.deepStrictEqual(
          out.map((m) => m.payload.light),
          [kept.at(-1), ...kept.slice(0, -1)],
          'the newest first, then the rest oldest first',
        );
      });
    }
  });

  it('re-sends a message whose publish never completed (mqtt out drops silently while disconnected)', async function () {
    await helper.load([ours.lightTelemetry, core.catch], flow({ offline: 'all', ackTimeout: 1 }));
    const out = collect(helper.getNode('out'));
    const lt = helper.getNode('lt');
    const warnings = [];
    lt.on('call:warn', (call) => warnings.push(call.args[0]));
    lt.receive({ payload: 7 });
    await until(() => out.length === 2, 'the re-send after the ack timeout', 5000);
    assert.strictEqual(out[1].payload.seq, out[0].payload.seq);
    assert.deepStrictEqual(
      warnings,
      ['light-telemetry.warn.no-complete'],
      'no completion ever came: one warning to wire the complete node',
    );
    lt.receive({ payload: 'x', nightlight: out[1].nightlight });
    await sleep(1300);
    assert.strictEqual(out.length, 2, 'confirmed: not sent again');
  });

  it('ignores status from itself and status that says nothing about the link', async function () {
    await helper.load([ours.lightTelemetry, core.catch], flow({ offline: 'latest' }));
    const out = collect(helper.getNode('out'));
    const lt = helper.getNode('lt');
    lt.receive({ status: { fill: 'red', text: 'disconnected', source: { id: 'lt' } } });
    lt.receive({ status: { fill: 'blue', text: 'busy', source: { id: 'other' } } });
    lt.receive({ payload: 5 });
    await until(() => out.length === 1, 'the reading');
  });

  it('keeps its buffer in a configured context store, so it survives a redeploy or a restart', async function () {
    // Node-RED forgets a node's context on redeploy unless a context store is configured: configure
    // one ("keep", the memory module; a localfilesystem store also survives a restart). The helper
    // initialises context stores only with the full runtime, so load them and redeploy by hand.
    helper.settings({ contextStorage: { keep: { module: 'memory' } } });
    try {
      await helper.load([ours.lightTelemetry, core.catch], flow());
      await helper._redNodes.loadContextsPlugin();
      const props = { offline: 'all', store: 'keep', replay: 'chronological' };
      await helper.setFlows(flow(props), 'full');
      let lt = helper.getNode('lt');
      lt.receive(linkStatus(false));
      for (const light of [1, 2, 3]) lt.receive({ payload: light });
      await sleep(50);
      // A full deploy stops the node and starts a new one, as a restart would.
      await helper.setFlows(flow({ ...props, name: 'redeployed' }), 'full');
      const out = collect(helper.getNode('out'));
      lt = helper.getNode('lt');
      lt.receive({ payload: 4 });
      await until(() => out.length === 4, 'the restored readings and the new one');
      assert.deepStrictEqual(
        out.map((m) => [m.payload.light, m.payload.seq, m.payload.historical === true]),
        [
          [1, 1, true],
          [2, 2, true],
          [3, 3, true],
          [4, 4, false],
        ],
      );
    } finally {
      helper.settings({ contextStorage: undefined });
    }
  });

  it('a stored buffer of 600 readings (several chunks) survives a restart, and one in the older whole-buffer form is read back too', async function () {
    helper.settings({ contextStorage: { keep: { module: 'memory' } } });
    try {
      await helper.load([ours.lightTelemetry, core.catch], flow());
      await helper._redNodes.loadContextsPlugin();
      const props = { offline: 'all', store: 'keep', rate: 1000 };
      await helper.setFlows(flow(props), 'full');
      let lt = helper.getNode('lt');
      lt.receive(linkStatus(false));
      for (let light = 1; light <= 600; light++) lt.receive({ payload: light });
      await helper.setFlows(flow({ ...props, name: 'restarted' }), 'full');
      let out = collect(helper.getNode('out'));
      lt = helper.getNode('lt');
      // Each publish completes as the Complete node would report it.
      helper.getNode('out').on('input', (m) => lt.receive({ payload: 'done', nightlight: m.nightlight }));
      await until(() => out.length === 600, 'the 600 restored readings', 15000);
      assert.deepStrictEqual(
        out.map((m) => m.payload.seq),
        Array.from({ length: 600 }, (_, i) => i + 1),
        'restored readings are history: oldest first',
      );
      assert.ok(out.every((m) => m.payload.historical === true));
      // Delivered readings leave the store: a second restart sends nothing again.
      await sleep(50);
      await helper.setFlows(flow({ ...props, name: 'again' }), 'full');
      out = collect(helper.getNode('out'));
      helper.getNode('lt').receive({ payload: 7 });
      await until(() => out.length === 1, 'the new reading');
      await sleep(100);
      assert.deepStrictEqual(
        out.map((m) => [m.payload.light, m.payload.seq]),
        [[7, 601]],
        'nothing delivered is sent again; seq goes on',
      );
      // The form an earlier version stored (the whole buffer under one key).
      await helper.unload();
      await helper.load([ours.lightTelemetry, core.catch], flow());
      await helper._redNodes.loadContextsPlugin();
      helper._redNodes.getContext('lt', 'tab1').set(
        'nightlight-buffer',
        {
          seq: 41,
          readings: [
            { light: 5, seq: 40, ts: 1 },
            { light: 6, seq: 41, ts: 2 },
          ],
        },
        'keep',
      );
      await helper.setFlows(flow(props), 'full');
      out = collect(helper.getNode('out'));
      helper.getNode('lt').receive({ payload: 8 });
      await until(() => out.length === 3, 'the two stored readings and the new one');
      assert.deepStrictEqual(
        out.map((m) => [m.payload.light, m.payload.seq, m.payload.historical === true]).sort((a, b) => a[1] - b[1]),
        [
          [5, 40, true],
          [6, 41, true],
          [8, 42, false],
        ],
      );
    } finally {
      helper.settings({ contextStorage: undefined });
    }
  });

  it('without a store, a redeploy starts with an empty buffer', async function () {
    await helper.load([ours.lightTelemetry, core.catch], flow({ offline: 'all' }));
    helper.getNode('lt').receive(linkStatus(false));
    helper.getNode('lt').receive({ payload: 1 });
    await helper.setFlows(flow({ offline: 'all', name: 'redeployed' }), 'full');
    const out = collect(helper.getNode('out'));
    helper.getNode('lt').receive({ payload: 2 });
    await until(() => out.length === 1, 'the new reading');
    await sleep(100);
    assert.deepStrictEqual(
      out.map((m) => [m.payload.light, m.payload.seq]),
      [[2, 1]],
    );
  });

  const bad = [
    ['not a number', 'hello', 'not-json'],
    ['boolean', true, 'not-number'],
    ['no light', { lux: 3 }, 'no-light'],
    ['NaN', NaN, 'light-not-finite'],
    ['negative', -5, 'light-out-of-range'],
    ['__proto__', '{"__proto__": {}, "light": 1}', 'forbidden-key'],
    ['huge', 'x'.repeat(5000), 'too-large'],
    ['garbage Buffer', Buffer.from([0xff, 0xfe]), 'not-utf8'],
  ];
  it(`refuses ${bad.length} kinds of bad readings through Catch, with a red status, and keeps sending`, async function () {
    await helper.load([ours.lightTelemetry, core.catch], flow());
    const out = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    const lt = helper.getNode('lt');
    const statuses = [];
    lt.on('call:status', (call) => statuses.push(call.args[0]));
    for (const [, payload] of bad) {
      lt.receive({ payload });
      lt.receive({ payload: 10 });
    }
    await until(() => caught.length === bad.length && out.length === bad.length, 'every error and every good reading');
    assert.deepStrictEqual(
      caught.map((m) => m.error.message),
      bad.map(([, , code]) => `Error: nightlight.errors.${code}`),
    );
    assert.deepStrictEqual(
      out.map((m) => m.payload.seq),
      bad.map((_, i) => i + 1),
      'no seq is used up by bad input',
    );
    assert.ok(statuses.some((s) => s.fill === 'red'));
    // Ordinary status updates are throttled (at most 4 a second): the good one shows shortly after the last error.
    await until(() => statuses.at(-1).fill === 'green', 'a green status again after the last good input');
  });

  it('refuses an invalid device id at deploy and sends nothing', async function () {
    await helper.load([ours.lightTelemetry, core.catch], flow({ deviceId: 'a/b' }));
    const out = collect(helper.getNode('out'));
    helper.getNode('lt').receive({ payload: 1 });
    await sleep(100);
    assert.strictEqual(out.length, 0);
  });

  it('releases its timers on close: nothing is sent after unload', async function () {
    await helper.load(
      [ours.lightTelemetry, core.catch],
      flow({ minInterval: 0.3, heartbeat: 0.3, offline: 'all', ackTimeout: 1 }),
    );
    const out = collect(helper.getNode('out'));
    const lt = helper.getNode('lt');
    lt.receive({ payload: 1 });
    lt.receive({ payload: 2 });
    await until(() => out.length === 1, 'the first reading');
    await helper.unload();
    await sleep(1200);
    assert.strictEqual(out.length, 1);
  });
});
