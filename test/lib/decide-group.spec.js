'use strict';
// Table-driven tests of group decisions (the stadium), with time as an argument.
const assert = require('assert');
const { GroupEngine: Engine, memberMatcher } = require('../../dist/nodes/lib/group');
/** @type {import('../support/typed').Seen<typeof Engine>} */
const GroupEngine = Engine;
const { aggregate, median } = require('../support/oracles');

const S = 1000;

/** Feeds `{sensor: light}` readings at time `at` (seconds) and returns the last outcome. */
function feed(group, readings, at) {
  let outcome;
  for (const [id, light] of Object.entries(readings)) outcome = group.observe(id, { light }, at * S);
  return outcome;
}

describe('group aggregation', function () {
  /** @type {[number[], { median: number, mean: number, min: number, max: number }][]} */
  const table = [
    [[5, 1, 3], { median: 3, mean: 3, min: 1, max: 5 }],
    [[4, 1, 3, 2], { median: 2.5, mean: 2.5, min: 1, max: 4 }],
    [[7], { median: 7, mean: 7, min: 7, max: 7 }],
    [[100, 100, 100, 100, 9000], { median: 100, mean: 1880, min: 100, max: 9000 }],
  ];
  for (const [values, expected] of table) {
    it(`of ${JSON.stringify(values)}`, function () {
      for (const [aggregation, value] of Object.entries(expected)) {
        assert.strictEqual(aggregate(aggregation, [...values]), value, aggregation);
      }
      assert.strictEqual(median([...values]), expected.median);
    });
  }
});

