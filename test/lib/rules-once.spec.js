'use strict';
// The rules and editor-field readers every node shares, each in one place (issue 13.4), and the clock check (issue 14.1).
const assert = require('assert');
const { DEFAULT_THRESHOLD, darkLimit, wantsOn } = require('../../dist/nodes/lib/rule');
const { numberOption, wholeOption, qosOption, choiceOption } = require('../../dist/nodes/lib/options');
const { checkClock, DEFAULT_MAX_SKEW_MS } = require('../../dist/nodes/lib/clock');
const { numberOption: runtimeNumber, qosOption: runtimeQos } = require('../../dist/nodes/shared/runtime');

describe('shared rules and options (lib/rule, lib/options, lib/clock)', function () {
  it('the dark limit with hysteresis', function () {
    assert.strictEqual(DEFAULT_THRESHOLD, 300);
    /** @type {[boolean | undefined, number][]} */
    const limits = [
      [undefined, 300],
      [false, 300],
      [true, 350],
    ];
    for (const [ledOn, expected] of limits) assert.strictEqual(darkLimit(ledOn, 300, 50), expected);
    assert.deepStrictEqual(
      [
        wantsOn(false, 320, 300, 50),
        wantsOn(true, 320, 300, 50),
        wantsOn(true, 350, 300, 50),
        wantsOn(undefined, 299.9, 300, 0),
      ],
      [false, true, false, true],
    );
  });

  it('numbers, whole numbers, QoS and choices from editor fields; the runtime re-exports the same functions', function () {
    for (const [value, expected] of [
      ['12.5', 12.5],
      [7, 7],
      ['', 9],
      [undefined, 9],
      ['-1', 9],
      ['x', 9],
      [Infinity, 9],
      ['3abc', 3],
    ])
      assert.strictEqual(numberOption(value, 9), expected, String(value));
    assert.deepStrictEqual([wholeOption('2.7', 5, 1), wholeOption('0', 5, 1), wholeOption('', 5, 1)], [2, 1, 5]);
    for (const [value, expected] of [
      ['0', 0],
      ['1', 1],
      ['2', 2],
      [2, 2],
      [' 2 ', 2],
      ['', 1],
      [undefined, 1],
      ['3', 1],
      [1.5, 1],
      [null, 1],
    ])
      assert.strictEqual(qosOption(value, 1), expected, String(value));
    assert.strictEqual(qosOption('', 0), 0);
    assert.deepStrictEqual([choiceOption('b', ['a', 'b'], 'a'), choiceOption('c', ['a', 'b'], 'a')], ['b', 'a']);
    assert.strictEqual(runtimeNumber, numberOption);
    assert.strictEqual(runtimeQos, qosOption);
  });

  it('the clock check: a ts more than the skew ahead is ts-ahead; no ts, a lagging clock, or a skew of 0 pass', function () {
    assert.strictEqual(DEFAULT_MAX_SKEW_MS, 300000);
    const now = 1_700_000_000_000;
    assert.throws(
      () => checkClock({ ts: now + 300001 }, now, 300000),
      (/** @type {import('../../dist/nodes/lib/errors').NightlightError} */ err) =>
        err.code === 'ts-ahead' && err.params.skew === 300 && err.params.ahead === 300,
    );
    assert.throws(() => checkClock({ ts: 8.64e15, seq: 1 }, now, 1000), { code: 'ts-ahead' });
    for (const position of [{}, { seq: 9 }, { ts: now + 300000 }, { ts: 0 }, { ts: now - 1e12 }])
      checkClock(position, now, 300000);
    checkClock({ ts: 8.64e15 }, now, 0);
  });
});
