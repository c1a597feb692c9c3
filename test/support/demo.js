'use strict';
// `npm start` as the tests run it: scripts/start.js in a child process with a temporary demo
// directory (NIGHTLIGHT_DEMO_DIR, never the project's .demo) and a free editor port, and the
// admin API calls the specs make on it.
const assert = require('assert');
const path = require('path');
const { spawn } = require('child_process');
const { until } = require('./runtime');
const { freePort } = require('./brokers');
const { request } = require('./node-red-process');

const START = path.join(__dirname, '..', '..', 'scripts', 'start.js');
const V2 = { 'Node-RED-API-Version': 'v2' };

/**
 * Runs scripts/start.js with `env` and `args` (MQTT_URL empty unless given: the embedded
 * broker). `out` is everything it printed, `stdout` its standard output; `ready()` resolves
 * once the banner is printed, `stop()` sends Ctrl-C (SIGINT) and resolves with the exit code.
 * @param {{ dir: string, args?: string[], env?: Record<string, string> }} options
 */
async function startDemo({ dir, args = [], env = {} }) {
  const port = await freePort();
  const child = spawn(process.execPath, [START, ...args], {
    env: { ...process.env, PORT: String(port), MQTT_URL: '', NIGHTLIGHT_DEMO_DIR: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const demo = {
    child,
    port,
    out: '',
    stdout: '',
    /** @type {Promise<number | null>} */
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    ready: () =>
      until(() => demo.out.includes('Press Ctrl-C to stop.') || child.exitCode !== null, 'the demo banner', 60000).then(
        () => assert.strictEqual(child.exitCode, null, demo.out),
      ),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      return demo.exited;
    },
    request: (method, urlPath, body, headers) => request(port, method, urlPath, body, headers),
  };
  child.stdout.on('data', (d) => {
    demo.out += d;
    demo.stdout += d;
  });
  child.stderr.on('data', (d) => (demo.out += d));
  return demo;
}

/** The deployed flows (`{ rev, flows }`). */
async function flowsOf(demo) {
  const res = await demo.request('GET', '/flows', undefined, V2);
  assert.strictEqual(res.status, 200, res.text);
  return res.json;
}

/** Deploys `flows`: in full (every flow restarts), or only the nodes that changed (`type: 'nodes'`). */
async function deploy(demo, flows, type = 'full') {
  const res = await demo.request('POST', '/flows', flows, { 'Node-RED-Deployment-Type': type });
  assert.strictEqual(res.status, 204, res.text);
}

module.exports = { startDemo, flowsOf, deploy };
