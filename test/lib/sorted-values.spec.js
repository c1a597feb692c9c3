'use strict';
// The group's incremental structures on their own: sorted values with an exact running sum, and the lazy-deletion heap.
const assert = require('assert');
const { SortedValues, lowerBound } = require('../../dist/nodes/lib/sorted-values');
const { TimeHeap } = require('../../dist/nodes/lib/min-heap');
const { aggregate } = require('../support/oracles');
const { prng } = require('../support/hostile');

describe('SortedValues (lib/sorted-values)', function () {
  it('median, min, max and mean of a table, as the plain computation gives them', function () {
    for (const values of [[5, 1, 3], [4, 1, 3, 2], [7], [100, 100, 100, 100, 9000], [0.1, 0.2, 0.3]]) {
      const sorted = new SortedValues();
      for (const v of values) sorted.insert(v);
      const mean = sorted.exactMean();
      assert.deepStrictEqual(
        [sorted.median, sorted.min, sorted.max, mean ?? values.reduce((a, b) => a + b, 0) / values.length],
        ['median', 'min', 'max', 'mean'].map((a) => aggregate(a, [...values])),
        JSON.stringify(values),
      );
      assert.strictEqual(
        mean === undefined,
        values.some((v) => !Number.isInteger(v)),
        'the exact mean steps aside for fractions',
      );
    }
  });

  it('stays equal to a sorted copy through 5,000 random inserts and removes (repeated values, fractions)', function () {
    const random = prng(20261202);
    const sorted = new SortedValues();
    const copy = [];
    for (let i = 0; i < 5000; i++) {
      if (copy.length > 0 && random() < 0.45) {
        const v = copy[Math.floor(random() * copy.length)];
        copy.splice(copy.indexOf(v), 1);
        sorted.remove(v);
      } else {
        const v = random() < 0.2 ? Math.round(random() * 1000) / 8 : Math.floor(random() * 50);
        copy.push(v);
        sorted.insert(v);
      }
      assert.strictEqual(sorted.size, copy.length);
      if (copy.length === 0) continue;
      const s = [...copy].sort((a, b) => a - b);
      assert.deepStrictEqual(
        [sorted.min, sorted.max, sorted.median],
        [s[0], s.at(-1), aggregate('median', [...copy])],
        `step ${i}`,
      );
      const limit = Math.floor(random() * 60);
      assert.strictEqual(sorted.countBelow(limit), copy.filter((v) => v < limit).length);
      const mean = sorted.exactMean();
      if (copy.every(Number.isInteger))
        assert.strictEqual(mean, copy.reduce((a, b) => a + b, 0) / copy.length, `exact mean, step ${i}`);
      else assert.strictEqual(mean, undefined);
    }
    sorted.clear();
    assert.strictEqual(sorted.size, 0);
  });

  it('lowerBound finds the first value not below x', function () {
    assert.deepStrictEqual(
      [lowerBound([], 1), lowerBound([1, 2, 2, 3], 2), lowerBound([1, 2, 2, 3], 4), lowerBound([1, 2], 0)],
      [0, 1, 4, 0],
    );
  });
});

describe('TimeHeap (lib/min-heap)', function () {
  it('pops in time order whatever the push order, and reports Infinity when empty', function () {
    const random = prng(7);
    const heap = new TimeHeap();
    assert.strictEqual(heap.topAt, Infinity);
    const times = Array.from({ length: 2000 }, () => Math.floor(random() * 500));
    times.forEach((t, i) => heap.push(t, `item${i}`));
    const popped = [];
    while (heap.size > 0) {
      popped.push(heap.topAt);
      assert.strictEqual(typeof heap.topItem, 'string');
      heap.pop();
    }
    assert.deepStrictEqual(
      popped,
      [...times].sort((a, b) => a - b),
    );
    heap.pop();
    assert.strictEqual(heap.size, 0, 'popping an empty heap does nothing');
  });

  it('retain drops the entries that no longer stand for anything, and keeps the order of the rest', function () {
    const heap = new TimeHeap();
    const latest = new Map();
    for (let i = 0; i < 100; i++) {
      const item = `s${i % 10}`;
      heap.push(1000 - i, item);
      latest.set(item, 1000 - i);
    }
    heap.retain((at, item) => latest.get(item) === at);
    assert.strictEqual(heap.size, 10);
    const order = [];
    while (heap.size > 0) {
      order.push([heap.topAt, heap.topItem]);
      heap.pop();
    }
    assert.deepStrictEqual(
      order,
      [...latest].map(([item, at]) => [at, item]).sort((a, b) => a[0] - b[0]),
    );
  });
});
