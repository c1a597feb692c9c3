'use strict';
// Table-driven tests of the per-device decision, with time as an argument.
const assert = require('assert');
// The engine the node runs: the per-device decision with learning from the broker (scale-out.ts) on top.
const { SharedDecisionEngine } = require('../../dist/nodes/lib/scale-out');
/** @type {import('../support/typed').Seen<typeof SharedDecisionEngine>} */
const DecisionEngine = SharedDecisionEngine;

const S = 1000;

/**
 * Feeds `steps` (each `light`, or `[light, atSeconds, extra]`) to one device with emit
 * `every`, and returns the LED state after each reading.
 */
function ledAfterEach(options, steps) {
  const engine = new DecisionEngine({ emit: 'every', ...options });
  return steps.map((step, i) => {
    const [light, at, extra] = Array.isArray(step) ? step : [step, i];
    const outcome = engine.observe('d', { light }, at * S, extra);
    return outcome.kind === 'command' ? outcome.command.led_on : outcome.ledOn;
  });
}

const on = true;
const off = false;

describe('DecisionEngine: sweeping readings across both edges of the band', function () {
  const table = [
    {
      name: 'plain rule (lesson): on below 300, off at 300',
      options: {},
      steps: [320, 301, 300, 299.9, 250, 299.9, 300, 301, 299],
      expected: [off, off, off, on, on, on, off, off, on],
    },
    {
      name: 'band 50: on below 300, off only at or above 350',
      options: { band: 50 },
      steps: [320, 300, 299, 310, 349, 349.99, 350, 340, 300, 299.5, 360],
      expected: [off, off, on, on, on, on, off, off, off, on, off],
    },
    {
      name: 'band 50 with threshold 200 (the lesson code value)',
      options: { threshold: 200, band: 50 },
      steps: [210, 199, 240, 250, 199, 249.9, 251],
      expected: [off, on, on, off, on, on, off],
    },
    {
      name: 'debounce 3 readings: both edges need three readings in a row',
      options: { debounceReadings: 3 },
      steps: [400, 200, 200, 200, 400, 200, 400, 400, 400, 200],
      expected: [off, off, off, on, on, on, on, on, off, off],
    },
    {
      name: 'debounce 3 readings with band 50: a reading inside the band cancels the count',
      options: { band: 50, debounceReadings: 3 },
      steps: [200, 360, 360, 320, 360, 360, 360, 299, 299, 299],
      expected: [on, on, on, on, on, on, off, off, off, on],
    },
    {
      name: 'debounce 10 s: the condition must hold 10 s, measured from its first reading',
      options: { debounceMs: 10 * S },
      steps: [
        [400, 0],
        [200, 1],
        [200, 5],
        [200, 10.9],
        [200, 11],
        [400, 12],
        [200, 15],
        [400, 16],
        [400, 25.9],
        [400, 26],
      ],
      expected: [off, off, off, off, on, on, on, on, on, off],
    },
    {
      name: 'debounce 10 s with band 50, falling and rising edges',
      options: { band: 50, debounceMs: 10 * S },
      steps: [
        [200, 0],
        [340, 1],
        [360, 2],
        [360, 11],
        [360, 12],
        [299, 13],
        [310, 20],
        [299, 30],
        [299, 40],
      ],
      expected: [on, on, on, on, off, off, off, off, on],
    },
    {
      name: 'debounce 2 readings and 5 s together: both must hold',
      options: { debounceReadings: 2, debounceMs: 5 * S },
      steps: [
        [400, 0],
        [200, 1],
        [200, 2],
        [200, 6],
        [400, 7],
        [400, 20],
      ],
      expected: [off, off, off, on, on, off],
    },
    {
      name: 'msg.threshold overrides the threshold for one reading',
      options: {},
      steps: [
        [350, 0, { threshold: 400 }],
        [350, 1],
        [250, 2, { threshold: 200 }],
        [250, 3],
      ],
      expected: [on, off, off, on],
    },
    {
      name: 'msg.band overrides the band for one reading',
      options: { band: 0 },
      steps: [
        [100, 0],
        [320, 1, { band: 50 }],
        [320, 2],
        [100, 3],
        [349, 4, { band: 50 }],
        [350, 5, { band: 50 }],
      ],
      expected: [on, on, off, on, on, off],
    },
  ];
  for (const row of table) {
    it(row.name, function () {
      assert.deepStrictEqual(ledAfterEach(row.options, row.steps), row.expected);
    });
  }
});

