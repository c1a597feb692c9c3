'use strict';
const assert = require('assert');
const path = require('path');
const { Deque } = require(path.join(__dirname, '../../dist/nodes/lib/deque.js'));

describe('ring-buffer deque (lib/deque)', function () {
  it('behaves like an array used from both ends, through growing and shrinking', function () {
    const deque = new Deque();
    const model = [];
    // A fixed pseudo-random sequence of operations, so a failure can be replayed.
    let x = 12345;
    const random = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20000; i++) {
      const r = random();
      // Phases: mostly growing, then mostly shrinking, so the ring doubles and halves.
      const grow = Math.floor(i / 5000) % 2 === 0 ? 0.7 : 0.3;
      if (r < grow / 2) (deque.pushBack(i), model.push(i));
      else if (r < grow) (deque.pushFront(i), model.unshift(i));
      else if (r < grow + (1 - grow) / 2) assert.strictEqual(deque.popFront(), model.shift());
      else assert.strictEqual(deque.popBack(), model.pop());
      assert.strictEqual(deque.length, model.length);
      assert.strictEqual(deque.peekFront(), model[0]);
      assert.strictEqual(deque.peekBack(), model[model.length - 1]);
    }
    assert.deepStrictEqual(deque.toArray(), model);
    assert.strictEqual(deque.at(-1), undefined);
    assert.strictEqual(deque.at(model.length), undefined);
  });

  it('is empty after clear, and popping an empty deque gives undefined', function () {
    const deque = new Deque(100);
    for (let i = 0; i < 100; i++) deque.pushBack(i);
    deque.clear();
    assert.deepStrictEqual([deque.length, deque.popFront(), deque.popBack(), deque.peekFront()], [0, undefined, undefined, undefined]);
  });
});
