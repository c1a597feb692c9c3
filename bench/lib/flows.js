'use strict';
// The flows both benchmarks build, so the broker and the in-process runs measure the same
// nodes: the lesson's server done with built-in nodes, with one function node, and the
// floor (one change node). `at` places a node on the benchmark's tab; `first` is the id of
// the flow's first node and `next` the node its commands go to.

/** The lesson's rule: the LED goes on below this light level. */
const THRESHOLD = 300;

/** One change node: `<id>/telemetry` becomes `<id>/commands`. All the floor does; the chain's first step. */
function retopic(at, first, next) {
  return at({
    id: first,
    type: 'change',
    rules: [{ t: 'change', p: 'topic', pt: 'msg', from: '/telemetry', fromt: 'str', to: '/commands', tot: 'str' }],
    wires: [[next]],
  });
}

/** What a user wires without us: change (topic) -> switch (light < 300) -> change (payload {led_on}). */
function builtInChain(at, first, next) {
  return [
    retopic(at, first, 'dark'),
    at({
      id: 'dark',
      type: 'switch',
      property: 'payload.light',
      propertyType: 'msg',
      rules: [{ t: 'lt', v: String(THRESHOLD), vt: 'num' }, { t: 'else' }],
      checkall: 'false',
      outputs: 2,
      wires: [['on'], ['off']],
    }),
    at({
      id: 'on',
      type: 'change',
      rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"led_on":true}', tot: 'json' }],
      wires: [[next]],
    }),
    at({
      id: 'off',
      type: 'change',
      rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"led_on":false}', tot: 'json' }],
      wires: [[next]],
    }),
  ];
}

/** The same job in one function node. */
function functionServer(at, first, next) {
  return at({
    id: first,
    type: 'function',
    func: `msg.topic = msg.topic.split('/')[0] + '/commands';\nmsg.payload = { led_on: msg.payload.light < ${THRESHOLD} };\nreturn msg;`,
    outputs: 1,
    wires: [[next]],
  });
}

module.exports = { THRESHOLD, retopic, builtInChain, functionServer };
