'use strict';
// The capacity benchmark (issue 16): how many nightlights, each sending one reading every
// 5 s, one server answers with p99 reading-to-command latency at or under 50 ms and no
// command lost. For each server and each device count N (stepping up until it fails):
// a fresh Mosquitto on a free loopback port, the server in a process of its own, then
// load-generator processes (bench/capacity-loadgen.js) playing N device ids on an even
// schedule. Run as part of `npm run bench` (`--only capacity`) or alone:
//
//   node bench/capacity.js [--steps 1000,5000,...] [--variants example,chain,...]
//                          [--warm 5] [--measure 15] [--period 5] [--json]
//
// Servers ("variants"):
//   example             the server flow of examples/03-server-many-devices.json in Node-RED
//   example-1core       the same with the server pinned to core 0 (taskset -c 0): an
//                       approximation of a Raspberry Pi's budget. Mosquitto and the load
//                       generator are not pinned (pinned to the other core, they waited
//                       there behind the machine's other work), so they may also take
//                       time on core 0: if anything, the server has less than one core
//   decide-qos0         Node-RED: mqtt in -> nightlight decide -> mqtt out in the lesson's
//                       wire format (QoS 0, unretained, no feedback subscription): the
//                       same job as the chain and the Python server, done by our node
//   chain               Node-RED built-in nodes: mqtt in -> change -> switch -> change -> mqtt out
//   lesson-python       the lesson's Python server (paho-mqtt), bench/lesson-server.py
//   chain-1core, lesson-python-1core   optional, the same pinned (only with --variants)
const fs = require('fs');
const os = require('os');
const path = require('path');
const { fork, spawn, execFileSync } = require('child_process');
const mqtt = require('mqtt');
const {
  HOST,
  startMosquitto,
  peakRss,
  cpuSeconds,
  percentile,
  parseArgs,
  versions,
  machine,
  sleep,
} = require('./lib/common');

const P99_BOUND_MS = 50;
/** The generator kept its schedule when its p99 lag is under this (ms)... */
const LAG_BOUND_MS = 10;
/** ...and none of its processes used more than this share of a core. */
const LOADGEN_CPU_BOUND = 0.9;
/** A server whose threads waited longer than this for a core (s per s) was held back by the machine. */
const SERVER_WAIT_BOUND = 0.1;
/** Readings per second one load-generator process is given at most. */
const READINGS_PER_LOADGEN = 7500;

const VARIANTS = [
  { key: 'example', label: 'ours: the many-devices example, 2 cores', server: 'example' },
  {
    key: 'example-1core',
    label: 'ours: the many-devices example, 1 core (taskset; a Raspberry Pi stand-in)',
    server: 'example',
    pin: true,
  },
  {
    key: 'decide-qos0',
    label: "ours: mqtt in -> nightlight decide -> mqtt out, the lesson's QoS 0, 2 cores",
    server: 'ours-every-unretained',
  },
  { key: 'chain', label: 'built-in nodes chain, 2 cores', server: 'chain' },
  { key: 'lesson-python', label: "the lesson's Python server (paho-mqtt), 2 cores", server: 'python' },
  { key: 'chain-1core', label: 'built-in nodes chain, 1 core (taskset)', server: 'chain', pin: true, optional: true },
  {
    key: 'lesson-python-1core',
    label: "the lesson's Python server, 1 core (taskset)",
    server: 'python',
    pin: true,
    optional: true,
  },
];

const DEFAULTS = {
  steps: [1000, 5000, 10000, 25000, 50000, 100000],
  periodMs: 5000,
  warmMs: 5000,
  measureMs: 15000,
  drainMs: 2000,
  retries: 2,
};

function hasTaskset() {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A Python 3 that has paho-mqtt (Debian's python3-paho-mqtt goes with the system's), or null. */
function pythonWithPaho() {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(python, ['-c', 'import paho.mqtt.client'], { stdio: 'ignore' });
      return python;
    } catch {
      // the next one
    }
  }
  return null;
}

/**
 * Raises the priority of every thread of `pid` (nice -10) when the system allows it (root),
 * so that on a machine shared with other work the benchmark's processes (server, broker and
 * load generator alike) are not the ones that wait for a core. Returns whether it could.
 */
function favour(pid) {
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) os.setPriority(Number(tid), -10);
    return true;
  } catch {
    return false;
  }
}

