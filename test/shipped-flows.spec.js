'use strict';
// Every flow we ship (examples/, docs/) is what a new user opens first. A node of ours
// that lacks a property its editor defines opens with an empty (often red) field, shows rows
// its mode hides, and is marked modified by Done without any edit. This holds each of our
// nodes in every shipped flow to its type's editor `defaults`, read by running the node's
// .html as the editor does, and checks the example settings the issue asks for.
const assert = require('assert');
const { OUR_TYPES, shippedFlows, editorDefinition, propertyProblem, prepareExample } = require('./support/examples');
const { startAedes } = require('./support/brokers');

/** Node properties Node-RED keeps beside a type's defaults. */
const LAYOUT = new Set(['id', 'type', 'z', 'g', 'x', 'y', 'w', 'h', 'wires', 'd', 'info', 'l']);

describe("shipped flows carry every property their nodes' editors define", function () {
  const definitions = Object.fromEntries(OUR_TYPES.map((type) => [type, editorDefinition(type).definition]));
  const flows = shippedFlows();

  it('reads the defaults of each type from its editor file', function () {
    for (const type of OUR_TYPES) {
      const defaults = definitions[type].defaults;
      assert.ok(defaults && Object.keys(defaults).length >= 10, `${type} registers its defaults`);
      for (const [property, rule] of Object.entries(defaults))
        assert.ok('value' in rule, `${type}.${property} has a default value`);
    }
    // The stand-in for the editor must let a validator refuse: a bad value is found.
    assert.ok(propertyProblem(definitions['light-telemetry'], {}, 'offline', 'sometimes'));
    assert.ok(propertyProblem(definitions['light-telemetry'], {}, 'maxBytes', ''));
    assert.ok(propertyProblem(definitions['nightlight-decide'], { mode: 'group' }, 'groupName', 'a/b'));
    assert.strictEqual(propertyProblem(definitions['nightlight-decide'], { mode: 'device' }, 'groupName', 'a/b'), null);
  });

  it('ships at least one of each of our node types', function () {
    const seen = new Set(flows.flatMap(({ nodes }) => nodes.map((n) => n.type)));
    for (const type of OUR_TYPES) assert.ok(seen.has(type), type);
  });

  for (const { file, nodes } of flows) {
    const ours = nodes.filter((n) => OUR_TYPES.includes(n.type));
    if (ours.length === 0) continue;
    it(`${file}: ${ours.map((n) => n.id).join(', ')} have every editor property, valid, of the default's type`, function () {
      const problems = [];
      for (const node of ours) {
        const { defaults } = definitions[node.type];
        for (const [property, rule] of Object.entries(defaults)) {
          if (!(property in node)) {
            problems.push(
              `${node.id} (${node.type}) lacks ${property} (the editor's default is ${JSON.stringify(rule.value)})`,
            );
            continue;
          }
          const value = node[property];
          if (typeof value !== typeof rule.value)
            problems.push(
              `${node.id}.${property} is ${JSON.stringify(value)}, a ${typeof value}; the editor keeps a ${typeof rule.value}`,
            );
          const problem = propertyProblem(definitions[node.type], node, property, value);
          if (problem) problems.push(`${node.id}.${property} = ${JSON.stringify(value)} ${problem}`);
        }
        for (const property of Object.keys(node)) {
          if (!LAYOUT.has(property) && !(property in defaults))
            problems.push(`${node.id} has ${property}, which its editor does not define (never shown, never saved)`);
        }
        if (node.type === 'led-command') {
          const outputs = node.state ? 2 : 1;
          if (node.outputs !== outputs)
            problems.push(`${node.id}: outputs ${node.outputs}, the dialog sets ${outputs} for state ${node.state}`);
          if ((node.wires || []).length !== outputs)
            problems.push(`${node.id}: ${(node.wires || []).length} wired outputs, ${outputs} expected`);
        }
      }
      assert.deepStrictEqual(problems, []);
    });
  }
});

