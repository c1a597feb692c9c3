#!/usr/bin/env node
'use strict';
// `npm run bench`: the three benchmarks of issue 6, the capacity benchmark of issue 16
// and the targets, in one run.
//
//   npm run bench                 full: 3 alternating rounds, then capacity (about 25 minutes)
//   npm run bench -- --quick      one short round of everything (about 3 minutes)
//   npm run bench -- --only mqtt,inprocess,scale,capacity,buffer
//   npm run bench -- --only buffer     light telemetry's buffer, 100 vs 100,000 readings held (about 30 s)
//   npm run bench -- --only capacity [--steps 1000,5000] [--capacity-variants example,chain]
//                                    [--warm 5] [--measure 15]
//   npm run bench -- --rounds 5 --seconds 8
//   npm run bench -- --profile    also record node --cpu-prof of every server and summarise it
//   npm run bench -- --stock-tcp  leave Nagle's algorithm on in the servers (see RESULTS.md)
//
// Everything measured is printed as Markdown tables; the raw numbers go to
// bench/out/results-<time>.json and the tables to bench/out/latest.md.
const fs = require('fs');
const path = require('path');
const { execFile } = require('child_process');
const { parseArgs, versions, machine, mosquittoPath } = require('./lib/common');
const { runMqttBench } = require('./mqtt');
const { formatInProcess } = require('./inprocess');
const { summarize } = require('./lib/profile-summary');
const { runCapacity, formatCapacity } = require('./capacity');
const { formatBuffer } = require('./buffer');

const OUT = path.join(__dirname, 'out');

/** Targets of issue 6, point 4. */
const TARGETS = {
  qos0VsEcho: 0.85,
  qos1VsEcho: 0.75,
  decideVsChainInProcess: 3,
  heapBytesPerDevice: 256,
};

function runChild(args, nodeArgs = []) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...nodeArgs, ...args],
      { maxBuffer: 64 * 2 ** 20, cwd: path.join(__dirname, '..') },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${args[0]} failed: ${stderr || err.message}`));
        const line = stdout.trim().split('\n').pop();
        resolve(JSON.parse(line));
      },
    );
  });
}

const n = (x, digits = 0) =>
  x === null || x === undefined || Number.isNaN(x)
    ? '-'
    : Number(x).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (x) => (x === null || x === undefined || Number.isNaN(x) ? '-' : `${x.toFixed(2)}x`);
const pct = (x) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(2)}%`);

function formatMqtt(mqtt) {
  const lines = [
    '| server | QoS 0 commands/s | QoS 1 commands/s | p50 / p99 at 2000 msg/s, QoS 0 | loss (QoS 0 sat. / QoS 1 sat. / 2000 msg/s) | peak RSS | vs echo (QoS 0 / 1) | vs built-in chain (QoS 0 / 1) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of mqtt.rows) {
    lines.push(
      `| ${r.label} | ${n(r.qos0)} | ${n(r.qos1)} | ${n(r.p50, 2)} / ${n(r.p99, 2)} ms | ${pct(r.qos0Loss)} / ${pct(r.qos1Loss)} / ${pct(r.rateLoss)} | ` +
        `${n(r.peakRss / 2 ** 20)} MB | ${ratio(r.qos0VsEcho)} / ${ratio(r.qos1VsEcho)} | ${ratio(r.qos0VsChain)} / ${ratio(r.qos1VsChain)} |`,
    );
  }
  lines.push(
    '',
    "| server | server CPU per command, QoS 0 | QoS 1 | CPU vs echo (QoS 0) | CPU vs built-in chain (QoS 0) | commands/s vs Node-RED's floor (QoS 0 / 1) | CPU vs Node-RED's floor (QoS 0) |",
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of mqtt.rows) {
    lines.push(
      `| ${r.label} | ${n(r.cpuUsPerCommand0)} µs | ${n(r.cpuUsPerCommand1)} µs | ${ratio(r.cpu0VsEcho)} | ${ratio(r.cpu0VsChain)} | ` +
        `${ratio(r.qos0VsFloor)} / ${ratio(r.qos1VsFloor)} | ${ratio(r.cpu0VsFloor)} |`,
    );
  }
  return lines.join('\n');
}

