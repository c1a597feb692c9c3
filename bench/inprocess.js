'use strict';
// The in-process benchmark (issue 6, point 2): no broker, no network. A real Node-RED
// runtime in this process runs one small flow at a time: the node (or built-in nodes)
// under test wired to a counting sink. Messages go in through node.receive() in a
// tight async loop with a bounded number in flight; the sink counts what comes out.
// Cases alternate inside each round; the result is the median messages per second.
//
//   node bench/inprocess.js [--quick] [--rounds N] [--ms T] [--cases a,b] [--tracked N] [--json]
const { performance } = require('perf_hooks');
const { parseArgs, median, versions, machine } = require('./lib/common');
const { startRuntime } = require('./lib/nodered');
const sink = require('./lib/sink');
const { THRESHOLD, retopic, builtInChain, functionServer } = require('./lib/flows');

/** Devices tracked in the "devices tracked" cases, unless `--tracked` says otherwise (`--quick`: 20,000). */
const TRACKED = 1_000_000;
const DEVICES = 10;

const ids = Array.from({ length: DEVICES }, (_, i) => `bench${String(i).padStart(2, '0')}`);

/** Telemetry as `mqtt in` (parsed JSON) delivers it; every reading flips the decision. */
function telemetryMaker() {
  const seq = new Array(DEVICES).fill(0);
  let n = 0;
  return () => {
    const d = n++ % DEVICES;
    const s = ++seq[d];
    return { topic: `${ids[d]}/telemetry`, payload: { light: s % 2 ? 100 : 900, seq: s }, qos: 0, retain: false };
  };
}

/** Telemetry as `mqtt in` set to deliver a Buffer (our node parses it). */
function bufferTelemetryMaker() {
  const make = telemetryMaker();
  return () => {
    const msg = make();
    msg.payload = Buffer.from(JSON.stringify(msg.payload));
    return msg;
  };
}

/** Sensor readings as a device flow produces them: a number. */
function readingMaker() {
  let n = 0;
  return () => ({ payload: n++ % 2 ? 100 : 900 });
}

/** Commands as `mqtt in` (parsed JSON) delivers them; every one changes the LED. */
function commandMaker() {
  let n = 0;
  return () => ({ topic: 'bench00/commands', payload: { led_on: n++ % 2 === 0 } });
}

/**
 * Telemetry over `tracked` devices, for the whole decide node at scale: `fill` gives each
 * device its first reading (the node then tracks them all); the maker itself reads
 * `active` devices spread evenly over them, or, when `active` is 0, devices in a fixed
 * pseudo-random order over all of them. Every reading flips its device's decision.
 */
function trackedMaker(tracked, active) {
  const seq = new Uint32Array(tracked);
  const topics = [];
  const topic = (d) => topics[d] || (topics[d] = `dev${String(d).padStart(7, '0')}/telemetry`);
  const step = active ? Math.max(1, Math.floor(tracked / active)) : 0;
  let n = 0;
  let x = 2463534242;
  const reading = (d) => {
    const s = ++seq[d];
    return { topic: topic(d), payload: { light: s % 2 ? 100 : 900, seq: s }, qos: 0, retain: false };
  };
  const make = () => {
    if (active) return reading(((n++ % active) * step) % tracked);
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return reading((x >>> 0) % tracked);
  };
  let next = 0;
  make.fill = () => reading(next++ % tracked);
  make.tracked = tracked;
  return make;
}

const at = (n) => ({ z: 'bench', x: 100, y: 100, ...n });
const SINK = at({ id: 'sink', type: 'bench-sink', wires: [] });
/** Our server node as the benchmark runs it (emit every, so every reading answers), with `extra` settings. */
const decide = (extra) =>
  at({
    id: 'entry',
    type: 'nightlight-decide',
    threshold: String(THRESHOLD),
    emit: 'every',
    qos: '1',
    retain: true,
    wires: [['sink']],
    ...extra,
  });

/**
 * Each group compares one of our nodes with the built-in nodes a user would wire for
 * the same job. `entry` is the node messages are given to; every flow ends in the sink.
 */
