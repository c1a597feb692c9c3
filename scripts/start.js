#!/usr/bin/env node
// `npm start`: the whole nightlight on this machine. Starts an embedded MQTT broker on
// 127.0.0.1:1883 (or uses MQTT_URL), a Node-RED with this package installed and the
// whole-system example deployed against that broker, prints the editor URL, and stops
// everything on Ctrl-C.
'use strict';
const fs = require('fs');
const os = require('os');
const net = require('net');
const path = require('path');
const { spawn } = require('child_process');
const { linkPackage } = require('./link-package');

const root = path.join(__dirname, '..');
const HOST = '127.0.0.1';

function listenOn(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.removeListener('error', reject);
      resolve(server.address().port);
    });
  });
}

async function freePort(preferred) {
  const probe = net.createServer();
  try {
    const port = await listenOn(probe, preferred).catch(() => listenOn(probe, 0));
    return port;
  } finally {
    await new Promise((resolve) => probe.close(resolve));
  }
}

/** The broker to use: MQTT_URL when set, else an embedded aedes broker (1883, or a free port when 1883 is taken). */
async function startBroker() {
  if (process.env.MQTT_URL) {
    const url = new URL(process.env.MQTT_URL);
    console.log(`MQTT broker: ${process.env.MQTT_URL} (from MQTT_URL)`);
    return { host: url.hostname, port: Number(url.port || 1883), close: async () => {} };
  }
  const { Aedes } = require('aedes');
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  let port;
  try {
    port = await listenOn(server, 1883);
    console.log(`MQTT broker: embedded, mqtt://${HOST}:${port}`);
  } catch (err) {
    if (err.code !== 'EADDRINUSE') throw err;
    port = await listenOn(server, 0);
    console.log(`MQTT broker: port 1883 is already taken, so the embedded broker listens on mqtt://${HOST}:${port}`);
    console.log('             and the deployed flow is pointed at it (set MQTT_URL to use another broker).');
  }
  return {
    host: HOST,
    port,
    close: () =>
      new Promise((resolve) => {
        server.close();
        aedes.close(resolve);
      }),
  };
}

/** A Node-RED user directory with this package (and the demo's extra nodes) linked in and the flows written. */
function prepareUserDir(broker) {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-demo-'));
  const modules = path.join(userDir, 'node_modules');
  linkPackage(userDir);
  const flows = JSON.parse(fs.readFileSync(path.join(root, 'examples', '01-whole-system.json'), 'utf8'));
  for (const node of flows) {
    if (node.type === 'mqtt-broker') {
      node.broker = broker.host;
      node.port = String(broker.port);
    }
  }
  const extraFlows = path.join(root, 'scripts', 'demo-dashboard.js');
  if (fs.existsSync(extraFlows)) require(extraFlows).addDashboard({ flows, modules, root });
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = ${JSON.stringify({
      uiHost: HOST,
      flowFile: 'flows.json',
      credentialSecret: false,
      logging: { console: { level: 'info', metrics: false, audit: false } },
      editorTheme: { tours: false, projects: { enabled: false } },
      externalModules: { palette: { allowInstall: false } },
      diagnostics: { enabled: false },
    })};\n`,
  );
  return userDir;
}

function waitForHttp(port, child, timeoutMs = 60000) {
  const http = require('http');
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error('Node-RED exited while starting'));
      http
        .get({ host: HOST, port, path: '/flows', headers: { 'Node-RED-API-Version': 'v2' } }, (res) => {
          res.resume();
          if (res.statusCode === 200) resolve();
          else retry();
        })
        .on('error', retry);
    };
    const retry = () => (Date.now() > deadline ? reject(new Error('Node-RED did not start in time')) : setTimeout(attempt, 250));
    attempt();
  });
}

async function main() {
  const broker = await startBroker();
  const userDir = prepareUserDir(broker);
  const uiPort = Number(process.env.PORT) || (await freePort(1880));
  const red = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--port', String(uiPort), '--settings', path.join(userDir, 'settings.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false' },
  });
  const log = fs.createWriteStream(path.join(userDir, 'node-red.log'));
  red.stdout.pipe(log);
  red.stderr.pipe(log);

  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping Node-RED and the broker...');
    if (red.exitCode === null) {
      await new Promise((resolve) => {
        red.once('exit', resolve);
        red.kill('SIGINT');
        setTimeout(() => red.kill('SIGKILL'), 5000).unref();
      });
    }
    await broker.close();
    fs.rmSync(userDir, { recursive: true, force: true });
    console.log('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  red.on('exit', (code) => {
    if (!stopping) {
      console.error(`Node-RED exited (${code}); its log: ${path.join(userDir, 'node-red.log')}`);
      stopping = true;
      broker.close().then(() => process.exit(1));
    }
  });

  await waitForHttp(uiPort, red);
  console.log(`Node-RED editor: http://${HOST}:${uiPort}/`);
  if (fs.existsSync(path.join(root, 'scripts', 'demo-dashboard.js'))) console.log(`Dashboard:       http://${HOST}:${uiPort}/dashboard`);
  console.log('The whole-system example is deployed: watch the LED status flip as the simulated light crosses 300.');
  console.log('Press Ctrl-C to stop.');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