describe('DecisionEngine: what it sends', function () {
  it('the first reading always commands, even inside the band and under a debounce', function () {
    /** @type {Partial<import('../../dist/nodes/lib/decide').DecideOptions>[]} */
    const optionSets = [{ band: 100 }, { debounceReadings: 5 }, { debounceMs: 60 * S }, { emit: 'change' }];
    for (const options of optionSets) {
      const engine = new DecisionEngine(options);
      const outcome = engine.observe('d', { light: 350 }, 0);
      assert.strictEqual(outcome.kind, 'command', JSON.stringify(options));
      assert.strictEqual(outcome.command.led_on, false);
      assert.strictEqual(engine.observe('e', { light: 10 }, 0).command.led_on, true);
    }
  });

  it('emit change sends only on flips; emit every sends on every live reading', function () {
    const lights = [100, 120, 500, 510, 90, 80];
    /** @type {[import('../../dist/nodes/lib/decide').EmitMode, boolean[]][]} */
    const table = [
      ['change', [true, false, true]],
      ['every', [true, true, false, false, true, true]],
    ];
    for (const [emit, expected] of table) {
      const engine = new DecisionEngine({ emit });
      const sent = [];
      lights.forEach((light, i) => {
        const outcome = engine.observe('d', { light }, i);
        if (outcome.kind === 'command') sent.push(outcome.command.led_on);
      });
      assert.deepStrictEqual(sent, expected, emit);
    }
  });

  it('says why nothing was sent: unchanged, or a flip pending in the debounce', function () {
    const engine = new DecisionEngine({ debounceReadings: 2 });
    engine.observe('d', { light: 500 }, 0);
    assert.strictEqual(engine.observe('d', { light: 510 }, 1).reason, 'unchanged');
    assert.strictEqual(engine.observe('d', { light: 10 }, 2).reason, 'pending');
    assert.strictEqual(engine.observe('d', { light: 10 }, 3).kind, 'command');
  });

  it('numbers commands per device with seq and ts that always move forward', function () {
    const engine = new DecisionEngine({ emit: 'every' });
    const a = [5, 5, 9].map((t) => engine.observe('a', { light: 1 }, t).command);
    const b = engine.observe('b', { light: 1 }, 9).command;
    assert.deepStrictEqual(
      a.map((c) => c.seq),
      [1, 2, 3],
    );
    assert.deepStrictEqual(
      a.map((c) => c.ts),
      [5, 6, 9],
      'a second command in the same ms gets a later ts',
    );
    assert.strictEqual(b.seq, 1);
  });
});

describe('DecisionEngine: replays, duplicates, out of order, history', function () {
  it('never flips backwards on a replayed, duplicated or older reading', function () {
    const engine = new DecisionEngine({ emit: 'every' });
    assert.strictEqual(engine.observe('d', { light: 100, ts: 2000, seq: 2 }, 0).command.led_on, true);
    for (const stale of [
      { light: 900, ts: 2000, seq: 2 },
      { light: 900, ts: 1000, seq: 9 },
      { light: 900, ts: 1999 },
    ]) {
      const outcome = engine.observe('d', stale, 1);
      assert.deepStrictEqual(
        [outcome.kind, outcome.reason, outcome.ledOn],
        ['ignored', 'stale', true],
        JSON.stringify(stale),
      );
    }
    const noTs = new DecisionEngine({ emit: 'every' });
    noTs.observe('d', { light: 100, seq: 5 }, 0);
    assert.strictEqual(noTs.observe('d', { light: 900, seq: 4 }, 1).reason, 'stale');
    assert.strictEqual(noTs.observe('d', { light: 900, seq: 6 }, 2).command.led_on, false);
  });

  it('takes readings without ts or seq as new (the lesson devices)', function () {
    const engine = new DecisionEngine();
    engine.observe('d', { light: 100 }, 0);
    assert.strictEqual(engine.observe('d', { light: 900 }, 1).command.led_on, false);
  });

  it('historical readings (marked, or older than max age) never actuate, even for a new device', function () {
    const engine = new DecisionEngine({ emit: 'every', maxAgeMs: 60 * S });
    const now = 1_000_000;
    assert.strictEqual(engine.observe('d', { light: 100, ts: now - 1, historical: true }, now).reason, 'historical');
    assert.strictEqual(
      engine.observe('d', { light: 100, ts: now - 61 * S + 2 }, now).reason,
      'stale',
      'older than what it knows',
    );
    assert.strictEqual(engine.observe('e', { light: 100, ts: now - 61 * S }, now).reason, 'historical');
    assert.strictEqual(engine.ledOn('d'), undefined);
    assert.strictEqual(
      engine.observe('d', { light: 900, ts: now }, now).command.led_on,
      false,
      'the live reading decides',
    );
    assert.strictEqual(engine.observe('d', { light: 100, ts: now + 1, historical: true }, now + 1).ledOn, false);
    assert.strictEqual(
      engine.observe('d', { light: 900, ts: now }, now + 2).reason,
      'stale',
      'history moved the position forward',
    );
  });
});