const GROUPS = [
  {
    group: 'nightlight decide',
    cases: [
      {
        key: 'decide-ours',
        label: 'nightlight decide (emit every)',
        ours: true,
        make: telemetryMaker,
        nodes: [decide()],
      },
      {
        key: 'decide-ours-change',
        label: 'nightlight decide (emit change)',
        ours: true,
        make: telemetryMaker,
        nodes: [decide({ emit: 'change' })],
      },
      {
        key: 'decide-ours-buffer',
        label: 'nightlight decide (emit every), Buffer payload',
        ours: true,
        make: bufferTelemetryMaker,
        nodes: [decide()],
      },
      {
        key: 'decide-chain',
        label: 'built-in chain: change -> switch -> change',
        baseline: true,
        make: telemetryMaker,
        nodes: builtInChain(at, 'entry', 'sink'),
      },
      {
        // Not a decision: the least one node costs in this runtime, the bound for any single node.
        key: 'decide-floor',
        label: "Node-RED's floor: one change node (set topic), no decision",
        make: telemetryMaker,
        nodes: [retopic(at, 'entry', 'sink')],
      },
      {
        key: 'decide-function',
        label: 'one function node',
        make: telemetryMaker,
        nodes: [functionServer(at, 'entry', 'sink')],
      },
    ],
  },
  {
    // The cost of a message through the whole node (Node-RED's delivery included) as the
    // number of devices tracked grows; bench/scale.js measures the engine alone.
    group: 'nightlight decide, devices tracked (ratio: to 10 tracked)',
    cases: [
      {
        key: 'tracked-10',
        label: '10 devices tracked',
        baseline: true,
        make: () => trackedMaker(10, 10),
        nodes: [decide()],
      },
      {
        key: 'tracked-1m-active',
        label: '{tracked} tracked, readings from 1,000 of them',
        ours: true,
        make: ({ tracked }) => trackedMaker(tracked, 1000),
        nodes: [decide({ maxDevices: String(TRACKED) })],
      },
      {
        key: 'tracked-1m-all',
        label: '{tracked} tracked, readings from any of them',
        make: ({ tracked }) => trackedMaker(tracked, 0),
        nodes: [decide({ maxDevices: String(TRACKED) })],
      },
    ],
  },
  {
    group: 'light telemetry',
    cases: [
      {
        key: 'telemetry-ours',
        label: 'light telemetry',
        ours: true,
        make: readingMaker,
        nodes: [
          at({
            id: 'entry',
            type: 'light-telemetry',
            deviceId: 'bench00',
            deviceIdType: 'str',
            topic: '{id}/telemetry',
            qos: '0',
            retain: false,
            wires: [['sink']],
          }),
        ],
      },
      {
        key: 'telemetry-chain',
        label: 'built-in: change (topic, payload {light, ts} by JSONata, qos, retain)',
        baseline: true,
        make: readingMaker,
        nodes: [
          at({
            id: 'entry',
            type: 'change',
            rules: [
              { t: 'set', p: 'payload', pt: 'msg', to: '{"light": payload, "ts": $millis()}', tot: 'jsonata' },
              { t: 'set', p: 'topic', pt: 'msg', to: 'bench00/telemetry', tot: 'str' },
              { t: 'set', p: 'qos', pt: 'msg', to: '0', tot: 'num' },
              { t: 'set', p: 'retain', pt: 'msg', to: 'false', tot: 'bool' },
            ],
            wires: [['sink']],
          }),
        ],
      },
      {
        key: 'telemetry-function',
        label: 'one function node (with seq in context)',
        make: readingMaker,
        nodes: [
          at({
            id: 'entry',
            type: 'function',
            func:
              "const seq = (context.get('seq') || 0) + 1;\ncontext.set('seq', seq);\n" +
              "msg.payload = { light: Number(msg.payload), ts: Date.now(), seq };\nmsg.topic = 'bench00/telemetry';\nmsg.qos = 0;\nmsg.retain = false;\nreturn msg;",
            outputs: 1,
            wires: [['sink']],
          }),
        ],
      },
    ],
  },
  {
    group: 'LED command',
    cases: [
      {
        key: 'led-ours',
        label: 'LED command (emit change)',
        ours: true,
        make: commandMaker,
        nodes: [at({ id: 'entry', type: 'led-command', format: 'boolean', emit: 'change', wires: [['sink']] })],
      },
      {
        key: 'led-chain',
        label: 'built-in: change (payload.led_on) -> filter (on change)',
        baseline: true,
        make: commandMaker,
        nodes: [
          at({
            id: 'entry',
            type: 'change',
            rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'payload.led_on', tot: 'msg' }],
            wires: [['rbe']],
          }),
          at({
            id: 'rbe',
            type: 'rbe',
            func: 'rbe',
            gap: '',
            start: '',
            inout: 'out',
            septopics: true,
            property: 'payload',
            topi: 'topic',
            wires: [['sink']],
          }),
        ],
      },
      {
        key: 'led-function',
        label: 'one function node (remembers the last state)',
        make: commandMaker,
        nodes: [
          at({
            id: 'entry',
            type: 'function',
            func: "const on = msg.payload.led_on === true;\nif (context.get('on') === on) return null;\ncontext.set('on', on);\nreturn { payload: on, led_on: on };",
            outputs: 1,
            wires: [['sink']],
          }),
        ],
      },
    ],
  },
];

/**
 * Pushes messages into `entry` for `ms` milliseconds (after `warmMs`), never more than
 * `window` unanswered, and returns outputs per second as the sink counted them.
 */
