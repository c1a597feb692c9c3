'use strict';
// RecentMap: bounded, least-recently-heard-first, with time as an argument. The map keeps
// its order in a list through the entries (O(1) per reading); these tests hold it to the
// plain rule a Map with delete-and-reinsert gives.
const assert = require('assert');
const { RecentMap, RecentEntry } = require('../../dist/nodes/lib/recent');
const { seededRandom } = require('../support/scale-out');

/** The rule, written the obvious way: a Map in last-heard order. */
class NaiveRecent {
  /**
   * @param {number} max
   * @param {number} expiryMs
   */
  constructor(max, expiryMs) {
    this.max = max;
    this.expiryMs = expiryMs;
    /** @type {Map<string, number>} last heard, by id, oldest first */
    this.entries = new Map();
    this.evicted = 0;
    this.expired = 0;
  }
  add(id, now) {
    if (this.entries.size >= this.max) {
      this.entries.delete(this.entries.keys().next().value);
      this.evicted += 1;
    }
    this.entries.set(id, now);
  }
  heard(id, now) {
    this.entries.delete(id);
    this.entries.set(id, now);
  }
  delete(id) {
    return this.entries.delete(id);
  }
  expire(now) {
    let gone = 0;
    if (this.expiryMs > 0) {
      for (const [id, lastSeen] of this.entries) {
        if (lastSeen + this.expiryMs > now) break;
        this.entries.delete(id);
        gone += 1;
      }
    }
    this.expired += gone;
    return gone;
  }
}

/** Applies `[op, id, at]` steps to a RecentMap; returns the forgotten ids (in order) and the results of expire. */
function run(map, steps) {
  const results = [];
  for (const [op, id, at] of steps) {
    if (op === 'expire') results.push(map.expire(at));
    else if (map.get(id)) map.heard(id, map.get(id), at);
    else map.add(id, new RecentEntry(at));
  }
  return results;
}

const ids = (map) => [...map].map(([id]) => id);