describe('GroupEngine: the stadium', function () {
  const daylight = { s1: 800, s2: 820, s3: 790, s4: 810, s5: 805 };
  /** @type {[import('../../dist/nodes/lib/group').Aggregation, Partial<import('../../dist/nodes/lib/group').GroupOptions>, boolean, boolean][]} */
  const table = [
    // aggregation, extra options, a shaded sensor switches?, most sensors dark switches?
    ['median', {}, false, true],
    ['mean', {}, false, true],
    ['max', {}, false, true],
    ['min', {}, true, true],
    ['quorum', { quorum: 3 }, false, true],
  ];
  for (const [aggregation, extra, shadedSwitches, darkSwitches] of table) {
    it(`${aggregation}: one shaded sensor ${shadedSwitches ? 'switches' : 'does not switch'}, most dark ${darkSwitches ? 'switches' : 'does not'}`, function () {
      const group = new GroupEngine({ name: 'stadium', aggregation, minFresh: 3, ...extra });
      const outcomes = Object.entries(daylight).map(([id, light]) => group.observe(id, { light }, 0));
      assert.deepStrictEqual(
        outcomes.map((o) => o.kind),
        ['ignored', 'ignored', 'command', 'ignored', 'ignored'],
        'the first decision commands once 3 are fresh',
      );
      assert.deepStrictEqual(outcomes[2].command.sensors, ['s1', 's2', 's3']);
      assert.strictEqual(group.ledOn, false);
      feed(group, { s2: 40 }, 1);
      assert.strictEqual(group.ledOn, shadedSwitches, 'shaded');
      if (aggregation !== 'max') {
        feed(group, { s1: 50, s2: 45, s3: 60, s4: 55 }, 2);
        assert.strictEqual(group.ledOn, darkSwitches, 'most dark');
        if (!shadedSwitches) assert.strictEqual(group.current().seq, 2, 'one command for the flip');
      } else {
        feed(group, { s1: 50, s2: 45, s3: 60, s4: 55, s5: 70 }, 2);
        assert.strictEqual(group.ledOn, true, 'max needs every sensor dark');
      }
    });
  }

  it('quorum: says which fresh sensors were dark, and uses the band per sensor while on', function () {
    const group = new GroupEngine({ name: 'stadium', aggregation: 'quorum', quorum: 2, band: 50 });
    feed(group, { a: 900, b: 900, c: 900 }, 0);
    feed(group, { a: 100 }, 1);
    const on = feed(group, { b: 299 }, 2);
    assert.deepStrictEqual(
      [on.kind, on.command.led_on, on.command.dark, on.command.sensors],
      ['command', true, ['a', 'b'], ['a', 'b', 'c']],
    );
    assert.strictEqual(
      feed(group, { a: 340, b: 349 }, 3).reason,
      'unchanged',
      'inside the band they still count as dark',
    );
    const off = feed(group, { b: 350 }, 4);
    assert.deepStrictEqual([off.command.led_on, off.command.dark], [false, ['a']]);
  });

  it('median with band 50 and debounce 2: both edges', function () {
    const group = new GroupEngine({ name: 'g', band: 50, debounceReadings: 2, emit: 'every' });
    const leds = [
      [{ a: 400, b: 400, c: 400 }, 0],
      [{ a: 200, b: 200 }, 1],
      [{ c: 320 }, 2],
      [{ a: 360 }, 3],
      [{ b: 360 }, 4],
      [{ c: 360 }, 5],
    ].map(([readings, at]) => (feed(group, readings, at), group.ledOn));
    // Medians reading by reading: 400 | 400, 200 (asks on: 1) | 200 (2: on) | 320 (inside the band: stays on)
    // | 360 (asks off: 1) | 360 (2: off).
    assert.deepStrictEqual(leds, [false, false, true, true, true, false]);
  });

  it('ignores sensors not fresh; too few fresh sensors means no flip and a warning once', function () {
    const group = new GroupEngine({ name: 'g', freshnessMs: 10 * S, minFresh: 2 });
    const alone = feed(group, { a: 100 }, 0);
    assert.deepStrictEqual(
      [alone.reason, alone.health.fresh, alone.health.tooFew, alone.health.tooFewChanged],
      ['too-few', 1, true, true],
    );
    assert.strictEqual(group.ledOn, undefined, 'no decision without enough sensors');
    const two = feed(group, { b: 100 }, 5);
    assert.deepStrictEqual([two.kind, two.command.led_on, two.health.tooFewChanged], ['command', true, true]);
    const stale = feed(group, { b: 900 }, 12);
    assert.deepStrictEqual(
      [stale.reason, stale.health.fresh, stale.health.tooFewChanged],
      ['too-few', 1, true],
      'a went stale at 10 s',
    );
    assert.strictEqual(group.ledOn, true, 'no flip on too few');
    assert.strictEqual(feed(group, { b: 901 }, 13).health.tooFewChanged, false, 'the warning is given once');
    const back = feed(group, { a: 900 }, 14);
    assert.deepStrictEqual(
      [back.command.led_on, back.command.sensors, back.health.tooFewChanged],
      [false, ['a', 'b'], true],
    );
    const health = group.health(30 * S);
    assert.deepStrictEqual(
      [health.fresh, health.tooFew, health.tooFewChanged],
      [0, true, true],
      'silence is noticed without readings',
    );
  });

  it('only member sensors count: ids and * patterns', function () {
    const group = new GroupEngine({ name: 'g', members: 'north-*, s1  s2' });
    assert.strictEqual(group.observe('east-1', { light: 1 }, 0).reason, 'not-member');
    for (const id of ['north-1', 'north-', 's1', 's2'])
      assert.notStrictEqual(group.observe(id, { light: 1 }, 0).reason, 'not-member', id);
    assert.strictEqual(group.size, 4);
    const test = memberMatcher('a.b*');
    assert.deepStrictEqual(['a.b', 'a.bc', 'axb', 'a.'].map(test), [true, true, false, false], 'only * is special');
    assert.strictEqual(memberMatcher('')('anything'), true);
    for (const bad of ['a/b', '#', '+', '$x']) {
      assert.throws(
        () => memberMatcher(bad),
        (/** @type {import('../../dist/nodes/lib/errors').NightlightError} */ err) => err.code === 'bad-members',
        bad,
      );
    }
    assert.throws(
      () => new GroupEngine({ name: 'a/b' }),
      (/** @type {import('../../dist/nodes/lib/errors').NightlightError} */ err) => err.code === 'bad-device-id',
    );
  });

  it('replayed, duplicated and historical readings never flip the group backwards', function () {
    const group = new GroupEngine({ name: 'g', freshnessMs: 60 * S, maxAgeMs: 30 * S });
    const now = 1_000_000;
    group.observe('a', { light: 100, ts: now, seq: 5 }, now);
    assert.strictEqual(group.ledOn, true);
    assert.strictEqual(group.observe('a', { light: 900, ts: now - 5, seq: 4 }, now + 1).reason, 'stale');
    assert.strictEqual(group.observe('a', { light: 900, ts: now, seq: 5 }, now + 1).reason, 'stale');
    assert.strictEqual(group.observe('b', { light: 900, ts: now + 1, historical: true }, now + 2).reason, 'historical');
    assert.strictEqual(group.observe('c', { light: 900, ts: now - 40 * S }, now + 3).reason, 'historical');
    assert.strictEqual(group.ledOn, true);
    // Freshness of history goes by when it was taken: b (now) and c (40 s ago) are fresh, d (61 s ago) is not.
    group.observe('d', { light: 900, ts: now - 61 * S, historical: true }, now + 4);
    const live = group.observe('a', { light: 100, ts: now + 5 }, now + 5);
    assert.deepStrictEqual([live.health.fresh, live.health.known], [3, 4]);
    assert.strictEqual(group.ledOn, false, 'the live reading decides with the history it knows: median 900');
  });

  it('learns its command from the broker and refreshes the current one', function () {
    const group = new GroupEngine({ name: 'g' });
    assert.strictEqual(group.current(), undefined);
    assert.strictEqual(group.learn({ led_on: true, seq: 4, ts: 100 }), true);
    assert.strictEqual(feed(group, { a: 100 }, 0).reason, 'unchanged', 'no double send');
    assert.strictEqual(group.learn({ led_on: false, seq: 3, ts: 99 }), false);
    const flip = feed(group, { a: 900 }, 1);
    assert.deepStrictEqual([flip.command.seq, flip.command.ts], [5, 1000]);
    assert.deepStrictEqual(group.current(), { led_on: false, seq: 5, ts: 1000 });
  });

  it('bounds the sensors it holds and expires silent ones', function () {
    const group = new GroupEngine({ name: 'g', maxDevices: 2, expiryMs: 10 * S, freshnessMs: 0 });
    feed(group, { a: 100, b: 100, c: 100 }, 0);
    assert.deepStrictEqual([group.size, group.evictions], [2, 1]);
    feed(group, { c: 100 }, 8);
    assert.deepStrictEqual([feed(group, { c: 100 }, 11).health.fresh, group.expirations], [1, 1], 'b expired at 10 s');
  });
});
