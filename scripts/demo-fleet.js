'use strict';
// The `npm start` demo's Fleet page (Dashboard 2, /dashboard/fleet): every device the server
// hears from, with its last light level, LED, mode, threshold and when it was last heard
// from, and per device a mode (auto/on/off) and a threshold to send on `<id>/control`. Three
// simulated devices (porch, garden, attic) report besides the example's own, so the table
// is never empty, and an `mqtt in` on `+/control` feeds nightlight decide the controls.
//
// Everything runs in core nodes on the demo's broker node: `mqtt in` on `+/telemetry` and
// `+/commands` into a function that keeps the table in flow context and sends it whole to a
// ui-template (scripts/demo-fleet.vue); the template's clicks go through a function that lets
// only known devices, the three modes and a number through, to an `mqtt out`.
const fs = require('fs');
const path = require('path');
const { dashboardBase, PAGE_BREAKPOINTS } = require('./demo-dashboard');

/** Every node this module adds has an id with this prefix (so a flow that has one has the fleet view). */
const PREFIX = 'nl_fleet_';
const CONTROL_IN = `${PREFIX}control_in`;
/** The table lists at most this many devices, the ones heard from most recently. */
const MAX_ROWS = 200;
const DEFAULT_THRESHOLD = 300;
/** The simulated devices, each a light curve around the threshold `t`: a centre, a swing and a period in seconds. */
const SIMULATED = [
  {
    id: 'porch',
    name: 'crosses the threshold',
    curve: (t) => ({ centre: t, swing: Math.round((t * 2) / 3), period: 40 }),
  },
  { id: 'garden', name: 'bright', curve: (t) => ({ centre: Math.round((t * 8) / 3), swing: 60, period: 17 }) },
  { id: 'attic', name: 'dark', curve: (t) => ({ centre: Math.round(t / 3), swing: Math.round(t / 12), period: 23 }) },
];

/** The threshold nightlight decide is configured with (its default when the field is not a number). */
function configuredThreshold(decide) {
  const n = Number(decide.threshold);
  return decide.threshold !== '' && Number.isFinite(n) ? n : DEFAULT_THRESHOLD;
}

function functionNode(fields) {
  return { type: 'function', outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], ...fields };
}

/** A core `mqtt out` that publishes on each message's own topic, never retained. */
function mqttOut(fields) {
  return {
    type: 'mqtt out',
    topic: '',
    retain: 'false',
    respTopic: '',
    contentType: '',
    userProps: '',
    correl: '',
    expiry: '',
    ...fields,
  };
}

function simulatedDevice({ id, name, curve }, threshold, fields) {
  const { centre, swing, period } = curve(threshold);
  const func = [
    `// A simulated device: {"light": n, "ts": ..., "seq": ...} on ${id}/telemetry at every tick,`,
    `// ${name} (${threshold} is nightlight decide's threshold when npm start added this):`,
    `// ${centre} ± ${swing}, one swing every ${period} s.`,
    `const light = Math.max(0, Math.round(${centre} + ${swing} * Math.sin((2 * Math.PI * Date.now()) / ${period * 1000})));`,
    "const seq = (context.get('seq') || 0) + 1;",
    "context.set('seq', seq);",
    "node.status({ text: 'light ' + light });",
    `return { topic: '${id}/telemetry', payload: { light, ts: Date.now(), seq } };`,
  ].join('\n');
  return functionNode({ name: `${id}: ${name}`, func, ...fields });
}

/**
 * The table function: a reading or a command updates the device's row in flow context
 * ("fleet") and the whole table goes to the page. Ids are checked as nightlight decide
 * checks them, and rows are an array (never an object keyed by id, so "__proto__" is a
 * device like any other).
 */
