'use strict';
const assert = require('assert');
const { helper, ours, core, collect, until, useServer, onTab, nodeRedUtil, caughtCode } = require('../support/runtime');
const { decideNode } = require('../support/typed');

/** @param {import('../support/typed').DecideProps} [props] */
function flow(props = {}) {
  return onTab([
    decideNode({ id: 'decide', wires: [['out']], ...props }),
    { id: 'out', type: 'helper' },
    { id: 'catch', type: 'catch', scope: ['decide'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ]);
}

describe('nightlight decide node', function () {
  useServer();

  it('answers the first reading of each device with a retained QoS 1 command on <id>/commands', async function () {
    await helper.load([ours.decide, core.catch], flow());
    const out = collect(helper.getNode('out'));
    const decide = helper.getNode('decide');
    decide.receive({ topic: 'kitchen/telemetry', payload: { light: 120 } });
    decide.receive({ topic: 'hall/telemetry', payload: '{"light": 800}' });
    decide.receive({ topic: 'porch/telemetry', payload: Buffer.from('{"light": 299.5}') });
    await until(() => out.length === 3, 'three commands');
    assert.deepStrictEqual(
      out.map((m) => [m.topic, m.payload.led_on, m.qos, m.retain, m.deviceId]),
      [
        ['kitchen/commands', true, 1, true, 'kitchen'],
        ['hall/commands', false, 1, true, 'hall'],
        ['porch/commands', true, 1, true, 'porch'],
      ],
    );
  });

  it('sends on change by default and for every reading when asked (the lesson server)', async function () {
    /** @type {[import('../../dist/nodes/lib/decide').EmitMode, boolean[]][]} */
    const table = [
      ['change', [true, false]],
      ['every', [true, true, false, false]],
    ];
    for (const [emit, expected] of table) {
      await helper.load([ours.decide, core.catch], flow({ emit }));
      const out = collect(helper.getNode('out'));
      const decide = helper.getNode('decide');
      for (const light of [100, 200, 300, 900]) decide.receive({ topic: 'a/telemetry', payload: { light } });
      await until(() => out.length === expected.length, `${expected.length} commands`);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepStrictEqual(
        out.map((m) => m.payload.led_on),
        expected,
        emit,
      );
      await helper.unload();
    }
  });

  it('takes the threshold from msg.threshold when given', async function () {
    await helper.load([ours.decide, core.catch], flow({ emit: 'every' }));
    const out = collect(helper.getNode('out'));
    const decide = helper.getNode('decide');
    decide.receive({ topic: 'a/telemetry', payload: { light: 250 }, threshold: 200 });
    decide.receive({ topic: 'a/telemetry', payload: { light: 250 } });
    await until(() => out.length === 2, 'two commands');
    assert.deepStrictEqual(
      out.map((m) => m.payload.led_on),
      [false, true],
    );
  });

  it('ignores replayed and duplicated readings and never actuates on history', async function () {
    await helper.load([ours.decide, core.catch], flow({ emit: 'every' }));
    const out = collect(helper.getNode('out'));
    const decide = helper.getNode('decide');
    decide.receive({ topic: 'a/telemetry', payload: { light: 100, ts: 2000, seq: 2 } });
    decide.receive({ topic: 'a/telemetry', payload: { light: 900, ts: 1000, seq: 1 } });
    decide.receive({ topic: 'a/telemetry', payload: { light: 900, ts: 2000, seq: 2 } });
    decide.receive({ topic: 'a/telemetry', payload: { light: 900, ts: 3000, seq: 3, historical: true } });
    decide.receive({ topic: 'a/telemetry', payload: { light: 100, ts: 4000, seq: 4 } });
    await until(() => out.length === 2, 'two commands');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepStrictEqual(
      out.map((m) => m.payload.led_on),
      [true, true],
    );
    assert.deepStrictEqual(
      out.map((m) => [m.payload.ts, m.payload.seq]),
      [
        [2000, 2],
        [4000, 4],
      ],
      'each command carries the position of its reading',
    );
  });

  const bad = [
    ['not JSON', 'a/telemetry', 'hello', 'not-json'],
    ['no light', 'a/telemetry', { lux: 3 }, 'no-light'],
    ['light as string', 'a/telemetry', { light: '412' }, 'light-not-number'],
    ['NaN', 'a/telemetry', { light: NaN }, 'light-not-finite'],
    ['Infinity', 'a/telemetry', { light: Infinity }, 'light-not-finite'],
    ['negative', 'a/telemetry', { light: -1 }, 'light-out-of-range'],
    ['array', 'a/telemetry', [1, 2], 'not-object'],
    ['null', 'a/telemetry', null, 'not-object'],
    ['number', 'a/telemetry', 42, 'not-object'],
    ['__proto__', 'a/telemetry', '{"__proto__": {"x": 1}, "light": 1}', 'forbidden-key'],
    ['constructor', 'a/telemetry', { constructor: 1, light: 1 }, 'forbidden-key'],
    ['huge', 'a/telemetry', JSON.stringify({ light: 1, pad: 'x'.repeat(5000) }), 'too-large'],
    ['garbage Buffer', 'a/telemetry', Buffer.from([0xff, 0xfe, 0x00, 0x81]), 'not-utf8'],
    ['empty', 'a/telemetry', '', 'empty'],
    ['bad seq', 'a/telemetry', { light: 1, seq: -3 }, 'bad-seq'],
    ['bad ts', 'a/telemetry', { light: 1, ts: 'yesterday' }, 'bad-ts'],
    ['bad historical', 'a/telemetry', { light: 1, historical: 'yes' }, 'bad-historical'],
    ['wrong topic shape', 'a/b/telemetry', { light: 1 }, 'topic-mismatch'],
    ['no topic', undefined, { light: 1 }, 'topic-mismatch'],
    ['id with leading $', '$SYS/telemetry', { light: 1 }, 'bad-device-id'],
  ];
  it(`refuses ${bad.length} kinds of bad input through Catch, with a red status, and keeps serving`, async function () {
    await helper.load([ours.decide, core.catch], flow());
    const out = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    const decide = helper.getNode('decide');
    const statuses = [];
    decide.on('call:status', (call) => statuses.push(call.args[0]));
    for (const [, topic, payload] of bad) {
      decide.receive({ topic, payload });
      decide.receive({ topic: 'good/telemetry', payload: { light: 10 } });
    }
    await until(() => caught.length === bad.length, `${bad.length} caught errors`);
    await until(() => out.length === 1, 'the good command');
    assert.deepStrictEqual(
      caught.map((m) => m.error.message),
      bad.map(([, , , code]) => `Error: nightlight.errors.${code}`),
    );
    assert.ok(caught.every((m) => m.error.source.id === 'decide'));
    assert.strictEqual(out[0].topic, 'good/commands');
    assert.ok(
      statuses.some((s) => s.fill === 'red'),
      'a red status was shown',
    );
    // Ordinary statuses are throttled; the last good reading's decision shows within a moment.
    await until(() => statuses.at(-1).fill === 'yellow', 'the next good reading shows its decision', 2000);
  });

  it('applies the band and a debounce of N readings from the editor, and msg.band per message', async function () {
    await helper.load([ours.decide, core.catch], flow({ band: '50', debounce: 'readings', debounceCount: '2' }));
    const out = collect(helper.getNode('out'));
    const decide = helper.getNode('decide');
    for (const light of [100, 320, 360, 360, 200]) decide.receive({ topic: 'a/telemetry', payload: { light } });
    decide.receive({ topic: 'b/telemetry', payload: { light: 100 } });
    decide.receive({ topic: 'b/telemetry', payload: { light: 330 }, band: 20 });
    decide.receive({ topic: 'b/telemetry', payload: { light: 330 }, band: '20' });
    await until(() => out.length === 4, 'four commands');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepStrictEqual(
      out.map((m) => [m.deviceId, m.payload.led_on]),
      [
        ['a', true],
        ['a', false],
        ['b', true],
        ['b', false],
      ],
    );
  });

  it('refuses a negative or non-numeric msg.band through Catch', async function () {
    await helper.load([ours.decide, core.catch], flow());
    const caught = collect(helper.getNode('caught'));
    const decide = helper.getNode('decide');
    decide.receive({ topic: 'a/telemetry', payload: { light: 1 }, band: -5 });
    decide.receive({ topic: 'a/telemetry', payload: { light: 1 }, band: 'wide' });
    await until(() => caught.length === 2, 'two errors');
    assert.deepStrictEqual(
      caught.map((m) => m.error.message),
      ['Error: nightlight.errors.bad-override', 'Error: nightlight.errors.bad-override'],
    );
  });

  it('re-sends every device current command on the periodic refresh, and stops on close', async function () {
    await helper.load([ours.decide, core.catch], flow({ refresh: '0.2' }));
    const out = collect(helper.getNode('out'));
    const decide = helper.getNode('decide');
    decide.receive({ topic: 'a/telemetry', payload: { light: 100 } });
    decide.receive({ topic: 'b/telemetry', payload: { light: 900 } });
    await until(() => out.length >= 6, 'two refreshes');
    const refreshed = out.slice(2, 4);
    assert.deepStrictEqual(
      refreshed.map((m) => [m.topic, m.payload]),
      out.slice(0, 2).map((m) => [m.topic, m.payload]),
      'the same commands again',
    );
    assert.ok(refreshed.every((m) => m.retain === true && m.qos === 1 && m.light === undefined));
    await helper.unload();
    const count = out.length;
    await new Promise((r) => setTimeout(r, 500));
    assert.strictEqual(out.length, count, 'nothing after close');
  });

  it('learns commands from its own command topic: no double send, an older contradicting one repaired', async function () {
    await helper.load([ours.decide, core.catch], flow());
    const out = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    const decide = helper.getNode('decide');
    // Another Node-RED switched d on; its retained command arrives here first.
    decide.receive({ topic: 'd/commands', payload: Buffer.from('{"led_on":true,"seq":7,"ts":5000}') });
    decide.receive({ topic: 'd/telemetry', payload: { light: 100 } });
    decide.receive({ topic: 'd/commands', payload: { led_on: false, seq: 6, ts: 4000 } });
    decide.receive({ topic: 'd/telemetry', payload: { light: 120 } });
    decide.receive({ topic: 'd/telemetry', payload: { light: 900 } });
    await until(() => out.length === 2, 'two commands');
    await new Promise((r) => setTimeout(r, 50));
    // The older "off" reached the broker after the newer "on" this node stands for: it is
    // repaired with the newer command (the same position), then the next change follows.
    assert.deepStrictEqual(
      out.map((m) => [m.topic, m.payload.led_on, m.payload.seq]),
      [
        ['d/commands', true, 7],
        ['d/commands', false, 8],
      ],
    );
    assert.strictEqual(out[0].payload.ts, 5000);
    assert.ok(out[1].payload.ts > 5000);
    decide.receive({ topic: 'd/commands', payload: { led_on: 'yes' } });
    decide.receive({ topic: 'other/thing', payload: { light: 1 } });
    await until(() => caught.length === 2, 'two errors');
    assert.deepStrictEqual(
      caught.map((m) => m.error.message),
      ['Error: nightlight.errors.led-on-not-boolean', 'Error: nightlight.errors.topic-mismatch'],
    );
  });

  it('shows the number of devices and how many were forgotten', async function () {
    await helper.load([ours.decide, core.catch], flow({ maxDevices: '2' }));
    const decide = helper.getNode('decide');
    const statuses = [];
    decide.on('call:status', (call) => statuses.push(call.args[0]));
    for (const id of ['a', 'b', 'c']) decide.receive({ topic: `${id}/telemetry`, payload: { light: 100 } });
    await until(
      () => statuses.some((s) => s.text === 'nightlight-decide.status.decidedForgotten'),
      'a status with the forgotten count',
      2000,
    );
  });
});

/** @param {import('../support/typed').DecideProps} [props] */
function groupFlow(props = {}) {
  return flow({
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

describe('nightlight decide node as a group', function () {
  useServer();

  it('one decision for many sensors on the group command topic, saying which sensors contributed', async function () {
    await helper.load([ours.decide, core.catch], groupFlow({ members: 's*' }));
    const out = collect(helper.getNode('out'));
    const decide = helper.getNode('decide');
    const send = (id, light) => decide.receive({ topic: `stadium/${id}/telemetry`, payload: { light } });
    for (const [id, light] of [
      ['s1', 800],
      ['s2', 810],
      ['x9', 5],
      ['s3', 790],
      ['s4', 805],
    ])
      send(id, light);
    await until(() => out.length === 1, 'the first decision');
    send('s2', 20); // one shaded sensor
    send('s1', 30);
    send('s3', 25); // most dark
    await until(() => out.length === 2, 'the flip');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepStrictEqual(
      out.map((m) => [m.topic, m.deviceId, m.payload.led_on, m.payload.sensors, m.retain, m.qos]),
      [
        ['stadium/stadium/commands', 'stadium', false, ['s1', 's2', 's3'], true, 1],
        ['stadium/stadium/commands', 'stadium', true, ['s1', 's2', 's3', 's4'], true, 1],
      ],
    );
    assert.deepStrictEqual(out[1].sensors, out[1].payload.sensors);
    assert.strictEqual(out[1].light, 27.5, 'the median of 30, 20, 25, 805');
  });

  it('too few fresh sensors: no command, a yellow ring status and one warning', async function () {
    await helper.load([ours.decide, core.catch], groupFlow({ freshness: '0.3' }));
    const out = collect(helper.getNode('out'));
    const decide = helper.getNode('decide');
    const statuses = [];
    const warnings = [];
    decide.on('call:status', (call) => statuses.push(call.args[0]));
    decide.on('call:warn', (call) => warnings.push(call.args[0]));
    decide.receive({ topic: 'stadium/a/telemetry', payload: { light: 10 } });
    decide.receive({ topic: 'stadium/b/telemetry', payload: { light: 10 } });
    await until(() => warnings.length === 1, 'a warning');
    await until(() => statuses.some((s) => s.fill === 'yellow' && s.shape === 'ring'), 'a yellow ring', 2000);
    for (const id of ['a', 'b', 'c']) decide.receive({ topic: `stadium/${id}/telemetry`, payload: { light: 10 } });
    await until(() => out.length === 1, 'a decision once three are fresh');
    assert.strictEqual(out[0].payload.led_on, true);
    // Silence: the sensors go stale and the node says so without any reading.
    await until(() => warnings.length === 2, 'a second warning after the sensors went stale', 3000);
    assert.strictEqual(warnings[0], 'nightlight-decide.warn.tooFew');
    assert.strictEqual(statuses.at(-1).shape, 'ring');
    assert.strictEqual(out.length, 1);
  });

  it('learns the group command from the broker and does not send it twice', async function () {
    await helper.load([ours.decide, core.catch], groupFlow({ minFresh: '1' }));
    const out = collect(helper.getNode('out'));
    const decide = helper.getNode('decide');
    decide.receive({ topic: 'stadium/stadium/commands', payload: '{"led_on":true,"seq":3,"ts":100,"sensors":["a"]}' });
    decide.receive({ topic: 'stadium/other/commands', payload: { led_on: false, seq: 99, ts: 999 } });
    decide.receive({ topic: 'stadium/a/telemetry', payload: { light: 10 } });
    decide.receive({ topic: 'stadium/a/telemetry', payload: { light: 900 } });
    await until(() => out.length === 1, 'one command');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepStrictEqual([out[0].payload.led_on, out[0].payload.seq], [false, 4]);
  });

  it('reports a bad group configuration at start and refuses input', async function () {
    await helper.load([ours.decide, core.catch], groupFlow({ members: 'a/b' }));
    const caught = collect(helper.getNode('caught'));
    helper.getNode('decide').receive({ topic: 'stadium/a/telemetry', payload: { light: 10 } });
    await until(() => caught.length === 1, 'the setup error');
    assert.strictEqual(caught[0].error.message, 'Error: nightlight.errors.bad-members');
  });

  it('a bad configuration: red status, logged once, every input answered with the setup error', async function () {
    // The runtime's own event bus (another installation's under the compatibility matrix).
    const { events } = nodeRedUtil;
    const shown = [];
    const listener = (event) => event.id === 'decide' && shown.push(event.status);
    events.on('node-status', listener);
    try {
      await helper.load([ours.decide, core.catch], flow({ telemetryTopic: 'a/+/telemetry', refresh: 0.1 }));
      const out = collect(helper.getNode('out'));
      const caught = collect(helper.getNode('caught'));
      const decide = helper.getNode('decide');
      for (const payload of [{ light: 10 }, 'not json']) decide.receive({ topic: 'a/x/telemetry', payload });
      await until(() => caught.length === 2, 'each input answered with the setup error');
      assert.deepStrictEqual(
        caught.map((m) => m.error.message),
        Array(2).fill('Error: nightlight.errors.bad-topic'),
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.strictEqual(out.length, 0, 'nothing sent, no refresh timer');
      assert.ok(shown.length >= 1 && shown.every((s) => s.fill === 'red'), 'the status is red and stays red');
      const errors = helper.log().args.filter(([entry]) => entry.level === helper.log().ERROR && entry.id === 'decide');
      assert.strictEqual(errors.length, 1, 'the setup error is logged once');
    } finally {
      events.removeListener('node-status', listener);
    }
  });

  describe('clocks (a ts ahead of this node)', function () {
    it('refuses a reading whose ts is more than the skew ahead, through Catch, and it never moves the device', async function () {
      await helper.load([ours.decide, core.catch], flow({ emit: 'every' }));
      const out = collect(helper.getNode('out'));
      const caught = collect(helper.getNode('caught'));
      const decide = helper.getNode('decide');
      const now = Date.now();
      decide.receive({ topic: 'd/telemetry', payload: { light: 100, ts: now - 1000 } });
      decide.receive({ topic: 'd/telemetry', payload: { light: 100, ts: 8.6e15 } });
      decide.receive({ topic: 'd/telemetry', payload: { light: 100, ts: now + 6 * 60_000 } });
      decide.receive({ topic: 'd/telemetry', payload: { light: 900, ts: now } });
      await until(() => caught.length === 2 && out.length === 2, 'two refusals and two commands');
      assert.deepStrictEqual(
        caught.map((m) => [m.error.message, caughtCode(m)]),
        Array(2).fill(['Error: nightlight.errors.ts-ahead', 'ts-ahead']),
      );
      assert.deepStrictEqual(
        out.map((m) => [m.payload.led_on, m.payload.ts]),
        [
          [true, now - 1000],
          [false, now],
        ],
        'the genuine reading after them is decided',
      );
    });

    it('refuses a command on the command topic whose ts is ahead: it is not learned, the next reading is decided', async function () {
      await helper.load([ours.decide, core.catch], flow());
      const out = collect(helper.getNode('out'));
      const caught = collect(helper.getNode('caught'));
      const decide = helper.getNode('decide');
      const now = Date.now();
      decide.receive({ topic: 'd/telemetry', payload: { light: 900, ts: now - 10 } });
      decide.receive({ topic: 'd/commands', payload: { led_on: true, ts: 8.6e15 } });
      decide.receive({ topic: 'd/telemetry', payload: { light: 100, ts: now } });
      await until(() => caught.length === 1 && out.length === 2, 'one refusal and two commands');
      assert.strictEqual(caughtCode(caught[0]), 'ts-ahead');
      assert.deepStrictEqual(
        out.map((m) => m.payload.led_on),
        [false, true],
        'the forged "on" was not taken: the dark reading still switches',
      );
    });

    it('keeps readings without ts, and a device whose clock lags far behind, working; maxSkew 0 turns the check off', async function () {
      await helper.load([ours.decide, core.catch], flow({ emit: 'every' }));
      let out = collect(helper.getNode('out'));
      let caught = collect(helper.getNode('caught'));
      let decide = helper.getNode('decide');
      decide.receive({ topic: 'a/telemetry', payload: { light: 100 } });
      decide.receive({ topic: 'b/telemetry', payload: { light: 100, ts: 1000, seq: 1 } });
      decide.receive({ topic: 'b/telemetry', payload: { light: 900, ts: 2000, seq: 2 } });
      decide.receive({ topic: 'c/telemetry', payload: { light: 100, ts: Date.now() + 60_000 } });
      await until(() => out.length === 4, 'four commands');
      assert.strictEqual(caught.length, 0);
      await helper.unload();
      await helper.load([ours.decide, core.catch], flow({ emit: 'every', maxSkew: '0' }));
      out = collect(helper.getNode('out'));
      caught = collect(helper.getNode('caught'));
      decide = helper.getNode('decide');
      decide.receive({ topic: 'd/telemetry', payload: { light: 100, ts: 8.6e15 } });
      await until(() => out.length === 1, 'taken without a check');
      assert.strictEqual(caught.length, 0);
    });

    it('a custom skew: 10 s', async function () {
      await helper.load([ours.decide, core.catch], flow({ emit: 'every', maxSkew: '10' }));
      const out = collect(helper.getNode('out'));
      const caught = collect(helper.getNode('caught'));
      const decide = helper.getNode('decide');
      decide.receive({ topic: 'd/telemetry', payload: { light: 100, ts: Date.now() + 60_000 } });
      decide.receive({ topic: 'd/telemetry', payload: { light: 100, ts: Date.now() + 1000 } });
      await until(() => out.length === 1 && caught.length === 1, 'one refused, one taken');
      assert.strictEqual(caughtCode(caught[0]), 'ts-ahead');
    });
  });

  it('takes the group name from an environment variable', async function () {
    process.env.NIGHTLIGHT_TEST_GROUP = 'arena';
    try {
      await helper.load(
        [ours.decide, core.catch],
        groupFlow({ groupName: 'NIGHTLIGHT_TEST_GROUP', groupNameType: 'env', minFresh: '1' }),
      );
      const out = collect(helper.getNode('out'));
      helper.getNode('decide').receive({ topic: 'stadium/a/telemetry', payload: { light: 10 } });
      await until(() => out.length === 1, 'a command');
      assert.strictEqual(out[0].topic, 'stadium/arena/commands');
    } finally {
      delete process.env.NIGHTLIGHT_TEST_GROUP;
    }
  });
});

describe('nightlight decide node: run-time control and Home Assistant timers', function () {
  useServer();

  it('a hold for a while ends on its own timer in the runtime, and the control goes back to auto', async function () {
    await helper.load([ours.decide, core.catch], flow());
    const out = collect(helper.getNode('out'));
    const decide = helper.getNode('decide');
    decide.receive({ topic: 'porch/telemetry', payload: { light: 900 } });
    decide.receive({ topic: 'porch/control', payload: { mode: 'on', for: 0.3 } });
    await until(() => out.some((m) => m.topic === 'porch/control' && m.payload.mode === 'auto'), 'the hold to end');
    const commands = out.filter((m) => m.topic === 'porch/commands').map((m) => [m.payload.led_on, m.payload.mode]);
    assert.deepStrictEqual(commands, [
      [false, undefined],
      [true, 'override'],
      [false, 'auto'],
    ]);
  });

  it('closing the node releases its timers: a hold that would end later sends nothing after a redeploy', async function () {
    await helper.load([ours.decide, core.catch], flow());
    const decide = helper.getNode('decide');
    const out = collect(helper.getNode('out'));
    decide.receive({ topic: 'porch/control', payload: { mode: 'on', for: 0.2 } });
    await until(() => out.length >= 2, 'the hold and its whole control');
    const sent = [];
    decide.send = (m) => sent.push(m);
    await helper.unload();
    await new Promise((r) => setTimeout(r, 400));
    assert.deepStrictEqual(sent, [], 'nothing after close');
  });

  it('with discovery on, a device silent past "offline after" is announced offline by the timer', async function () {
    await helper.load([ours.decide, core.catch], flow({ discovery: true, offlineAfter: 0.3 }));
    const out = collect(helper.getNode('out'));
    helper.getNode('decide').receive({ topic: 'porch/telemetry', payload: { light: 5 } });
    await until(() => out.some((m) => m.topic === 'porch/availability' && m.payload === 'offline'), 'offline');
    assert.deepStrictEqual(
      out.map((m) => [m.topic, m.retain]),
      [
        ['porch/commands', true],
        ['homeassistant/device/porch/config', true],
        ['porch/availability', true],
        ['porch/availability', true],
      ],
    );
  });
});
