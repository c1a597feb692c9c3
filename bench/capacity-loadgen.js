'use strict';
// One shard of the capacity benchmark's devices, in a process of its own (bench/capacity.js
// starts one or more). It plays `count` of the run's `devices` device ids over one
// publishing and one subscribing connection, and reports over IPC.
//
// Schedule: device g (0 <= g < devices, this shard has g = shard, shard + shards, ...)
// sends its r-th reading at t0 + g * period / devices + r * period: every device once per
// period, spread evenly over it. Readings alternate dark and bright ({"light":100} then
// {"light":900}), so every reading changes the decision and must produce a command; the
// expected led_on is known from the reading's number. A command is matched to its device's
// last reading when its led_on is the one that reading asks for.
//
// Counted from the readings sent in the measured window (after the warm-up):
//   latency  publish of a reading -> arrival of its command
//   lost     a reading whose command had not come when the device's next reading was due,
//            or (for the last ones) by the end of the drain
//   lag      how late the generator published each reading against its schedule
const mqtt = require('mqtt');
const { performance } = require('perf_hooks');
const { percentile } = require('./lib/common');

const DARK = 100;
const BRIGHT = 900;
const LED_ON = Buffer.from('"led_on"');
const T = 't'.charCodeAt(0);
const F = 'f'.charCodeAt(0);

/** led_on of a command, without parsing all of it (servers may put spaces after the colon). */
function ledOnOf(payload) {
  const at = payload.indexOf(LED_ON);
  if (at < 0) return undefined;
  for (let i = at + LED_ON.length; i < payload.length && i < at + LED_ON.length + 8; i++) {
    if (payload[i] === T) return true;
    if (payload[i] === F) return false;
  }
  return undefined;
}
const SUBSCRIBE_BATCH = 1000;

function connect(url, clientId) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { clientId, clean: true, reconnectPeriod: 0, keepalive: 60 });
    client.once('connect', () => {
      // The generator's own sockets add no delay; the server's are left as they ship.
      if (client.stream && client.stream.setNoDelay) client.stream.setNoDelay(true);
      resolve(client);
    });
    client.once('error', reject);
  });
}

/** The id of device g (shared with bench/capacity.js, which names them the same way). */
const deviceId = (g) => `cap${g}`;

async function prepare(plan) {
  const { broker, devices, shard, shards } = plan;
  const ids = [];
  for (let g = shard; g < devices; g += shards) ids.push(deviceId(g));
  const count = ids.length;
  const topics = ids.map((id) => `${id}/telemetry`);
  const index = new Map(ids.map((id, j) => [`${id}/commands`, j]));
  const pub = await connect(broker, `cap-pub-${shard}-${process.pid}`);
  const sub = await connect(broker, `cap-sub-${shard}-${process.pid}`);
  // Exact topics, so each shard receives only its own devices' commands.
  for (let i = 0; i < count; i += SUBSCRIBE_BATCH) {
    await sub.subscribeAsync(
      ids.slice(i, i + SUBSCRIBE_BATCH).map((id) => `${id}/commands`),
      { qos: 0 },
    );
  }
  return { ids, count, topics, index, pub, sub };
}

function run(plan, conn, t0) {
  const { devices, shard, shards, periodMs, warmMs, measureMs, drainMs } = plan;
  const { count, topics, index, pub, sub } = conn;
  const seq = new Int32Array(count); // readings sent per device
  const answered = new Int32Array(count); // the last reading answered
  const sentAt = new Float64Array(count); // when the last reading left
  const inWindow = new Uint8Array(count); // the last reading is one of the measured ones
  const latencies = [];
  const lags = [];
  let sent = 0;
  let measuredSent = 0;
  let lastMeasuredAt = 0; // when the last measured reading actually left
  let lost = 0;
  let received = 0;
  let unexpected = 0;
  const measureFrom = t0 + warmMs;
  const measureTo = measureFrom + measureMs;

  sub.on('message', (topic, payload) => {
    received++;
    const j = index.get(topic);
    if (j === undefined) return;
    const ledOn = ledOnOf(payload);
    const s = seq[j];
    if (ledOn === undefined || answered[j] === s || ledOn !== (s % 2 === 1)) {
      unexpected++;
      return;
    }
    answered[j] = s;
    if (inWindow[j]) latencies.push(performance.now() - sentAt[j]);
  });

  // The schedule: local device j is global device shard + j * shards.
  const step = periodMs / devices;
  const offset = (j) => (shard + j * shards) * step;
  let j = 0;
  let round = 0;
  const due = () => t0 + round * periodMs + offset(j);

  return new Promise((resolve) => {
    function publishDue() {
      const now = performance.now();
      if (now >= measureTo) return finish();
      let corked = false;
      while (due() <= now) {
        const at = due();
        if (at >= measureTo) break;
        if (!corked) {
          pub.stream.cork();
          corked = true;
        }
        const measured = at >= measureFrom;
        if (inWindow[j] && answered[j] !== seq[j]) lost++;
        const s = ++seq[j];
        sentAt[j] = now;
        inWindow[j] = measured ? 1 : 0;
        pub.publish(topics[j], s % 2 ? `{"light":${DARK}}` : `{"light":${BRIGHT}}`, { qos: 0 });
        sent++;
        if (measured) {
          measuredSent++;
          lastMeasuredAt = now;
          lags.push(now - at);
        }
        if (++j === count) {
          j = 0;
          round++;
        }
      }
      if (corked) process.nextTick(() => pub.stream.uncork());
      const wait = Math.max(0, Math.min(due(), measureTo) - performance.now());
      setTimeout(publishDue, Math.min(wait, 50));
    }

    async function finish() {
      const deadline = performance.now() + drainMs;
      const outstanding = () => {
        let n = 0;
        for (let k = 0; k < count; k++) if (inWindow[k] && answered[k] !== seq[k]) n++;
        return n;
      };
      while (outstanding() > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      lost += outstanding();
      latencies.sort((a, b) => a - b);
      lags.sort((a, b) => a - b);
      resolve({
        shard,
        devices: count,
        sent,
        measuredSent,
        // Over the time the measured readings actually took to leave (longer than the
        // window when the generator fell behind).
        readingsPerSecond: (measuredSent * 1000) / Math.max(measureMs, lastMeasuredAt - measureFrom),
        samples: latencies.length,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies.length ? latencies[latencies.length - 1] : null,
        lost,
        received,
        unexpected,
        lagP50: percentile(lags, 50),
        lagP99: percentile(lags, 99),
        lagMax: lags.length ? lags[lags.length - 1] : null,
        // Sent along so the parent can merge the shards' percentiles exactly.
        latencies,
      });
    }

    setTimeout(publishDue, Math.max(0, t0 - performance.now()));
  });
}

let conn = null;
let plan = null;
process.on('message', (m) => {
  if (m.plan) {
    plan = m.plan;
    prepare(plan).then(
      (c) => {
        conn = c;
        process.send({ ready: true });
      },
      (err) => process.send({ error: String((err && err.stack) || err) }, () => process.exit(1)),
    );
  } else if (m.startAt) {
    // The parent gives one wall-clock start to every shard; each turns it into its own clock.
    const t0 = performance.now() + (m.startAt - Date.now());
    run(plan, conn, t0)
      .then(async (result) => {
        await Promise.all([conn.pub.endAsync(), conn.sub.endAsync()]);
        process.send({ result }, () => process.exit(0));
      })
      .catch((err) => process.send({ error: String((err && err.stack) || err) }, () => process.exit(1)));
  }
});

module.exports = { deviceId };
