#!/usr/bin/env node
'use strict';
// Scale-out benchmark (issue 8): throughput of the scale-out example
// (examples/05-scale-out-server.json) with one and with two Node-RED processes sharing
// `$share/nightlight/+/telemetry` on one private Mosquitto (MQTT 5, loopback, free port).
//
// For each instance count: every device publishes its readings as fast as the load client
// can (QoS 1, devices interleaved in a shuffled order), and the run ends when every reading
// has been decided (counted by a Complete node on nightlight decide, read over HTTP).
// Besides readings per second it reports what the free-running race (two instances
// deciding one device before the other's command came back) costs and whether it
// converges: commands beyond one server's, repairs (a command re-sent at the same reading
// position because an older one reached the broker after it), devices whose command
// sequence differs from one server's, commands an LED command node would apply that go
// back to an older reading (should be 0), devices whose retained command is not the newest
// decision (should be 0), and devices whose final state differs from one server's (a
// reading inside the hysteresis band decided from a state the instance did not know yet).
// Then one more reading per device outside the band, sent once all is quiet, and how many
// devices are wrong after it (should be 0).
//
//   node bench/scale-out.js [--devices 100] [--readings 50] [--instances 1,2] [--quick] [--json]
//
// Needs `npm run build` first and a mosquitto binary; without one it says so and exits 0.
const fs = require('fs');
const path = require('path');
const http = require('http');

const root = path.join(__dirname, '..');
const { HOST, mosquittoPath, startMosquitto } = require('../test/support/brokers');
const { startNodeRed } = require('../test/support/node-red-process');
const S = require('../test/support/scale-out');

