'use strict';
const assert = require('assert');
const { helper, ours, core, collect, until, useServer, onTab } = require('../support/runtime');

function flow(props = {}) {
  return onTab([
    { id: 'decide', type: 'nightlight-decide', wires: [['out']], ...props },
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
    for (const [emit, expected] of [
      ['change', [true, false]],
      ['every', [true, true, false, false]],
    ]) {
      await helper.load([ours.decide, core.catch], flow({ emit }));
      const out = collect(helper.getNode('out'));
      const decide = helper.getNode('decide');
      for (const light of [100, 200, 300, 900]) decide.receive({ topic: 'a/telemetry', payload: { light } });
      await until(() => out.length === expected.length, `${expected.length} commands`);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepStrictEqual(out.map((m) => m.payload.led_on), expected, emit);
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
    assert.deepStrictEqual(out.map((m) => m.payload.led_on), [false, true]);
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
    assert.deepStrictEqual(out.map((m) => m.payload.led_on), [true, true]);
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
    assert.ok(statuses.some((s) => s.fill === 'red'), 'a red status was shown');
    // Ordinary statuses are throttled; the last good reading's decision shows within a moment.
    await until(() => statuses.at(-1).fill === 'yellow', 'the next good reading shows its decision', 2000);
  });
});
