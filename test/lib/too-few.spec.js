'use strict';
// TooFewWarning: no warning about too few fresh sensors in the first freshness window
// after a start (the sensors have not reported yet); after it, one warning for each
// spell of too few. Time is an argument.
const assert = require('assert');
const { TooFewWarning } = require('../../dist/nodes/lib/too-few');

const S = 1000;

describe('TooFewWarning', function () {
  it('says nothing in the first freshness window after the start, then warns once if still too few', function () {
    const w = new TooFewWarning(100 * S, 10 * S);
    assert.strictEqual(w.starting(100 * S), true);
    assert.strictEqual(w.check(true, 100 * S), false, 'the first reading: 1 of 1 sensors');
    assert.strictEqual(w.check(true, 109.999 * S), false, 'still inside the window');
    assert.strictEqual(w.starting(110 * S), false);
    assert.strictEqual(w.check(true, 110 * S), true, 'the window is over and the group never filled up');
    assert.strictEqual(w.check(true, 111 * S), false, 'once');
  });

  it('no warning at all when enough sensors report within the window', function () {
    const w = new TooFewWarning(0, 10 * S);
    const warnings = [];
    // Example 4: six sensors, four needed, readings arriving one by one after the deploy.
    /** @type {[boolean, number][]} */
    const checks = [
      [true, 0.1],
      [true, 0.2],
      [true, 0.3],
      [false, 0.4],
      [false, 0.5],
      [false, 0.6],
      [false, 2],
      [false, 12],
      [false, 30],
    ];
    for (const [tooFew, at] of checks) {
      if (w.check(tooFew, at * S)) warnings.push(at);
    }
    assert.deepStrictEqual(warnings, []);
  });

  it('warns when sensors fall silent later, and again after they came back and fell silent again', function () {
    const w = new TooFewWarning(0, 10 * S);
    assert.strictEqual(w.check(false, 1 * S), false);
    assert.strictEqual(w.check(true, 20 * S), true, 'silent: too few');
    assert.strictEqual(w.check(true, 25 * S), false);
    assert.strictEqual(w.check(false, 30 * S), false, 'back');
    assert.strictEqual(w.check(true, 40 * S), true, 'silent again');
  });

  it('a spell of too few that starts in the window and lasts past it is warned about once, when the window ends', function () {
    const w = new TooFewWarning(0, 10 * S);
    assert.strictEqual(w.check(false, 2 * S), false);
    assert.strictEqual(w.check(true, 5 * S), false, 'inside the window');
    assert.strictEqual(w.check(true, 10 * S), true);
    assert.strictEqual(w.check(true, 15 * S), false);
  });

  it('without a freshness (0) there is no quiet start', function () {
    const w = new TooFewWarning(50 * S, 0);
    assert.strictEqual(w.starting(50 * S), false);
    assert.strictEqual(w.check(true, 50 * S), true);
  });

  it('a negative freshness is taken as none', function () {
    assert.strictEqual(new TooFewWarning(0, -5).check(true, 0), true);
  });
});
