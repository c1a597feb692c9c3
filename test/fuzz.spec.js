'use strict';
// Issue 7.1: every node, driven through the real Node-RED runtime with at least 10,000
// generated hostile messages interleaved with valid ones. Zero crashes; each hostile
// message reaches the Catch node exactly once with its specific error key; the valid
// messages give exactly the outputs they give without the hostile ones; no prototype
// pollution. The stream is seeded: the seed is printed, FUZZ_SEED replays it.
const assert = require('assert');
const { helper, ours, core, until, useServer, onTab } = require('./support/runtime');
const { fuzzSeed, NODES, stream } = require('./support/hostile');
const { prototypeSnapshot } = require('./support/pollution');

const HOSTILE = Number(process.env.FUZZ_COUNT) || 10000;
const MODULES = { 'light-telemetry': ours.lightTelemetry, 'nightlight-decide': ours.decide, 'led-command': ours.ledCommand };

function flow(type) {
  return onTab([
    { id: 'n', type, wires: [['out']], ...NODES[type].config },
    { id: 'out', type: 'helper' },
    { id: 'catch', type: 'catch', scope: ['n'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
    { id: 'complete', type: 'complete', scope: ['n'], uncaught: false, wires: [['completed']] },
    { id: 'completed', type: 'helper' },
  ]);
}

/**
 * Feeds `entries` to a fresh node and returns what came out: the comparable part of each
 * output, each caught error as [index, message, source], and the indexes that completed.
 * Only small records are kept (the Catch node receives a copy of megabyte payloads).
 */
async function run(type, entries) {
  await helper.load([MODULES[type], core.catch, core.complete], flow(type));
  const outputs = [];
  const caught = [];
  const completed = [];
  helper.getNode('out').on('input', (m) => outputs.push(JSON.stringify(NODES[type].comparable(m))));
  helper.getNode('caught').on('input', (m) => caught.push([m._fuzz, m.error.message, m.error.source.id]));
  helper.getNode('completed').on('input', (m) => completed.push(m._fuzz));
  const node = helper.getNode('n');
  const hostile = entries.filter((e) => e.code).length;
  for (let i = 0; i < entries.length; i++) {
    node.receive({ ...entries[i].msg, _fuzz: i });
    if (i % 250 === 0) await new Promise((r) => setImmediate(r));
  }
  await until(() => caught.length >= hostile && completed.length >= entries.length - hostile, 'every message handled', 30000);
  await new Promise((r) => setTimeout(r, 100));
  await helper.unload();
  return { outputs, caught, completed };
}

describe('fuzz: hostile messages through the runtime', function () {
  this.timeout(120000);
  useServer();

  for (const type of Object.keys(NODES)) {
    it(`${type}: ${HOSTILE} hostile messages are each refused once with their own error, valid ones are unaffected`, async function () {
      const seed = fuzzSeed(type);
      const entries = stream(type, seed, { hostile: HOSTILE });
      const valid = entries.filter((e) => !e.code);
      const before = prototypeSnapshot();

      const mixed = await run(type, entries);
      const clean = await run(type, valid);

      const expectedErrors = [];
      entries.forEach((e, i) => e.code && expectedErrors.push([i, `Error: nightlight.errors.${e.code}`, 'n']));
      const wrong = mixed.caught.filter((c, k) => JSON.stringify(c) !== JSON.stringify(expectedErrors[k]));
      if (wrong.length) {
        const [i] = wrong[0];
        assert.fail(`seed ${seed}: ${wrong.length} errors differ; first at #${i} (${entries[i].kind}): got ${wrong[0][1]}, expected ${entries[i].code}`);
      }
      assert.strictEqual(mixed.caught.length, expectedErrors.length, 'exactly one caught error per hostile message');
      assert.deepStrictEqual(mixed.completed, entries.map((e, i) => (e.code ? null : i)).filter((i) => i !== null), 'every valid message completed, no hostile one did');
      assert.ok(clean.outputs.length > 0, 'the valid messages produce output');
      assert.deepStrictEqual(mixed.outputs, clean.outputs, `seed ${seed}: valid messages give the same outputs with and without hostile ones`);
      assert.strictEqual(clean.caught.length, 0, 'valid messages alone raise no error');
      assert.deepStrictEqual(prototypeSnapshot(), before, 'no prototype was polluted');
    });
  }
});
