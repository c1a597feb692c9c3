'use strict';
const assert = require('assert');
const { isAfter } = require('../../dist/nodes/lib/order');

describe('stream order (library)', function () {
  /** @type {[string, import('../../dist/nodes/lib/types').StreamPosition, import('../../dist/nodes/lib/types').StreamPosition | undefined, boolean][]} */
  const table = [
    ['nothing seen yet', { ts: 1, seq: 1 }, undefined, true],
    ['later ts', { ts: 2, seq: 1 }, { ts: 1, seq: 9 }, true],
    ['earlier ts (replay)', { ts: 1, seq: 9 }, { ts: 2, seq: 1 }, false],
    ['same ts, later seq', { ts: 5, seq: 3 }, { ts: 5, seq: 2 }, true],
    ['same ts and seq (duplicate)', { ts: 5, seq: 3 }, { ts: 5, seq: 3 }, false],
    ['same ts, no seq', { ts: 5 }, { ts: 5 }, false],
    ['device restarted: seq back to 1, clock went on', { ts: 100, seq: 1 }, { ts: 90, seq: 500 }, true],
    ['seq only, later', { seq: 4 }, { seq: 3 }, true],
    ['seq only, duplicate', { seq: 3 }, { seq: 3 }, false],
    ['seq only, older', { seq: 2 }, { seq: 3 }, false],
    ['lesson messages carry neither', {}, {}, true],
    ['lesson message after ours', {}, { ts: 5, seq: 3 }, true],
  ];
  for (const [name, next, last, expected] of table) {
    it(`${name} → ${expected ? 'new' : 'stale'}`, function () {
      assert.strictEqual(isAfter(next, last), expected);
    });
  }
});
