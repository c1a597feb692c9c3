'use strict';
// The device buffer benchmark (issue 14, point 4): light telemetry's controller, the
// library class the node wraps, with 100 and with 100,000 readings buffered. One step is
// what the node does for one reading while a backlog drains: the reading comes in, one
// message goes out, its completion comes back. The buffer stays at its size throughout.
// Variants: memory only, and with a context store (Node-RED's own memory store, every
// write the controller asks for carried out), each with live-first and chronological
// replay. Also the memory per buffered reading (JS heap and ArrayBuffers), after a full GC.
// Times are the best of the repeats (sizes alternate within each repeat).
// Needs --expose-gc:  node --expose-gc bench/buffer.js [--quick] [--json]
const path = require('path');
const { parseArgs, median } = require('./lib/common');

const LIB = path.join(__dirname, '..', 'dist', 'nodes', 'lib');
const { TelemetryController } = require(path.join(LIB, 'telemetry-controller.js'));
const { readTelemetryConfig } = require(path.join(LIB, 'telemetry-config.js'));
const memoryStore = require(
  path.dirname(require.resolve('@node-red/runtime/package.json')) + '/lib/nodes/context/memory.js',
);

const DOWN = {
  status: { fill: 'red', shape: 'ring', text: 'node-red:common.status.disconnected', source: { id: 'mout' } },
};
const UP = {
  status: { fill: 'green', shape: 'dot', text: 'node-red:common.status.connected', source: { id: 'mout' } },
};
const SCOPE = 'lt:flow';
// 1000 sends a second: the gap between two sends, stepped over by the clock below.
const GAP_MS = 1;

function gc() {
  if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
  global.gc();
  global.gc();
}

