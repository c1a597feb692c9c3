'use strict';
// Where the bench-sink node reports the messages that reach it. Shared through the
// module cache: the sink node and the in-process benchmark require this same file.
const sink = {
  count: 0,
  last: undefined,
  /** Called by the sink node for every message; `waiter` wakes the benchmark loop. */
  waiter: null,
  arrive(msg) {
    sink.count++;
    sink.last = msg;
    if (sink.waiter) sink.waiter();
  },
  reset() {
    sink.count = 0;
    sink.last = undefined;
    sink.waiter = null;
  },
};
module.exports = sink;
