'use strict';
// One server under test, run as a child process by bench/mqtt.js so its memory and CPU
// are its own. `node bench/server.js --variant V --broker mqtt://127.0.0.1:PORT --qos Q`
// Variants:
//   echo          bare mqtt.js client: subscribe +/telemetry, parse JSON, publish {led_on}
//   chain         Node-RED: mqtt in (parsed JSON) -> change (topic) -> switch (light < 300)
//                 -> change (payload {led_on}) -> mqtt out
//   function      Node-RED: mqtt in (parsed JSON) -> one function node -> mqtt out
//   ours-every    Node-RED: mqtt in -> nightlight decide (emit: every) -> mqtt out
//   ours-change   the same with emit: change (the default)
//   ours-every-unretained  ours-every publishing without retain (only with --variants)
//   floor         Node-RED: mqtt in (parsed JSON) -> change (topic) -> mqtt out. Not a
//                 server (it relays the reading as it came): the least any Node-RED flow
//                 pays to answer on another topic, so what is Node-RED's shows apart from ours
// It tells its parent "ready" over IPC once started; the load generator then probes
// until commands come back, so readiness does not depend on guessing a delay.
const { parseArgs } = require('./lib/common');
const { startRuntime } = require('./lib/nodered');
const { THRESHOLD, retopic, builtInChain, functionServer } = require('./lib/flows');

const args = parseArgs(process.argv.slice(2));
const variant = String(args.variant);
const brokerUrl = String(args.broker);
const qos = Number(args.qos) === 1 ? 1 : 0;

function tell(message) {
  if (process.send) process.send(message);
}

function echoServer() {
  const mqtt = require('mqtt');
  const client = mqtt.connect(brokerUrl, { clientId: `bench-echo-${process.pid}`, clean: true, reconnectPeriod: 1000 });
  client.on('connect', () => {
    client.subscribe('+/telemetry', { qos }, (err) => {
      if (err) throw err;
      tell({ ready: true });
    });
  });
  client.on('message', (topic, payload) => {
    let telemetry;
    try {
      telemetry = JSON.parse(payload.toString());
    } catch {
      return;
    }
    const id = topic.slice(0, topic.indexOf('/'));
    client.publish(`${id}/commands`, JSON.stringify({ led_on: telemetry.light < THRESHOLD }), { qos });
  });
}

/** The flow of a Node-RED variant: mqtt in -> middle -> mqtt out, all on one tab. */
function flowFor(name, port) {
  const tab = { id: 'tab', type: 'tab', label: 'bench' };
  const broker = {
    id: 'broker',
    type: 'mqtt-broker',
    name: 'bench',
    broker: '127.0.0.1',
    port: String(port),
    clientid: '',
    autoConnect: true,
    usetls: false,
    protocolVersion: '4',
    keepalive: '60',
    cleansession: true,
    autoUnsubscribe: true,
    birthTopic: '',
    closeTopic: '',
    willTopic: '',
  };
  const node = (n) => ({ z: 'tab', x: 100, y: 100, ...n });
  const mqttIn = (wires) =>
    node({
      id: 'in',
      type: 'mqtt in',
      topic: '+/telemetry',
      qos: String(qos),
      datatype: 'json',
      broker: 'broker',
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      wires: [wires],
    });
  // Ours sets qos/retain on each command (defaults: 1 and retained); the out node keeps them.
  const mqttOut = (fromMsg) =>
    node({
      id: 'out',
      type: 'mqtt out',
      topic: '',
      qos: fromMsg ? '' : String(qos),
      retain: fromMsg ? '' : 'false',
      broker: 'broker',
      wires: [],
    });
  if (name === 'chain') return [tab, broker, mqttIn(['topic']), ...builtInChain(node, 'topic', 'out'), mqttOut(false)];
  if (name === 'floor') return [tab, broker, mqttIn(['topic']), retopic(node, 'topic', 'out'), mqttOut(false)];
  if (name === 'function') return [tab, broker, mqttIn(['fn']), functionServer(node, 'fn', 'out'), mqttOut(false)];
  if (name === 'ours-every' || name === 'ours-change' || name === 'ours-every-unretained') {
    return [
      tab,
      broker,
      mqttIn(['decide']),
      node({
        id: 'decide',
        type: 'nightlight-decide',
        telemetryTopic: '{id}/telemetry',
        commandTopic: '{id}/commands',
        threshold: String(THRESHOLD),
        emit: name === 'ours-change' ? 'change' : 'every',
        qos: String(qos),
        retain: name !== 'ours-every-unretained',
        wires: [['out']],
      }),
      mqttOut(true),
    ];
  }
  throw new Error(`unknown variant ${name}`);
}

/** The many-devices example, pointed at the benchmark's broker. */
function exampleFlow(port) {
  const { prepareExample } = require('../test/support/examples');
  const simulated = ['nl3_comment_sim', 'nl3_tick', 'nl3_sim', 'nl3_sim_out'];
  const devices = Number(args.devices) || 0;
  return prepareExample('03-server-many-devices.json', { port }, { drop: simulated }).map((n) => {
    if (n.type === 'nightlight-decide' && devices > Number(n.maxDevices)) return { ...n, maxDevices: devices };
    if (n.type === 'debug' && args['quiet-debug']) return { ...n, active: false };
    return n;
  });
}

async function nodeRedServer() {
  const url = new URL(brokerUrl);
  const flows = variant === 'example' ? exampleFlow(Number(url.port)) : flowFor(variant, Number(url.port));
  await startRuntime({ flows });
  tell({ ready: true });
}

process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));

if (variant === 'echo') echoServer();
else
  nodeRedServer().catch((err) => {
    console.error(err);
    process.exit(1);
  });