/**
 * Seconds the threads of `pid` have spent ready to run but waiting for a core
 * (/proc/<pid>/task/<tid>/schedstat, second field, summed), or null when unknown.
 */
function waitSeconds(pid) {
  try {
    let ns = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
    }
    return ns / 1e9;
  } catch {
    return null;
  }
}

/** Busy and total jiffies of the whole machine, from /proc/stat. */
function machineTicks() {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = v[3] + (v[4] || 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

function startServer(variant, broker, devices, { python, nodelay, quietDebug }) {
  const cmd = [];
  if (variant.server === 'python')
    cmd.push(python, path.join(__dirname, 'lesson-server.py'), HOST, String(broker.port));
  else
    cmd.push(
      process.execPath,
      ...(nodelay ? ['--require', path.join(__dirname, 'lib', 'nodelay.js')] : []),
      path.join(__dirname, 'server.js'),
      '--variant',
      variant.server,
      '--broker',
      broker.url,
      '--qos',
      '0',
      '--devices',
      String(devices),
      ...(quietDebug ? ['--quiet-debug'] : []),
    );
  const argv = variant.pin ? ['taskset', '-c', '0', ...cmd] : cmd;
  // taskset execs the server, so the pid is the server's.
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const ready = new Promise((resolve, reject) => {
    child.on('message', (m) =>
      m && m.ready ? resolve() : reject(new Error(`server ${variant.key}: ${JSON.stringify(m)}`)),
    );
    child.stdout.on('data', (d) => {
      if (/^ready$/m.test(String(d))) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server ${variant.key} exited (${code}) before it was ready`)));
  });
  ready.catch(() => {});
  return {
    child,
    ready,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      });
    },
  };
}

/** Sends readings for one extra device until its command comes back: the whole path is up. */
async function probe(brokerUrl, timeoutMs = 30000) {
  const client = mqtt.connect(brokerUrl, { clientId: `cap-probe-${process.pid}`, clean: true, reconnectPeriod: 0 });
  await new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  await client.subscribeAsync('probe/commands', { qos: 0 });
  let answered = false;
  client.on('message', () => (answered = true));
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; !answered; i++) {
    if (Date.now() > deadline) {
      await client.endAsync();
      throw new Error('the server never answered');
    }
    client.publish('probe/telemetry', i % 2 ? '{"light":900}' : '{"light":100}');
    await sleep(200);
  }
  await client.endAsync();
}

function startLoadgen(plan) {
  const child = fork(path.join(__dirname, 'capacity-loadgen.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let onResult;
  const result = new Promise((resolve, reject) => (onResult = { resolve, reject }));
  result.catch(() => {});
  const ready = new Promise((resolve, reject) => {
    child.on('message', (m) => {
      if (m.error) {
        reject(new Error(m.error));
        onResult.reject(new Error(m.error));
      } else if (m.ready) resolve();
      else if (m.result) onResult.resolve(m.result);
    });
    child.once('exit', (code) => {
      const err = new Error(`load generator ${plan.shard} exited (${code})`);
      reject(err);
      onResult.reject(err);
    });
  });
  ready.catch(() => {});
  child.send({ plan });
  return { child, ready, result, start: (startAt) => child.send({ startAt }) };
}

/** One server at one device count, on a fresh broker. */
async function measureStep(variant, devices, settings) {
  const broker = await startMosquitto();
  const server = startServer(variant, broker, devices, settings);
  const loadgens = [];
  try {
    await server.ready;
    const favoured = [favour(server.child.pid), favour(broker.pid)];
    await probe(broker.url);
    const rate = (devices * 1000) / settings.periodMs;
    const shards = settings.loadgens || Math.max(1, Math.ceil(rate / READINGS_PER_LOADGEN));
    for (let shard = 0; shard < shards; shard++) {
      loadgens.push(
        startLoadgen({
          broker: broker.url,
          devices,
          shard,
          shards,
          periodMs: settings.periodMs,
          warmMs: settings.warmMs,
          measureMs: settings.measureMs,
          drainMs: settings.drainMs,
        }),
      );
    }
    await Promise.all(loadgens.map((l) => l.ready));
    favoured.push(...loadgens.map((l) => favour(l.child.pid)));
    const loadavg = machine().loadavg;
    const startAt = Date.now() + 300;
    for (const l of loadgens) l.start(startAt);
    const pids = { server: server.child.pid, broker: broker.pid, loadgens: loadgens.map((l) => l.child.pid) };
    const sample = () => ({
      t: Date.now(),
      server: cpuSeconds(pids.server),
      serverWait: waitSeconds(pids.server),
      broker: cpuSeconds(pids.broker),
      loadgens: pids.loadgens.map(cpuSeconds),
      machine: machineTicks(),
    });
    await sleep(Math.max(0, startAt + settings.warmMs - Date.now()));
    const a = sample();
    await sleep(Math.max(0, startAt + settings.warmMs + settings.measureMs - Date.now()));
    const b = sample();
    const shardResults = await Promise.all(loadgens.map((l) => l.result));
    const rss = peakRss(pids.server);
    const seconds = (b.t - a.t) / 1000;
    const share = (x, y) => (x === null || y === null ? null : (y - x) / seconds);
    const latencies = [].concat(...shardResults.map((r) => r.latencies)).sort((x, y) => x - y);
    const sum = (k) => shardResults.reduce((acc, r) => acc + r[k], 0);
    const maxOf = (k) => Math.max(...shardResults.map((r) => (r[k] === null ? 0 : r[k])));
    const step = {
      devices,
      loadgens: shards,
      expectedPerSecond: rate,
      readingsPerSecond: sum('readingsPerSecond'),
      measuredSent: sum('measuredSent'),
      samples: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.length ? latencies[latencies.length - 1] : null,
      lost: sum('lost'),
      unexpected: sum('unexpected'),
      serverCpu: share(a.server, b.server),
      serverWait: share(a.serverWait, b.serverWait),
      brokerCpu: share(a.broker, b.broker),
      loadgenCpu: Math.max(...a.loadgens.map((x, i) => share(x, b.loadgens[i]) || 0)),
      machineBusy:
        a.machine && b.machine ? (b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total) : null,
      lagP99: maxOf('lagP99'),
      lagMax: maxOf('lagMax'),
      peakRss: rss,
      loadavg,
      favoured: favoured.every(Boolean),
    };
    step.serverCpuUsPerReading =
      step.serverCpu === null || !step.readingsPerSecond ? null : (step.serverCpu * 1e6) / step.readingsPerSecond;
    judge(step, variant);
    return step;
  } finally {
    for (const l of loadgens) if (l.child.exitCode === null) l.child.kill('SIGTERM');
    await server.stop();
    await broker.stop();
  }
}

/**
 * Whether the step passed, and if not what the limit was. A step passes when the readings
 * kept their rate, every one was answered and p99 <= 50 ms. A generator that fell behind its
 * schedule (p99 lag over the bound, or a whole core used) bunched readings together, which
 * only makes a pass harder, but a failure then is not the server's: the limit is the
 * machine. Otherwise: the server (its one JavaScript or Python thread, or its pinned core,
 * busy), the machine (the server's threads waited for a core for more than a tenth of the
 * time, or every core was busy: server, broker, generator and anything else share them),
 * or the server without a busy core (it waited on something else).
 */
function judge(step, variant) {
  step.loadgenLagged = step.lagP99 > LAG_BOUND_MS || step.loadgenCpu > LOADGEN_CPU_BOUND;
  const kept = step.readingsPerSecond >= 0.98 * step.expectedPerSecond;
  step.pass = kept && step.samples > 0 && step.lost === 0 && step.p99 <= P99_BOUND_MS;
  if (step.pass) step.limit = null;
  else if (step.loadgenLagged || !kept) step.limit = 'machine: the load generator fell behind';
  else if (step.serverCpu !== null && step.serverCpu >= 0.9)
    step.limit = variant.pin ? 'server: its one core busy' : 'server: its main thread busy';
  else if (step.serverWait !== null && step.serverWait > SERVER_WAIT_BOUND)
    step.limit = 'machine: the server waited for a core';
  else if (step.machineBusy !== null && step.machineBusy >= 0.95) step.limit = 'machine: every core busy';
  else step.limit = 'server';
}

/** A failure the machine caused is measured again, up to `retries` times. */
async function measureWithRetries(variant, devices, settings, log) {
  const attempts = [];
  for (let attempt = 1; ; attempt++) {
    let step;
    try {
      step = await measureStep(variant, devices, settings);
    } catch (err) {
      // Seen once on the shared machine: the server never answered the probe. Measured again.
      step = {
        devices,
        error: String(err.message || err),
        pass: false,
        limit: `error: ${err.message || err}`,
        loadavg: machine().loadavg,
      };
    }
    step.attempt = attempt;
    attempts.push(step);
    if (step.error) log(`  ${variant.key.padEnd(14)} N ${String(devices).padStart(6)}  FAIL (${step.limit})`);
    else
      log(
        `  ${variant.key.padEnd(14)} N ${String(devices).padStart(6)}  ${fmt(step.readingsPerSecond, 0)}/s  p50 ${fmt(step.p50)} p99 ${fmt(step.p99)} max ${fmt(step.max)} ms  ` +
          `lost ${step.lost}  server cpu ${fmt(step.serverCpu)} wait ${fmt(step.serverWait)}  broker cpu ${fmt(step.brokerCpu)}  rss ${mb(step.peakRss)} MB  lag p99 ${fmt(step.lagP99)} ms  ` +
          `loadgen cpu ${fmt(step.loadgenCpu)}  machine ${pct(step.machineBusy)}  ${step.pass ? 'ok' : `FAIL (${step.limit})`}`,
      );
    await sleep(300);
    if (step.pass || !/^(machine|error)/.test(step.limit) || attempt > settings.retries) return attempts;
  }
}

async function runCapacity(options = {}, log = () => {}) {
  const settings = { ...DEFAULTS, ...options };
  const taskset = hasTaskset();
  const python = pythonWithPaho();
  settings.python = python;
  const skipped = [];
  const variants = (
    settings.variants ? VARIANTS.filter((v) => settings.variants.includes(v.key)) : VARIANTS.filter((v) => !v.optional)
  ).filter((v) => {
    if (v.pin && !taskset) skipped.push({ key: v.key, why: 'taskset is not installed' });
    else if (v.server === 'python' && !python)
      skipped.push({ key: v.key, why: 'python3 with paho-mqtt is not installed (Debian: python3-paho-mqtt)' });
    else return true;
    return false;
  });
  for (const s of skipped) log(`  capacity: ${s.key} skipped: ${s.why}`);
  const results = Object.fromEntries(variants.map((v) => [v.key, []]));
  let alive = variants.slice();
  // Every server at one N before any goes to the next, so the ratios compare neighbours in time.
  for (const devices of settings.steps) {
    for (const v of alive) results[v.key].push(...(await measureWithRetries(v, devices, settings, log)));
    alive = alive.filter((v) => results[v.key][results[v.key].length - 1].pass);
    if (alive.length === 0) break;
  }
  const rows = variants.map((v) => {
    const steps = results[v.key];
    const passed = steps.filter((s) => s.pass);
    const last = steps[steps.length - 1];
    const failed = last && !last.pass ? last : null;
    return {
      key: v.key,
      label: v.label,
      capacity: passed.length ? passed[passed.length - 1].devices : 0,
      // No step failed: the capacity is at least the largest N tried.
      atLeast: !failed,
      limit: failed ? failed.limit : 'not reached',
      steps,
    };
  });
  const by = Object.fromEntries(rows.map((r) => [r.key, r]));
  const ratio = (a, b) => (by[a] && by[b] && by[b].capacity ? by[a].capacity / by[b].capacity : null);
  const summary = {
    vsChain: ratio('example', 'chain'),
    vsLessonPython: ratio('example', 'lesson-python'),
    decideVsChain: ratio('decide-qos0', 'chain'),
    decideVsLessonPython: ratio('decide-qos0', 'lesson-python'),
    oneCoreVsTwo: ratio('example-1core', 'example'),
  };
  return {
    settings: {
      ...settings,
      p99BoundMs: P99_BOUND_MS,
      lagBoundMs: LAG_BOUND_MS,
      loadgenCpuBound: LOADGEN_CPU_BOUND,
      serverWaitBound: SERVER_WAIT_BOUND,
    },
    skipped,
    rows,
    summary,
  };
}

const fmt = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? '-' : Number(x).toFixed(digits));
const pct = (x) => (x === null || x === undefined ? '-' : `${Math.round(x * 100)}%`);
const mb = (x) => (x === null || x === undefined ? '-' : Math.round(x / 2 ** 20));
const num = (x) =>
  x === null || x === undefined ? '-' : Number(x).toLocaleString('en-US', { maximumFractionDigits: 0 });

/** The capacity tables in Markdown. */
function formatCapacity(cap) {
  const s = cap.settings;
  const lines = [
    `Each device sends one reading every ${s.periodMs / 1000} s, spread evenly; ${s.warmMs / 1000} s warm-up, ${s.measureMs / 1000} s measured. ` +
      `Pass: the readings kept their rate, p99 <= ${s.p99BoundMs} ms, nothing lost. A failure while the load generator fell behind its schedule (p99 lag over ${s.lagBoundMs} ms, or ${s.loadgenCpuBound * 100}% of a core used) ` +
      `or while the server's threads waited for a core more than ${s.serverWaitBound * 1000} ms per second, or while every core was busy, is the machine's, not the server's, and is measured again (up to ${s.retries} times).`,
    '',
    '| server | capacity (devices) | what stopped it |',
    '|---|---:|---|',
  ];
  for (const r of cap.rows) lines.push(`| ${r.label} | ${r.atLeast ? '>= ' : ''}${num(r.capacity)} | ${r.limit} |`);
  const x = (v) => (v === null || v === undefined ? '-' : `${v.toFixed(2)}x`);
  lines.push(
    '',
    `Ratios of capacity: the example against the built-in chain ${x(cap.summary.vsChain)}, against the lesson's Python server ${x(cap.summary.vsLessonPython)}; the example on one core against two ${x(cap.summary.oneCoreVsTwo)}; ` +
      `the decide node in the lesson's QoS 0 against the chain ${x(cap.summary.decideVsChain)}, against the Python server ${x(cap.summary.decideVsLessonPython)}.`,
  );
  for (const sk of cap.skipped) lines.push('', `(${sk.key} not measured: ${sk.why}.)`);
  lines.push(
    '',
    '| server | devices | readings/s | p50 / p99 / max latency | lost | server CPU (cores) / waiting for a core (s per s) | µs CPU per reading | peak RSS | broker CPU | load generator: processes, busiest CPU, p99 / max lag | machine busy | load avg at start | result |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const r of cap.rows) {
    for (const st of r.steps) {
      lines.push(
        `| ${r.key} | ${num(st.devices)}${st.attempt > 1 ? ` (try ${st.attempt})` : ''} | ${num(st.readingsPerSecond)} | ${fmt(st.p50)} / ${fmt(st.p99)} / ${fmt(st.max)} ms | ${num(st.lost)} | ${fmt(st.serverCpu)} / ${fmt(st.serverWait)} | ${num(st.serverCpuUsPerReading)} | ` +
          `${mb(st.peakRss)} MB | ${fmt(st.brokerCpu)} | ${st.loadgens || '-'}, ${fmt(st.loadgenCpu)}, ${fmt(st.lagP99)} / ${fmt(st.lagMax)} ms | ${pct(st.machineBusy)} | ${st.loadavg[0]} | ${st.pass ? (st.loadgenLagged ? 'ok (though the generator lagged)' : 'ok') : `**fail** (${st.limit})`} |`,
      );
    }
  }
  return lines.join('\n');
}

module.exports = { runCapacity, formatCapacity, VARIANTS, DEFAULTS };

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  const options = {};
  if (args.steps) options.steps = String(args.steps).split(',').map(Number);
  if (args.variants) options.variants = String(args.variants).split(',');
  if (args.warm) options.warmMs = Number(args.warm) * 1000;
  if (args.measure) options.measureMs = Number(args.measure) * 1000;
  if (args.period) options.periodMs = Number(args.period) * 1000;
  if (args.loadgens) options.loadgens = Number(args.loadgens);
  // Experiments: Node servers with TCP_NODELAY (bench/lib/nodelay.js), the example's debug nodes off.
  if (args.nodelay) options.nodelay = true;
  if (args['quiet-debug']) options.quietDebug = true;
  const log = args.json ? (line) => console.error(line) : (line) => console.log(line);
  runCapacity(options, log).then(
    (capacity) => {
      if (args.json) console.log(JSON.stringify({ versions: versions(), machine: machine(), capacity }));
      else console.log('\n' + formatCapacity(capacity));
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