function formatScale(scale) {
  const lines = [
    '| devices tracked | heap per device (engine) | + id string | ns per reading, readings over all devices | ns per reading, readings over 1,000 of them | the same over 1,000 added one after another |',
    '|---:|---:|---:|---:|---:|---:|',
  ];
  const floor = (d, k) => (d.mapFloor ? ` (Map ${n(d.mapFloor[k])})` : '');
  for (const d of scale.devices) {
    lines.push(
      `| ${n(d.devices)} | ${n(d.heapBytesPerDevice)} B | ${n(d.idBytesPerDevice)} B | ${n(d.nsPerReading)}${floor(d, 'nsPerReading')} | ` +
        `${n(d.nsPerReadingHot)}${floor(d, 'nsPerReadingHot')} | ${n(d.nsPerReadingHotNear)}${floor(d, 'nsPerReadingHotNear')} |`,
    );
  }
  if (scale.devices.some((d) => d.mapFloor))
    lines.push(
      '',
      '(Map: the same readings through a bare Map from the same ids to a small object, the floor for any keyed state.)',
    );
  if (scale.groups) {
    lines.push('', '| group (median, emit change) | heap per sensor | ns per reading |', '|---:|---:|---:|');
    for (const g of scale.groups)
      lines.push(`| ${n(g.sensors)} sensors | ${n(g.heapBytesPerSensor)} B | ${n(g.nsPerReading)} |`);
  }
  return lines.join('\n');
}

