'use strict';
// Issue 7.3: a payload above a node's configured size is refused before it is decoded or
// parsed: a large invalid JSON gets `too-large`, never `not-json`, and JSON.parse never
// sees it. The limit counts UTF-8 bytes, for Buffers and strings alike.
const assert = require('assert');
const { helper, ours, core, until, useServer, onTab } = require('../support/runtime');

const MAX = 64;
const NODES = [
  ['light-telemetry', ours.lightTelemetry, { deviceId: 'dev', topic: '{id}/telemetry' }, { light: 1 }, 'a/telemetry'],
  ['nightlight-decide', ours.decide, {}, { light: 1 }, 'a/telemetry'],
  ['led-command', ours.ledCommand, {}, { led_on: true }, 'a/commands'],
];

function flow(type, config) {
  return onTab([
    { id: 'n', type, maxBytes: MAX, wires: [['out']], ...config },
    { id: 'out', type: 'helper' },
    { id: 'catch', type: 'catch', scope: ['n'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ]);
}

/** Counts JSON.parse calls on texts longer than `limit` while `fn` runs. */
async function countLargeParses(limit, fn) {
  const original = JSON.parse;
  let large = 0;
  JSON.parse = function (text, reviver) {
    if (typeof text === 'string' && Buffer.byteLength(text) > limit) large++;
    return original.call(this, text, reviver);
  };
  try {
    await fn();
  } finally {
    JSON.parse = original;
  }
  return large;
}

describe('input size limits (maxBytes)', function () {
  useServer();

  for (const [type, module, config, valid, topic] of NODES) {
    it(`${type}: refuses payloads above maxBytes as too-large before parsing, accepts one at the limit`, async function () {
      await helper.load([module, core.catch], flow(type, config));
      const caught = [];
      const outputs = [];
      helper.getNode('caught').on('input', (m) => caught.push([m.tag, m.error.message]));
      helper.getNode('out').on('input', (m) => outputs.push(m));
      const node = helper.getNode('n');

      const atLimit = JSON.stringify({ ...valid, p: '' }).replace(
        '""',
        `"${'x'.repeat(MAX - JSON.stringify({ ...valid, p: '' }).length)}"`,
      );
      assert.strictEqual(Buffer.byteLength(atLimit), MAX);
      const invalidOver = '{' + '"'.repeat(MAX); // invalid JSON, MAX + 1 bytes
      const invalidUnder = '{' + '"'.repeat(MAX - 2);
      const multibyteOver = JSON.stringify({ ...valid, p: 'é'.repeat(MAX / 2) }); // fewer characters than MAX, more bytes
      assert.ok(multibyteOver.length <= MAX && Buffer.byteLength(multibyteOver) > MAX);
      const cases = [
        ['invalid string over', invalidOver, 'too-large'],
        ['invalid Buffer over', Buffer.from(invalidOver), 'too-large'],
        ['garbage Buffer over', Buffer.alloc(MAX + 1, 0xff), 'too-large'],
        ['valid JSON over', JSON.stringify({ ...valid, p: 'x'.repeat(MAX) }), 'too-large'],
        ['multibyte string over', multibyteOver, 'too-large'],
        ['multibyte Buffer over', Buffer.from(multibyteOver), 'too-large'],
        ['invalid string under', invalidUnder, 'not-json'],
        ['invalid Buffer under', Buffer.from(invalidUnder), 'not-json'],
        ['valid at the limit', atLimit, null],
        ['valid Buffer at the limit', Buffer.from(atLimit), null],
      ];
      const large = await countLargeParses(MAX, async () => {
        for (const [tag, payload] of cases) node.receive({ topic, payload, tag });
        await until(() => caught.length === cases.filter((c) => c[2]).length, 'every refusal');
        await until(() => outputs.length >= 1, 'the output of the valid payloads');
      });
      assert.deepStrictEqual(
        caught,
        cases.filter((c) => c[2]).map(([tag, , code]) => [tag, `Error: nightlight.errors.${code}`]),
      );
      assert.strictEqual(large, 0, 'JSON.parse never saw a text above the limit');
    });
  }
});
