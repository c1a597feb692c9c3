'use strict';
// Scale-out harness: several real Node-RED processes, each running the shipped scale-out
// example (examples/05-scale-out-server.json) against one Mosquitto over MQTT 5, plus an
// observer and a load client in this process. Probe nodes added to each instance report
// what it did, so a test (or the benchmark) can tell which instance decided which reading.
const fs = require('fs');
const os = require('os');
const path = require('path');
const mqtt = require('mqtt');
const { HOST } = require('./brokers');
const { linkPackage } = require('../../scripts/link-package');
const { startNodeRed } = require('./node-red-process');

const root = path.join(__dirname, '..', '..');
const EXAMPLE = path.join(root, 'examples', '05-scale-out-server.json');
const DECIDE = 'nl5_decide';
const BROKER = 'nl5_broker';
/** Where the probes report: `scaletest/<kind>/<instance>` (kinds: decided, fed, sent, birth, will). */
const REPORTS = 'scaletest';

/**
 * The function node each instance runs on every message nightlight decide finished with
 * (from a Complete node) and on every command it emitted: `decided` for a telemetry
 * message, `fed` for a command learned (or ignored) from the broker, `sent` for a command
 * it emitted (those carry `msg.deviceId`).
 */
function probeCode(name) {
  return [
    `const name = ${JSON.stringify(name)};`,
    "const p = msg.payload && typeof msg.payload === 'object' ? msg.payload : {};",
    "const kind = msg.deviceId !== undefined ? 'sent' : String(msg.topic).endsWith('/telemetry') ? 'decided' : 'fed';",
    "const id = msg.deviceId !== undefined ? msg.deviceId : String(msg.topic).split('/')[0];",
    `return { topic: '${REPORTS}/' + kind + '/' + name, payload: JSON.stringify({ id, seq: p.seq, ts: p.ts, led_on: p.led_on, light: p.light }) };`,
  ].join('\n');
}

/**
 * The scale-out example as instance `name` runs it against `broker`: its own client id,
 * a birth message (sent once its subscriptions are made) and a will (sent by the broker
 * when the instance dies), and the probe nodes. `decideProps` overrides fields of the
 * decide node (the benchmark sets `emit`); `feedback: false` unwires the command feedback
 * (the control run that shows what the feedback is for).
 */
function instanceFlow(name, broker, { decideProps = {}, feedback = true, probes = true } = {}) {
  let flow = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')).map((n) => {
    if (n.type === 'mqtt-broker') {
      return {
        ...n,
        broker: HOST,
        port: String(broker.port),
        clientid: `nightlight-scale-${name}`,
        birthTopic: `${REPORTS}/birth/${name}`,
        birthQos: '1',
        birthPayload: name,
        willTopic: `${REPORTS}/will/${name}`,
        willQos: '1',
        willPayload: name,
      };
    }
    if (n.id === DECIDE) return { ...n, ...decideProps, wires: probes ? [[...n.wires[0], 'scale_probe']] : n.wires };
    if (!feedback && n.type === 'mqtt in' && n.topic === '+/commands') return { ...n, wires: [[]] };
    return n;
  });
  // The example's debug node is for a user's editor: measured runs leave it out (a second wire
  // would make Node-RED clone every command), as before it existed.
  const debug = new Set(flow.filter((n) => n.type === 'debug').map((n) => n.id));
  for (const n of flow) if (n.wires) n.wires = n.wires.map((port) => port.filter((id) => !debug.has(id)));
  flow = flow.filter((n) => !debug.has(n.id));
  if (!probes) return flow;
  const z = flow.find((n) => n.type === 'tab').id;
  return flow.concat([
    {
      id: 'scale_complete',
      type: 'complete',
      z,
      name: '',
      scope: [DECIDE],
      uncaught: false,
      x: 420,
      y: 320,
      wires: [['scale_probe']],
    },
    {
      id: 'scale_probe',
      type: 'function',
      z,
      name: 'report',
      func: probeCode(name),
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      x: 600,
      y: 320,
      wires: [['scale_report']],
    },
    {
      id: 'scale_report',
      type: 'mqtt out',
      z,
      name: '',
      topic: '',
      qos: '1',
      retain: 'false',
      broker: BROKER,
      x: 780,
      y: 320,
      wires: [],
    },
  ]);
}

/** A fresh Node-RED user directory with this package linked in, as a palette install would place it. */
function userDirWithPackage() {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-scale-'));
  linkPackage(userDir);
  return userDir;
}

/**
 * Starts instance `name` (a Node-RED process) with the scale-out flow. Resolves when the
 * admin API answers; wait for its birth report (observer.births) before sending telemetry.
 */
