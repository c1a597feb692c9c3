'use strict';
const assert = require('assert');
const { helper, ours, core, collect, until, useServer, onTab, nodeRedUtil, caughtCode } = require('../support/runtime');
const { ledNode } = require('../support/typed');

/** @param {import('../support/typed').LedProps} [props] */
function flow(props = {}) {
  return onTab([
    ledNode({ id: 'led', format: 'boolean', emit: 'change', wires: [['out'], ['state']], ...props }),
    { id: 'out', type: 'helper' },
    { id: 'state', type: 'helper' },
    { id: 'catch', type: 'catch', scope: ['led'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ]);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('LED command node', function () {
  useServer();

  it('switches the LED in the chosen format, on change by default', async function () {
    /** @type {[import('../../dist/nodes/lib/led').LedFormat, unknown[]][]} */
    const formats = [
      ['boolean', [true, false]],
      ['number', [1, 0]],
      ['onoff', ['on', 'off']],
    ];
    for (const [format, expected] of formats) {
      await helper.load([ours.ledCommand, core.catch], flow({ format }));
      const out = collect(helper.getNode('out'));
      const led = helper.getNode('led');
      for (const payload of [{ led_on: true }, '{"led_on": true}', Buffer.from('{"led_on": false}')])
        led.receive({ payload });
      await until(() => out.length === 2, 'two changes');
      assert.deepStrictEqual(
        out.map((m) => m.payload),
        expected,
        format,
      );
      await helper.unload();
    }
  });

  it('ignores a command older than the last one applied (by seq and ts)', async function () {
    await helper.load([ours.ledCommand, core.catch], flow({ emit: 'every' }));
    const out = collect(helper.getNode('out'));
    const led = helper.getNode('led');
    led.receive({ payload: { led_on: true, seq: 5, ts: 5000 } });
    led.receive({ payload: { led_on: false, seq: 4, ts: 4000 } });
    led.receive({ payload: { led_on: false, seq: 5, ts: 5000 } });
    led.receive({ payload: { led_on: false, seq: 6, ts: 6000 } });
    await until(() => out.length === 2, 'two applied commands');
    await sleep(50);
    assert.deepStrictEqual(
      out.map((m) => m.led_on),
      [true, false],
    );
  });

  it('reports the applied state on <id>/state from a second output', async function () {
    await helper.load(
      [ours.ledCommand, core.catch],
      flow({ state: true, outputs: 2, deviceId: 'kitchen', stateTopic: 'home/{id}/state' }),
    );
    const state = collect(helper.getNode('state'));
    const led = helper.getNode('led');
    led.receive({ payload: { led_on: true, seq: 1, ts: 100 } });
    led.receive({ payload: { led_on: true, seq: 2, ts: 200 } });
    led.receive({ payload: { led_on: false } });
    await until(() => state.length === 3, 'three reports');
    assert.deepStrictEqual(
      state.map((m) => [m.topic, m.payload, m.qos, m.retain]),
      [
        ['home/kitchen/state', { led_on: true, source: 'server', seq: 1, ts: 100 }, 1, true],
        ['home/kitchen/state', { led_on: true, source: 'server', seq: 2, ts: 200 }, 1, true],
        ['home/kitchen/state', { led_on: false, source: 'server' }, 1, true],
      ],
    );
  });

  it('refuses an invalid device id for the state topic at deploy: red status, logged once, every input answered with the error', async function () {
    // The runtime's own event bus (another installation's under the compatibility matrix).
    const { events } = nodeRedUtil;
    const shown = [];
    const listener = (event) => event.id === 'led' && shown.push(event.status);
    events.on('node-status', listener);
    try {
      await helper.load([ours.ledCommand, core.catch], flow({ state: true, outputs: 2, deviceId: '+', fallback: 0.2 }));
      const state = collect(helper.getNode('state'));
      const out = collect(helper.getNode('out'));
      const caught = collect(helper.getNode('caught'));
      const led = helper.getNode('led');
      for (const payload of [{ led_on: true }, { light: 10 }, 'not json']) led.receive({ payload });
      await until(() => caught.length === 3, 'each input answered with the setup error');
      assert.deepStrictEqual(
        caught.map((m) => m.error.message),
        Array(3).fill('Error: nightlight.errors.bad-device-id'),
      );
      await sleep(400);
      assert.strictEqual(out.length + state.length, 0, 'nothing sent, no fallback timer');
      assert.ok(shown.length >= 1 && shown.every((s) => s.fill === 'red'), 'the status is red and stays red');
      const errors = helper.log().args.filter(([entry]) => entry.level === helper.log().ERROR && entry.id === 'led');
      assert.strictEqual(errors.length, 1, 'the setup error is logged once');
    } finally {
      events.removeListener('node-status', listener);
    }
  });

  it('falls back to a local decision after the configured silence and gives control back when commands resume', async function () {
    await helper.load(
      [ours.ledCommand, core.catch],
      flow({ fallback: 0.5, threshold: 300, state: true, outputs: 2, deviceId: 'd1' }),
    );
    const out = collect(helper.getNode('out'));
    const state = collect(helper.getNode('state'));
    const led = helper.getNode('led');
    const statuses = [];
    led.on('call:status', (call) => statuses.push(call.args[0]));
    led.receive({ payload: { led_on: false, seq: 1, ts: 1 } });
    led.receive({ payload: { light: 10 } });
    await sleep(100);
    assert.deepStrictEqual(
      out.map((m) => m.payload),
      [false],
      'readings do not switch the LED while the server is in charge',
    );
    await until(() => out.length === 2, 'the local decision after the silence', 3000);
    assert.deepStrictEqual([out[1].payload, out[1].source], [true, 'local']);
    assert.ok(/status\.local/.test(statuses.at(-1).text), 'status says local');
    led.receive({ payload: 900 });
    await until(() => out.length === 3, 'a second local decision');
    assert.strictEqual(out[2].payload, false);
    // A retained old command handed out again on reconnect is not the server coming back.
    led.receive({ payload: { led_on: false, seq: 1, ts: 1 } });
    led.receive({ payload: '120' });
    await until(() => out.length === 4, 'still local');
    assert.deepStrictEqual([out[3].payload, out[3].source], [true, 'local']);
    led.receive({ payload: { led_on: false, seq: 2, ts: 2 } });
    await until(() => out.length === 5, 'the server command');
    assert.deepStrictEqual([out[4].payload, out[4].source], [false, 'server']);
    assert.ok(/status\.server/.test(statuses.at(-1).text), 'status says server');
    led.receive({ payload: { light: 5 } });
    await sleep(100);
    assert.strictEqual(out.length, 5, 'the server is back in charge');
    assert.deepStrictEqual(
      state.map((m) => m.payload.source),
      ['server', 'local', 'local', 'local', 'server'],
    );
  });

  const bad = [
    ['not JSON', 'hello', 'not-json'],
    ['no led_on', { on: true }, 'no-led-on'],
    ['led_on as string', { led_on: 'true' }, 'led-on-not-boolean'],
    ['array', [true], 'not-object'],
    ['__proto__', '{"__proto__": {}, "led_on": true}', 'forbidden-key'],
    ['huge', JSON.stringify({ led_on: true, pad: 'x'.repeat(5000) }), 'too-large'],
    ['garbage Buffer', Buffer.from([0xff, 0xfe]), 'not-utf8'],
    ['bad seq', { led_on: true, seq: 1.5 }, 'bad-seq'],
    ['reading with NaN light', { light: 'dark' }, 'light-not-number'],
  ];
  it(`refuses ${bad.length} kinds of bad input through Catch, with a red status, and keeps working`, async function () {
    await helper.load([ours.ledCommand, core.catch], flow({ emit: 'every' }));
    const out = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    const led = helper.getNode('led');
    const statuses = [];
    led.on('call:status', (call) => statuses.push(call.args[0]));
    for (const [, payload] of bad) {
      led.receive({ payload });
      led.receive({ payload: { led_on: true } });
    }
    await until(() => caught.length === bad.length && out.length === bad.length, 'every error and every good command');
    assert.deepStrictEqual(
      caught.map((m) => m.error.message),
      bad.map(([, , code]) => `Error: nightlight.errors.${code}`),
    );
    assert.ok(statuses.some((s) => s.fill === 'red'));
    // Ordinary status updates are throttled (at most 4 a second): the good one shows shortly after the last error.
    await until(() => statuses.at(-1).fill === 'yellow', 'a yellow status again after the last good input');
  });

  it('refuses a command whose ts is more than the skew ahead (a forged or wrong clock), so a real "off" still switches', async function () {
    await helper.load([ours.ledCommand, core.catch], flow({ state: true, outputs: 2, deviceId: 'd1' }));
    const out = collect(helper.getNode('out'));
    const state = collect(helper.getNode('state'));
    const caught = collect(helper.getNode('caught'));
    const led = helper.getNode('led');
    const now = Date.now();
    led.receive({ payload: { led_on: false, seq: 1, ts: now - 1000 } });
    led.receive({ payload: { led_on: true, ts: 8.6e15 } });
    led.receive({ payload: { led_on: true, seq: 2, ts: now + 6 * 60_000 } });
    led.receive({ payload: { led_on: true, seq: 3, ts: now } });
    led.receive({ payload: { led_on: false, seq: 4, ts: now + 1 } });
    // No ts, and a clock far behind: still applied.
    led.receive({ payload: { led_on: true } });
    await until(() => caught.length === 2 && out.length === 4, 'two refusals and four changes');
    assert.deepStrictEqual(
      caught.map((m) => [m.error.message, caughtCode(m)]),
      Array(2).fill(['Error: nightlight.errors.ts-ahead', 'ts-ahead']),
    );
    assert.deepStrictEqual(
      out.map((m) => m.payload),
      [false, true, false, true],
    );
    assert.deepStrictEqual(
      state.map((m) => m.payload.ts),
      [now - 1000, now, now + 1, undefined],
      'the reported state never carries the refused ts',
    );
  });

  it('maxSkew from the editor: 0 turns the check off, a number of seconds sets it', async function () {
    await helper.load([ours.ledCommand, core.catch], flow({ maxSkew: '0' }));
    let out = collect(helper.getNode('out'));
    let caught = collect(helper.getNode('caught'));
    helper.getNode('led').receive({ payload: { led_on: true, ts: 8.6e15 } });
    await until(() => out.length === 1, 'applied without a check');
    assert.strictEqual(caught.length, 0);
    await helper.unload();
    await helper.load([ours.ledCommand, core.catch], flow({ maxSkew: '10', emit: 'every' }));
    out = collect(helper.getNode('out'));
    caught = collect(helper.getNode('caught'));
    const led = helper.getNode('led');
    led.receive({ payload: { led_on: true, ts: Date.now() + 60_000 } });
    led.receive({ payload: { led_on: true, ts: Date.now() + 1000 } });
    await until(() => out.length === 1 && caught.length === 1, 'one refused, one applied');
    assert.strictEqual(caughtCode(caught[0]), 'ts-ahead');
  });

  it('releases its fallback timer on close', async function () {
    await helper.load([ours.ledCommand, core.catch], flow({ fallback: 0.3 }));
    const out = collect(helper.getNode('out'));
    helper.getNode('led').receive({ payload: { light: 10 } });
    await helper.unload();
    await sleep(500);
    assert.strictEqual(out.length, 0);
  });
});
