'use strict';
// The load generator: a child process with two mqtt.js clients, one publishing the
// telemetry of 10 devices (every reading flips the decision: light 100, 900, 100, ...)
// and one subscribed to +/commands. It receives its plan over IPC and reports back.
//
// Phases, run in order against one server:
//   probe       a reading per device every 100 ms until commands come back (server ready)
//   saturation  as fast as a bounded in-flight window allows (sent - answered - lost <= W)
//   rate        a fixed rate (e.g. 2000 msg/s); latency of each command, matched per
//               device in order (each device alternates led_on, so a lost message is seen
//               as a mismatch and skipped instead of shifting every later match)
const mqtt = require('mqtt');
const { performance } = require('perf_hooks');
const { percentile, sleep } = require('./lib/common');

const DARK = 100;
const BRIGHT = 900;
const THRESHOLD = 300;
const LED_ON_TRUE = Buffer.from('"led_on":true');
const LED_ON_FALSE = Buffer.from('"led_on":false');

function connect(url, clientId, noDelay) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { clientId, clean: true, reconnectPeriod: 0, keepalive: 60 });
    client.once('connect', () => {
      if (noDelay && client.stream && client.stream.setNoDelay) client.stream.setNoDelay(true);
      resolve(client);
    });
    client.once('error', reject);
  });
}

async function run(plan) {
  const { broker, qos, devices = 10, window = 200 } = plan;
  const ids = Array.from({ length: devices }, (_, i) => `bench${String(i).padStart(2, '0')}`);
  const seq = new Array(devices).fill(0);
  const pending = ids.map(() => []); // per device: [{ at, ledOn }] in send order
  const index = new Map(ids.map((id, i) => [`${id}/commands`, i]));
  const pub = await connect(broker, `bench-pub-${process.pid}`, plan.noDelay);
  const sub = await connect(broker, `bench-sub-${process.pid}`, plan.noDelay);
  await sub.subscribeAsync('+/commands', { qos });

  let sent = 0;
  let answered = 0;
  let unmatched = 0;
  let latencies = null; // an array while the rate phase records
  let onAnswer = null;
  let next = 0; // round-robin over devices

  sub.on('message', (topic, payload) => {
    const d = index.get(topic);
    if (d === undefined) return;
    answered++;
    // Cheaper than JSON.parse, so the generator spends its CPU on the servers' behalf.
    const ledOn = payload.includes(LED_ON_TRUE) ? true : payload.includes(LED_ON_FALSE) ? false : undefined;
    const queue = pending[d];
    // An answer without led_on (the floor variant relays the reading) matches the oldest reading.
    while (ledOn !== undefined && queue.length && queue[0].ledOn !== ledOn) {
      queue.shift();
      unmatched++;
    }
    const hit = queue.shift();
    if (hit && latencies) latencies.push(performance.now() - hit.at);
    if (onAnswer) onAnswer();
  });

  function publishOne() {
    const d = next;
    next = (next + 1) % devices;
    const s = ++seq[d];
    const light = s % 2 ? DARK : BRIGHT;
    pending[d].push({ at: performance.now(), ledOn: light < THRESHOLD });
    if (pending[d].length > 100000) pending[d].shift();
    pub.publish(`${ids[d]}/telemetry`, `{"light":${light},"seq":${s}}`, { qos });
    sent++;
  }

  /** Sends until nothing is outstanding or `ms` pass; returns how many never came back. */
  async function drain(ms) {
    const deadline = Date.now() + ms;
    while (answered < sent && Date.now() < deadline) await sleep(20);
    return sent - answered;
  }

  function reset() {
    sent = 0;
    answered = 0;
    unmatched = 0;
    for (const q of pending) q.length = 0;
  }

  // probe
  const probeDeadline = Date.now() + (plan.probeTimeoutMs || 30000);
  while (answered === 0) {
    if (Date.now() > probeDeadline) throw new Error('the server never answered');
    for (let i = 0; i < devices; i++) publishOne();
    await sleep(100);
  }
  await sleep(200);
  reset();

  const result = { qos };

  if (plan.saturationMs) {
    // Warm-up then measurement, same loop; lost messages free their window slot when
    // nothing has come back for 250 ms.
    let lost = 0;
    let lastProgress = performance.now();
    let lastAnswered = 0;
    let stopping = false;
    const topUp = () => {
      if (stopping) return;
      let budget = 64; // yield to the socket now and then
      // Corked, a burst of publishes leaves in one write instead of one syscall each.
      pub.stream.cork();
      while (sent - answered - lost < window && budget-- > 0) publishOne();
      process.nextTick(() => pub.stream.uncork());
      if (sent - answered - lost < window) setImmediate(topUp);
    };
    onAnswer = () => {
      if (!stopping && sent - answered - lost >= window - 64) return;
      topUp();
    };
    const watchdog = setInterval(() => {
      const now = performance.now();
      if (answered !== lastAnswered) {
        lastAnswered = answered;
        lastProgress = now;
      } else if (now - lastProgress > 250 && sent - answered - lost > 0) {
        lost = sent - answered;
        lastProgress = now;
        topUp();
      }
    }, 50);
    topUp();
    await sleep(plan.warmMs || 1000);
    const start = { t: performance.now(), answered, sent };
    await sleep(plan.saturationMs);
    const end = { t: performance.now(), answered, sent };
    stopping = true;
    onAnswer = null;
    clearInterval(watchdog);
    const missing = await drain(3000);
    result.saturation = {
      commandsPerSecond: ((end.answered - start.answered) * 1000) / (end.t - start.t),
      sentPerSecond: ((end.sent - start.sent) * 1000) / (end.t - start.t),
      sent,
      answered,
      lost: missing,
      lossRate: sent ? missing / sent : 0,
      window,
    };
    await sleep(200);
    reset();
  }

  if (plan.rate && plan.rateMs) {
    const rate = plan.rate;
    await sleep(300);
    latencies = [];
    const t0 = performance.now();
    const warmUntil = t0 + (plan.rateWarmMs || 500);
    let recordedFrom = null;
    await new Promise((resolve) => {
      const tick = setInterval(() => {
        const now = performance.now();
        const due = Math.floor(((now - t0) * rate) / 1000);
        while (sent < due) publishOne();
        if (recordedFrom === null && now >= warmUntil) {
          latencies.length = 0;
          recordedFrom = { sent, answered };
        }
        if (now - t0 >= (plan.rateWarmMs || 500) + plan.rateMs) {
          clearInterval(tick);
          resolve();
        }
      }, 2);
    });
    const missing = await drain(3000);
    const measured = latencies.slice().sort((a, b) => a - b);
    latencies = null;
    result.rate = {
      rate,
      achievedPerSecond: (sent * 1000) / (performance.now() - t0),
      samples: measured.length,
      p50: percentile(measured, 50),
      p99: percentile(measured, 99),
      max: measured.length ? measured[measured.length - 1] : null,
      sent,
      answered,
      lost: missing,
      lossRate: sent ? missing / sent : 0,
      unmatched,
    };
  }

  await Promise.all([pub.endAsync(), sub.endAsync()]);
  return result;
}

process.on('message', (plan) => {
  run(plan).then(
    (result) => {
      process.send({ result }, () => process.exit(0));
    },
    (err) => {
      process.send({ error: String((err && err.stack) || err) }, () => process.exit(1));
    },
  );
});