async function startInstance(name, broker, options = {}) {
  const userDir = userDirWithPackage();
  const red = await startNodeRed({
    userDir,
    flows: instanceFlow(name, broker, options),
    settings: { logging: { console: { level: 'warn', metrics: false, audit: false } } },
  });
  return {
    name,
    red,
    /** Replaces the running flows (a full deploy through the admin API) with the scale-out flow built with `options`. */
    async deploy(deployOptions) {
      const res = await red.request('POST', '/flows', instanceFlow(name, broker, deployOptions), {
        'Node-RED-Deployment-Type': 'full',
      });
      if (res.status !== 204 && res.status !== 200) throw new Error(`deploy failed (${res.status}): ${res.text}`);
    },
    /** Ends the process at once, as a crash would: no clean MQTT disconnect, so the broker sends the will. */
    async kill() {
      await red.kill('SIGKILL');
    },
    async stop() {
      await red.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

function connect(url, options = {}) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { protocolVersion: 5, reconnectPeriod: 500, connectTimeout: 5000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

/**
 * Subscribes to the probes' reports and to every command, and keeps them: per instance
 * and kind, the reports in arrival order; per device, the commands in arrival order.
 */
async function startObserver(broker) {
  const client = await connect(broker.url, { clientId: `nightlight-scale-observer-${process.pid}` });
  const reports = {};
  const commands = new Map();
  const events = { birth: new Map(), will: new Map() };
  let commandCount = 0;
  client.on('message', (topic, payload) => {
    const parts = topic.split('/');
    if (parts[0] === REPORTS) {
      const [, kind, name] = parts;
      if (kind === 'birth' || kind === 'will') return events[kind].set(name, (events[kind].get(name) || 0) + 1);
      reports[name] = reports[name] || { decided: [], fed: [], sent: [] };
      reports[name][kind].push(JSON.parse(payload.toString()));
    } else if (parts[1] === 'commands' && payload.length > 0) {
      const list = commands.get(parts[0]) || [];
      list.push(JSON.parse(payload.toString()));
      commands.set(parts[0], list);
      commandCount += 1;
    }
  });
  await client.subscribeAsync({ [`${REPORTS}/#`]: { qos: 1 }, '+/commands': { qos: 1 } });
  const count = (name, kind) => (reports[name] ? reports[name][kind].length : 0);
  return {
    reports,
    commands,
    get commandCount() {
      return commandCount;
    },
    count,
    /** How many times instance `name` has (re)connected with its subscriptions made. */
    births: (name) => events.birth.get(name) || 0,
    /** Whether the broker has sent the will of instance `name` (it died without disconnecting). */
    gone: (name) => events.will.has(name),
    close: () => client.endAsync(true),
  };
}

/** Publishes telemetry the way many devices would, at QoS 1, and waits for every PUBACK. */
async function startLoad(broker) {
  const client = await connect(broker.url, { clientId: `nightlight-scale-load-${process.pid}` });
  return {
    /** `readings`: [{ id, light, seq, ts }]; resolves when the broker has acknowledged all of them. */
    publish(readings) {
      return Promise.all(
        readings.map(({ id, light, seq, ts }) =>
          client.publishAsync(`${id}/telemetry`, JSON.stringify({ light, seq, ts }), { qos: 1 }),
        ),
      );
    },
    close: () => client.endAsync(true),
  };
}

/** The retained command of every topic matching `filter` as a new subscriber gets it. */
async function retainedCommands(broker, filter = '+/commands', settleMs = 500) {
  const client = await connect(broker.url, { clientId: `nightlight-scale-retained-${process.pid}` });
  const retained = new Map();
  client.on('message', (topic, payload, packet) => {
    if (packet.retain && payload.length > 0) retained.set(topic.split('/')[0], JSON.parse(payload.toString()));
  });
  await client.subscribeAsync(filter, { qos: 1 });
  // Retained messages are sent right after the SUBACK; a short quiet period collects them.
  let size = -1;
  while (size !== retained.size) {
    size = retained.size;
    await new Promise((r) => setTimeout(r, settleMs));
  }
  await client.endAsync(true);
  return retained;
}

/** A small seeded pseudo-random generator (mulberry32), so a failing run can be replayed. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The items in a random order drawn from `random`. */
function shuffled(items, random) {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Light levels for one device: dark and bright spells of 2 to 5 readings, so the decision
 * crosses the threshold many times, with some readings inside the hysteresis band
 * (between threshold and threshold + band), where the right decision depends on the
 * state before it.
 */
function lightSeries(count, random, { threshold = 300, band = 50 } = {}) {
  const out = [];
  let dark = random() < 0.5;
  while (out.length < count) {
    const spell = 2 + Math.floor(random() * 4);
    for (let i = 0; i < spell && out.length < count; i += 1) {
      const inBand = band > 0 && random() < 0.25;
      if (inBand) out.push(threshold + Math.floor(random() * band));
      else
        out.push(dark ? Math.floor(random() * (threshold - 50)) : threshold + band + 20 + Math.floor(random() * 500));
    }
    dark = !dark;
  }
  return out;
}

/**
 * What one server deciding every reading of a device in order would command: the lesson's
 * rule with hysteresis (on below `threshold`; once on, off only at `threshold + band` or
 * more), a command for the first reading and then one per change (emit on change).
 * `initial` is the LED state the device already has (none: the first reading is a command).
 * Written here independently of the library, as the reference the instances must match.
 * @param {number[]} lights
 * @param {{ threshold?: number, band?: number, initial?: boolean }} [options]
 */
function expectedCommands(lights, { threshold = 300, band = 50, initial } = {}) {
  const out = [];
  let led = initial;
  for (const light of lights) {
    const next = light < (led === true ? threshold + band : threshold);
    if (next !== led) out.push(next);
    led = next;
  }
  return out;
}

module.exports = {
  REPORTS,
  DECIDE,
  instanceFlow,
  userDirWithPackage,
  startInstance,
  startObserver,
  startLoad,
  retainedCommands,
  seededRandom,
  shuffled,
  lightSeries,
  expectedCommands,
};
