'use strict';
// Loads a shipped example flow into the test runtime, pointed at a test broker.
const fs = require('fs');
const path = require('path');
const { helper, allNodes, until } = require('./runtime');
const { HOST } = require('./brokers');

const examplesDir = path.join(__dirname, '..', '..', 'examples');

function readExample(file) {
  return JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8'));
}

/**
 * The example's nodes with every mqtt-broker config pointed at `broker`, the nodes in
 * `options.drop` removed, and the nodes in `options.probe` turned into helper nodes (so
 * the test sees what reaches them).
 */
function prepareExample(file, broker, options = {}) {
  const drop = new Set(options.drop || []);
  const probe = new Set(options.probe || []);
  return readExample(file)
    .filter((n) => !drop.has(n.id))
    .map((n) => {
      if (n.type === 'mqtt-broker') return { ...n, broker: HOST, port: String(broker.port), ...(options.brokerProps || {}) };
      if (probe.has(n.id)) return { id: n.id, type: 'helper', z: n.z, x: n.x, y: n.y, wires: n.wires || [] };
      if (n.wires) return { ...n, wires: n.wires.map((port) => port.filter((id) => !drop.has(id))) };
      return n;
    });
}

/** Loads the example and waits until every mqtt-broker config node is connected. */
async function loadExample(file, broker, options = {}) {
  const flow = prepareExample(file, broker, options);
  await helper.load(allNodes, flow, options.credentials || {});
  const brokers = flow.filter((n) => n.type === 'mqtt-broker').map((n) => helper.getNode(n.id));
  await until(() => brokers.every((b) => b && b.connected), 'the example to connect to the broker');
  return flow;
}

module.exports = { examplesDir, readExample, prepareExample, loadExample };