function tableCode(threshold) {
  return String.raw`// Keeps the Fleet page's table in flow context ("fleet") and sends it whole at every change.
// A command without "threshold" uses nightlight decide's own: ${threshold} when npm start added this.
const CONFIGURED_THRESHOLD = ${threshold};
const MAX_ROWS = ${MAX_ROWS};
// A device id as nightlight decide accepts it: 1 to 64 characters, no + # / or control
// characters, no lone surrogate, not starting with $.
function validId(id) {
  return (
    typeof id === 'string' &&
    id.length > 0 &&
    [...id].length <= 64 &&
    !/[+#/\u0000-\u001f\u007f-\u009f]/.test(id) &&
    !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(id) &&
    !id.startsWith('$')
  );
}
const parts = typeof msg.topic === 'string' ? msg.topic.split('/') : [];
const p = msg.payload;
if (parts.length !== 2 || !validId(parts[0]) || p === null || typeof p !== 'object' || Array.isArray(p)) return null;
const [id, kind] = parts;
if (kind === 'telemetry' && !(typeof p.light === 'number' && Number.isFinite(p.light))) return null;
if (kind === 'commands' && typeof p.led_on !== 'boolean') return null;
if (kind !== 'telemetry' && kind !== 'commands') return null;

const rows = flow.get('fleet') || [];
let row = rows.find((r) => r.id === id);
if (!row) {
  row = { id, light: null, seen: null, led: null, mode: null, threshold: null };
  rows.push(row);
  if (rows.length > MAX_ROWS) {
    // The device heard from least recently (never, first) leaves the table.
    let oldest = 0;
    for (let i = 1; i < rows.length; i++) if ((rows[i].seen || 0) < (rows[oldest].seen || 0)) oldest = i;
    rows.splice(oldest, 1);
  }
}
const now = Date.now();
if (kind === 'telemetry') {
  row.light = p.light;
  row.seen = now;
} else {
  row.led = p.led_on;
  // "override" holds the LED on or off; "auto", or no mode (no control yet), is the rule.
  row.mode = p.mode === 'override' ? (p.led_on ? 'on' : 'off') : 'auto';
  row.threshold = typeof p.threshold === 'number' && Number.isFinite(p.threshold) ? p.threshold : CONFIGURED_THRESHOLD;
}
flow.set('fleet', rows);
node.status({ text: rows.length + (rows.length === 1 ? ' device' : ' devices') });
const devices = rows.map((r) => ({ ...r })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
return { payload: { now, limit: MAX_ROWS, devices } };`;
}

/**
 * The control function: what the page sends ({id, mode} or {id, threshold}) becomes a control
 * on <id>/control. A dashboard is a web page anyone who can open it can script, so only a
 * device in the table, one of the three modes, or a number from 0 to 1,000,000 gets through.
 */
const CONTROL_CODE = `// From the Fleet page to <id>/control (not retained, QoS 1): {"mode": ...} or {"threshold": n}.
const p = msg.payload;
const rows = flow.get('fleet') || [];
if (!p || typeof p !== 'object' || typeof p.id !== 'string' || !rows.some((r) => r.id === p.id)) {
  node.warn('Fleet page: a control for a device not in the table was not sent');
  return null;
}
let control;
if (typeof p.mode === 'string') {
  if (!['auto', 'on', 'off'].includes(p.mode)) {
    node.warn('Fleet page: mode must be auto, on or off');
    return null;
  }
  control = { mode: p.mode };
} else {
  const threshold = p.threshold;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0 || threshold > 1000000) {
    node.warn('Fleet page: threshold must be a number from 0 to 1000000');
    return null;
  }
  control = { threshold };
}
node.status({ text: Object.keys(control)[0] + ' ' + Object.values(control)[0] });
return { topic: p.id + '/control', payload: JSON.stringify(control), qos: 1, retain: false };`;

/** The Vue page of the table (scripts/demo-fleet.vue). */
function pageFormat() {
  return fs.readFileSync(path.join(__dirname, 'demo-fleet.vue'), 'utf8');
}

/** Rows on a tab are this far apart, so a node's status never runs under the next node. */
const ROW = 60;

