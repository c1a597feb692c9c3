'use strict';
// Issue 7.4: the nightlight on a secured Mosquitto (TLS with a test CA, a user per device,
// a topic ACL). The documented flow (docs/secure-nightlight.json) connects and works end
// to end with its passwords in Node-RED's credential store, never in the flow JSON; a
// client without credentials cannot connect; a device cannot command another device.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const mqtt = require('mqtt');
const { helper, ours, core, until, useServer } = require('../support/runtime');
const os = require('os');
const { mosquittoPath, startMosquitto, HOST } = require('../support/brokers');
const { startSecureMosquitto, passwordLine, handToBrokerUser, which } = require('../support/tls');

const DOC_FLOW = path.join(__dirname, '..', '..', 'docs', 'secure-nightlight.json');
const coreDir = path.dirname(require.resolve('@node-red/nodes/package.json'));
const tlsConfig = require(path.join(coreDir, 'core/network/05-tls.js'));
const NODES = [
  ours.lightTelemetry,
  ours.decide,
  ours.ledCommand,
  core.mqtt,
  tlsConfig,
  core.inject,
  core.debug,
  core.comment,
  core.catch,
];

/** The documented flow, pointed at the test broker and certificates, with helper nodes tapping the LED. */
function docFlow(secure, extra = []) {
  const flow = JSON.parse(fs.readFileSync(DOC_FLOW, 'utf8'));
  for (const node of flow) {
    if (node.type === 'tls-config')
      Object.assign(node, { ca: secure.certs.ca, cert: secure.certs.client.crt, key: secure.certs.client.key });
    if (node.type === 'mqtt-broker') Object.assign(node, { broker: '127.0.0.1', port: String(secure.broker.port) });
    if (node.id === 'secure-led') node.wires[0].push('kitchen-led');
  }
  const z = flow.find((n) => n.type === 'tab').id;
  return [
    ...flow,
    { id: 'kitchen-led', type: 'helper', z, x: 700, y: 320 },
    { id: 'catch', type: 'catch', z, x: 100, y: 500, scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z, x: 300, y: 500 },
    ...extra.map((n) => (n.type === 'mqtt-broker' ? n : { z, x: 100, y: 400, ...n })),
  ];
}

function connect(url, options) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('connection closed')));
  });
}

function tlsOptions(secure, withClientCert = true) {
  const files = { ca: fs.readFileSync(secure.certs.ca) };
  if (withClientCert)
    Object.assign(files, {
      cert: fs.readFileSync(secure.certs.client.crt),
      key: fs.readFileSync(secure.certs.client.key),
    });
  return { ...files, servername: 'localhost', rejectUnauthorized: true };
}

const missing = !mosquittoPath() ? 'mosquitto' : !which('openssl') ? 'openssl' : null;

