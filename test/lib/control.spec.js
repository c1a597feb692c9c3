'use strict';
// Run-time control (lib/control.ts, payload.ts parseControl) and what nightlight decide's
// controller does with it (lib/decide-node.ts), with time as input.
const assert = require('assert');
const { codeOf } = require('../support/errors');
const { ControlBook, controlPayload, heldAt } = require('../../dist/nodes/lib/control');
const { parseControl, MAX_HOLD_S } = require('../../dist/nodes/lib/payload');
const { DecideController } = require('../../dist/nodes/lib/decide-node');
const { readDecideConfig } = require('../../dist/nodes/lib/decide-config');
const { LedCommandController, readLedConfig } = require('../../dist/nodes/lib/led-node');

const S = 1000;
const T0 = 1_700_000_000_000;

const device = (config = {}) => new DecideController(readDecideConfig(config), '', T0);
const group = (config = {}) =>
  new DecideController(readDecideConfig({ mode: 'group', minFresh: 1, freshness: 0, ...config }), 'hall', T0);
/** One input: what it sent, split into commands and controls by topic. */
function input(c, topic, payload, now) {
  const sent = [];
  c.input({ topic, payload }, now, (m) => sent.push(m));
  return split(sent);
}
function split(sent) {
  return {
    commands: sent.filter((m) => m.topic.endsWith('/commands')).map((m) => m.payload),
    controls: sent.filter((m) => m.topic.endsWith('/control')).map((m) => ({ ...m.payload, retain: m.retain })),
  };
}
const reading = (c, id, light, ts, now = ts) => input(c, `${id}/telemetry`, { light, ts, seq: ts - T0 }, now);
const control = (c, id, payload, now) => input(c, `${id}/control`, payload, now);

describe('run-time control: parsing', function () {
  it('takes mode, for, threshold, band and ts, whole or in part', function () {
    const table = [
      ['{"mode":"on"}', { mode: 'on' }],
      ['{"mode":"off","for":90}', { mode: 'off', for: 90 }],
      ['{"mode":"auto","threshold":250,"band":20,"ts":5}', { mode: 'auto', threshold: 250, band: 20, ts: 5 }],
      ['{"threshold":120}', { threshold: 120 }],
      ['{"threshold":null}', { threshold: null }],
      ['{"band":0,"extra":"ignored"}', { band: 0 }],
      [Buffer.from('{"mode":"on","for":0.5}'), { mode: 'on', for: 0.5 }],
      [{ mode: 'auto' }, { mode: 'auto' }],
      ['', null],
      [Buffer.alloc(0), null],
    ];
    for (const [payload, expected] of table) assert.deepStrictEqual(parseControl(payload), expected, String(payload));
  });

  it('refuses every malformed control with a specific error', function () {
    const table = [
      ['{}', 'no-control'],
      ['{"ts":5}', 'no-control'],
      ['{"mode":"ON"}', 'bad-control-mode'],
      ['{"mode":"override"}', 'bad-control-mode'],
      ['{"mode":1}', 'bad-control-mode'],
      ['{"mode":null}', 'bad-control-mode'],
      ['{"mode":["on"]}', 'bad-control-mode'],
      ['{"mode":"on","for":0}', 'bad-control-for'],
      ['{"mode":"on","for":-5}', 'bad-control-for'],
      ['{"mode":"on","for":"60"}', 'bad-control-for'],
      [`{"mode":"on","for":${MAX_HOLD_S + 1}}`, 'bad-control-for'],
      ['{"mode":"on","for":1e999}', 'bad-control-for'],
      ['{"mode":"auto","for":60}', 'control-for-without-hold'],
      ['{"for":60}', 'control-for-without-hold'],
      ['{"threshold":"250"}', 'bad-control-number'],
      ['{"threshold":true}', 'bad-control-number'],
      ['{"threshold":2000000}', 'bad-control-number'],
      ['{"band":-1}', 'bad-control-number'],
      ['{"band":{}}', 'bad-control-number'],
      ['{"mode":"on","ts":-1}', 'bad-ts'],
      ['{"mode":"on","ts":"now"}', 'bad-ts'],
      ['{"mode":"on","seq":1.5}', 'bad-seq'],
      ['on', 'not-json'],
      ['"on"', 'not-object'],
      ['[1]', 'not-object'],
      ['42', 'not-object'],
      ['null', 'not-object'],
      ['{"__proto__":{"mode":"on"}}', 'forbidden-key'],
      [Buffer.from([0xff, 0xfe]), 'not-utf8'],
      ['{"mode":"on","pad":"' + 'x'.repeat(5000) + '"}', 'too-large'],
      ['   ', 'empty'],
    ];
    for (const [payload, code] of table)
      assert.strictEqual(
        codeOf(() => parseControl(payload)),
        code,
        String(payload),
      );
  });
});

