'use strict';
// Loading our nodes (and the built-in ones a flow needs) into the real Node-RED runtime
// through node-red-node-test-helper, plus small helpers for asserting inside callbacks.
const path = require('path');
const helper = require('node-red-node-test-helper');

// NIGHTLIGHT_NODE_RED_DIR (a node-red package folder) runs the suite against another
// Node-RED installation: the compatibility matrix uses it. Core nodes come from the same one.
const nodeRedDir = process.env.NIGHTLIGHT_NODE_RED_DIR;
const nodeRedMain = nodeRedDir ? require.resolve(nodeRedDir) : require.resolve('node-red');
helper.init(nodeRedMain);

const dist = path.join(__dirname, '..', '..', 'dist', 'nodes');
const ours = {
  lightTelemetry: require(path.join(dist, 'light-telemetry.js')),
  decide: require(path.join(dist, 'nightlight-decide.js')),
  ledCommand: require(path.join(dist, 'led-command.js')),
};
const coreDir = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(nodeRedMain)] }));
const core = {
  mqtt: require(path.join(coreDir, 'core/network/10-mqtt.js')),
  catch: require(path.join(coreDir, 'core/common/25-catch.js')),
  status: require(path.join(coreDir, 'core/common/25-status.js')),
  complete: require(path.join(coreDir, 'core/common/24-complete.js')),
  inject: require(path.join(coreDir, 'core/common/20-inject.js')),
  debug: require(path.join(coreDir, 'core/common/21-debug.js')),
  comment: require(path.join(coreDir, 'core/common/90-comment.js')),
  function: require(path.join(coreDir, 'core/function/10-function.js')),
  change: require(path.join(coreDir, 'core/function/15-change.js')),
  switch: require(path.join(coreDir, 'core/function/10-switch.js')),
  delay: require(path.join(coreDir, 'core/function/89-delay.js')),
  trigger: require(path.join(coreDir, 'core/function/89-trigger.js')),
  rbe: require(path.join(coreDir, 'core/function/rbe.js')),
  range: require(path.join(coreDir, 'core/function/16-range.js')),
  template: require(path.join(coreDir, 'core/function/80-template.js')),
  json: require(path.join(coreDir, 'core/parsers/70-JSON.js')),
  linkNodes: require(path.join(coreDir, 'core/common/60-link.js')),
  junction: require(path.join(coreDir, 'core/common/05-junction.js')),
};
const allNodes = [...Object.values(ours), ...Object.values(core)];
/**
 * The @node-red/util of the runtime under test (its `events` carry the node statuses the
 * editor gets): under the compatibility matrix that is another installation's copy.
 * @type {import('./typed').NodeRedUtil}
 */
const nodeRedUtil = require(require.resolve('@node-red/util', { paths: [path.dirname(nodeRedMain)] }));

/**
 * The error code of a message a Catch node caught. Node-RED 4.1 copies the error's `code`
 * into `msg.error`; older ones give only the message, which (the test helper does not
 * translate) is the catalog key `nightlight.errors.<code>`.
 */
function caughtCode(msg) {
  if (msg.error.code !== undefined) return msg.error.code;
  const key = /nightlight\.errors\.([\w-]+)/.exec(msg.error.message);
  return key ? key[1] : undefined;
}

/** Resolves when `predicate()` is true, polling; rejects with `what` after `timeoutMs`. */
async function until(predicate, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Collects the messages that reach a helper node. */
function collect(node) {
  const messages = [];
  node.on('input', (msg) => messages.push(msg));
  return messages;
}

/** Starts the helper's HTTP server once for a describe block and stops it after. */
function useServer() {
  before(function (done) {
    helper.startServer(done);
  });
  after(function (done) {
    helper.stopServer(done);
  });
  afterEach(async function () {
    await helper.unload();
  });
}

const CONFIG_TYPES = new Set(['mqtt-broker']);

/**
 * A tab node plus `z`, `x` and `y` on every flow node, which Catch/Status/Complete nodes
 * need (inside a tab, a node without a position is taken for a config node).
 */
function onTab(nodes, tabId = 'tab1') {
  return [
    { id: tabId, type: 'tab', label: 'test' },
    ...nodes.map((n) => (CONFIG_TYPES.has(n.type) ? n : { z: tabId, x: 100, y: 100, ...n })),
  ];
}

module.exports = { helper, ours, core, allNodes, until, collect, useServer, onTab, dist, nodeRedUtil, caughtCode };
