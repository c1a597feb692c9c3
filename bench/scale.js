'use strict';
// The scale benchmark (issue 6, point 3): nightlight decide's engine, the library class
// the node wraps, tracking 10k, 100k and 1M devices. For each size: heap per tracked
// device (after a full GC, before and after the devices are added) and the cost of one
// reading once that many are tracked. If the group engine exists, the same for groups.
// Needs --expose-gc:  node --expose-gc bench/scale.js [--quick] [--json]
const fs = require('fs');
const path = require('path');
const { parseArgs, median } = require('./lib/common');

const LIB = path.join(__dirname, '..', 'dist', 'nodes', 'lib');
const HOT = 1000;

function gc() {
  if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
  global.gc();
  global.gc();
}

const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

/** Device ids as the node gets them from topics: short strings, one per device. */
function makeIds(n) {
  const ids = new Array(n);
  for (let i = 0; i < n; i++) ids[i] = `dev${String(i).padStart(7, '0')}`;
  return ids;
}

/** A fixed pseudo-random order (xorshift), so every size reads devices all over the map. */
function randomOrder(count, n) {
  const order = new Uint32Array(count);
  let x = 2463534242;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    order[i] = (x >>> 0) % n;
  }
  return order;
}

function timeReadings(engine, ids, seq, order, now) {
  const start = process.hrtime.bigint();
  let commands = 0;
  for (let i = 0; i < order.length; i++) {
    const d = order[i];
    const s = ++seq[d];
    // every reading flips the decision, as in the broker benchmark
    const outcome = engine.observe(ids[d], { light: s % 2 ? 100 : 900, seq: s }, now + i);
    if (outcome.kind === 'command') commands++;
  }
  const ns = Number(process.hrtime.bigint() - start);
  return { nsPerReading: ns / order.length, commands };
}

/**
 * The floor for any keyed state: a bare Map from the same ids to a small object, one
 * lookup and two field writes per reading, over the same order. What it costs at a size
 * is what the memory hierarchy charges for reaching one entry among that many.
 */
function timeBareMap(map, ids, order, now) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < order.length; i++) {
    const entry = map.get(ids[order[i]]);
    entry.light = i % 2 ? 100 : 900;
    entry.seen = now + i;
  }
  return Number(process.hrtime.bigint() - start) / order.length;
}

function measureDevices(DecisionEngine, n, { readings, repeats }) {
  const ids = makeIds(n);
  const seq = new Uint32Array(n);
  const order = randomOrder(readings, n);
  const now = Date.parse('2026-11-22T12:00:00Z');
  const idBytes = (() => {
    const before = heap();
    // Ids look the same at every size; measured over at least 100,000 of them so that heap
    // growth in whole pages does not show as 20 extra bytes per id at the small sizes.
    const copy = makeIds(Math.max(n, 100_000));
    const after = heap();
    return (after - before) / copy.length; // includes the array slot
  })();
  // Memory: below 100,000 devices, enough engines of this size to track about 100,000 in
  // all (each with its own Map), so that heap growth in whole pages is not read as bytes
  // per device. The first engine is the one timed below.
  const copies = Math.max(1, Math.round(100_000 / n));
  const copyIds = [ids];
  for (let c = 1; c < copies; c++) copyIds.push(ids.map((id) => `${id}-${c}`));
  const before = heap();
  const engines = copyIds.map((names) => {
    const e = new DecisionEngine({ maxDevices: n, emit: 'every', threshold: 300 });
    for (let i = 0; i < n; i++) e.observe(names[i], { light: 100, seq: 1 }, now);
    return e;
  });
  const after = heap();
  const engine = engines[0];
  engines.length = 0;
  copyIds.length = 0;
  for (let i = 0; i < n; i++) seq[i] = 1;
  if (engine.size !== n) throw new Error(`tracked ${engine.size} of ${n} devices`);
  const runs = [];
  for (let r = 0; r < repeats; r++) runs.push(timeReadings(engine, ids, seq, order, now + 1 + r * readings));
  // The same readings spread over a fixed 1,000 of the tracked devices: the cost with the
  // same working set, whatever the number tracked (separates the algorithm from the caches).
  const step = Math.max(1, Math.floor(n / HOT));
  const hot = order.map((d) => (d % Math.min(HOT, n)) * step);
  const hotRuns = [];
  const t = now + 1 + repeats * readings;
  for (let r = 0; r < repeats; r++) hotRuns.push(timeReadings(engine, ids, seq, hot, t + r * readings));
  // The same 1,000 devices' worth of readings, but over devices added one after another:
  // their state sits together in the heap. Against the spread-out 1,000 above, this
  // separates what the engine does per reading from where in memory the devices are.
  const near = order.map((d) => d % Math.min(HOT, n));
  const nearRuns = [];
  const t2 = t + repeats * readings;
  for (let r = 0; r < repeats; r++) nearRuns.push(timeReadings(engine, ids, seq, near, t2 + r * readings));
  // The same three orders through a bare Map (built after the engine is measured, so it
  // does not count in the engine's heap).
  const bare = new Map();
  for (let i = 0; i < n; i++) bare.set(ids[i], { light: 100, seen: now });
  const bareTime = (o) => median(Array.from({ length: repeats }, (_, r) => timeBareMap(bare, ids, o, now + r)));
  const mapFloor = {
    nsPerReading: bareTime(order),
    nsPerReadingHot: bareTime(hot),
    nsPerReadingHotNear: bareTime(near),
  };
  return {
    mapFloor,
    devices: n,
    heapBytesPerDevice: (after - before) / (n * copies),
    idBytesPerDevice: idBytes,
    engineCopies: copies,
    nsPerReading: median(runs.map((x) => x.nsPerReading)),
    nsPerReadingHot: median(hotRuns.map((x) => x.nsPerReading)),
    nsPerReadingHotNear: median(nearRuns.map((x) => x.nsPerReading)),
    readingsTimed: readings * repeats,
    commandsPerReading: runs[0].commands / readings,
  };
}