function parseArgs(argv) {
  const args = { devices: 100, readings: 50, instances: [1, 2], json: false };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--quick') Object.assign(args, { devices: 50, readings: 10 });
    else if (a === '--json') args.json = true;
    else if (a === '--devices') args.devices = Number(argv[++i]);
    else if (a === '--readings') args.readings = Number(argv[++i]);
    else if (a === '--instances') args.instances = argv[++i].split(',').map(Number);
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

/** The example as instance `name` runs it, with a counter of decided readings served at GET /bench/decided. */
function benchFlow(name, broker) {
  const flow = S.instanceFlow(name, broker, { probes: false });
  const z = flow.find((n) => n.type === 'tab').id;
  return flow.concat([
    {
      id: 'bench_complete',
      type: 'complete',
      z,
      scope: [S.DECIDE],
      uncaught: false,
      x: 400,
      y: 320,
      wires: [['bench_count']],
    },
    {
      id: 'bench_count',
      type: 'function',
      z,
      func: "if (String(msg.topic).endsWith('/telemetry')) flow.set('decided', (flow.get('decided') || 0) + 1);\nreturn null;",
      outputs: 1,
      x: 560,
      y: 320,
      wires: [],
    },
    {
      id: 'bench_http',
      type: 'http in',
      z,
      url: '/bench/decided',
      method: 'get',
      x: 400,
      y: 380,
      wires: [['bench_read']],
    },
    {
      id: 'bench_read',
      type: 'function',
      z,
      func: "msg.payload = { decided: flow.get('decided') || 0 };\nreturn msg;",
      outputs: 1,
      x: 560,
      y: 380,
      wires: [['bench_res']],
    },
    { id: 'bench_res', type: 'http response', z, statusCode: '', headers: {}, x: 720, y: 380, wires: [] },
  ]);
}

function decidedOn(instance) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: HOST, port: instance.port, path: '/bench/decided' }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(JSON.parse(text).decided));
      })
      .on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(predicate, what, timeoutMs = 120000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Waits until no new command has arrived for `quietMs`. */
async function quiet(observer, quietMs = 1000) {
  let last = -1;
  while (last !== observer.commandCount) {
    last = observer.commandCount;
    await sleep(quietMs);
  }
}

async function scenario(broker, observer, load, count, args, random) {
  const prefix = `i${count}x`;
  const ids = Array.from({ length: args.devices }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
  const lights = new Map(ids.map((id) => [id, S.lightSeries(args.readings, random)]));
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${String.fromCharCode(65 + i)}`);
  const instances = await Promise.all(
    names.map((name) =>
      startNodeRed({
        userDir: S.userDirWithPackage(),
        flows: benchFlow(name, broker),
        settings: { logging: { console: { level: 'warn', metrics: false, audit: false } } },
      }),
    ),
  );
  try {
    await until(() => names.every((n) => observer.births(n) > 0), 'the instances to connect', 60000);
    const decided = async () => (await Promise.all(instances.map(decidedOn))).reduce((a, b) => a + b, 0);
    const readings = [];
    for (let r = 0; r < args.readings; r += 1) {
      for (const id of S.shuffled(ids, random))
        readings.push({ id, light: lights.get(id)[r], seq: r + 1, ts: Date.now() });
    }
    const commandsBefore = observer.commandCount;
    const start = process.hrtime.bigint();
    await load.publish(readings);
    await until(async () => (await decided()) >= readings.length, 'every reading to be decided');
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    // Repairs may follow the last decision by a round trip or two: wait for a longer quiet.
    await quiet(observer, 2000);

    const race = {
      commands: observer.commandCount - commandsBefore,
      oneServer: 0,
      devicesDiffering: 0,
      resent: 0,
      ledBack: 0,
      notConverged: 0,
      wrongState: 0,
      wrongAfterSettle: 0,
    };
    const { isCommandAfter } = require(path.join(root, 'dist', 'nodes', 'lib', 'order'));
    const { LedState } = require(path.join(root, 'dist', 'nodes', 'lib', 'led'));
    const retained = await S.retainedCommands(broker);
    for (const id of ids) {
      const want = S.expectedCommands(lights.get(id).slice(0, args.readings));
      const seen = observer.commands.get(id) ?? [];
      race.oneServer += want.length;
      if (JSON.stringify(seen.map((c) => c.led_on)) !== JSON.stringify(want)) race.devicesDiffering += 1;
      race.resent += seen.filter((c, i) =>
        seen.slice(0, i).some((p) => p.seq === c.seq && p.ts === c.ts && p.led_on === c.led_on),
      ).length;
      // What an LED command node applies, in broker order: does it ever go back to an older reading's command?
      const led = new LedState();
      let applied;
      for (const c of seen) {
        if (led.apply(c).kind !== 'apply') continue;
        if (applied && c.seq < applied.seq) race.ledBack += 1;
        applied = c;
      }
      // Converged: the retained command has the state of the newest command sent.
      const newest = seen.reduce((best, c) => (isCommandAfter(c, best) ? c : best), undefined);
      if (retained.get(id)?.led_on !== newest?.led_on) race.notConverged += 1;
      if (retained.get(id)?.led_on !== want.at(-1)) race.wrongState += 1;
    }
    // One more reading per device once everything is quiet, outside the hysteresis band (so
    // its decision does not depend on the state before it): does each device end right?
    const last = ids.map((id) => [id, random() < 0.5 ? 100 : 900]);
    await load.publish(last.map(([id, light]) => ({ id, light, seq: args.readings + 1, ts: Date.now() })));
    await until(async () => (await decided()) >= readings.length + ids.length, 'the settling round');
    await quiet(observer);
    const after = await S.retainedCommands(broker);
    for (const [id, light] of last) if (after.get(id)?.led_on !== light < 300) race.wrongAfterSettle += 1;
    return { instances: count, readings: readings.length, seconds, perSecond: readings.length / seconds, race };
  } finally {
    await Promise.all(
      instances.map((i) => i.stop().then(() => fs.rmSync(i.userDir, { recursive: true, force: true }))),
    );
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!mosquittoPath()) {
    console.log('scale-out benchmark skipped: no mosquitto binary (aedes has no MQTT 5 shared subscriptions)');
    return;
  }
  if (!fs.existsSync(path.join(root, 'dist', 'nodes', 'nightlight-decide.js')))
    throw new Error('run `npm run build` first');
  const broker = await startMosquitto();
  const observer = await S.startObserver(broker);
  const load = await S.startLoad(broker);
  const random = S.seededRandom(8);
  const results = [];
  try {
    for (const count of args.instances) results.push(await scenario(broker, observer, load, count, args, random));
  } finally {
    await load.close();
    await observer.close();
    await broker.close();
  }
  if (args.json) {
    console.log(
      JSON.stringify(
        { benchmark: 'scale-out', devices: args.devices, readingsPerDevice: args.readings, results },
        null,
        2,
      ),
    );
    return;
  }
  console.log(
    `scale-out: ${args.devices} devices x ${args.readings} readings, QoS 1, one Mosquitto (MQTT 5), emit on change, hysteresis band 50`,
  );
  console.log(
    'instances  readings/s  seconds  commands (one server)  repairs  devices differing  LED went back  not converged  wrong vs one server  wrong after one more reading',
  );
  for (const r of results) {
    const c = r.race;
    console.log(
      [
        String(r.instances).padEnd(9),
        r.perSecond.toFixed(0).padStart(10),
        r.seconds.toFixed(2).padStart(7),
        `${c.commands} (${c.oneServer})`.padStart(21),
        String(c.resent).padStart(7),
        String(c.devicesDiffering).padStart(17),
        String(c.ledBack).padStart(13),
        String(c.notConverged).padStart(13),
        String(c.wrongState).padStart(19),
        String(c.wrongAfterSettle).padStart(28),
      ].join('  '),
    );
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

module.exports = { main, scenario, benchFlow };
