#!/usr/bin/env node
// `npm start`: the whole nightlight on this machine. Starts an embedded MQTT broker on
// 127.0.0.1:1883 (or uses MQTT_URL), a Node-RED with this package installed and the
// whole-system example deployed against that broker, prints the editor URL, and stops
// everything on Ctrl-C.
//
// Node-RED's user directory is `.demo/` in the project (NIGHTLIGHT_DEMO_DIR moves it), kept
// between runs: the first run writes the example's flows, the demo dashboard and its Fleet
// page, later runs keep the user's flows (a directory from before the Fleet page gets it
// added, once). `npm start -- --fresh` deletes it and starts over.
'use strict';
const fs = require('fs');
const net = require('net');
const path = require('path');
const { spawn } = require('child_process');
const { linkPackage, name: packageName } = require('./link-package');

const root = path.join(__dirname, '..');
const HOST = '127.0.0.1';
const EXAMPLE = path.join(root, 'examples', '01-whole-system.json');
/**
 * Bumped when what a demo directory holds changes. An older directory keeps the user's flows,
 * gets what the newer layouts add (once: deleted later, it stays deleted), and the user is told.
 * 1: example 1 and the dashboard. 2: the Fleet page, its simulated devices and the +/control input.
 */
const LAYOUT = 2;
const FLEET_LAYOUT = 2;
const MARKER = 'nightlight-demo.json';
const LOCK = 'npm-start.pid';
const LOG = 'node-red.log';

const USAGE = `Usage: npm start [-- --fresh]

  --fresh      delete the demo's Node-RED directory and start over with the example's flows

Environment:
  MQTT_URL              use this broker (mqtt://host:port) instead of the embedded one
  PORT                  the Node-RED editor's port (default 1880, or a free one when taken)
  NIGHTLIGHT_DEMO_DIR   where the demo keeps its Node-RED directory (default: .demo in the project)`;

class UsageError extends Error {}

function parseArgs(argv) {
  const options = { fresh: false, help: false };
  for (const arg of argv) {
    if (arg === '--fresh') options.fresh = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
  }
  return options;
}

function demoDir() {
  return process.env.NIGHTLIGHT_DEMO_DIR ? path.resolve(process.env.NIGHTLIGHT_DEMO_DIR) : path.join(root, '.demo');
}

/** A path for messages: relative to the current directory when it is inside it. */
function shown(p) {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

function listenOn(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.removeListener('error', reject);
      resolve(server.address().port);
    });
  });
}

async function portIsFree(port) {
  const probe = net.createServer();
  try {
    await listenOn(probe, port);
    return true;
  } catch (err) {
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES') return false;
    throw err;
  } finally {
    if (probe.listening) await new Promise((resolve) => probe.close(resolve));
  }
}

/** The editor's port: PORT when set (it must be free), else 1880, else any free one. */
async function editorPort() {
  const raw = process.env.PORT;
  if (raw) {
    const port = Number(raw);
    if (!/^\d+$/.test(raw) || port < 1 || port > 65535)
      throw new UsageError(`PORT must be a port number (1-65535), not ${JSON.stringify(raw)}`);
    if (!(await portIsFree(port)))
      throw new UsageError(`PORT ${port} is already in use on ${HOST}; choose another one, e.g. PORT=1881 npm start`);
    return { port, note: '(from PORT)' };
  }
  if (await portIsFree(1880)) return { port: 1880, note: '(set PORT to choose another)' };
  const probe = net.createServer();
  const port = await listenOn(probe, 0);
  await new Promise((resolve) => probe.close(resolve));
  return { port, note: '(1880 is taken; set PORT to choose)' };
}