function measureGroup(GroupEngine, sensors, { readings, repeats }) {
  const ids = makeIds(sensors);
  const seq = new Uint32Array(sensors);
  const order = randomOrder(readings, sensors);
  const now = Date.parse('2026-11-22T12:00:00Z');
  const options = {
    name: 'stadium',
    members: '',
    aggregation: 'median',
    threshold: 300,
    maxDevices: Math.max(sensors, 1),
    freshnessMs: 60_000,
    minFresh: 1,
  };
  // Memory: enough groups of this size to hold about 100k sensors, so the heap difference is not noise.
  const copies = Math.max(1, Math.round(100_000 / sensors));
  const before = heap();
  const many = [];
  for (let c = 0; c < copies; c++) {
    const g = new GroupEngine({ ...options, name: `stadium${c}` });
    for (let i = 0; i < sensors; i++) g.observe(ids[i], { light: 100, seq: 1 }, now);
    many.push(g);
  }
  const after = heap();
  many.length = 0;
  const group = new GroupEngine(options);
  for (let i = 0; i < sensors; i++) group.observe(ids[i], { light: 100, seq: ++seq[i] }, now);
  const runs = [];
  for (let r = 0; r < repeats; r++) {
    const t = now + 1 + r * readings;
    const start = process.hrtime.bigint();
    for (let i = 0; i < order.length; i++) {
      const d = order[i];
      const s = ++seq[d];
      group.observe(ids[d], { light: s % 2 ? 100 : 900, seq: s }, t + i / 1000);
    }
    runs.push(Number(process.hrtime.bigint() - start) / order.length);
  }
  return {
    sensors,
    aggregation: options.aggregation,
    emit: 'change',
    heapBytesPerSensor: (after - before) / (sensors * copies),
    nsPerReading: median(runs),
  };
}

function runScaleBench(
  { sizes = [10_000, 100_000, 1_000_000], groupSizes = [10, 100, 1000], readings = 200_000, repeats = 3 } = {},
  log = () => {},
) {
  // The engine nightlight decide runs per device: with learning from the broker (scale-out.js) when the build has it.
  const sharedFile = path.join(LIB, 'scale-out.js');
  const DecisionEngine = fs.existsSync(sharedFile)
    ? require(sharedFile).SharedDecisionEngine
    : require(path.join(LIB, 'decide.js')).DecisionEngine;
  const devices = [];
  for (const n of sizes) {
    const row = measureDevices(DecisionEngine, n, { readings, repeats });
    devices.push(row);
    log(
      `  ${String(n).padStart(9)} devices: ${row.heapBytesPerDevice.toFixed(0)} B/device (+ ${row.idBytesPerDevice.toFixed(0)} B id string), ` +
        `${row.nsPerReading.toFixed(0)} ns/reading (all devices), ${row.nsPerReadingHot.toFixed(0)} ns/reading (1,000 active)`,
    );
  }
  let groups = null;
  const groupFile = path.join(LIB, 'group.js');
  if (fs.existsSync(groupFile) && require(groupFile).GroupEngine) {
    const { GroupEngine } = require(groupFile);
    groups = [];
    for (const g of groupSizes) {
      const row = measureGroup(GroupEngine, g, {
        readings: Math.max(1000, Math.floor(readings / Math.max(1, g / 10))),
        repeats,
      });
      groups.push(row);
      log(
        `  group of ${String(g).padStart(5)} sensors: ${row.heapBytesPerSensor.toFixed(0)} B/sensor, ${row.nsPerReading.toFixed(0)} ns/reading`,
      );
    }
  } else {
    log('  groups: no group engine in this build (dist/nodes/lib/group.js)');
  }
  const first = devices[0];
  const last = devices[devices.length - 1];
  return {
    settings: { sizes, groupSizes, readings, repeats },
    devices,
    groups,
    mapFloorGrowth: {
      nsPerReading: last.mapFloor.nsPerReading / first.mapFloor.nsPerReading,
      nsPerReadingHot: last.mapFloor.nsPerReadingHot / first.mapFloor.nsPerReadingHot,
      nsPerReadingHotNear: last.mapFloor.nsPerReadingHotNear / first.mapFloor.nsPerReadingHotNear,
    },
    growth: {
      nsPerReading: last.nsPerReading / first.nsPerReading,
      nsPerReadingHot: last.nsPerReadingHot / first.nsPerReadingHot,
      nsPerReadingHotNear: last.nsPerReadingHotNear / first.nsPerReadingHotNear,
      from: first.devices,
      to: last.devices,
    },
  };
}

module.exports = { runScaleBench };

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  const quick = Boolean(args.quick);
  const settings = quick ? { sizes: [1_000, 10_000], groupSizes: [10, 100], readings: 20_000, repeats: 1 } : {};
  const log = args.json ? () => {} : (line) => console.log(line);
  try {
    const result = runScaleBench(settings, log);
    if (args.json) console.log(JSON.stringify({ scale: result }));
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
}
