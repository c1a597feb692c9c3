'use strict';
// Loads a shipped example flow into the test runtime, pointed at a test broker.
const fs = require('fs');
const path = require('path');
const { HOST } = require('./brokers');

const examplesDir = path.join(__dirname, '..', '..', 'examples');

function readExample(file) {
  return JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8'));
}

/**
 * The example's nodes with every mqtt-broker config pointed at `broker`, the nodes in
 * `options.drop` removed, the nodes in `options.probe` turned into helper nodes (so
 * the test sees what reaches them), and the properties in `options.edit` (by node id)
 * set on their nodes, as a user editing the flow would.
 */
function prepareExample(file, broker, options = {}) {
  const drop = new Set(options.drop || []);
  const probe = new Set(options.probe || []);
  const edit = options.edit || {};
  const nodes = readExample(file);
  const missing = Object.keys(edit).filter((id) => !nodes.some((n) => n.id === id));
  if (missing.length > 0) throw new Error(`${file} has no node ${missing.join(', ')} to edit`);
  return nodes
    .filter((n) => !drop.has(n.id))
    .map((n) => (Object.prototype.hasOwnProperty.call(edit, n.id) ? { ...n, ...edit[n.id] } : n))
    .map((n) => {
      if (n.type === 'mqtt-broker')
        return { ...n, broker: HOST, port: String(broker.port), ...(options.brokerProps || {}) };
      if (probe.has(n.id)) return { id: n.id, type: 'helper', z: n.z, x: n.x, y: n.y, wires: n.wires || [] };
      if (n.wires) return { ...n, wires: n.wires.map((port) => port.filter((id) => !drop.has(id))) };
      return n;
    });
}

/** Loads the example and waits until every mqtt-broker config node is connected. */
async function loadExample(file, broker, options = {}) {
  // Loaded here, not at the top: the static checks of the shipped flows need no runtime.
  const { helper, allNodes, until } = require('./runtime');
  const flow = prepareExample(file, broker, options);
  await helper.load(allNodes, flow, options.credentials || {});
  const brokers = flow.filter((n) => n.type === 'mqtt-broker').map((n) => helper.getNode(n.id));
  await until(() => brokers.every((b) => b && b.connected), 'the example to connect to the broker');
  return flow;
}

const root = path.join(__dirname, '..', '..');
const OUR_TYPES = ['light-telemetry', 'nightlight-decide', 'led-command'];

/** Every flow we ship: the examples and the flow in docs/. */
function shippedFlows() {
  const files = fs
    .readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => path.join('examples', f));
  return files
    .concat([path.join('docs', 'secure-nightlight.json')])
    .map((file) => ({ file, nodes: JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) }));
}

/**
 * The element of the editor a field id names: jQuery's `$` as our dialogs use it, with
 * no dialog open (no element matches), so validators fall back to the node's own values.
 */
function noDialog() {
  const none = { length: 0, val: () => undefined, is: () => false, attr: () => undefined, prop: () => undefined };
  return () => none;
}

/**
 * What `nodes/<type>.html` registers with the editor, read by running its scripts as the
 * editor runs them: resources/editor.js, then the inline script, against a small stand-in
 * for RED that records `registerType`. Returns `{ definition, html, templateIds }`, where
 * `templateIds` are the ids of the dialog template's elements.
 */
function editorDefinition(type) {
  const html = fs.readFileSync(path.join(root, 'nodes', `${type}.html`), 'utf8');
  const registered = {};
  const $ = noDialog();
  const RED = {
    _: (key) => key,
    settings: {},
    nodes: { registerType: (name, definition) => (registered[name] = definition) },
  };
  const window = { RED, $ };
  new Function('window', fs.readFileSync(path.join(root, 'resources', 'editor.js'), 'utf8'))(window);
  const scripts = [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  if (scripts.length !== 1) throw new Error(`${type}.html: expected one inline script, found ${scripts.length}`);
  new Function('window', 'RED', '$', scripts[0])(window, RED, $);
  const definition = registered[type];
  if (!definition) throw new Error(`${type}.html does not register ${type}`);
  const template = html.split(`data-template-name="${type}">`)[1];
  if (!template) throw new Error(`${type}.html has no edit template`);
  const templateIds = [...template.split('</script>')[0].matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  return { definition, html, templateIds };
}

/**
 * Why `value` is not a valid `property` of `node` for the editor, or null: the checks
 * Node-RED's editor makes (an env reference ${VAR} or $(VAR) passes; `required` refuses
 * ""; `validate` is called with the node as `this` and may answer false or a message).
 */
function propertyProblem(definition, node, property, value) {
  const rule = definition.defaults[property];
  if (typeof value === 'string' && /^\$(\([A-Za-z_][A-Za-z0-9_]*\)|\{[A-Za-z_][A-Za-z0-9_]*\})$/.test(value))
    return null;
  if (rule.required && value === '') return 'is required and empty';
  if (rule.validate) {
    if (rule.required === false && value === '') return null;
    const answer = rule.validate.call(node, value, {});
    if (typeof answer === 'string' || Array.isArray(answer)) return `is refused: ${answer}`;
    if (!answer) return 'is refused by its validator';
  }
  return null;
}

module.exports = {
  examplesDir,
  readExample,
  prepareExample,
  loadExample,
  OUR_TYPES,
  shippedFlows,
  editorDefinition,
  propertyProblem,
};
