'use strict';
// Real MQTT brokers for the tests, always on a free loopback port so they never touch
// a broker the machine already runs: an embedded aedes broker (always available), and
// private processes of Mosquitto, NATS (its MQTT gateway, with JetStream) and RabbitMQ
// (its MQTT plugin) whenever they are installed (required when CI is set).
const net = require('net');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const HOST = '127.0.0.1';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const { port } = /** @type {import('net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

function waitForPort(port, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect(port, HOST);
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${HOST}:${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** The first of `candidates` that exists, else what `command -v name` finds, else null. */
function findBinary(name, candidates) {
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Where the mosquitto binary is, or null. */
function mosquittoPath() {
  return findBinary('mosquitto', [
    '/usr/sbin/mosquitto',
    '/usr/bin/mosquitto',
    '/usr/local/sbin/mosquitto',
    '/usr/local/bin/mosquitto',
  ]);
}

/** Where the nats-server binary is, or null. */
function natsPath() {
  return findBinary('nats-server', ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']);
}

/**
 * Where RabbitMQ's own start script is (not the packaged wrapper, which switches to the
 * rabbitmq user and so could not use our temp dir), or null. Its MQTT plugin must be there too.
 */
function rabbitmqPath() {
  for (const candidate of ['/usr/lib/rabbitmq/bin/rabbitmq-server', '/usr/local/lib/rabbitmq/bin/rabbitmq-server']) {
    if (!fs.existsSync(candidate)) continue;
    // The release's sbin/ holds the script, its plugins/ beside it.
    const plugins = path.join(path.dirname(fs.realpathSync(candidate)), '..', 'plugins');
    try {
      if (fs.readdirSync(plugins).some((p) => /^rabbitmq_mqtt-/.test(p))) return candidate;
    } catch {
      // no plugins folder: not a usable installation
    }
  }
  return null;
}

/**
 * An embedded aedes broker. `stop()` closes the listener and drops every client (an
 * outage); `start()` listens again on the same port (and does nothing while listening).
 * The broker (and its retained messages) lives on across an outage, as a real broker's
 * persistence would.
 */
async function startAedes(options = {}) {
  const { Aedes } = require('aedes');
  const aedes = await Aedes.createBroker(options.aedes || {});
  const port = options.port || (await freePort());
  let server;
  const sockets = new Set();
  const broker = {
    kind: 'aedes',
    port,
    url: `mqtt://${HOST}:${port}`,
    aedes,
    async start() {
      if (server) return; // already listening
      server = net.createServer(aedes.handle);
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, HOST, resolve);
      });
    },
    async stop() {
      if (!server) return;
      const closing = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closing;
      server = undefined;
    },
    async close() {
      await broker.stop();
      await /** @type {Promise<void>} */ (new Promise((resolve) => aedes.close(resolve)));
    },
  };
  await broker.start();
  return broker;
}

/**
 * A Mosquitto process of our own. `stop()` kills it (an outage; with `persistence` on,
 * retained messages survive as they would on a real installation); `start()` runs it
 * again on the same port with the same configuration (and does nothing while it runs).
 */