describe('example settings', function () {
  const flows = Object.fromEntries(shippedFlows().map(({ file, nodes }) => [file.replace(/\\/g, '/'), nodes]));

  it('example 3 (server) keeps its session across a broker restart: fixed client id, clean session off, QoS 1 subscriptions', function () {
    const nodes = flows['examples/03-server-many-devices.json'];
    const brokers = nodes.filter((n) => n.type === 'mqtt-broker');
    assert.strictEqual(brokers.length, 1);
    const [broker] = brokers;
    assert.ok(typeof broker.clientid === 'string' && broker.clientid.length > 0, 'a fixed client id');
    assert.strictEqual(broker.cleansession, false);
    const subscriptions = nodes.filter((n) => n.type === 'mqtt in');
    assert.ok(subscriptions.length > 0);
    for (const n of subscriptions) assert.strictEqual(String(n.qos), '1', `${n.id} subscribes with QoS 1`);
    const ids = Object.values(flows).flatMap((f) =>
      f.filter(
        (n) =>
          n.type === 'mqtt-broker' &&
          n.clientid === broker.clientid &&
          n.port === broker.port &&
          n.broker === broker.broker,
      ),
    );
    assert.deepStrictEqual(
      ids.map((n) => n.clientid),
      [broker.clientid],
      'no other shipped flow uses that client id on the same broker',
    );
  });

  it('example 6 (Home Assistant) is wired as Home Assistant needs it, on an MQTT 5 broker that keeps its session, and says so on its canvas', function () {
    const nodes = flows['examples/06-home-assistant.json'];
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const [broker, ...more] = nodes.filter((n) => n.type === 'mqtt-broker');
    assert.strictEqual(more.length, 0);
    assert.strictEqual(Number(broker.protocolVersion), 5, 'Home Assistant requires MQTT 5 from 2027.1');
    assert.ok(typeof broker.clientid === 'string' && broker.clientid.length > 0, 'a fixed client id');
    assert.strictEqual(broker.cleansession, false);
    // With MQTT 5, clean session off keeps nothing unless the session outlives the connection.
    assert.ok(Number(broker.sessionExpiry) > 0, `a session expiry: ${JSON.stringify(broker.sessionExpiry)}`);
    const sameId = Object.values(flows).flatMap((f) =>
      f.filter((n) => n.type === 'mqtt-broker' && n.clientid === broker.clientid && n.port === broker.port),
    );
    assert.strictEqual(sameId.length, 1, 'no other shipped flow uses its client id');

    const [decide, ...others] = nodes.filter((n) => n.type === 'nightlight-decide');
    assert.strictEqual(others.length, 0);
    assert.deepStrictEqual([decide.mode, decide.discovery, decide.discoveryPrefix], ['device', true, 'homeassistant']);
    const subscriptions = nodes.filter((n) => n.type === 'mqtt in');
    assert.deepStrictEqual(subscriptions.map((n) => n.topic).sort(), [
      '+/availability',
      '+/commands',
      '+/control',
      '+/telemetry',
      'homeassistant/status',
    ]);
    for (const n of subscriptions) {
      assert.strictEqual(String(n.qos), '1', `${n.id} subscribes with QoS 1`);
      assert.deepStrictEqual(n.wires, [[decide.id]], `${n.id} feeds nightlight decide`);
    }
    const outs = decide.wires[0].map((id) => byId.get(id)).filter((n) => n.type === 'mqtt out');
    assert.strictEqual(outs.length, 1, 'one mqtt out publishes everything nightlight decide sends');
    assert.deepStrictEqual(
      [outs[0].topic, outs[0].qos, outs[0].retain],
      ['', '', ''],
      'it takes topic, QoS and retain from each message',
    );
    const catches = nodes.filter((n) => n.type === 'catch');
    assert.ok(
      catches.some((c) => c.scope.includes(decide.id) && c.wires[0].some((id) => byId.get(id).type === 'debug')),
      'a Catch node shows what nightlight decide refuses',
    );

    const injects = nodes.filter((n) => n.type === 'inject');
    for (const inject of injects) {
      assert.deepStrictEqual([inject.once, inject.repeat], [false, ''], `${inject.id} fires only when clicked`);
      for (const id of inject.wires.flat()) {
        const out = byId.get(id);
        assert.strictEqual(out.type, 'mqtt out', `${inject.id} publishes through the broker`);
        assert.strictEqual(out.retain, 'false', 'not retained: nightlight decide retains the whole control');
      }
    }
    assert.ok(
      injects.some(
        (n) =>
          /^[^/+#]+\/control$/.test(n.topic) &&
          n.payloadType === 'json' &&
          JSON.stringify(JSON.parse(n.payload)) === '{"mode":"on","for":60}',
      ),
      'a button publishes the sample control {"mode":"on","for":60}',
    );

    const titles = nodes.filter((n) => n.type === 'comment' && n.z === decide.z).map((c) => c.name);
    const says = (what, re) =>
      assert.ok(
        titles.some((t) => re.test(t)),
        `a comment's title (shown on the canvas) says ${what}: ${titles.join(' | ')}`,
      );
    says('what appears in Home Assistant', /Home Assistant.*Light level.*LED.*Mode.*Threshold/);
    says('that Home Assistant uses the same broker, an MQTT 5 one', /same broker.*MQTT 5.*Mosquitto 2/);
    says('what the control topic takes', /<id>\/control.*"mode".*"for".*"threshold"/);
  });

  it('example 5 (scale-out) says on its canvas that it needs an MQTT 5 broker, and can be tried without devices', function () {
    const nodes = flows['examples/05-scale-out-server.json'];
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const [broker] = nodes.filter((n) => n.type === 'mqtt-broker');
    assert.strictEqual(Number(broker.protocolVersion), 5);
    const tab = nodes.find((n) => n.type === 'tab');
    const comments = nodes.filter((n) => n.type === 'comment' && n.z === tab.id);
    assert.ok(
      comments.some((c) => /MQTT 5/.test(c.name) && /\$share/.test(c.name)),
      `a comment's title (shown on the canvas) names the MQTT 5 need: ${comments.map((c) => c.name).join(' | ')}`,
    );
    const decide = nodes.find((n) => n.type === 'nightlight-decide');
    const template = decide.telemetryTopic.split('/');
    const simulated = nodes.filter((n) => n.type === 'inject' && n.wires.flat().includes(decide.id));
    assert.ok(simulated.length >= 2, 'buttons feed readings into nightlight decide without a broker');
    const lights = [];
    for (const inject of simulated) {
      assert.strictEqual(
        inject.once,
        false,
        `${inject.id} fires only when clicked (the scale-out tests and benchmark run this flow)`,
      );
      assert.strictEqual(inject.repeat, '', `${inject.id} does not repeat`);
      const levels = inject.topic.split('/');
      assert.strictEqual(
        levels.length,
        template.length,
        `${inject.id} topic ${inject.topic} matches ${decide.telemetryTopic}`,
      );
      template.forEach((level, i) => level !== '{id}' && assert.strictEqual(levels[i], level));
      assert.strictEqual(inject.payloadType, 'json');
      lights.push(JSON.parse(inject.payload).light);
    }
    assert.ok(
      lights.some((l) => l < decide.threshold) && lights.some((l) => l >= decide.threshold + decide.band),
      `one dark and one bright reading: ${lights}`,
    );
    const shown = decide.wires[0].map((id) => byId.get(id)).filter((n) => n && n.type === 'debug');
    assert.ok(
      shown.some((d) => d.active && d.tostatus),
      'a debug node shows the commands decided, on the canvas too',
    );
  });
});

describe('example 5 without devices, on a broker without MQTT 5 (as npm start runs it)', function () {
  this.timeout(20000);
  const { helper, allNodes, collect, until, useServer } = require('./support/runtime');
  let broker;
  useServer();
  before(async function () {
    broker = await startAedes();
  });
  after(async function () {
    if (broker) await broker.close();
  });

  it('its buttons feed nightlight decide, and "commands it decided" shows each command', async function () {
    const flow = prepareExample('05-scale-out-server.json', broker, { probe: ['nl5_commands'] });
    await helper.load(allNodes, flow);
    const shown = collect(helper.getNode('nl5_commands'));
    const press = (id) => helper.getNode(id).receive({});
    press('nl5_sim_dark');
    await until(() => shown.length === 1, 'the command for the dark reading');
    press('nl5_sim_dark');
    press('nl5_sim_bright');
    await until(() => shown.length === 2, 'the command for the bright reading');
    // Emit on change: the second dark reading sent nothing.
    assert.deepStrictEqual(
      shown.map((m) => [m.topic, m.payload.led_on]),
      [
        ['sim-1/commands', true],
        ['sim-1/commands', false],
      ],
    );
  });
});

describe('example 3 through a broker restart (Mosquitto, sessions kept on disk)', function () {
  this.timeout(60000);
  const mqtt = require('mqtt');
  const { mosquittoPath, startMosquitto } = require('./support/brokers');
  const { loadExample } = require('./support/examples');
  const { helper, until, useServer } = require('./support/runtime');
  const SIMULATOR = ['nl3_tick', 'nl3_sim', 'nl3_sim_out'];
  let broker;
  useServer();
  beforeEach(async function () {
    if (!mosquittoPath()) {
      if (process.env.CI) throw new Error('mosquitto binary not found; CI requires it');
      this.skip();
    }
    broker = await startMosquitto();
  });
  afterEach(async function () {
    if (broker) await broker.close();
    broker = undefined;
  });

  /** Publishes one reading of `id` at QoS 1 from a lesson-like device, as its own short connection. */
  async function reading(id, light) {
    const device = await mqtt.connectAsync(broker.url, { clientId: `device-${id}`, reconnectPeriod: 0 });
    await device.publishAsync(`${id}/telemetry`, JSON.stringify({ light }), { qos: 1 });
    await device.endAsync();
  }

  /**
   * Loads example 3 (its settings, or `brokerProps` over them), restarts the broker, and has
   * device "porch" report dark while the server is still reconnecting (Node-RED retries every
   * 5 s; the reading is in the broker within moments of its start), then bright once the
   * server is back. Resolves with porch's commands, in order.
   */
  async function porchThroughRestart(brokerProps) {
    await loadExample('03-server-many-devices.json', broker, {
      drop: SIMULATOR,
      probe: ['nl3_cmd_debug'],
      brokerProps,
    });
    const commands = [];
    helper.getNode('nl3_cmd_debug').on('input', (msg) => commands.push(msg));
    const server = helper.getNode('nl3_broker');
    /** Until the server answers a reading of `id`: its subscription is in place. */
    const answered = (id) =>
      until(
        async () => {
          if (!commands.some((m) => m.topic === `${id}/commands`)) await reading(id, 500);
          return commands.some((m) => m.topic === `${id}/commands`);
        },
        `a command for ${id}`,
        20000,
      );
    await answered('before-restart');
    await broker.stop();
    await until(() => !server.connected, 'the server to notice the broker is gone');
    await broker.start();
    await reading('porch', 100);
    await until(() => server.connected, 'the server to reconnect', 20000);
    await answered('after-restart');
    await reading('porch', 800);
    await until(
      () => commands.some((m) => m.topic === 'porch/commands' && m.payload.led_on === false),
      'porch off',
      20000,
    );
    return commands.filter((m) => m.topic === 'porch/commands').map((m) => m.payload.led_on);
  }

  it('as shipped (fixed client id, clean session off): the reading sent while the server reconnected is decided', async function () {
    assert.deepStrictEqual(await porchThroughRestart(), [true, false]);
  });

  it('with a clean session instead, that reading would be lost (what the settings are for)', async function () {
    assert.deepStrictEqual(await porchThroughRestart({ clientid: '', cleansession: true }), [false]);
  });
});