describe('DecisionEngine: many devices', function () {
  it('keeps each device apart: one device never changes another', function () {
    const engine = new DecisionEngine({ band: 50 });
    engine.observe('a', { light: 100 }, 0);
    engine.observe('b', { light: 900 }, 0);
    assert.strictEqual(engine.observe('a', { light: 320 }, 1).reason, 'unchanged');
    assert.strictEqual(engine.observe('b', { light: 320 }, 1).reason, 'unchanged');
    assert.deepStrictEqual([engine.ledOn('a'), engine.ledOn('b')], [true, false]);
  });

  it('forgets the device heard from longest ago past max devices, and counts it', function () {
    const engine = new DecisionEngine({ maxDevices: 3 });
    /** @type {[string, number][]} */
    const heard = [
      ['a', 0],
      ['b', 1],
      ['c', 2],
      ['a', 3],
      ['d', 4],
    ];
    for (const [id, t] of heard) engine.observe(id, { light: 100 }, t);
    assert.strictEqual(engine.size, 3);
    assert.strictEqual(engine.evictions, 1);
    assert.strictEqual(engine.ledOn('b'), undefined, 'b was the quietest');
    assert.strictEqual(engine.ledOn('a'), true);
    assert.strictEqual(
      engine.observe('b', { light: 100 }, 5).kind,
      'command',
      'a forgotten device starts again with a command',
    );
    assert.strictEqual(engine.evictions, 2);
  });

  it('forgets devices silent for the expiry, counts them, and starts them afresh', function () {
    const engine = new DecisionEngine({ expiryMs: 60 * S });
    engine.observe('a', { light: 100 }, 0);
    engine.observe('b', { light: 100 }, 30 * S);
    assert.strictEqual(engine.expire(59.999 * S), 0);
    assert.strictEqual(engine.expire(60 * S), 1);
    assert.deepStrictEqual(
      [engine.size, engine.expirations, engine.ledOn('a'), engine.ledOn('b')],
      [1, 1, undefined, true],
    );
    engine.observe('b', { light: 100 }, 80 * S);
    assert.strictEqual(engine.observe('c', { light: 100 }, 139 * S).kind, 'command', 'expiry also runs on readings');
    assert.deepStrictEqual([engine.size, engine.ledOn('b')], [2, true]);
    assert.strictEqual(engine.observe('a', { light: 100 }, 140 * S).kind, 'command');
    assert.strictEqual(engine.expire(200 * S), 2, 'b (80 s) and c (139 s)');
  });

  it('lists the current command of every decided device for a periodic refresh', function () {
    const engine = new DecisionEngine({ expiryMs: 100 * S });
    engine.observe('a', { light: 100 }, 0);
    engine.observe('b', { light: 900 }, 50 * S);
    engine.observe('b', { light: 100 }, 60 * S);
    engine.observe('h', { light: 100, historical: true }, 60 * S);
    const seen = [];
    engine.forEachCommand(70 * S, (id, command) => seen.push([id, command]));
    assert.deepStrictEqual(seen, [
      ['a', { led_on: true, seq: 1, ts: 0 }],
      ['b', { led_on: true, seq: 2, ts: 60 * S }],
    ]);
    seen.length = 0;
    engine.forEachCommand(100 * S, (id) => seen.push(id));
    assert.deepStrictEqual(seen, ['b'], 'a expired at 100 s');
  });
});