async function pump(entry, make, { ms, warmMs, window }) {
  sink.reset();
  let sent = 0;
  const run = async (duration) => {
    const start = performance.now();
    const startCount = sink.count;
    while (performance.now() - start < duration) {
      while (sent - sink.count < window) {
        entry.receive(make());
        sent++;
      }
      await new Promise((resolve) => {
        sink.waiter = () => {
          if (sent - sink.count <= window / 2) {
            sink.waiter = null;
            resolve();
          }
        };
      });
    }
    return ((sink.count - startCount) * 1000) / (performance.now() - start);
  };
  await run(warmMs);
  const rate = await run(ms);
  // let the last messages land before the flow is replaced
  await new Promise((resolve) => {
    if (sink.count >= sent) return resolve();
    sink.waiter = () => sink.count >= sent && resolve();
  });
  sink.reset();
  return rate;
}

/** Gives every device of a `trackedMaker` its first reading, so the node tracks them all. */
async function fill(entry, make, window) {
  sink.reset();
  let sent = 0;
  while (sent < make.tracked) {
    while (sent < make.tracked && sent - sink.count < window) {
      entry.receive(make.fill());
      sent++;
    }
    await new Promise((resolve) => {
      sink.waiter = () => {
        if (sent - sink.count <= window / 2 || sink.count >= sent) {
          sink.waiter = null;
          resolve();
        }
      };
    });
  }
  await new Promise((resolve) => {
    if (sink.count >= sent) return resolve();
    sink.waiter = () => sink.count >= sent && resolve();
  });
  sink.reset();
}

async function runInProcessBench(
  { rounds = 3, ms = 1500, warmMs = 300, window = 200, cases, tracked = TRACKED } = {},
  log = () => {},
) {
  const chosen = GROUPS.map((g) => ({ ...g, cases: g.cases.filter((c) => !cases || cases.includes(c.key)) })).filter(
    (g) => g.cases.length,
  );
  const runtime = await startRuntime({ withSink: true });
  const samples = {};
  try {
    // Round -1 is a warm-up that is not recorded: the runtime loads some of its parts
    // (message catalogs, node code paths) lazily, and the first case would pay for them.
    for (let round = -1; round < rounds; round++) {
      for (const g of chosen) {
        const order = g.cases.map((_, i) => g.cases[(i + Math.max(0, round)) % g.cases.length]);
        for (const c of order) {
          await runtime.deploy(
            [{ id: 'bench', type: 'tab', label: 'bench' }, ...c.nodes, SINK],
            c.nodes.map((n) => n.id).concat('sink'),
          );
          const entry = runtime.RED.nodes.getNode('entry');
          if (!entry) throw new Error(`${c.key}: the flow did not start (is the package built?)`);
          const make = c.make({ tracked });
          if (make.fill) await fill(entry, make, window);
          if (round < 0) {
            await pump(entry, make, { ms: warmMs, warmMs: 0, window });
            continue;
          }
          const rate = await pump(entry, make, { ms, warmMs, window });
          (samples[c.key] = samples[c.key] || []).push(rate);
          log(`  round ${round + 1} ${g.group.padEnd(18)} ${c.key.padEnd(20)} ${Math.round(rate)} msg/s`);
        }
      }
    }
  } finally {
    await runtime.deploy([]);
    await runtime.stop();
  }
  const result = chosen.map((g) => {
    const baseline = g.cases.find((c) => c.baseline);
    const base = baseline ? median(samples[baseline.key]) : NaN;
    return {
      group: g.group,
      cases: g.cases.map((c) => {
        const perSecond = median(samples[c.key]);
        return {
          key: c.key,
          label: c.label.replace('{tracked}', tracked.toLocaleString('en-US')),
          ours: Boolean(c.ours),
          baseline: Boolean(c.baseline),
          perSecond,
          vsBuiltIn: perSecond / base,
          samples: samples[c.key],
        };
      }),
    };
  });
  return { settings: { rounds, ms, warmMs, window, tracked }, groups: result };
}

function formatInProcess(result) {
  const lines = ['| node | equivalent | messages/s (median) | vs built-in |', '|---|---|---:|---:|'];
  for (const g of result.groups) {
    for (const c of g.cases) {
      lines.push(
        `| ${g.group} | ${c.label} | ${Math.round(c.perSecond).toLocaleString('en-US')} | ${c.vsBuiltIn.toFixed(2)}x |`,
      );
    }
  }
  return lines.join('\n');
}

module.exports = { runInProcessBench, formatInProcess, GROUPS };

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  const quick = Boolean(args.quick);
  const settings = {
    rounds: Number(args.rounds) || (quick ? 1 : 3),
    ms: Number(args.ms) || (quick ? 300 : 1500),
    warmMs: quick ? 100 : 300,
    cases: args.cases ? String(args.cases).split(',') : undefined,
    tracked: Number(args.tracked) || (quick ? 20_000 : TRACKED),
  };
  const log = args.json ? () => {} : (line) => console.log(line);
  runInProcessBench(settings, log).then(
    (result) => {
      if (args.json) console.log(JSON.stringify({ versions: versions(), machine: machine(), inprocess: result }));
      else console.log('\n' + formatInProcess(result));
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
