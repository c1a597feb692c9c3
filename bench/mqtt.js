'use strict';
// The broker benchmark (issue 6, point 1): each server variant in a child process of its
// own, a private Mosquitto started fresh for every measurement, and a load-generator child.
// Variants alternate inside each round (the order rotates from round to round) so a
// neighbour's burst on the shared machine spreads over all of them; the table shows medians.
const path = require('path');
const { fork } = require('child_process');
const { startMosquitto, peakRss, cpuSeconds, median, sleep } = require('./lib/common');

const VARIANTS = [
  { key: 'echo', label: 'bare mqtt.js echo client (the limit)' },
  { key: 'chain', label: 'built-in nodes chain' },
  { key: 'function', label: 'one function node' },
  { key: 'ours-every', label: 'ours: nightlight decide, emit every' },
  { key: 'ours-change', label: 'ours: nightlight decide, emit change' },
  { key: 'floor', label: "Node-RED's floor: mqtt in -> change (topic) -> mqtt out, relaying" },
  { key: 'ours-every-unretained', label: 'ours: emit every, commands not retained', optional: true },
];

function startServer(variant, brokerUrl, qos, { cpuProfDir, serverNoDelay } = {}) {
  const execArgv = cpuProfDir
    ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=${variant}-qos${qos}-${Date.now()}.cpuprofile`]
    : [];
  if (serverNoDelay) execArgv.push('--require', path.join(__dirname, 'lib', 'nodelay.js'));
  const child = fork(
    path.join(__dirname, 'server.js'),
    ['--variant', variant, '--broker', brokerUrl, '--qos', String(qos)],
    {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const ready = new Promise((resolve, reject) => {
    child.once('message', (m) =>
      m && m.ready ? resolve() : reject(new Error(`server ${variant}: ${JSON.stringify(m)}`)),
    );
    child.once('exit', (code) => reject(new Error(`server ${variant} exited (${code}) before it was ready`)));
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

function runLoad(plan) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'loadgen.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let done = false;
    child.once('message', (m) => {
      done = true;
      if (m.error) reject(new Error(m.error));
      else resolve(m.result);
    });
    child.once('exit', (code) => {
      if (!done) reject(new Error(`load generator exited (${code})`));
    });
    child.send(plan);
  });
}

/** One server variant at one QoS, on a fresh broker: returns what the load generator saw plus the server's peak RSS and CPU. */
async function measure(variant, qos, settings) {
  const broker = await startMosquitto({ inflight: settings.window });
  const server = startServer(variant, broker.url, qos, settings);
  try {
    await server.ready;
    const cpuBefore = cpuSeconds(server.child.pid);
    const plan = {
      broker: broker.url,
      qos,
      devices: 10,
      window: settings.window,
      noDelay: settings.noDelay !== false,
      warmMs: settings.warmMs,
      saturationMs: settings.saturationMs,
      rate: qos === 0 && settings.rate ? settings.rate : 0,
      rateMs: qos === 0 ? settings.rateMs : 0,
      rateWarmMs: settings.warmMs,
    };
    const result = await runLoad(plan);
    result.serverPeakRss = peakRss(server.child.pid);
    const cpuAfter = cpuSeconds(server.child.pid);
    result.serverCpuSeconds = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
    return result;
  } finally {
    await server.stop();
    await broker.stop();
  }
}

/**
 * Runs `rounds` rounds; in each, every variant at QoS 0 (saturation, then the fixed rate)
 * and at QoS 1 (saturation). Returns per-variant samples and medians.
 */
async function runMqttBench(settings, log = () => {}) {
  const variants = settings.variants
    ? VARIANTS.filter((v) => settings.variants.includes(v.key))
    : VARIANTS.filter((v) => !v.optional);
  const samples = Object.fromEntries(variants.map((v) => [v.key, []]));
  for (let round = 0; round < settings.rounds; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]);
    for (const v of order) {
      const q0 = await measure(v.key, 0, settings);
      await sleep(200);
      const q1 = await measure(v.key, 1, settings);
      const rate = q0.rate || {};
      const sample = {
        round,
        qos0: q0.saturation.commandsPerSecond,
        qos1: q1.saturation.commandsPerSecond,
        qos0Loss: q0.saturation.lossRate,
        qos1Loss: q1.saturation.lossRate,
        rateLoss: rate.lossRate,
        achievedRate: rate.achievedPerSecond,
        p50: rate.p50,
        p99: rate.p99,
        peakRss: Math.max(q0.serverPeakRss || 0, q1.serverPeakRss || 0) || null,
        cpuUsPerCommand0:
          q0.serverCpuSeconds === null
            ? null
            : (q0.serverCpuSeconds * 1e6) / Math.max(1, q0.saturation.answered + (rate.answered || 0)),
        cpuUsPerCommand1:
          q1.serverCpuSeconds === null ? null : (q1.serverCpuSeconds * 1e6) / Math.max(1, q1.saturation.answered),
      };
      samples[v.key].push(sample);
      log(
        `  round ${round + 1} ${v.key.padEnd(12)} qos0 ${Math.round(sample.qos0)}/s  qos1 ${Math.round(sample.qos1)}/s  ` +
          `p50 ${fmt(sample.p50)} ms  p99 ${fmt(sample.p99)} ms  loss ${pct(sample.qos0Loss)}/${pct(sample.qos1Loss)}/${pct(sample.rateLoss)}  ` +
          `rss ${mb(sample.peakRss)} MB  cpu ${fmt(sample.cpuUsPerCommand0)}/${fmt(sample.cpuUsPerCommand1)} us/command`,
      );
      await sleep(200);
    }
  }
  const rows = variants.map((v) => {
    const s = samples[v.key];
    const m = (k) => median(s.map((x) => x[k]));
    return {
      key: v.key,
      label: v.label,
      qos0: m('qos0'),
      qos1: m('qos1'),
      p50: m('p50'),
      p99: m('p99'),
      qos0Loss: m('qos0Loss'),
      qos1Loss: m('qos1Loss'),
      rateLoss: m('rateLoss'),
      peakRss: m('peakRss'),
      cpuUsPerCommand0: m('cpuUsPerCommand0'),
      cpuUsPerCommand1: m('cpuUsPerCommand1'),
    };
  });
  const by = Object.fromEntries(rows.map((r) => [r.key, r]));
  for (const r of rows) {
    r.qos0VsEcho = by.echo ? r.qos0 / by.echo.qos0 : null;
    r.qos1VsEcho = by.echo ? r.qos1 / by.echo.qos1 : null;
    r.qos0VsChain = by.chain ? r.qos0 / by.chain.qos0 : null;
    r.qos1VsChain = by.chain ? r.qos1 / by.chain.qos1 : null;
    // CPU per command is what contention on a shared machine disturbs least.
    r.cpu0VsEcho = by.echo ? r.cpuUsPerCommand0 / by.echo.cpuUsPerCommand0 : null;
    r.cpu0VsChain = by.chain ? r.cpuUsPerCommand0 / by.chain.cpuUsPerCommand0 : null;
    // Against the least a Node-RED flow pays: what is left is ours.
    r.qos0VsFloor = by.floor ? r.qos0 / by.floor.qos0 : null;
    r.qos1VsFloor = by.floor ? r.qos1 / by.floor.qos1 : null;
    r.cpu0VsFloor = by.floor ? r.cpuUsPerCommand0 / by.floor.cpuUsPerCommand0 : null;
  }
  return { settings: { ...settings, devices: 10 }, rows, samples };
}

const fmt = (x) => (x === null || x === undefined ? '-' : x.toFixed(2));
const pct = (x) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(2)}%`);
const mb = (x) => (x === null || x === undefined ? '-' : Math.round(x / 2 ** 20));

module.exports = { runMqttBench, VARIANTS };