async function startMosquitto(options = {}) {
  const bin = mosquittoPath();
  if (!bin) throw new Error('mosquitto is not installed');
  const port = options.port || (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-mosquitto-'));
  const lines = [
    `listener ${port} ${HOST}`,
    'allow_anonymous true',
    'set_tcp_nodelay true',
    'persistence true',
    `persistence_location ${dir}/`,
    'autosave_interval 1',
    'max_queued_messages 100000',
    // Run as root, Mosquitto would switch to its own user and could not write its
    // persistence file in our temp dir, so retained messages would not survive a restart.
    ...(process.getuid && process.getuid() === 0 ? ['user root'] : []),
    ...(options.extraConfig || []).filter(
      (line) => !(line === 'user root' && process.getuid && process.getuid() === 0),
    ),
  ];
  if (options.config) lines.splice(0, lines.length, ...options.config(port, dir));
  const confFile = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(confFile, lines.join('\n') + '\n');
  let child;
  let log = '';
  const broker = {
    kind: 'mosquitto',
    port,
    dir,
    url: `mqtt://${HOST}:${port}`,
    get log() {
      return log;
    },
    async start() {
      if (child && child.exitCode === null) return; // already running
      child = spawn(bin, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d) => (log += d));
      child.stderr.on('data', (d) => (log += d));
      const exited = new Promise((_, reject) =>
        child.once('exit', (code) => reject(new Error(`mosquitto exited (${code}): ${log}`))),
      );
      await Promise.race([waitForPort(port), exited]);
      exited.catch(() => {});
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      const c = child;
      await new Promise((resolve) => {
        c.once('exit', resolve);
        c.kill('SIGTERM');
      });
      child = undefined;
    },
    async close() {
      await broker.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}

/**
 * A broker process of our own: `start()` spawns `bin args` (in its own process group, so
 * everything it starts goes with it) and waits until `port` accepts connections;
 * `stop()` ends it with SIGTERM and waits (an outage; its data in `dir` stays, so a
 * restart keeps retained messages and sessions); `close()` also removes `dir`.
 * @param {{ kind: string, bin: string, args: string[], env?: NodeJS.ProcessEnv, port: number, dir: string,
 *   readyPorts?: number[], startTimeoutMs?: number, extra?: object }} options
 */
function processBroker({ kind, bin, args, env, port, dir, readyPorts = [port], startTimeoutMs = 10000, extra = {} }) {
  let child;
  let log = '';
  const broker = {
    kind,
    port,
    dir,
    url: `mqtt://${HOST}:${port}`,
    ...extra,
    get log() {
      return log;
    },
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) return; // already running
      child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, detached: true });
      child.stdout.on('data', (d) => (log += d));
      child.stderr.on('data', (d) => (log += d));
      const exited = new Promise((_, reject) =>
        child.once('exit', (code) => reject(new Error(`${kind} exited (${code}): ${log}`))),
      );
      exited.catch(() => {});
      try {
        await Promise.race([Promise.all(readyPorts.map((p) => waitForPort(p, startTimeoutMs))), exited]);
      } catch (err) {
        await broker.stop();
        throw err;
      }
    },
    async stop() {
      if (!child) return;
      const c = child;
      child = undefined;
      if (c.exitCode === null && c.signalCode === null) {
        await new Promise((resolve) => {
          c.once('exit', resolve);
          killGroup(c.pid, 'SIGTERM');
        });
      }
      // Whatever it left behind in its group (RabbitMQ's port programs) goes too.
      killGroup(c.pid, 'SIGKILL');
    },
    async close() {
      await broker.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return broker;
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * A NATS server of our own with its MQTT gateway (which needs JetStream and a server
 * name): client port and MQTT port both free loopback ports, JetStream's store in a temp
 * dir. `broker.port` is the MQTT port.
 */
async function startNats(options = {}) {
  const bin = natsPath();
  if (!bin) throw new Error('nats-server is not installed');
  const port = options.port || (await freePort());
  const clientPort = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-nats-'));
  const confFile = path.join(dir, 'nats.conf');
  fs.writeFileSync(
    confFile,
    [
      `listen: "${HOST}:${clientPort}"`,
      `server_name: "nightlight_test_${port}"`,
      `jetstream { store_dir: "${path.join(dir, 'js')}" }`,
      `mqtt { listen: "${HOST}:${port}" }`,
      '',
    ].join('\n'),
  );
  const broker = processBroker({
    kind: 'nats',
    bin,
    args: ['-c', confFile],
    port,
    dir,
    readyPorts: [clientPort, port],
    extra: { clientPort },
  });
  await broker.start();
  return broker;
}

/**
 * A RabbitMQ node of our own with the rabbitmq_mqtt plugin, beside any RabbitMQ the
 * machine runs: its own node name, AMQP, distribution and MQTT ports (free loopback
 * ports), data and log dirs and Erlang cookie, all in a temp dir. It takes seconds to
 * boot, so it is given up to a minute. `broker.port` is the MQTT port.
 */
async function startRabbitMQ(options = {}) {
  const bin = rabbitmqPath();
  if (!bin) throw new Error('rabbitmq-server (with its rabbitmq_mqtt plugin) is not installed');
  const port = options.port || (await freePort());
  const amqpPort = await freePort();
  const distPort = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-rabbitmq-'));
  const file = (name, text) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const cookie = file('.erlang.cookie', `NIGHTLIGHT${process.pid}${port}${Date.now()}`);
  fs.chmodSync(cookie, 0o400);
  const config = file(
    'rabbitmq.conf',
    [
      `listeners.tcp.default = ${HOST}:${amqpPort}`,
      `mqtt.listeners.tcp.default = ${HOST}:${port}`,
      'mqtt.allow_anonymous = true',
      'log.console = true',
      'log.file = false',
      '',
    ].join('\n'),
  );
  const env = {
    HOME: dir, // the Erlang cookie is read from $HOME
    RABBITMQ_NODENAME: `nightlight${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: HOST,
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: config,
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: file('rabbitmq-env.conf', ''),
    RABBITMQ_ENABLED_PLUGINS_FILE: file('enabled_plugins', '[rabbitmq_mqtt].\n'),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_PLUGINS_EXPAND_DIR: path.join(dir, 'plugins-expand'),
    ERL_EPMD_ADDRESS: HOST,
    ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const broker = processBroker({
    kind: 'rabbitmq',
    bin,
    args: [],
    env,
    port,
    dir,
    startTimeoutMs: 60000,
    extra: { amqpPort },
  });
  await broker.start();
  return broker;
}

/**
 * What each broker does with the parts of MQTT that differ between them, as measured
 * with the mqtt client against aedes 1.2, Mosquitto 2.0, NATS 2.9 and RabbitMQ 3.10
 * (test/brokers/capabilities.spec.js keeps these true). Tests assert these behaviours
 * where a broker cannot do something, instead of skipping.
 * - mqtt5: accepts an MQTT 5 connection (else refuses it: a CONNACK with "unacceptable
 *   protocol version", or RabbitMQ closes the socket without a CONNACK);
 * - sharedSubscriptions: `$share/<group>/<filter>` splits messages across the group (the
 *   others grant the subscription as an ordinary topic that nobody publishes to);
 * - retainedToWildcards: a retained message reaches a new `+` or `#` subscription (all
 *   deliver it to an exact subscription);
 * - dot / space: a `.` or a space in a topic is 'ok', 'refused' (SUBACK failure and, on
 *   publish, the connection is closed) or, for `.`, a 'level' separator (`a.b/c` is `a/b/c`);
 * - starLevel: a `*` that is a whole level of a subscription's filter is 'literal' or, as
 *   on NATS and RabbitMQ, a one-level 'wildcard' like `+`;
 * - hashSeesDollarTopics: a `#` subscription also receives topics that begin with `$` (NATS
 *   shows it its own `$MQTT/...` and `$JS/...` traffic; MQTT says `#` must not match them);
 * - qos2: 'ok' end to end, 'downgraded' (a QoS 2 subscription is granted QoS 1 and a QoS 2
 *   publish is delivered at QoS 1) or 'refused' (granted QoS 1, and a QoS 2 publish closes
 *   the connection).
 */
const CAPABILITIES = {
  aedes: {
    mqtt5: false,
    sharedSubscriptions: false,
    retainedToWildcards: true,
    dot: 'ok',
    space: 'ok',
    starLevel: 'literal',
    hashSeesDollarTopics: false,
    qos2: 'ok',
  },
  mosquitto: {
    mqtt5: true,
    sharedSubscriptions: true,
    retainedToWildcards: true,
    dot: 'ok',
    space: 'ok',
    starLevel: 'literal',
    hashSeesDollarTopics: false,
    qos2: 'ok',
  },
  nats: {
    mqtt5: false,
    sharedSubscriptions: false,
    retainedToWildcards: true,
    dot: 'refused',
    space: 'refused',
    starLevel: 'wildcard',
    hashSeesDollarTopics: true,
    qos2: 'refused',
  },
  rabbitmq: {
    mqtt5: false,
    sharedSubscriptions: false,
    retainedToWildcards: false,
    dot: 'level',
    space: 'ok',
    starLevel: 'wildcard',
    hashSeesDollarTopics: false,
    qos2: 'downgraded',
  },
};

const BROKERS = {
  aedes: { start: startAedes, installed: () => true },
  mosquitto: { start: startMosquitto, installed: mosquittoPath, missing: 'no mosquitto binary' },
  nats: { start: startNats, installed: natsPath, missing: 'no nats-server binary' },
  rabbitmq: {
    start: startRabbitMQ,
    installed: rabbitmqPath,
    missing: 'no rabbitmq-server with its rabbitmq_mqtt plugin',
  },
};

/** Every broker kind the tests know, for `forEachBroker(define, { brokers: ALL_BROKERS })`. */
const ALL_BROKERS = Object.keys(BROKERS);

/**
 * Calls `define(brokerFactory, kind, capabilities)` once per broker of `brokers` (by
 * default aedes and Mosquitto; NIGHTLIGHT_BROKERS, a comma-separated list, changes that
 * default; NIGHTLIGHT_ONLY_BROKERS narrows any list to the kinds it names). The factory's broker carries `capabilities` too. A broker that is not
 * installed is skipped with the reason printed, unless CI is set, where it fails the run.
 * @param {(brokerFactory: any, kind: string, capabilities: any) => void} define
 * @param {{ brokers?: string[] }} [options]
 */
function forEachBroker(define, { brokers } = {}) {
  const list = (value) => value.split(',').map((k) => k.trim());
  let kinds =
    brokers || (process.env.NIGHTLIGHT_BROKERS ? list(process.env.NIGHTLIGHT_BROKERS) : ['aedes', 'mosquitto']);
  // The compatibility matrix tests Node-RED, not brokers: it narrows every list to the embedded one.
  if (process.env.NIGHTLIGHT_ONLY_BROKERS)
    kinds = kinds.filter((k) => list(process.env.NIGHTLIGHT_ONLY_BROKERS).includes(k));
  for (const kind of kinds) {
    const entry = BROKERS[kind];
    if (!entry) throw new Error(`unknown broker kind "${kind}" (known: ${ALL_BROKERS.join(', ')})`);
    if (entry.installed()) {
      const start = async (options) => Object.assign(await entry.start(options), { capabilities: CAPABILITIES[kind] });
      define(start, kind, CAPABILITIES[kind]);
    } else if (process.env.CI) {
      describe(kind, () => {
        it('is installed (required when CI is set)', () => {
          throw new Error(`${entry.missing} found; CI requires it`);
        });
      });
    } else {
      describe(kind, () => {
        it(`is skipped: ${entry.missing} on this machine (install it to run these tests)`, function () {
          this.skip();
        });
      });
    }
  }
}

/**
 * Inside a describe: a fresh broker from `startBroker` for each test (or, with
 * `{ perTest: false }`, one for the whole suite), handed to `use`, and closed afterwards.
 */
function useBroker(startBroker, use, { perTest = true } = {}) {
  let broker;
  (perTest ? beforeEach : before)(async function () {
    broker = await startBroker();
    use(broker);
  });
  (perTest ? afterEach : after)(async function () {
    if (broker) await broker.close();
    broker = undefined;
  });
}

module.exports = {
  HOST,
  freePort,
  waitForPort,
  mosquittoPath,
  natsPath,
  rabbitmqPath,
  startAedes,
  startMosquitto,
  startNats,
  startRabbitMQ,
  forEachBroker,
  useBroker,
  ALL_BROKERS,
  CAPABILITIES,
};
