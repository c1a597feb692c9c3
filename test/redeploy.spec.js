'use strict';
// Issue 7.2: 200 redeploys (full, and modified-nodes) while telemetry flows through a real
// broker, counting what a leak would leave behind: active timers and handles, listeners on
// the runtime's event bus, and the heap after garbage collection. Also pins down what a
// modified-nodes deploy keeps (the nodes that were not modified, with their state) and what
// it resets (a modified node starts fresh), as docs/limits.md documents.
const assert = require('assert');
const v8 = require('v8');
const vm = require('vm');
const mqtt = require('mqtt');
const { helper, ours, core, until, useServer, onTab } = require('./support/runtime');
const { startAedes } = require('./support/brokers');

const DEPLOYS = Number(process.env.REDEPLOY_COUNT) || 200;
/** Heap growth allowed from the 20th deploy to the last, after GC: a leak of one flow's worth per deploy would exceed it. */
const HEAP_BOUND_MB = 8;
const WARMUP = 20;

v8.setFlagsFromString('--expose-gc');
const gc = global.gc || vm.runInNewContext('gc');

function collectGarbage() {
  for (let i = 0; i < 3; i++) gc();
}

/** Active handles and requests by type (Timeout, TCPSocketWrap, Immediate...). */
function resources() {
  const counts = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] || 0) + 1;
  return counts;
}

function listenerCounts(emitter) {
  const counts = {};
  for (const name of emitter.eventNames()) counts[String(name)] = emitter.listenerCount(name);
  return counts;
}

/** Starts the runtime's deploy of `flow` and resolves once the flows have started again. */
async function deploy(flow, type) {
  const started = new Promise((resolve) => helper._events.once('flows:started', resolve));
  await helper._redNodes.setFlows(flow, {}, type);
  await started;
}

/** The whole system on one tab, with the nodes' options set from `variant` so a deploy can modify them. */
function systemFlow(port, variant) {
  return onTab([
    {
      id: 'broker',
      type: 'mqtt-broker',
      broker: '127.0.0.1',
      port: String(port),
      clientid: '',
      protocolVersion: '4',
      keepalive: '60',
      cleansession: true,
      autoConnect: true,
    },
    {
      id: 'sensor',
      type: 'inject',
      props: [{ p: 'payload' }],
      payload: '150',
      payloadType: 'num',
      repeat: '0.05',
      once: true,
      onceDelay: '0',
      wires: [['telemetry']],
    },
    {
      id: 'telemetry',
      type: 'light-telemetry',
      deviceId: 'dev0',
      deviceIdType: 'str',
      topic: '{id}/telemetry',
      qos: '0',
      wires: [['telemetry-out', 'telemetry-seen']],
    },
    { id: 'telemetry-seen', type: 'helper' },
    { id: 'telemetry-out', type: 'mqtt out', broker: 'broker', wires: [] },
    {
      id: 'telemetry-in',
      type: 'mqtt in',
      topic: '+/telemetry',
      qos: '0',
      datatype: 'auto-detect',
      broker: 'broker',
      wires: [['decide']],
    },
    {
      id: 'decide',
      type: 'nightlight-decide',
      threshold: variant % 2 ? 300 : 301,
      emit: 'every',
      wires: [['command-out']],
    },
    { id: 'command-out', type: 'mqtt out', broker: 'broker', wires: [] },
    {
      id: 'command-in',
      type: 'mqtt in',
      topic: 'dev0/commands',
      qos: '0',
      datatype: 'auto-detect',
      broker: 'broker',
      wires: [['led']],
    },
    { id: 'led', type: 'led-command', format: variant % 3 ? 'boolean' : 'onoff', emit: 'every', wires: [['led-seen']] },
    { id: 'led-seen', type: 'helper' },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ]);
}

