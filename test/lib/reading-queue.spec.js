'use strict';
const assert = require('assert');
const { ReadingQueue } = require('../../dist/nodes/lib/reading-queue');

/** A reading as the queue holds it; every fifth has no ts, every seventh no seq, every third a slot. */
function item(i) {
  const telemetry = { light: ((i * 37) % 1001) + 0.5 };
  if (i % 5) telemetry.ts = 1_700_000_000_000 + i;
  if (i % 7) telemetry.seq = i;
  return i % 3 ? { key: i, telemetry } : { key: i, telemetry, slot: i * 2 };
}

describe('the queue of readings not yet sent (lib/reading-queue)', function () {
  it('behaves like an array of readings used from both ends, through growing and shrinking, and gives each reading back as it came', function () {
    const queue = new ReadingQueue();
    const model = [];
    // A fixed pseudo-random sequence of operations, so a failure can be replayed.
    let x = 12345;
    const random = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20000; i++) {
      const r = random();
      // Phases: mostly growing, then mostly shrinking, so the ring doubles and halves.
      const grow = Math.floor(i / 5000) % 2 === 0 ? 0.7 : 0.3;
      if (r < grow / 2) (queue.pushBack(item(i)), model.push(item(i)));
      else if (r < grow) (queue.pushFront(item(i)), model.unshift(item(i)));
      else if (r < grow + (1 - grow) / 2) assert.deepStrictEqual(queue.popFront(), model.shift());
      else assert.deepStrictEqual(queue.popBack(), model.pop());
      assert.strictEqual(queue.length, model.length);
      assert.strictEqual(queue.frontKey, model[0]?.key);
      assert.strictEqual(queue.backKey, model.at(-1)?.key);
    }
    assert.deepStrictEqual(queue.toArray(), model);
    assert.deepStrictEqual([queue.keyAt(-1), queue.at(model.length)], [undefined, undefined]);
  });

  it('sets a slot in place, and is empty after clear', function () {
    const queue = new ReadingQueue(100);
    for (let i = 1; i <= 100; i++) queue.pushBack(item(i));
    queue.setSlot(0, 77);
    assert.strictEqual(queue.at(0).slot, 77);
    queue.clear();
    assert.deepStrictEqual(
      [queue.length, queue.popFront(), queue.popBack(), queue.frontKey],
      [0, undefined, undefined, undefined],
    );
  });
});