describe('DecisionEngine: commands learned from the broker (several Node-REDs)', function () {
  it('takes a newer command as the device state without counting a reading', function () {
    const engine = new DecisionEngine({ emit: 'change' });
    assert.deepStrictEqual(engine.learn('d', { led_on: true, seq: 7, ts: 5000 }, 100), {
      kind: 'learned',
      ledOn: true,
    });
    assert.strictEqual(engine.ledOn('d'), true);
    const first = engine.observe('d', { light: 100 }, 200);
    assert.deepStrictEqual([first.kind, first.reason], ['ignored', 'unchanged'], 'no double send of a known command');
    const flip = engine.observe('d', { light: 900 }, 300);
    assert.deepStrictEqual(
      flip.command,
      { led_on: false, seq: 8, ts: 5001 },
      'after the learned command, though our clock is behind',
    );
  });

  it('ignores a learned command older than or equal to the one it knows, including its own echo, and repairs an older contradicting one', function () {
    const engine = new DecisionEngine();
    const own = engine.observe('d', { light: 100 }, 1000).command;
    assert.strictEqual(engine.learn('d', own, 1001).kind, 'ignored');
    // Older and contradicting, after our own came back: the broker now holds it, so ours goes out again.
    assert.deepStrictEqual(engine.learn('d', { led_on: false, seq: 9, ts: 999 }, 1002), {
      kind: 'repair',
      command: own,
    });
    assert.strictEqual(
      engine.learn('d', { led_on: false, seq: 8, ts: 998 }, 1002).kind,
      'ignored',
      'the repair is on its way',
    );
    assert.strictEqual(engine.ledOn('d'), true);
    assert.strictEqual(engine.learn('d', { led_on: false, seq: 1, ts: 1003 }, 1003).kind, 'learned');
    assert.strictEqual(engine.ledOn('d'), false);
  });

  it('keeps hysteresis across instances: the learned state decides which edge applies', function () {
    const engine = new DecisionEngine({ band: 50 });
    engine.learn('d', { led_on: true, seq: 1, ts: 10 }, 10);
    assert.strictEqual(engine.observe('d', { light: 320 }, 20).reason, 'unchanged', 'inside the band the LED stays on');
    engine.learn('d', { led_on: false, seq: 2, ts: 30 }, 30);
    assert.strictEqual(
      engine.observe('d', { light: 320 }, 40).reason,
      'unchanged',
      'inside the band the LED stays off',
    );
  });

  it('a learned command cancels a debounce in progress', function () {
    const engine = new DecisionEngine({ debounceReadings: 2 });
    engine.observe('d', { light: 900 }, 0);
    assert.strictEqual(engine.observe('d', { light: 100 }, 1).reason, 'pending');
    engine.learn('d', { led_on: false, seq: 5, ts: 2 }, 2);
    assert.strictEqual(engine.observe('d', { light: 100 }, 3).reason, 'pending', 'the count started again');
    assert.strictEqual(engine.observe('d', { light: 100 }, 4).command.seq, 6);
  });
});

describe('DecisionState: the LED, mine and in-flight flags', function () {
  const { SharedDecisionState: DecisionState } = require('../../dist/nodes/lib/scale-out');

  it('keeps the three flags independent through every combination and change', function () {
    const state = new DecisionState(0);
    assert.deepStrictEqual([state.ledOn, state.mine, state.inFlight], [undefined, false, false]);
    const values = { ledOn: [undefined, true, false], mine: [false, true], inFlight: [false, true] };
    for (const ledOn of values.ledOn) {
      for (const mine of values.mine) {
        for (const inFlight of values.inFlight) {
          state.ledOn = ledOn;
          state.mine = mine;
          state.inFlight = inFlight;
          assert.deepStrictEqual([state.ledOn, state.mine, state.inFlight], [ledOn, mine, inFlight]);
          // changing one leaves the others as they were
          for (const next of values.ledOn) {
            state.ledOn = next;
            assert.deepStrictEqual([state.ledOn, state.mine, state.inFlight], [next, mine, inFlight]);
          }
          state.ledOn = ledOn;
          state.mine = !mine;
          assert.deepStrictEqual([state.ledOn, state.mine, state.inFlight], [ledOn, !mine, inFlight]);
          state.mine = mine;
          state.inFlight = !inFlight;
          assert.deepStrictEqual([state.ledOn, state.mine, state.inFlight], [ledOn, mine, !inFlight]);
        }
      }
    }
  });

  it('still honours a time debounce (the only case that records when a flip was first asked for)', function () {
    const engine = new DecisionEngine({ emit: 'change', debounceMs: 2 * S });
    assert.strictEqual(engine.observe('d', { light: 900 }, 0).kind, 'command');
    assert.strictEqual(engine.observe('d', { light: 100 }, 10 * S).kind, 'ignored');
    assert.strictEqual(engine.observe('d', { light: 100 }, 11 * S).kind, 'ignored');
    const flip = engine.observe('d', { light: 100 }, 12 * S);
    assert.strictEqual(flip.kind, 'command');
    assert.strictEqual(flip.command.led_on, true);
  });
});
