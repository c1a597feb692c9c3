'use strict';
// `npm start` as a new user meets it: an embedded broker, Node-RED with the package and the
// whole-system example deployed, the editor URL printed, a first command published, and a
// clean stop on Ctrl-C (SIGINT).
const assert = require('assert');
const path = require('path');
const { spawn } = require('child_process');
const { until } = require('./support/runtime');
const { freePort } = require('./support/brokers');
const { connect, subscribe } = require('./support/mqtt-clients');
const { request } = require('./support/node-red-process');

describe('npm start (scripts/start.js)', function () {
  this.timeout(90000);

  it('runs broker, Node-RED and the example, prints the editor URL, and stops cleanly on Ctrl-C', async function () {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'scripts', 'start.js')], {
      env: { ...process.env, PORT: String(port), MQTT_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let client;
    try {
      await until(() => out.includes('Node-RED editor:') || child.exitCode !== null, 'the editor URL', 60000);
      assert.ok(out.includes(`Node-RED editor: http://127.0.0.1:${port}/`), out);
      const brokerUrl = out.match(/mqtt:\/\/127\.0\.0\.1:\d+/)[0];

      const flows = await request(port, 'GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
      const types = flows.json.flows.map((n) => n.type);
      for (const type of ['light-telemetry', 'nightlight-decide', 'led-command']) assert.ok(types.includes(type), `${type} deployed`);

      client = await connect(brokerUrl);
      const commands = [];
      client.on('message', (topic, payload) => commands.push([topic, JSON.parse(payload.toString())]));
      await subscribe(client, 'nightlight-demo/commands', { qos: 1 });
      await until(() => commands.length > 0, 'a command from the deployed example', 20000);
      assert.strictEqual(typeof commands[0][1].led_on, 'boolean');
    } finally {
      if (client) client.end(true);
      const exited = new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
      child.kill('SIGINT');
      const code = await exited;
      assert.strictEqual(code, 0, out);
    }
    assert.ok(out.includes('Stopped.'), out);
  });
});