describe('run-time control: the book (lib/control)', function () {
  it('merges partial controls, orders them by ts, and says when to publish the whole one', function () {
    const book = new ControlBook(100);
    /** @type {Array<[any, number, string, boolean?, boolean?, object?]>} */
    const steps = [
      // [control, now, outcome kind, publish, effect, state after]
      [{ mode: 'on' }, T0, 'applied', true, true, { mode: 'on', ts: T0 }],
      [{ threshold: 250 }, T0, 'applied', true, true, { mode: 'on', threshold: 250, ts: T0 + 1 }],
      [{ mode: 'on', threshold: 250, ts: T0 + 1 }, T0 + 5, 'same'],
      [{ mode: 'off', ts: T0 - 10 }, T0 + 5, 'stale'],
      [
        { mode: 'auto', threshold: 250, ts: T0 + 100 },
        T0 + 5,
        'applied',
        false,
        true,
        { mode: 'auto', threshold: 250 },
      ],
      [{ band: 30 }, T0 + 200, 'applied', true, true, { mode: 'auto', threshold: 250, band: 30, ts: T0 + 200 }],
      [{ threshold: null }, T0 + 300, 'applied', true, true, { mode: 'auto', band: 30, ts: T0 + 300 }],
      [{ mode: 'auto', band: 30 }, T0 + 400, 'applied', true, false, { mode: 'auto', band: 30, ts: T0 + 400 }],
    ];
    for (const [c, now, kind, publish, effect, after] of steps) {
      const outcome = /** @type {any} */ (book.apply('k', c, now));
      const label = JSON.stringify(c);
      assert.strictEqual(outcome.kind, kind, label);
      if (kind !== 'applied') continue;
      assert.deepStrictEqual([outcome.publish, outcome.effect], [publish, effect], label);
      for (const [key, value] of Object.entries(after))
        assert.strictEqual(book.get('k')[key], value, `${label} ${key}`);
    }
  });

  it('a hold for a while ends at its time, back at auto at a later position; a hold without one lasts', function () {
    const book = new ControlBook(100);
    book.apply('a', { mode: 'on', for: 60 }, T0);
    book.apply('b', { mode: 'off' }, T0);
    book.apply('c', { mode: 'off', for: 10, ts: T0 - 5 * S }, T0);
    assert.deepStrictEqual([heldAt(book.get('a'), T0 + 59 * S), heldAt(book.get('b'), T0)], [true, false]);
    assert.strictEqual(book.nextWake(), T0 + 5 * S, 'c ends 10 s after its own ts');
    assert.deepStrictEqual(book.expire(T0 + 30 * S), ['c']);
    assert.strictEqual(book.nextWake(), T0 + 60 * S);
    assert.deepStrictEqual(book.expire(T0 + 59 * S), []);
    assert.deepStrictEqual(book.expire(T0 + 60 * S), ['a']);
    assert.deepStrictEqual(controlPayload(book.get('a')), { mode: 'auto', ts: T0 + 60 * S });
    assert.strictEqual(book.nextWake(), undefined);
    assert.strictEqual(heldAt(book.get('b'), T0 + 1e9), false);
  });

  it('a retained hold that ran out while the server was away is auto at once, and published so', function () {
    const book = new ControlBook(100);
    const outcome = /** @type {any} */ (book.apply('a', { mode: 'on', for: 60, ts: T0 - 3600 * S }, T0));
    assert.deepStrictEqual([outcome.kind, outcome.publish, outcome.effect], ['applied', true, true]);
    assert.deepStrictEqual(controlPayload(book.get('a')), { mode: 'auto', ts: T0 });
  });

  it('the whole control keeps what is left of a hold when only the threshold changes', function () {
    const book = new ControlBook(100);
    book.apply('a', { mode: 'on', for: 100, ts: T0 }, T0);
    book.apply('a', { threshold: 50, ts: T0 + 40 * S }, T0 + 40 * S);
    assert.deepStrictEqual(controlPayload(book.get('a')), { mode: 'on', for: 60, threshold: 50, ts: T0 + 40 * S });
  });

  it('an older, different control from the broker is answered by publishing the newer one, once', function () {
    const book = new ControlBook(100);
    book.apply('a', { mode: 'off', ts: T0 + 10 }, T0);
    const first = book.apply('a', { mode: 'on', ts: T0 }, T0);
    assert.deepStrictEqual(first, { kind: 'stale', repair: { mode: 'off', ts: T0 + 10 } });
    assert.deepStrictEqual(book.apply('a', { mode: 'on', ts: T0 }, T0), { kind: 'stale' }, 'the repair is on its way');
    assert.strictEqual(book.apply('a', { mode: 'off', ts: T0 + 10 }, T0).kind, 'same');
    assert.deepStrictEqual(book.apply('a', { mode: 'off', ts: T0 + 5 }, T0), { kind: 'stale' }, 'older but the same');
  });

  it('an empty payload deletes the control; the book is bounded, forgetting the one changed longest ago', function () {
    const book = new ControlBook(3);
    for (const id of ['a', 'b', 'c', 'd']) book.apply(id, { mode: 'on' }, T0);
    assert.deepStrictEqual(
      ['a', 'b', 'c', 'd'].map((id) => book.get(id) !== undefined),
      [false, true, true, true],
    );
    assert.deepStrictEqual(book.apply('b', null, T0), { kind: 'cleared', effect: true });
    assert.deepStrictEqual(book.apply('b', null, T0), { kind: 'cleared', effect: false });
    assert.strictEqual(book.size, 2);
  });
});

