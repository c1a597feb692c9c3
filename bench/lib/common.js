'use strict';
// Small pieces every benchmark script shares: a private Mosquitto process, statistics,
// the peak resident memory of a process, argument parsing and versions.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const HOST = '127.0.0.1';
const ROOT = path.join(__dirname, '..', '..');

// Ports and the Mosquitto binary are found the way the tests find them.
const { freePort, waitForPort, mosquittoPath } = require('../../test/support/brokers');

/**
 * A fresh Mosquitto for one measurement, on a free loopback port, without persistence:
 * no retained message or session outlives it. Queues are large enough that a subscriber
 * that falls behind is measured as slow rather than silently losing QoS 1 messages.
 */
async function startMosquitto({ inflight = 200 } = {}) {
  const bin = mosquittoPath();
  if (!bin) throw new Error('mosquitto is not installed: the MQTT benchmark needs it');
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-bench-mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(
    conf,
    [
      `listener ${port} ${HOST}`,
      'allow_anonymous true',
      'set_tcp_nodelay true',
      'persistence false',
      'max_queued_messages 1000000',
      'max_queued_bytes 0',
      `max_inflight_messages ${inflight}`,
      'log_type error',
    ].join('\n') + '\n',
  );
  const child = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((_, reject) =>
    child.once('exit', (code) => reject(new Error(`mosquitto exited (${code}): ${log}`))),
  );
  exited.catch(() => {});
  await Promise.race([waitForPort(port), exited]);
  return {
    port,
    url: `mqtt://${HOST}:${port}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGTERM');
        });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Peak resident set size of process `pid` in bytes (Linux VmHWM), or null when unknown. */
function peakRss(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) process `pid` has used so far, or null when unknown. */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** The `p`-th percentile (0..100) of `sorted`, nearest rank. */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** `--name value`, `--name=value` and bare `--flag` into an object. */
function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) args[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) args[a.slice(2)] = argv[++i];
    else args[a.slice(2)] = true;
  }
  return args;
}

function versions() {
  const v = { node: process.version };
  for (const pkg of ['node-red', 'mqtt', 'node-red-node-test-helper']) {
    try {
      v[pkg] = require(`${pkg}/package.json`).version;
    } catch {
      v[pkg] = null;
    }
  }
  const bin = mosquittoPath();
  if (bin) {
    try {
      const out = execFileSync(bin, ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      v.mosquitto = (/version (\S+)/.exec(out) || [])[1] || null;
    } catch (err) {
      v.mosquitto = (/version (\S+)/.exec(String(err.stdout || '')) || [])[1] || null;
    }
  }
  return v;
}

function machine() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0] ? cpus[0].model.trim() : 'unknown',
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    platform: `${os.platform()} ${os.release()}`,
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = {
  HOST,
  ROOT,
  freePort,
  waitForPort,
  mosquittoPath,
  startMosquitto,
  peakRss,
  cpuSeconds,
  median,
  percentile,
  parseArgs,
  versions,
  machine,
  sleep,
};