describe('redeploy', function () {
  useServer();

  it(`${DEPLOYS} full and modified-nodes deploys with traffic flowing leak no timers, listeners or memory`, async function () {
    this.timeout(240000);
    const broker = await startAedes();
    // Traffic from outside as well: five more devices publishing through the broker all along.
    const outside = mqtt.connect(broker.url, { reconnectPeriod: 100 });
    let n = 0;
    const publisher = setInterval(
      () => outside.connected && outside.publish(`dev${1 + (n++ % 5)}/telemetry`, JSON.stringify({ light: n % 600 })),
      5,
    );
    try {
      await helper.load(
        [ours.lightTelemetry, ours.decide, ours.ledCommand, core.mqtt, core.inject, core.catch],
        systemFlow(broker.port, 0),
      );
      let baseline;
      let heapAtWarmup;
      let oldNodes;
      const errors = [];
      for (let i = 1; i <= DEPLOYS; i++) {
        await deploy(systemFlow(broker.port, i), i % 2 ? 'nodes' : 'full');
        helper._sandbox.resetHistory();
        if (i === WARMUP || i === DEPLOYS) {
          // Traffic must flow again after the deploy, end to end through the broker.
          const led = [];
          const caught = [];
          helper.getNode('led-seen').on('input', (m) => led.push(m.payload));
          helper.getNode('caught').on('input', (m) => caught.push(m.error.message));
          await until(() => helper.getNode('broker').connected, 'the broker connection after a deploy');
          await until(() => led.length >= 3, 'commands reaching the LED after a deploy');
          errors.push(...caught);
          await new Promise((r) => setTimeout(r, 200));
          // The test helper's spies record every call on every node (with its messages); drop
          // that record so only what the runtime and our nodes hold is measured.
          helper._sandbox.resetHistory();
          collectGarbage();
          const snapshot = {
            resources: resources(),
            listeners: listenerCounts(helper._events),
            heap: process.memoryUsage().heapUsed,
          };
          if (i === WARMUP) {
            baseline = snapshot;
            heapAtWarmup = snapshot.heap;
            oldNodes = ['telemetry', 'decide', 'led'].map((id) => [id, new WeakRef(helper.getNode(id))]);
          } else {
            await new Promise((r) => setTimeout(r, 10));
            collectGarbage();
            const alive = oldNodes.filter(([, ref]) => ref.deref() !== undefined).map(([id]) => id);
            assert.deepStrictEqual(alive, [], 'nodes replaced by later deploys are garbage collected');
            const growthMb = (snapshot.heap - heapAtWarmup) / 1048576;
            console.log(
              `      heap after GC: ${(heapAtWarmup / 1048576).toFixed(1)} MB at deploy ${WARMUP}, ${(snapshot.heap / 1048576).toFixed(1)} MB at deploy ${DEPLOYS}`,
            );
            console.log(
              `      active resources at deploy ${WARMUP}: ${JSON.stringify(baseline.resources)}; at ${DEPLOYS}: ${JSON.stringify(snapshot.resources)}`,
            );
            assert.deepStrictEqual(snapshot.listeners, baseline.listeners, 'runtime event listeners');
            for (const type of new Set([...Object.keys(baseline.resources), ...Object.keys(snapshot.resources)])) {
              // A few timers and sockets come and go with the traffic itself; a leak adds one or more per deploy.
              // Immediates are one-shot callbacks queued at that instant: their count follows the traffic (and
              // the machine's load), like the timers'.
              const slack = type === 'Timeout' || type === 'Immediate' ? 10 : 3;
              assert.ok(
                (snapshot.resources[type] || 0) <= (baseline.resources[type] || 0) + slack,
                `${type}: ${baseline.resources[type] || 0} -> ${snapshot.resources[type] || 0}`,
              );
            }
            assert.ok(
              growthMb < HEAP_BOUND_MB,
              `heap grew ${growthMb.toFixed(1)} MB over ${DEPLOYS - WARMUP} deploys (bound ${HEAP_BOUND_MB} MB)`,
            );
          }
        }
      }
      assert.deepStrictEqual(errors, [], 'no node reported an error');
    } finally {
      clearInterval(publisher);
      outside.end(true);
      await helper.unload();
      await broker.close();
    }
  });

  describe('what a modified-nodes deploy keeps and resets', function () {
    function stateFlow(threshold, format) {
      return onTab([
        {
          id: 'telemetry',
          type: 'light-telemetry',
          deviceId: 'dev0',
          topic: '{id}/telemetry',
          wires: [['telemetry-seen']],
        },
        { id: 'telemetry-seen', type: 'helper' },
        { id: 'decide', type: 'nightlight-decide', threshold, emit: 'change', wires: [['decide-seen']] },
        { id: 'decide-seen', type: 'helper' },
        { id: 'led', type: 'led-command', format, emit: 'change', wires: [['led-seen']] },
        { id: 'led-seen', type: 'helper' },
      ]);
    }

    /** Sends one message to each node and returns what each one output (or null). */
    async function step() {
      const seen = {};
      const listeners = ['telemetry-seen', 'decide-seen', 'led-seen'].map((id) => {
        seen[id] = null;
        const listener = (m) => (seen[id] = m);
        helper.getNode(id).on('input', listener);
        return () => helper.getNode(id).removeListener('input', listener);
      });
      helper.getNode('telemetry').receive({ payload: 100 });
      helper.getNode('decide').receive({ topic: 'dev0/telemetry', payload: { light: 100 } });
      helper.getNode('led').receive({ payload: { led_on: true } });
      await new Promise((r) => setTimeout(r, 100));
      listeners.forEach((remove) => remove());
      return {
        seq: seen['telemetry-seen'] && seen['telemetry-seen'].payload.seq,
        decided: seen['decide-seen'] && seen['decide-seen'].payload.led_on,
        led: seen['led-seen'] && seen['led-seen'].payload,
      };
    }

    it('unmodified nodes keep their state, a modified node starts fresh, a full deploy resets all', async function () {
      await helper.load([ours.lightTelemetry, ours.decide, ours.ledCommand], stateFlow(300, 'boolean'));
      assert.deepStrictEqual(await step(), { seq: 1, decided: true, led: true }, 'first messages');
      assert.deepStrictEqual(await step(), { seq: 2, decided: null, led: null }, 'no change, nothing new to say');

      // Modify decide only: it forgets its devices and answers the next reading again.
      await deploy(stateFlow(301, 'boolean'), 'nodes');
      assert.deepStrictEqual(await step(), { seq: 3, decided: true, led: null }, 'after modifying decide');

      // Modify the LED node only: it forgets the LED state; telemetry keeps counting; decide keeps its devices.
      await deploy(stateFlow(301, 'number'), 'nodes');
      assert.deepStrictEqual(await step(), { seq: 4, decided: null, led: 1 }, 'after modifying the LED node');

      // A full deploy restarts every node.
      await deploy(stateFlow(301, 'number'), 'full');
      assert.deepStrictEqual(await step(), { seq: 1, decided: true, led: 1 }, 'after a full deploy');
    });
  });
});