/** Heap plus ArrayBuffer memory (the queue's number columns live outside the JS heap). */
const heap = () => {
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

/** A controller holding `size` readings, taken while the link was down; `store`: a Node-RED memory context store, or null. */
function buffered(size, replay, store, { reconnect = true } = {}) {
  const config = {
    deviceId: 'dev',
    offline: 'all',
    capacity: 2 * size,
    rate: 1000 / GAP_MS,
    qos: '1',
    replay,
    store: store ? 'bench' : '',
  };
  const controller = new TelemetryController(readTelemetryConfig(config), 'lt', 'dev');
  const write = (reaction) => {
    if (store) for (const w of reaction.save) store.set(SCOPE, w.key, w.value);
    return reaction;
  };
  if (store) write(controller.restore(undefined, [], 0));
  let now = 1_700_000_000_000;
  write(controller.input(DOWN, now));
  for (let i = 0; i < size; i++) write(controller.input({ payload: 100 + (i % 800) }, (now += 1)));
  if (reconnect) write(controller.input(UP, now));
  return { controller, write, now: () => (now += GAP_MS) };
}

/** ns per step (a reading in, one message out, its completion back) with `size` buffered. */
function stepCost(size, replay, stored, steps) {
  const store = stored ? memoryStore({}) : null;
  const { controller, write, now } = buffered(size, replay, store);
  // One in, one out: the buffer keeps its size (its bound is twice that, so nothing is dropped).
  const step = (light) => {
    const t = now();
    const out = write(controller.input({ payload: light }, t)).send;
    for (const m of out) write(controller.input({ payload: m.payload, nightlight: m.nightlight }, t));
    return out.length;
  };
  for (let i = 0; i < Math.min(steps, 20_000); i++) step(200 + (i % 500)); // warm-up
  const before = controller.outbox.waiting + controller.outbox.pending;
  const start = process.hrtime.bigint();
  let sent = 0;
  for (let i = 0; i < steps; i++) sent += step(200 + (i % 500));
  const ns = Number(process.hrtime.bigint() - start) / steps;
  const after = controller.outbox.waiting + controller.outbox.pending;
  if (sent !== steps || Math.abs(after - before) > 1)
    throw new Error(`the buffer did not stay at ${size}: ${before} -> ${after}, ${sent} sent in ${steps} steps`);
  return ns;
}

/** Heap bytes per buffered reading with `size` buffered (the readings as the node makes them, with their bookkeeping). */
function bytesPerReading(size, stored) {
  const store = stored ? memoryStore({}) : null;
  const base = heap();
  const kept = buffered(size, 'live-first', store, { reconnect: false });
  const used = heap() - base;
  if (kept.controller.outbox.waiting !== size) throw new Error('not all buffered');
  return used / size;
}

function runBufferBench({ sizes = [100, 100_000], steps = 200_000, repeats = 5 } = {}, log = () => {}) {
  const variants = [
    { key: 'memory-live', label: 'in memory, live first', stored: false, replay: 'live-first' },
    { key: 'memory-chrono', label: 'in memory, chronological', stored: false, replay: 'chronological' },
    { key: 'store-live', label: 'with a context store, live first', stored: true, replay: 'live-first' },
    { key: 'store-chrono', label: 'with a context store, chronological', stored: true, replay: 'chronological' },
  ];
  const rows = [];
  for (const v of variants) {
    const samples = Object.fromEntries(sizes.map((s) => [s, []]));
    // Sizes alternate within each repeat, so a slow moment of the machine falls on both.
    for (let r = 0; r < repeats; r++)
      for (const size of sizes) samples[size].push(stepCost(size, v.replay, v.stored, steps));
    // The best of the repeats: on a shared machine the others measure the neighbours' load, not the buffer.
    const ns = Object.fromEntries(sizes.map((s) => [s, Math.min(...samples[s])]));
    const row = { key: v.key, label: v.label, ns, growth: ns[sizes[sizes.length - 1]] / ns[sizes[0]] };
    rows.push(row);
    log(`${v.label}: ${sizes.map((s) => `${s}: ${ns[s].toFixed(0)} ns`).join(', ')}, growth ${row.growth.toFixed(2)}x`);
  }
  const largest = sizes[sizes.length - 1];
  const memory = {
    size: largest,
    bytes: median([1, 2, 3].map(() => bytesPerReading(largest, false))),
    bytesStored: median([1, 2, 3].map(() => bytesPerReading(largest, true))),
  };
  log(
    `memory per buffered reading (${largest} buffered): ${memory.bytes.toFixed(0)} B in memory, ${memory.bytesStored.toFixed(0)} B with a context store`,
  );
  return { sizes, steps, repeats, rows, memory };
}

/** The Markdown table of a run. */
function formatBuffer(buffer) {
  const [small, large] = [buffer.sizes[0], buffer.sizes[buffer.sizes.length - 1]];
  const f = (x) => Number(x).toLocaleString('en-US', { maximumFractionDigits: 0 });
  const lines = [
    `| light telemetry, one reading in, one message out, its completion back | ns per reading, ${f(small)} buffered | ${f(large)} buffered | growth |`,
    '|---|---:|---:|---:|',
    ...buffer.rows.map((r) => `| ${r.label} | ${f(r.ns[small])} | ${f(r.ns[large])} | ${r.growth.toFixed(2)}x |`),
    '',
    `Memory per buffered reading (${f(buffer.memory.size)} buffered, JS heap and ArrayBuffers after a full GC): ${f(buffer.memory.bytes)} B in memory, ${f(buffer.memory.bytesStored)} B with a context store (its chunks hold the readings as objects). Times: best of ${buffer.repeats}.`,
  ];
  return lines.join('\n');
}

module.exports = { runBufferBench, formatBuffer };

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  const settings = args.quick ? { steps: 50_000, repeats: 1 } : {};
  const log = args.json ? () => {} : (line) => console.log(line);
  try {
    const result = runBufferBench(settings, log);
    if (args.json) console.log(JSON.stringify({ buffer: result }));
    else console.log('\n' + formatBuffer(result));
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
}
