'use strict';
// Real MQTT brokers for the tests, always on a free loopback port so they never touch
// a broker the machine already runs: an embedded aedes broker (always available) and
// a Mosquitto process (whenever the binary is installed; required when CI is set).
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
      const { port } = server.address();
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

/** Where the mosquitto binary is, or null. */
function mosquittoPath() {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto']) {
    if (fs.existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/**
 * An embedded aedes broker. `stop()` closes the listener and drops every client (an
 * outage); `start()` listens again on the same port. The broker (and its retained
 * messages) lives on across an outage, as a real broker's persistence would.
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
      await new Promise((resolve) => aedes.close(resolve));
    },
  };
  await broker.start();
  return broker;
}

/**
 * A Mosquitto process of our own. `stop()` kills it (an outage; with `persistence` on,
 * retained messages survive as they would on a real installation); `start()` runs it
 * again on the same port with the same configuration.
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
    ...(options.extraConfig || []).filter((line) => !(line === 'user root' && process.getuid && process.getuid() === 0)),
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
      child = spawn(bin, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d) => (log += d));
      child.stderr.on('data', (d) => (log += d));
      const exited = new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`mosquitto exited (${code}): ${log}`))));
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
 * Calls `define(brokerFactory, kind)` once per real broker: aedes always, Mosquitto when
 * installed. Without Mosquitto the suite says why it skips, unless CI is set, where a
 * missing Mosquitto fails the run.
 */
function forEachBroker(define) {
  define(startAedes, 'aedes');
  if (mosquittoPath()) {
    define(startMosquitto, 'mosquitto');
  } else if (process.env.CI) {
    describe('mosquitto', () => {
      it('is installed (required when CI is set)', () => {
        throw new Error('mosquitto binary not found; CI requires it');
      });
    });
  } else {
    describe('mosquitto', () => {
      it('is skipped: no mosquitto binary on this machine (install it to run these tests)', function () {
        this.skip();
      });
    });
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

module.exports = { HOST, freePort, waitForPort, mosquittoPath, startAedes, startMosquitto, forEachBroker, useBroker };