/** Each target of issue 6 with what was measured and whether it is met. */
function checkTargets({ mqtt, inprocess, scale, capacity, buffer }) {
  const rows = [];
  const ours = mqtt && mqtt.rows.find((r) => r.key === 'ours-every');
  const chain = mqtt && mqtt.rows.find((r) => r.key === 'chain');
  if (ours) {
    rows.push({
      target: `server flow QoS 0 >= ${TARGETS.qos0VsEcho}x echo`,
      measured: ratio(ours.qos0VsEcho),
      met: ours.qos0VsEcho >= TARGETS.qos0VsEcho,
    });
    rows.push({
      target: `server flow QoS 1 >= ${TARGETS.qos1VsEcho}x echo`,
      measured: ratio(ours.qos1VsEcho),
      met: ours.qos1VsEcho >= TARGETS.qos1VsEcho,
    });
    if (chain) {
      rows.push({
        target: 'server flow ahead of the built-in chain (QoS 0 / 1)',
        measured: `${ratio(ours.qos0VsChain)} / ${ratio(ours.qos1VsChain)}`,
        met: ours.qos0VsChain >= 1 && ours.qos1VsChain >= 1,
      });
      rows.push({
        target: "p99 at 2000 msg/s no worse than the built-in chain's",
        measured: `${n(ours.p99, 2)} ms vs ${n(chain.p99, 2)} ms`,
        met: ours.p99 <= chain.p99,
      });
    }
    const floor = mqtt.rows.find((r) => r.key === 'floor');
    if (floor) {
      // Not targets: the bound any Node-RED flow meets, and how close to it ours runs.
      rows.push({
        target: "context: Node-RED's floor (mqtt in -> change -> mqtt out) vs echo, QoS 0 / 1",
        measured: `${ratio(floor.qos0VsEcho)} / ${ratio(floor.qos1VsEcho)}`,
        met: null,
      });
      rows.push({
        target: "context: server flow vs Node-RED's floor, commands/s QoS 0 / 1, CPU per command, p99",
        measured: `${ratio(ours.qos0VsFloor)} / ${ratio(ours.qos1VsFloor)}, ${ratio(ours.cpu0VsFloor)}, ${n(ours.p99, 2)} ms vs ${n(floor.p99, 2)} ms`,
        met: null,
      });
    }
  }
  if (inprocess) {
    const g = inprocess.groups.find((x) => x.group === 'nightlight decide');
    const c = g && g.cases.find((x) => x.key === 'decide-ours');
    if (c)
      rows.push({
        target: `decide node in-process >= ${TARGETS.decideVsChainInProcess}x the built-in chain`,
        measured: ratio(c.vsBuiltIn),
        met: c.vsBuiltIn >= TARGETS.decideVsChainInProcess,
      });
    const floor = g && g.cases.find((x) => x.key === 'decide-floor');
    if (c && floor) {
      rows.push({
        target:
          "context: Node-RED's one-node floor (one change node) in-process vs the built-in chain; decide vs that floor",
        measured: `${ratio(floor.vsBuiltIn)}; ${ratio(c.perSecond / floor.perSecond)}`,
        met: null,
      });
    }
  }
  const tracked = inprocess && inprocess.groups.find((x) => x.group.startsWith('nightlight decide, devices tracked'));
  if (tracked) {
    const active = tracked.cases.find((x) => x.key === 'tracked-1m-active');
    const all = tracked.cases.find((x) => x.key === 'tracked-1m-all');
    rows.push({
      target: `context: the whole decide node in process, messages/s with ${n(inprocess.settings.tracked)} devices tracked against 10 (readings from 1,000 of them / from any)`,
      measured: `${ratio(active && active.vsBuiltIn)} / ${ratio(all && all.vsBuiltIn)}`,
      met: null,
    });
  }
  if (scale) {
    const worst = Math.max(...scale.devices.map((d) => d.heapBytesPerDevice + d.idBytesPerDevice));
    rows.push({
      target: `<= ${TARGETS.heapBytesPerDevice} B heap per tracked device (with its id)`,
      measured: `${n(worst)} B`,
      met: worst <= TARGETS.heapBytesPerDevice,
    });
    rows.push({
      target: 'cost per reading does not grow with devices tracked (1,000 active)',
      measured: `${ratio(scale.growth.nsPerReadingHot)} from ${n(scale.growth.from)} to ${n(scale.growth.to)} (${ratio(scale.growth.nsPerReadingHotNear)} over 1,000 devices added one after another)`,
      met: scale.growth.nsPerReadingHot <= 1.5,
    });
    if (scale.mapFloorGrowth) {
      rows.push({
        target:
          'context: the same growth for a bare Map of the same ids (1,000 active / added one after another / all)',
        measured: `${ratio(scale.mapFloorGrowth.nsPerReadingHot)} / ${ratio(scale.mapFloorGrowth.nsPerReadingHotNear)} / ${ratio(scale.mapFloorGrowth.nsPerReading)}`,
        met: null,
      });
    }
  }
  if (buffer) {
    const growth = Math.max(...buffer.rows.map((r) => r.growth));
    rows.push({
      target: 'light telemetry: cost per reading with 100,000 buffered <= 1.5x that with 100 (every variant)',
      measured: `${ratio(growth)} at most`,
      met: growth <= 1.5,
    });
    const bytes = Math.max(buffer.memory.bytes, buffer.memory.bytesStored);
    rows.push({
      target: 'light telemetry: <= 200 B memory per buffered reading',
      measured: `${n(bytes)} B at most`,
      met: bytes <= 200,
    });
  }
  if (capacity) {
    const row = (key) => capacity.rows.find((r) => r.key === key);
    const c = (r) => (r ? `${r.atLeast ? '>= ' : ''}${n(r.capacity)}` : '-');
    rows.push({
      target:
        "context: devices served at one reading every 5 s with p99 <= 50 ms, nothing lost: the example on 2 cores / on 1 core; decide in the lesson's QoS 0; the built-in chain; the lesson's Python server",
      measured: `${c(row('example'))} / ${c(row('example-1core'))}; ${c(row('decide-qos0'))}; ${c(row('chain'))}; ${c(row('lesson-python'))}`,
      met: null,
    });
  }
  return rows;
}

