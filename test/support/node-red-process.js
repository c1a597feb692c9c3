'use strict';
// A real Node-RED process (node-red's own red.js) on a free loopback port, for tests
// that need what a user runs rather than the test helper.
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { spawn } = require('child_process');
const { HOST, freePort } = require('./brokers');

function request(port, method, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: HOST,
        port,
        path: urlPath,
        method,
        headers: { Accept: 'application/json', ...(data ? { 'Content-Type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, text, json });
        });
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/**
 * Starts Node-RED with `userDir` (created when absent) and resolves once its admin API
 * answers. `nodeBinary` lets a test run it under another Node.js; `nodeRedDir` (default:
 * the NIGHTLIGHT_NODE_RED_DIR environment variable, else the project's node-red) another
 * Node-RED installation.
 * @param {{ userDir?: string, settings?: object, flows?: object[], nodeBinary?: string, nodeRedDir?: string }} [options]
 */
async function startNodeRed({ userDir, settings = {}, flows, nodeBinary = process.execPath, nodeRedDir } = {}) {
  userDir = userDir || fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-nr-'));
  const port = await freePort();
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = ${JSON.stringify({ uiHost: HOST, uiPort: port, flowFile: 'flows.json', credentialSecret: false, diagnostics: { enabled: false }, editorTheme: { tours: false }, ...settings })};\n`,
  );
  if (flows) fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  nodeRedDir = nodeRedDir || process.env.NIGHTLIGHT_NODE_RED_DIR;
  const redJs = nodeRedDir ? path.join(nodeRedDir, 'red.js') : require.resolve('node-red/red.js');
  const child = spawn(nodeBinary, [redJs, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited: ${log}`);
    const res = await request(port, 'GET', '/settings').catch(() => undefined);
    if (res && res.status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Node-RED did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    userDir,
    get log() {
      return log;
    },
    url: `http://${HOST}:${port}`,
    request: (method, urlPath, body, headers) => request(port, method, urlPath, body, headers),
    /**
     * Sends `signal` (a crash by default) and resolves once the process has exited.
     * @param {NodeJS.Signals} [signal]
     */
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill(signal);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGINT');
          setTimeout(() => child.kill('SIGKILL'), 10000).unref();
        });
      }
    },
  };
}

module.exports = { request, startNodeRed };