/** The broker to use: MQTT_URL when set, else an embedded aedes broker (1883, or a free port when 1883 is taken). */
async function startBroker() {
  if (process.env.MQTT_URL) {
    let url;
    try {
      url = new URL(process.env.MQTT_URL);
    } catch {
      throw new UsageError(
        `MQTT_URL must be a URL like mqtt://192.168.1.10:1883, not ${JSON.stringify(process.env.MQTT_URL)}`,
      );
    }
    if (url.protocol !== 'mqtt:' && url.protocol !== 'tcp:')
      throw new UsageError(
        `MQTT_URL must start with mqtt:// (the demo's flow uses a plain TCP connection), not ${url.protocol}//`,
      );
    if (url.username || url.password)
      throw new UsageError(
        'MQTT_URL must not carry a user name or password; set them in the editor on the "local broker" node (Security tab)',
      );
    const port = Number(url.port || 1883);
    return { host: url.hostname, port, line: `mqtt://${url.hostname}:${port} (from MQTT_URL)`, close: async () => {} };
  }
  const { Aedes } = require('aedes');
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  let port;
  let line;
  try {
    port = await listenOn(server, 1883);
    line = `embedded, mqtt://${HOST}:${port} (set MQTT_URL to use your own)`;
  } catch (err) {
    if (err.code !== 'EADDRINUSE') throw err;
    port = await listenOn(server, 0);
    line = `embedded, mqtt://${HOST}:${port} (1883 is taken; set MQTT_URL to use the broker there)`;
  }
  return {
    host: HOST,
    port,
    line,
    close: () =>
      new Promise((resolve) => {
        server.close();
        aedes.close(resolve);
      }),
  };
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a running process. */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * Checks that `dir` is a demo directory (or absent, or empty) before anything is written or
 * deleted there, and deletes it when `fresh`. Returns what its marker says (undefined when new).
 */
function claimDir(dir, fresh) {
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  const marker = readJson(path.join(dir, MARKER));
  if (entries.length > 0 && !marker) {
    throw new UsageError(
      `${dir} exists and was not made by npm start (it has no ${MARKER}); move it away, or set NIGHTLIGHT_DEMO_DIR to another directory`,
    );
  }
  const lock = Number(fs.existsSync(path.join(dir, LOCK)) && fs.readFileSync(path.join(dir, LOCK), 'utf8'));
  if (lock && lock !== process.pid && alive(lock))
    throw new UsageError(`another npm start (process ${lock}) is using ${shown(dir)}; stop it first`);
  if (fresh && entries.length > 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return marker;
}

/**
 * `<modules>/<name>` must be a link to the project. Links to the project under any other
 * name (an older, unscoped package name) are removed: Node-RED would load the nodes twice.
 */
function linkProject(modules) {
  const target = path.join(modules, ...packageName.split('/'));
  const candidates = [];
  if (fs.existsSync(modules)) {
    for (const entry of fs.readdirSync(modules)) {
      const p = path.join(modules, entry);
      if (entry.startsWith('@') && fs.lstatSync(p).isDirectory())
        for (const sub of fs.readdirSync(p)) candidates.push(path.join(p, sub));
      else candidates.push(p);
    }
  }
  for (const p of candidates) {
    const stat = fs.lstatSync(p);
    if (!stat.isSymbolicLink()) continue;
    const points = path.resolve(path.dirname(p), fs.readlinkSync(p));
    if (p === target ? points !== root : points === root) fs.unlinkSync(p);
  }
  if (isLink(target)) return target;
  if (fs.existsSync(target))
    throw new UsageError(`${target} is not a link to this project; remove it or start with --fresh`);
  return linkPackage(path.dirname(modules));
}

function isLink(p) {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Points the mqtt-broker nodes at `broker`. Only those still at `previous` (what the demo set last time) when given. */
function pointBrokers(flows, broker, previous) {
  let changed = 0;
  for (const node of flows) {
    if (node.type !== 'mqtt-broker') continue;
    if (previous && !(node.broker === previous.host && String(node.port) === String(previous.port))) continue;
    if (node.broker === broker.host && String(node.port) === String(broker.port)) continue;
    node.broker = broker.host;
    node.port = String(broker.port);
    changed++;
  }
  return changed;
}

function settingsFile(credentialSecret) {
  return `module.exports = ${JSON.stringify(
    {
      uiHost: HOST,
      flowFile: 'flows.json',
      flowFilePretty: true,
      // The directory's own key (in its marker), so Node-RED neither warns about a
      // system-generated key nor stores credentials (an MQTT password) in clear.
      credentialSecret,
      // Everything goes to node-red.log; start.js shows the warnings and errors.
      logging: { console: { level: 'info', metrics: false, audit: false } },
      // No tours or welcome, no projects, and no "Enable Update Notifications" dialog
      // (Node-RED asks at the first start of every user directory unless telemetry is set).
      // `projects: {}` leaves projects off without the "Projects disabled" warning that both
      // `enabled: false` and no `projects` at all log at every start.
      editorTheme: { tours: false, projects: {} },
      telemetry: { enabled: false, updateNotification: false },
      externalModules: { palette: { allowInstall: false } },
      diagnostics: { enabled: false },
    },
    null,
    2,
  )};\n`;
}

/**
 * An empty credentials file encrypted with `secret`, in Node-RED's format (`$`: the hex IV,
 * then the base64 AES-256-CTR ciphertext of the JSON, keyed by the secret's SHA-256). Without
 * one, Node-RED warns "Encrypted credentials not found" at every start until a deploy writes it.
 */
function emptyCredentials(secret) {
  const crypto = require('crypto');
  const key = crypto.createHash('sha256').update(secret).digest();
  const iv = crypto.randomBytes(16);
  const cipher = crypto.createCipheriv('aes-256-ctr', key, iv);
  return JSON.stringify({ $: iv.toString('hex') + cipher.update('{}', 'utf8', 'base64') + cipher.final('base64') });
}

/**
 * Prepares the demo's Node-RED user directory: the package and the dashboard linked in,
 * the settings written, and the flows written when there are none yet (else kept, with the
 * broker nodes the demo pointed last time pointed at this run's broker). Returns what to tell the user.
 */
function prepareUserDir(dir, broker, fresh) {
  const marker = claimDir(dir, fresh);
  fs.mkdirSync(dir, { recursive: true });
  const notes = [];
  // The marker first: a run that stops half-way still leaves a directory npm start recognises.
  const credentialSecret = (marker && marker.credentialSecret) || require('crypto').randomBytes(32).toString('hex');
  // A directory's layout is what its flows hold: it moves up only once they are written.
  const layout = marker ? Number(marker.layout) || 0 : LAYOUT;
  const record = (broker, layout) =>
    fs.writeFileSync(path.join(dir, MARKER), JSON.stringify({ layout, credentialSecret, broker }, null, 2) + '\n');
  record(marker && marker.broker, layout);
  fs.writeFileSync(path.join(dir, LOCK), String(process.pid));
  const modules = path.join(dir, 'node_modules');
  linkProject(modules);
  const dashboard = require('./demo-dashboard');
  const fleet = require('./demo-fleet');
  dashboard.linkDashboard({ modules, root });
  fs.writeFileSync(path.join(dir, 'settings.js'), settingsFile(credentialSecret));

  const flowFile = path.join(dir, 'flows.json');
  const credentialsFile = path.join(dir, 'flows_cred.json');
  if (!fs.existsSync(credentialsFile)) fs.writeFileSync(credentialsFile, emptyCredentials(credentialSecret));
  const kept = fs.existsSync(flowFile) ? readJson(flowFile) : undefined;
  if (fs.existsSync(flowFile) && !Array.isArray(kept))
    throw new UsageError(
      `${flowFile} is not a flow file Node-RED can read; fix it, or start over with npm start -- --fresh`,
    );
  if (kept) {
    let changed = pointBrokers(kept, broker, marker && marker.broker);
    notes.push(`your flows from the last run (npm start -- --fresh starts over with the example)`);
    if (layout < FLEET_LAYOUT) {
      // Added once, to the kept flows as they are; a user who deletes it later keeps it deleted.
      const { added, missing } = fleet.addFleet({ flows: kept });
      if (added.length) {
        changed++;
        notes.push(
          `added the Fleet page (/dashboard/fleet): a tab "${added.find((n) => n.type === 'tab').label}" with three simulated devices, and an mqtt in on +/control into nightlight decide (the nodes below it moved down a row)`,
        );
      } else if (missing)
        notes.push(
          `this directory is from an older npm start and has no Fleet page; it was not added because your flows have no ${missing} (--fresh starts over with it)`,
        );
    }
    if (changed) fs.writeFileSync(flowFile, JSON.stringify(kept, null, 4));
  } else {
    const flows = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
    pointBrokers(flows, broker);
    dashboard.addDashboard({ flows });
    fleet.addFleet({ flows });
    fs.writeFileSync(flowFile, JSON.stringify(flows, null, 4));
    notes.push(
      `example 1 and the dashboard with its Fleet page, written ${fresh ? 'afresh' : 'on this first run'}; kept between runs (npm start -- --fresh starts over)`,
    );
  }
  // A directory that a newer npm start made keeps its number, so that one does not add its part again.
  record({ host: broker.host, port: broker.port }, Math.max(layout, LAYOUT));
  return notes;
}

/**
 * Copies Node-RED's output to `log` and shows its warnings and errors on `terminal` (with
 * `everything`, every line: what Node-RED writes to stderr). A log line starts with
 * "<day> <month> <time> - [<level>]"; lines after it without that start (a stack, a
 * multi-line message) belong to it.
 */
function relayLog(stream, log, terminal, everything = false) {
  let rest = '';
  let showing = everything;
  stream.on('data', (chunk) => {
    log.write(chunk);
    rest += chunk;
    const lines = rest.split('\n');
    rest = lines.pop();
    for (const line of lines) {
      const level = /^\d{1,2} \w{3} \d{2}:\d{2}:\d{2} - \[(\w+)\]/.exec(line);
      if (level && !everything) showing = ['warn', 'error', 'fatal'].includes(level[1]);
      if (showing && line.trim()) terminal.write(`Node-RED ${line}\n`);
    }
  });
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
    const retry = () =>
      Date.now() > deadline ? reject(new Error('Node-RED did not start in time')) : setTimeout(attempt, 250);
    attempt();
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const dir = demoDir();
  const ui = await editorPort();
  const broker = await startBroker();
  let notes;
  try {
    notes = prepareUserDir(dir, broker, options.fresh);
  } catch (err) {
    await broker.close();
    throw err;
  }
  const red = spawn(
    process.execPath,
    [
      require.resolve('node-red/red.js'),
      '--userDir',
      dir,
      '--port',
      String(ui.port),
      '--settings',
      path.join(dir, 'settings.js'),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    },
  );
  const log = fs.createWriteStream(path.join(dir, LOG));
  relayLog(red.stdout, log, process.stdout);
  relayLog(red.stderr, log, process.stderr, true);

  const release = () => {
    if (Number(readJson(path.join(dir, LOCK))) === process.pid) fs.rmSync(path.join(dir, LOCK), { force: true });
  };
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
    release();
    console.log(`Stopped. Your flows are kept in ${shown(dir)}${path.sep} for the next npm start.`);
    process.exit(code);
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  red.on('exit', (code) => {
    if (!stopping) {
      console.error(`Node-RED exited (${code}); its full log: ${shown(path.join(dir, LOG))}`);
      stopping = true;
      release();
      broker.close().then(() => process.exit(1));
    }
  });

  try {
    await waitForHttp(ui.port, red);
  } catch (err) {
    if (stopping) return;
    console.error(`npm start: ${err.message}; its full log: ${shown(path.join(dir, LOG))}`);
    await stop(1);
    return;
  }
  console.log(`MQTT broker:     ${broker.line}`);
  console.log(`Node-RED editor: http://${HOST}:${ui.port}/ ${ui.note}`);
  console.log(`Dashboard:       http://${HOST}:${ui.port}/dashboard (every device: /dashboard/fleet)`);
  console.log(`Flows:           ${notes[0]}`);
  for (const note of notes.slice(1)) console.log(`                 ${note}`);
  console.log(
    `Node-RED dir:    ${shown(dir)}${path.sep} (its full log: ${shown(path.join(dir, LOG))}; warnings and errors are shown here)`,
  );
  console.log('Watch the LED status flip as the simulated light crosses the threshold. Press Ctrl-C to stop.');
}

main().catch((err) => {
  if (err instanceof UsageError) {
    console.error(`npm start: ${err.message}`);
    if (/unknown option/.test(err.message)) console.error(USAGE);
  } else console.error(err);
  process.exit(1);
});