function formatTargets(rows) {
  return [
    '| target | measured | met |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.target} | ${r.measured} | ${r.met === null ? '(context)' : r.met ? 'yes' : '**no**'} |`),
  ].join('\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const quick = Boolean(args.quick);
  const only = args.only ? String(args.only).split(',') : ['mqtt', 'inprocess', 'scale', 'buffer', 'capacity'];
  const rounds = Number(args.rounds) || (quick ? 1 : 3);
  const seconds = Number(args.seconds) || (quick ? 2 : 5);
  fs.mkdirSync(OUT, { recursive: true });
  const started = new Date();
  const report = { date: started.toISOString(), versions: versions(), machine: machine(), quick, rounds };
  const log = (line) => console.log(line);
  log(
    `nightlight benchmark ${started.toISOString()} (${quick ? 'quick' : 'full'}, ${rounds} round${rounds > 1 ? 's' : ''})`,
  );
  log(`versions ${JSON.stringify(report.versions)}; machine ${JSON.stringify(report.machine)}`);

  if (only.includes('mqtt')) {
    if (!mosquittoPath()) {
      log('\nbroker benchmark skipped: no mosquitto binary (install mosquitto to run it)');
    } else {
      const profDir = args.profile ? path.join(OUT, `prof-${started.getTime()}`) : undefined;
      if (profDir) fs.mkdirSync(profDir, { recursive: true });
      const settings = {
        rounds,
        window: Number(args.window) || 1000,
        warmMs: quick ? 500 : 1000,
        saturationMs: seconds * 1000,
        rate: Number(args.rate) || 2000,
        rateMs: seconds * 1000,
        serverNoDelay: !args['stock-tcp'],
        cpuProfDir: profDir,
        variants: args.variants ? String(args.variants).split(',') : undefined,
      };
      log(
        `\nbroker benchmark: window ${settings.window}, ${seconds} s per phase, server TCP_NODELAY ${settings.serverNoDelay ? 'on' : 'off (stock)'}`,
      );
      report.mqtt = await runMqttBench(settings, log);
      if (profDir) {
        report.profiles = {};
        for (const file of fs.readdirSync(profDir)) {
          const s = summarize(path.join(profDir, file), 15);
          report.profiles[file] = s;
          log(`\nprofile ${file}: ${s.areas.map((a) => `${a.name} ${a.share}`).join(', ')}`);
          for (const f of s.functions) log(`  ${f.share.padStart(6)}  ${f.name}`);
        }
      }
    }
  }
  if (only.includes('inprocess')) {
    log('\nin-process benchmark');
    const a = ['--json', '--rounds', String(rounds)];
    if (quick) a.push('--quick');
    report.inprocess = (await runChild([path.join(__dirname, 'inprocess.js'), ...a])).inprocess;
  }
  if (only.includes('scale')) {
    log('\nscale benchmark');
    const a = ['--json'];
    if (quick) a.push('--quick');
    report.scale = (await runChild([path.join(__dirname, 'scale.js'), ...a], ['--expose-gc'])).scale;
  }
  if (only.includes('buffer')) {
    log('\nbuffer benchmark (light telemetry)');
    const a = ['--json'];
    if (quick) a.push('--quick');
    report.buffer = (await runChild([path.join(__dirname, 'buffer.js'), ...a], ['--expose-gc'])).buffer;
  }

  if (only.includes('capacity')) {
    if (!mosquittoPath()) {
      log('\ncapacity benchmark skipped: no mosquitto binary (install mosquitto to run it)');
    } else {
      const options = {};
      if (args.steps) options.steps = String(args.steps).split(',').map(Number);
      else if (quick) options.steps = [1000, 10000];
      if (args['capacity-variants']) options.variants = String(args['capacity-variants']).split(',');
      if (args.warm) options.warmMs = Number(args.warm) * 1000;
      if (args.measure) options.measureMs = Number(args.measure) * 1000;
      else if (quick) options.measureMs = 5000;
      log('\ncapacity benchmark: devices reading every 5 s, N stepping up until p99 > 50 ms or a command is lost');
      report.capacity = await runCapacity(options, log);
    }
  }

  report.targets = checkTargets(report);
  const sections = [
    `Run ${report.date}, ${quick ? 'quick' : 'full'} (${rounds} round${rounds > 1 ? 's' : ''}), load average at start ${report.machine.loadavg.join(' ')}.`,
  ];
  if (report.mqtt) sections.push('### Through Mosquitto (medians)\n\n' + formatMqtt(report.mqtt));
  if (report.inprocess) sections.push('### In process (medians)\n\n' + formatInProcess(report.inprocess));
  if (report.scale) sections.push('### Scale (decide engine)\n\n' + formatScale(report.scale));
  if (report.buffer) sections.push("### Light telemetry's buffer\n\n" + formatBuffer(report.buffer));
  if (report.capacity)
    sections.push('### Capacity (devices, one reading every 5 s each)\n\n' + formatCapacity(report.capacity));
  if (report.targets.length) sections.push('### Targets\n\n' + formatTargets(report.targets));
  const markdown = sections.join('\n\n') + '\n';
  log('\n' + markdown);
  fs.writeFileSync(path.join(OUT, `results-${started.getTime()}.json`), JSON.stringify(report, null, 2));
  fs.writeFileSync(path.join(OUT, 'latest.md'), markdown);
  log(`raw results: ${path.relative(process.cwd(), path.join(OUT, `results-${started.getTime()}.json`))}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