describe('security: TLS, per-device credentials and topic ACLs on Mosquitto', function () {
  this.timeout(30000);
  if (missing) {
    it(`needs ${missing}`, function () {
      if (process.env.CI) throw new Error(`${missing} is not installed; CI requires it`);
      console.log(`      skipped: ${missing} is not installed (install it to run the security tests)`);
      this.skip();
    });
    return;
  }

  useServer();
  let secure;
  before(async function () {
    secure = await startSecureMosquitto({ devices: ['kitchen', 'hall'] });
  });
  after(async function () {
    if (secure) await secure.broker.close();
  });

  function credentials() {
    return {
      'secure-device-broker': { user: 'kitchen', password: secure.passwords.kitchen },
      'secure-server-broker': { user: secure.server, password: secure.passwords[secure.server] },
      'hall-broker': { user: 'hall', password: secure.passwords.hall },
    };
  }

  it('the documented flow connects over TLS with stored credentials and runs the nightlight end to end', async function () {
    await helper.load(NODES, docFlow(secure), credentials());
    const led = [];
    const caught = [];
    helper.getNode('kitchen-led').on('input', (m) => led.push(m.payload));
    helper.getNode('caught').on('input', (m) => caught.push(m.error.message));
    await until(
      () => helper.getNode('secure-device-broker').connected && helper.getNode('secure-server-broker').connected,
      'both clients connected',
      15000,
    );
    await new Promise((r) => setTimeout(r, 300)); // subscriptions in place

    helper.getNode('secure-telemetry').receive({ payload: 120 });
    await until(() => led.length === 1, 'the LED switched on');
    helper.getNode('secure-telemetry').receive({ payload: 800 });
    await until(() => led.length === 2, 'the LED switched off');
    assert.deepStrictEqual(led, [true, false]);
    assert.deepStrictEqual(caught, []);
  });

  it('keeps the passwords out of the flow: not in the file, not in what the editor loads and exports', async function () {
    await helper.load(NODES, docFlow(secure), credentials());
    const secrets = Object.values(secure.passwords);
    const file = fs.readFileSync(DOC_FLOW, 'utf8');
    assert.ok(
      !/"(password|passphrase|user|credentials)"\s*:/.test(file),
      'the documented flow holds no credential field',
    );

    // What the admin API's GET /flows answers: what the editor loads, shows and exports.
    const text = JSON.stringify(helper._redNodes.getFlows());
    assert.ok(text.includes('secure-server-broker'), 'the deployed flow is there');
    for (const s of secrets) assert.ok(!text.includes(s), 'the deployed flow configuration has no password');
    assert.ok(!/"(password|user)"\s*:/.test(text), 'and no credential fields');

    // The credential store holds them, and the broker node uses them from there.
    const stored = JSON.stringify(await helper.credentials.export());
    assert.ok(stored.includes(secure.passwords[secure.server]), 'the server password is in the credential store');
    assert.strictEqual(helper.getNode('secure-server-broker').credentials.password, secure.passwords[secure.server]);
    await until(() => helper.getNode('secure-server-broker').connected, 'the server connected with them', 15000);
  });

  it('refuses clients without credentials, with a wrong password, without a client certificate, or without TLS', async function () {
    const url = secure.broker.url;
    const attempts = [
      ['no user name or password', () => connect(url, tlsOptions(secure))],
      [
        'a wrong password',
        () => connect(url, { ...tlsOptions(secure), username: 'kitchen', password: 'not-the-password' }),
      ],
      [
        "another user's password",
        () => connect(url, { ...tlsOptions(secure), username: 'kitchen', password: secure.passwords.hall }),
      ],
      [
        'no client certificate',
        () => connect(url, { ...tlsOptions(secure, false), username: 'kitchen', password: secure.passwords.kitchen }),
      ],
      [
        'plain MQTT without TLS',
        () =>
          connect(`mqtt://127.0.0.1:${secure.broker.port}`, {
            username: 'kitchen',
            password: secure.passwords.kitchen,
          }),
      ],
      [
        'an unknown CA',
        () =>
          connect(url, {
            ...tlsOptions(secure),
            ca: fs.readFileSync(secure.certs.client.crt),
            username: 'kitchen',
            password: secure.passwords.kitchen,
          }),
      ],
    ];
    for (const [what, attempt] of attempts) {
      let client;
      try {
        client = await attempt();
      } catch {
        continue;
      }
      client.end(true);
      assert.fail(`a client with ${what} connected`);
    }
    // And the right credentials do connect, so the refusals above are about credentials.
    const ok = await connect(url, { ...tlsOptions(secure), username: 'kitchen', password: secure.passwords.kitchen });
    ok.end(true);
  });

  it('a device cannot command another device, read its commands, or speak for it', async function () {
    const hall = [
      {
        id: 'hall-broker',
        type: 'mqtt-broker',
        name: 'hall',
        broker: '127.0.0.1',
        port: String(secure.broker.port),
        tls: 'secure-tls',
        usetls: true,
        clientid: 'hall-nightlight-client',
        protocolVersion: '4',
        keepalive: '60',
        cleansession: true,
      },
      {
        id: 'hall-in',
        type: 'mqtt in',
        topic: 'hall/commands',
        qos: '1',
        datatype: 'auto-detect',
        broker: 'hall-broker',
        wires: [['hall-led']],
      },
      { id: 'hall-led', type: 'led-command', wires: [['hall-out']] },
      { id: 'hall-out', type: 'helper' },
    ];
    await helper.load(NODES, docFlow(secure, hall), credentials());
    const hallLed = [];
    helper.getNode('hall-out').on('input', (m) => hallLed.push(m.payload));
    await until(
      () => ['secure-device-broker', 'secure-server-broker', 'hall-broker'].every((id) => helper.getNode(id).connected),
      'all clients connected',
      15000,
    );
    await new Promise((r) => setTimeout(r, 300));

    // The hall's own reading: bright, so the server commands its LED off.
    const hallDevice = await connect(secure.broker.url, {
      ...tlsOptions(secure),
      username: 'hall',
      password: secure.passwords.hall,
      clientId: 'hall-sensor',
    });
    await hallDevice.publishAsync('hall/telemetry', JSON.stringify({ light: 900 }), { qos: 1 });
    await until(() => hallLed.length === 1, 'the hall LED set by the server');
    assert.deepStrictEqual(hallLed, [false]);

    // The kitchen device, with valid credentials, attacks the hall.
    const kitchen = await connect(secure.broker.url, {
      ...tlsOptions(secure),
      username: 'kitchen',
      password: secure.passwords.kitchen,
      clientId: 'kitchen-attacker',
    });
    const stolen = [];
    kitchen.on('message', (topic, payload) => stolen.push([topic, String(payload)]));
    await kitchen.subscribeAsync(['hall/commands', '+/commands', '#'], { qos: 1 });
    await kitchen.publishAsync('hall/commands', JSON.stringify({ led_on: true, seq: 1e9, ts: Date.now() + 1e9 }), {
      qos: 1,
      retain: true,
    });
    await kitchen.publishAsync('hall/telemetry', JSON.stringify({ light: 0 }), { qos: 1 });
    await kitchen.publishAsync('hall/commands', JSON.stringify({ led_on: true }), { qos: 0 });
    // Its own telemetry still works, and is answered after the attacks were handled.
    await kitchen.publishAsync('kitchen/telemetry', JSON.stringify({ light: 50 }), { qos: 1 });
    await until(() => stolen.some(([t]) => t === 'kitchen/commands'), "the kitchen's own command");
    await new Promise((r) => setTimeout(r, 500));

    assert.deepStrictEqual(hallLed, [false], 'the hall LED never changed');
    assert.deepStrictEqual(
      stolen.map(([t]) => t).filter((t) => t !== 'kitchen/commands'),
      [],
      'the kitchen read nothing but its own commands',
    );
    // What the hall gets on reconnecting is still the server's command.
    const retained = await connect(secure.broker.url, {
      ...tlsOptions(secure),
      username: 'hall',
      password: secure.passwords.hall,
      clientId: 'hall-check',
    });
    const got = new Promise((resolve) =>
      retained.once('message', (topic, payload) => resolve(JSON.parse(String(payload)))),
    );
    await retained.subscribeAsync('hall/commands', { qos: 1 });
    assert.strictEqual((await got).led_on, false);
    for (const c of [hallDevice, kitchen, retained]) c.end(true);
  });

  it('writes password files Mosquitto accepts when mosquitto_passwd is not installed', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-passwd-'));
    fs.writeFileSync(path.join(dir, 'passwords'), passwordLine('kitchen', 'correct horse') + '\n', { mode: 0o600 });
    handToBrokerUser(dir);
    const broker = await startMosquitto({
      config: (port, d) => [
        `listener ${port} ${HOST}`,
        'allow_anonymous false',
        `password_file ${dir}/passwords`,
        `persistence_location ${d}/`,
      ],
    });
    try {
      (await connect(broker.url, { username: 'kitchen', password: 'correct horse' })).end(true);
      await assert.rejects(connect(broker.url, { username: 'kitchen', password: 'wrong horse' }));
    } finally {
      await broker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