describe('RecentMap', function () {
  const table = [
    {
      what: 'the bound forgets the entry heard from longest ago, not the one added first',
      max: 3,
      expiryMs: 0,
      steps: [
        ['hear', 'a', 1],
        ['hear', 'b', 2],
        ['hear', 'c', 3],
        ['hear', 'a', 4],
        ['hear', 'd', 5],
      ],
      order: ['c', 'a', 'd'],
      evicted: 1,
    },
    {
      // A "second chance" queue (move a re-heard front entry to the back) would forget c here, not b.
      what: 'an entry re-heard long ago stays ahead of one added later',
      max: 3,
      expiryMs: 0,
      steps: [
        ['hear', 'a', 1],
        ['hear', 'b', 2],
        ['hear', 'a', 10],
        ['hear', 'b', 3.5],
        ['hear', 'c', 11],
        ['hear', 'a', 12],
        ['hear', 'd', 13],
      ],
      order: ['c', 'a', 'd'],
      evicted: 1,
    },
    {
      what: 'expiry forgets from the front while silent for at least the expiry, and stops at the first heard since',
      max: 10,
      expiryMs: 10,
      steps: [
        ['hear', 'a', 0],
        ['hear', 'b', 1],
        ['hear', 'c', 2],
        ['hear', 'a', 5],
        ['expire', '', 11],
        ['expire', '', 11.999],
        ['expire', '', 14.5],
      ],
      order: ['a'],
      expireResults: [1, 0, 1],
      expired: 2,
    },
    {
      what: 'an entry heard again is the newest, even when it was already the newest',
      max: 2,
      expiryMs: 0,
      steps: [
        ['hear', 'a', 1],
        ['hear', 'b', 2],
        ['hear', 'b', 3],
        ['hear', 'a', 4],
        ['hear', 'c', 5],
      ],
      order: ['a', 'c'],
      evicted: 1,
    },
  ];
  for (const t of table) {
    it(t.what, function () {
      const map = new RecentMap(t.max, t.expiryMs);
      const results = run(map, t.steps);
      assert.deepStrictEqual(ids(map), t.order);
      if (t.expireResults) assert.deepStrictEqual(results, t.expireResults);
      assert.strictEqual(map.evicted, t.evicted ?? 0);
      assert.strictEqual(map.expired, t.expired ?? 0);
      assert.strictEqual(map.size, t.order.length);
    });
  }

  it('tells its owner about every entry it forgets by bound or expiry, not on clear', function () {
    const forgotten = [];
    const map = new RecentMap(2, 10, (value) => forgotten.push(value.recentId));
    run(map, [
      ['hear', 'a', 0],
      ['hear', 'b', 1],
      ['hear', 'c', 2],
      ['expire', '', 11.5],
    ]);
    assert.deepStrictEqual(forgotten, ['a', 'b']);
    map.clear();
    assert.deepStrictEqual([forgotten.length, map.size, ids(map)], [2, 0, []]);
    run(map, [['hear', 'd', 20]]);
    assert.deepStrictEqual(ids(map), ['d'], 'usable after clear');
  });

  it('deletes one entry wherever it sits, without telling its owner; oldest is the front', function () {
    const forgotten = [];
    const map = new RecentMap(10, 0, (value) => forgotten.push(value.recentId));
    assert.strictEqual(map.oldest, undefined);
    run(map, [
      ['hear', 'a', 0],
      ['hear', 'b', 1],
      ['hear', 'c', 2],
      ['hear', 'd', 3],
    ]);
    assert.strictEqual(map.delete('b'), true);
    assert.strictEqual(map.delete('b'), false);
    assert.strictEqual(map.delete('a'), true);
    assert.strictEqual(map.delete('d'), true);
    assert.deepStrictEqual([ids(map), map.size, map.oldest.recentId, forgotten], [['c'], 1, 'c', []]);
    run(map, [
      ['hear', 'a', 4],
      ['hear', 'c', 5],
    ]);
    assert.deepStrictEqual([ids(map), map.oldest.recentId], [['a', 'c'], 'a']);
  });

  for (const seed of [6, 7, 8]) {
    it(`seed ${seed}: delete and oldest agree with delete-and-reinsert over 5,000 random steps`, function () {
      const random = seededRandom(seed);
      const map = new RecentMap(25, 50);
      const naive = new NaiveRecent(25, 50);
      let now = 0;
      for (let i = 0; i < 5_000; i += 1) {
        now += Math.floor(random() * 3);
        const id = 'd' + Math.floor(random() * 40);
        const r = random();
        if (r < 0.1) assert.strictEqual(map.expire(now), naive.expire(now), `expire at step ${i}`);
        else if (r < 0.25) assert.strictEqual(map.delete(id), naive.delete(id), `delete at step ${i}`);
        else if (map.get(id)) {
          map.heard(id, map.get(id), now);
          naive.heard(id, now);
        } else {
          map.add(id, new RecentEntry(now));
          naive.add(id, now);
        }
        assert.strictEqual(map.oldest?.recentId, naive.entries.keys().next().value, `oldest at step ${i}`);
        assert.strictEqual(map.size, naive.entries.size);
      }
      assert.deepStrictEqual(ids(map), [...naive.entries.keys()]);
    });
  }

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: the same order, evictions and expiries as delete-and-reinsert over 20,000 random steps`, function () {
      const random = seededRandom(seed);
      const max = 1 + Math.floor(random() * 40);
      const expiryMs = random() < 0.5 ? 0 : 5 + Math.floor(random() * 200);
      const map = new RecentMap(max, expiryMs);
      const naive = new NaiveRecent(max, expiryMs);
      let now = 0;
      for (let i = 0; i < 20_000; i += 1) {
        now += Math.floor(random() * 3);
        const id = 'd' + Math.floor(random() * 60);
        if (random() < 0.1) {
          assert.strictEqual(map.expire(now), naive.expire(now), `expire at step ${i}`);
        } else if (map.get(id)) {
          map.heard(id, map.get(id), now);
          naive.heard(id, now);
        } else {
          assert.strictEqual(naive.entries.has(id), false, `step ${i}: ${id} is held by one only`);
          map.add(id, new RecentEntry(now));
          naive.add(id, now);
        }
        if (i % 97 === 0) assert.deepStrictEqual(ids(map), [...naive.entries.keys()], `order at step ${i}`);
      }
      assert.deepStrictEqual(ids(map), [...naive.entries.keys()]);
      assert.deepStrictEqual([map.size, map.evicted, map.expired], [naive.entries.size, naive.evicted, naive.expired]);
      assert.ok(map.evicted + map.expired > 0, 'the run forgot something');
    });
  }
});
