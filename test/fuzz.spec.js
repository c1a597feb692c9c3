'use strict';
// Issue 7.1: every node, driven through the real Node-RED runtime with at least 10,000
// generated hostile messages interleaved with valid ones. Zero crashes; each hostile
// message reaches the Catch node exactly once with its specific error key; the valid
// messages give exactly the outputs they give without the hostile ones; no prototype
// pollution. The stream is seeded: the seed is printed, FUZZ_SEED replays it.
const assert = require('assert');
const { helper, ours, core, until, useServer, onTab } = require('./support/runtime');
const { fuzzSeed, Gen, NODES, stream } = require('./support/hostile');
const { prototypeSnapshot } = require('./support/pollution');

const HOSTILE = Number(process.env.FUZZ_COUNT) || 10000;
const MODULES = {
  'light-telemetry': ours.lightTelemetry,
  'nightlight-decide': ours.decide,
  'led-command': ours.ledCommand,
};

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
  await until(
    () => caught.length >= hostile && completed.length >= entries.length - hostile,
    'every message handled',
    30000,
  );
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
        assert.fail(
          `seed ${seed}: ${wrong.length} errors differ; first at #${i} (${entries[i].kind}): got ${wrong[0][1]}, expected ${entries[i].code}`,
        );
      }
      assert.strictEqual(mixed.caught.length, expectedErrors.length, 'exactly one caught error per hostile message');
      assert.deepStrictEqual(
        mixed.completed,
        entries.map((e, i) => (e.code ? null : i)).filter((i) => i !== null),
        'every valid message completed, no hostile one did',
      );
      assert.ok(clean.outputs.length > 0, 'the valid messages produce output');
      assert.deepStrictEqual(
        mixed.outputs,
        clean.outputs,
        `seed ${seed}: valid messages give the same outputs with and without hostile ones`,
      );
      assert.strictEqual(clean.caught.length, 0, 'valid messages alone raise no error');
      assert.deepStrictEqual(prototypeSnapshot(), before, 'no prototype was polluted');
    });
  }
});

// Issue 14.1: clocks that lie. A `ts` far ahead of the receiving node's clock (forged, or a
// device clock gone wrong) is refused with ts-ahead and never moves a device's position:
// the genuine messages around it give exactly the outputs they give without it. Far-past
// `ts` and huge `seq` values (with a `ts`, which orders first) are taken like any other.
const SKEW_MS = 5 * 60_000;
const CLOCKS = {
  'nightlight-decide': {
    body: (g) => ({ light: g.int(0, 700) }),
    topic: (id) => `${id}/telemetry`,
    ids: ['kitchen', 'hall', 'porch'],
  },
  'led-command': {
    body: (g) => ({ led_on: g.chance(0.5) }),
    topic: () => 'fuzz-device/commands',
    ids: ['fuzz-device'],
  },
};

/** A seeded stream of valid messages (increasing ts from `base`), far-past ones, and far-future ones (the hostile). */
function clockStream(type, seed, base, count) {
  const g = new Gen(seed);
  const spec = CLOCKS[type];
  const entries = [];
  let step = 0;
  for (let i = 0; i < count; i++) {
    const id = g.pick(spec.ids);
    const body = spec.body(g);
    const roll = g.random();
    let code = null;
    if (roll < 0.4) {
      code = 'ts-ahead';
      body.ts = g.pick([8.64e15, base + 1e12, base + SKEW_MS + 60_000 + g.int(0, 1e9), 4102444800000 + g.int(0, 1e6)]);
      if (g.chance(0.5)) body.seq = g.pick([Number.MAX_SAFE_INTEGER, 2 ** 40, g.int(0, 1e6)]);
    } else if (roll < 0.55) {
      // A clock far behind (the epoch, a year 2001 clock) with any seq: accepted, and after the first reading of a device, stale.
      body.ts = g.pick([0, 1, g.int(0, 1e9), 978307200000 + g.int(0, 1e6)]);
      if (g.chance(0.5)) body.seq = g.pick([Number.MAX_SAFE_INTEGER, 0, g.int(0, 1e6)]);
    } else {
      step += 1;
      body.ts = base + step;
      body.seq = step;
    }
    const payload = g.pick([body, JSON.stringify(body), Buffer.from(JSON.stringify(body))]);
    entries.push({ msg: { topic: spec.topic(id), payload }, code, kind: 'clock' });
  }
  return entries;
}

describe('fuzz: far-future and far-past ts/seq through the runtime', function () {
  this.timeout(120000);
  useServer();
  const COUNT = Math.max(1000, Math.floor(HOSTILE / 5));

  for (const type of Object.keys(CLOCKS)) {
    it(`${type}: ${COUNT} messages, a ts far ahead refused with ts-ahead, the rest as without them`, async function () {
      const seed = fuzzSeed(`${type} clocks`);
      const entries = clockStream(type, seed, Date.now(), COUNT);
      const mixed = await run(type, entries);
      const clean = await run(
        type,
        entries.filter((e) => !e.code),
      );
      const expectedErrors = [];
      entries.forEach((e, i) => e.code && expectedErrors.push([i, 'Error: nightlight.errors.ts-ahead', 'n']));
      assert.ok(expectedErrors.length > 0 && expectedErrors.length < entries.length);
      assert.deepStrictEqual(
        mixed.caught,
        expectedErrors,
        `seed ${seed}: each far-future message refused once with ts-ahead`,
      );
      assert.deepStrictEqual(
        mixed.completed,
        entries.map((e, i) => (e.code ? null : i)).filter((i) => i !== null),
        'every other message completed',
      );
      assert.ok(clean.outputs.length > 0, 'the genuine messages produce output');
      assert.deepStrictEqual(mixed.outputs, clean.outputs, `seed ${seed}: the far-future messages moved nothing`);
    });
  }
});