describe('run-time control: nightlight decide (lib/decide-node)', function () {
  it('on holds the LED at once and against readings; auto decides again from the newest reading', function () {
    const c = device();
    assert.deepStrictEqual(reading(c, 'k', 900, T0 + 1).commands, [{ led_on: false, ts: T0 + 1, seq: 1 }]);
    const held = control(c, 'k', '{"mode":"on"}', T0 + 2);
    assert.deepStrictEqual(held.commands, [{ led_on: true, ts: T0 + 2, seq: 1, mode: 'override' }]);
    assert.deepStrictEqual(held.controls, [{ mode: 'on', ts: T0 + 2, retain: true }]);
    assert.deepStrictEqual(reading(c, 'k', 950, T0 + 10).commands, [], 'bright, but held on');
    assert.deepStrictEqual(reading(c, 'k', 100, T0 + 20).commands, [], 'dark: still held, nothing to send');
    const auto = control(c, 'k', '{"mode":"auto"}', T0 + 30);
    assert.deepStrictEqual(auto.controls, [{ mode: 'auto', ts: T0 + 30, retain: true }]);
    assert.deepStrictEqual(auto.commands, [{ led_on: true, ts: T0 + 21, seq: 20, mode: 'auto' }], 'dark');
    assert.deepStrictEqual(reading(c, 'k', 900, T0 + 40).commands, [
      { led_on: false, ts: T0 + 40, seq: 40, mode: 'auto' },
    ]);
  });

  it('every held or released command comes after the last one the LED applied and before the next reading', function () {
    const c = device();
    const led = new LedCommandController(readLedConfig({}), '', T0);
    const apply = (sent) => sent.commands.forEach((p) => led.input(p, T0));
    apply(reading(c, 'k', 900, T0 + 1000));
    for (const [mode, on] of /** @type {Array<[string, boolean]>} */ ([
      ['on', true],
      ['off', false],
      ['on', true],
      ['auto', false],
    ])) {
      apply(control(c, 'k', { mode }, T0 + 1500));
      assert.strictEqual(led.led.led.on, on, mode);
    }
    apply(reading(c, 'k', 10, T0 + 2000));
    assert.strictEqual(led.led.led.on, true, 'the next reading, 1 s later, still decides');
  });

  it('a hold for a while runs out on the timer: the control goes back to auto and the rule decides', function () {
    const c = device();
    reading(c, 'k', 900, T0);
    const held = control(c, 'k', '{"mode":"on","for":60}', T0 + S);
    assert.deepStrictEqual(held.controls, [{ mode: 'on', for: 60, ts: T0 + S, retain: true }]);
    assert.strictEqual(c.nextWake(), T0 + 61 * S);
    const sent = [];
    c.wake(T0 + 61 * S, (m) => sent.push(m));
    const { commands, controls } = split(sent);
    assert.deepStrictEqual(controls, [{ mode: 'auto', ts: T0 + 61 * S, retain: true }]);
    assert.deepStrictEqual(commands, [{ led_on: false, ts: T0 + 2, seq: 0, mode: 'auto' }]);
    assert.strictEqual(c.nextWake(), undefined);
  });

  it('a threshold set at run time decides at once and replaces the configured one until changed', function () {
    const c = device({ threshold: 300 });
    reading(c, 'k', 400, T0 + 1);
    const set = control(c, 'k', '{"threshold":500}', T0 + 2);
    assert.deepStrictEqual(set.commands, [{ led_on: true, ts: T0 + 2, seq: 1, mode: 'auto', threshold: 500 }]);
    assert.deepStrictEqual(reading(c, 'k', 450, T0 + 10).commands, [], 'still below 500');
    assert.deepStrictEqual(reading(c, 'other', 450, T0 + 10).commands, [{ led_on: false, ts: T0 + 10, seq: 10 }]);
    assert.strictEqual(reading(c, 'k', 520, T0 + 20).commands[0].led_on, false);
    const back = control(c, 'k', '{"threshold":null}', T0 + 30);
    assert.deepStrictEqual(back.controls, [{ mode: 'auto', ts: T0 + 30, retain: true }]);
    assert.strictEqual(back.commands[0].led_on, false);
    assert.strictEqual(back.commands[0].threshold, undefined, 'back to the configured threshold');
  });

  it('msg.threshold still comes before the run-time threshold', function () {
    const c = device({ threshold: 300 });
    control(c, 'k', '{"threshold":100}', T0);
    const sent = [];
    c.input({ topic: 'k/telemetry', payload: { light: 200, ts: T0 + 1 }, threshold: 250 }, T0 + 1, (m) => sent.push(m));
    assert.strictEqual(sent[0].payload.led_on, true);
  });

  it('an older control never undoes a newer one; a whole control coming back is not published again', function () {
    const c = device();
    reading(c, 'k', 900, T0 + 1);
    assert.strictEqual(control(c, 'k', { mode: 'on', ts: T0 + 50 }, T0 + 60).commands[0].led_on, true);
    const old = control(c, 'k', { mode: 'off', ts: T0 + 40 }, T0 + 70);
    assert.deepStrictEqual(old.commands, []);
    assert.deepStrictEqual(
      old.controls,
      [{ mode: 'on', ts: T0 + 50, retain: true }],
      'the broker is told the newer one',
    );
    assert.deepStrictEqual(control(c, 'k', { mode: 'on', ts: T0 + 50 }, T0 + 80), { commands: [], controls: [] });
  });

  it('a control for a device not heard from yet holds it at once; a refused control changes nothing', function () {
    const c = device();
    assert.throws(() => control(c, 'k', '{"mode":"dim"}', T0), { code: 'bad-control-mode' });
    assert.throws(() => control(c, 'k', { mode: 'on', ts: T0 + 3600 * S }, T0), { code: 'ts-ahead' });
    const held = control(c, 'k', '{"mode":"off"}', T0);
    assert.deepStrictEqual(held.commands, [{ led_on: false, ts: T0, seq: 1, mode: 'override' }]);
    assert.deepStrictEqual(reading(c, 'k', 10, T0 + 5).commands, [], 'dark, held off');
  });

  it('the status says a device is held', function () {
    const c = device();
    reading(c, 'k', 900, T0);
    control(c, 'k', '{"mode":"on"}', T0 + 1);
    const s = c.status(T0 + 2);
    assert.deepStrictEqual(
      [s.key, s.params.id, s.words.led, s.shape],
      ['nightlight-decide.status.held', 'k', 'nightlight-decide.status.on', 'ring'],
    );
  });

  it('a group is controlled under its name, and only there', function () {
    const c = group();
    reading(c, 's1', 900, T0 + 1);
    const held = control(c, 'hall', '{"mode":"on","for":30}', T0 + 2);
    assert.deepStrictEqual(
      held.commands.map((p) => [p.led_on, p.mode]),
      [[true, 'override']],
    );
    assert.deepStrictEqual(control(c, 's1', '{"mode":"off"}', T0 + 3), { commands: [], controls: [] });
    assert.deepStrictEqual(reading(c, 's2', 950, T0 + 4).commands, [], 'held');
    const sent = [];
    c.wake(T0 + 32 * S, (m) => sent.push(m));
    assert.deepStrictEqual(
      split(sent).commands.map((p) => [p.led_on, p.mode]),
      [[false, 'auto']],
    );
    const threshold = control(c, 'hall', '{"threshold":1000}', T0 + 40 * S);
    assert.deepStrictEqual(
      threshold.commands.map((p) => [p.led_on, p.threshold, p.sensors]),
      [[true, 1000, ['s1', 's2']]],
    );
  });

  it('emit every: a held device answers each live reading with the held command', function () {
    const c = device({ emit: 'every' });
    reading(c, 'k', 900, T0 + 1);
    control(c, 'k', '{"mode":"on"}', T0 + 2);
    const again = reading(c, 'k', 950, T0 + 10).commands;
    assert.deepStrictEqual(again, [{ led_on: true, ts: T0 + 2, seq: 1, mode: 'override' }]);
  });
});

describe('run-time control: LED command', function () {
  it('shows an override, and its offline fallback does not take over a held LED', function () {
    const led = new LedCommandController(readLedConfig({ fallback: 10, threshold: 300 }), '', T0);
    led.input({ led_on: true, ts: 1, mode: 'override' }, T0);
    assert.deepStrictEqual(
      [led.status().key, led.inCharge, led.nextWake()],
      ['led-command.status.override.on', 'override', undefined],
    );
    led.input({ light: 900 }, T0 + 60 * S);
    assert.strictEqual(led.led.led.on, true, 'still held after the silence');
    led.input({ led_on: false, ts: 2, mode: 'auto' }, T0 + 61 * S);
    assert.deepStrictEqual([led.status().key, led.nextWake()], ['led-command.status.server.off', T0 + 71 * S]);
    assert.throws(() => led.input({ led_on: true, ts: 3, mode: 'held' }, T0), { code: 'bad-command-mode' });
  });
});