/**
 * Room for one more row on tab `z` right below `y`: every node and group lower on the tab moves
 * down by a row, as a user would drag them, so nothing overlaps and the wiring is unchanged.
 */
function makeRoom(flows, z, y) {
  for (const n of flows) if (n.z === z && typeof n.y === 'number' && n.y > y + ROW / 3) n.y += ROW;
}

/**
 * Adds the Fleet page to `flows`: a tab of its own (the simulated devices and the table's
 * nodes), a dashboard page, and under the `mqtt in` that feeds nightlight decide another one,
 * on `+/control`, wired into it (what is below moves down a row). Flows that already have
 * the Fleet page are left alone. Returns `{ added }` (the new nodes), or
 * `{ added: [], missing }` when the flows have no nightlight decide or no broker node to use.
 */
function addFleet({ flows }) {
  if (flows.some((n) => typeof n.id === 'string' && n.id.startsWith(PREFIX))) return { added: [] };
  const decide = flows.find((n) => n.type === 'nightlight-decide');
  if (!decide) return { added: [], missing: 'a nightlight decide node' };
  // The broker of the mqtt in that feeds nightlight decide: the demo's broker.
  const feed = flows.find(
    (n) => n.type === 'mqtt in' && Array.isArray(n.wires) && n.wires.some((port) => port.includes(decide.id)),
  );
  const broker =
    (feed && flows.find((n) => n.type === 'mqtt-broker' && n.id === feed.broker)) ||
    flows.find((n) => n.type === 'mqtt-broker');
  if (!broker) return { added: [], missing: 'an MQTT broker node' };
  const threshold = configuredThreshold(decide);

  const added = [];
  let base = flows.find((n) => n.type === 'ui-base');
  let theme = flows.find((n) => n.type === 'ui-theme');
  if (!base || !theme) {
    const fresh = dashboardBase();
    if (!base) added.push((base = fresh.base));
    if (!theme) added.push((theme = fresh.theme));
  }
  const pages = flows.filter((n) => n.type === 'ui-page');
  const order = Math.max(0, ...pages.map((n) => Number(n.order) || 0)) + 1;
  const tabs = flows.filter((n) => n.type === 'tab');

  const id = (name) => `${PREFIX}${name}`;
  const z = id('tab');
  const mqtt = { broker: broker.id, z };
  const at = (x, y) => ({ z, x, y });
  const simulated = SIMULATED.map((device, i) =>
    simulatedDevice(device, threshold, { id: id(device.id), ...at(380, 160 + 60 * i), wires: [[id('sim_out')]] }),
  );
  // The control input goes right under the telemetry input that feeds nightlight decide (or under decide).
  const anchor = feed && feed.z === decide.z ? feed : { x: decide.x - 230, y: decide.y };
  makeRoom(flows, decide.z, anchor.y);
  const control = { x: anchor.x, y: anchor.y + ROW };

  added.push(
    {
      id: z,
      type: 'tab',
      label: 'Nightlight: fleet (demo)',
      disabled: false,
      info: 'Added by `npm start`, not part of the example: the Fleet page of the dashboard and three simulated devices.',
    },
    {
      id: id('comment'),
      type: 'comment',
      ...at(230, 40),
      name: 'Fleet page (npm start only): /dashboard/fleet',
      info:
        'Added by the `npm start` demo, not part of the example. The Fleet page lists every device heard from on ' +
        '`+/telemetry` and `+/commands`: its light, LED, mode (auto, or held on or off) and threshold, and when it ' +
        'last reported. Its buttons and threshold field publish `{"mode": ...}` or `{"threshold": n}` on ' +
        '`<id>/control` (QoS 1, not retained), which the `mqtt in` on `+/control` beside nightlight decide feeds it. ' +
        `A command without a threshold means nightlight decide's own (${threshold} when npm start added this page). ` +
        `At most ${MAX_ROWS} devices are listed, the ones heard from most recently.`,
    },
    {
      id: id('sim_comment'),
      type: 'comment',
      ...at(330, 100),
      name: 'Simulated devices: porch crosses the threshold, garden is bright, attic is dark',
      info: 'Three devices besides the example\'s own, publishing `{"light": n, "ts": ..., "seq": ...}` on `<id>/telemetry` every 2 s through the demo\'s broker. Delete them when real devices report.',
    },
    {
      id: id('tick'),
      type: 'inject',
      ...at(130, 220),
      name: 'every 2 s',
      props: [],
      repeat: '2',
      crontab: '',
      once: true,
      onceDelay: '1',
      topic: '',
      wires: [simulated.map((n) => n.id)],
    },
    ...simulated,
    mqttOut({ id: id('sim_out'), ...mqtt, ...at(640, 220), name: 'publish simulated telemetry', qos: '0' }),
    {
      id: id('page_comment'),
      type: 'comment',
      ...at(250, 360),
      name: 'The table: what every device reports, and its controls',
      info: 'The function keeps one row per device in flow context (`fleet`) and sends the whole table to the page; the page sends a click to the second function, which publishes only controls for a device in the table.',
    },
    ...[
      ['tel_in', '+/telemetry', 'all telemetry (fleet)', 420],
      ['cmd_in', '+/commands', 'all commands (fleet)', 480],
    ].map(([name, topic, label, y]) => ({
      id: id(name),
      type: 'mqtt in',
      ...mqtt,
      ...at(160, y),
      name: label,
      topic,
      qos: '1',
      datatype: 'auto-detect',
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      wires: [[id('table_fn')]],
    })),
    functionNode({
      id: id('table_fn'),
      ...at(400, 450),
      name: 'fleet table',
      func: tableCode(threshold),
      wires: [[id('page')]],
    }),
    {
      id: id('page'),
      type: 'ui-template',
      ...at(600, 450),
      group: id('group'),
      page: '',
      ui: '',
      name: 'Fleet page',
      order: 1,
      width: '0',
      height: '0',
      head: '',
      format: pageFormat(),
      storeOutMessages: true,
      passthru: false,
      resendOnRefresh: true,
      templateScope: 'local',
      className: '',
      wires: [[id('control_fn')]],
    },
    functionNode({
      id: id('control_fn'),
      ...at(800, 450),
      name: 'control from the page',
      func: CONTROL_CODE,
      wires: [[id('control_out')]],
    }),
    mqttOut({ id: id('control_out'), ...mqtt, ...at(1010, 450), name: 'publish control', qos: '1' }),
    {
      id: CONTROL_IN,
      type: 'mqtt in',
      z: decide.z,
      x: control.x,
      y: control.y,
      name: 'all controls (Fleet page)',
      topic: '+/control',
      qos: '1',
      datatype: (feed && feed.datatype) || 'json',
      broker: broker.id,
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      wires: [[decide.id]],
    },
    {
      id: id('ui_page'),
      type: 'ui-page',
      name: 'Fleet',
      ui: base.id,
      path: '/fleet',
      icon: 'lightbulb-group',
      layout: 'grid',
      theme: theme.id,
      breakpoints: PAGE_BREAKPOINTS,
      order,
      className: '',
      visible: 'true',
      disabled: 'false',
    },
    {
      id: id('group'),
      type: 'ui-group',
      name: 'Every device',
      page: id('ui_page'),
      width: '12',
      height: '1',
      order: 1,
      showTitle: true,
      className: '',
      visible: 'true',
      disabled: 'false',
      groupType: 'default',
    },
  );
  // The new tab goes right after the example's tabs, before the config nodes.
  const lastTab = tabs.length ? flows.indexOf(tabs[tabs.length - 1]) + 1 : 0;
  flows.splice(
    lastTab,
    0,
    added.find((n) => n.type === 'tab'),
  );
  flows.push(...added.filter((n) => n.type !== 'tab'));
  return { added };
}

module.exports = { addFleet, PREFIX, CONTROL_IN, MAX_ROWS, SIMULATED: SIMULATED.map((d) => d.id) };
