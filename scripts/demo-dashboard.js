'use strict';
// The `npm start` demo's dashboard (@flowfuse/node-red-dashboard, a devDependency, so it
// stays out of examples/): a light-level slider that drives the simulated sensor and follows
// it, the LED state, a chart of the light level and the LED at every reading, and a sentence
// on how the slider's hold works. scripts/start.js calls addDashboard() with the flows of a
// new demo directory, and linkDashboard() with its node_modules folder at every start.
const fs = require('fs');
const path = require('path');

const DASHBOARD = '@flowfuse/node-red-dashboard';
const LED_SCALE = 1000;
/** The flow-context key where the dashboard keeps the LED's last state, so every reading can chart it. */
const LED_KEY = 'dashboardLed';
const BASE_ID = 'nl_dash_base';
const THEME_ID = 'nl_dash_theme';

/** The first node of `type` in `flows`, or throws: the demo flow must have it. */
function nodeOfType(flows, type) {
  const node = flows.find((n) => n.type === type);
  if (!node) throw new Error(`the demo flow has no ${type} node`);
  return node;
}

function wireTo(node, port, id) {
  node.wires = node.wires || [];
  while (node.wires.length <= port) node.wires.push([]);
  node.wires[port].push(id);
}

/** Seconds the preset function holds a level (`Date.now() + <ms>` in its code), or undefined. */
function holdSeconds(preset) {
  const match = /Date\.now\(\)\s*\+\s*(\d+)/.exec(preset.func || '');
  return match ? Number(match[1]) / 1000 : undefined;
}

/** The sentence the page shows: what the slider does, how long it holds, when the LED goes on. */
function howItWorks(preset, decide) {
  const seconds = preset.type === 'function' ? holdSeconds(preset) : undefined;
  const hold = seconds ? `holds it for ${seconds} s` : 'holds it for a while';
  const threshold = Number(decide.threshold);
  const band = Number(decide.band) || 0;
  const led = Number.isFinite(threshold)
    ? ` The LED goes on below ${threshold}${band > 0 ? ` and off again at ${threshold + band} or above` : ''}.`
    : '';
  return (
    `Moving the slider sets the simulated light level and ${hold} (like the dark and bright buttons in the editor); ` +
    `then the day/night cycle takes over again, and the slider always shows the level the sensor reports.${led}`
  );
}

/** The grid widths of every page of the demo (Dashboard 2's own defaults). */
const PAGE_BREAKPOINTS = [
  { name: 'Default', px: 0, cols: 3 },
  { name: 'Tablet', px: 576, cols: 6 },
  { name: 'Small Desktop', px: 768, cols: 9 },
  { name: 'Desktop', px: 1024, cols: 12 },
];

/**
 * The dashboard's ui-base (at /dashboard) and ui-theme config nodes, which every page of the
 * demo shares (scripts/demo-fleet.js adds its page to them, or adds them when a flow has none).
 */
function dashboardBase() {
  return {
    base: {
      id: BASE_ID,
      type: 'ui-base',
      name: 'Nightlight',
      path: '/dashboard',
      includeClientData: true,
      acceptsClientConfig: ['ui-notification', 'ui-control'],
      showPathInSidebar: false,
      headerContent: 'page',
      navigationStyle: 'default',
      titleBarStyle: 'default',
      showReconnectNotification: true,
      notificationDisplayTime: 1,
      showDisconnectNotification: true,
      allowInstall: false,
    },
    theme: {
      id: THEME_ID,
      type: 'ui-theme',
      name: 'Nightlight theme',
      colors: {
        surface: '#1f2430',
        primary: '#e5c07b',
        bgPage: '#f4f4f6',
        groupBg: '#ffffff',
        groupOutline: '#d9d9e0',
      },
      sizes: { density: 'default', pagePadding: '12px', groupGap: '12px', groupBorderRadius: '4px', widgetGap: '12px' },
    },
  };
}

/**
 * Adds the dashboard nodes to `flows` (on the tab of the example's light telemetry node,
 * below the example) and returns them. Readings are the messages the nodes wired into
 * light telemetry send (the simulated sensor's cycle and the preset holder).
 */
function addDashboard({ flows }) {
  const telemetry = nodeOfType(flows, 'light-telemetry');
  const led = nodeOfType(flows, 'led-command');
  const decide = flows.find((n) => n.type === 'nightlight-decide') || {};
  const z = telemetry.z;
  const sensors = flows.filter(
    (n) => n.z === z && Array.isArray(n.wires) && n.wires.some((port) => port.includes(telemetry.id)),
  );
  // The slider feeds the preset holder when the example has one (so it wins over the cycle
  // for a while, like the lesson's virtual sensor slider), else light telemetry itself.
  const preset = flows.find((n) => n.z === z && n.type === 'function' && /preset/i.test(n.name || '')) || telemetry;
  const top = Math.max(...flows.filter((n) => n.z === z && typeof n.y === 'number').map((n) => n.y)) + 80;
  const sentence = howItWorks(preset, decide);

  const ids = {
    base: BASE_ID,
    theme: THEME_ID,
    page: 'nl_dash_page',
    group: 'nl_dash_group',
    comment: 'nl_dash_comment',
    help: 'nl_dash_help',
    slider: 'nl_dash_slider',
    light: 'nl_dash_light',
    ledFn: 'nl_dash_led_fn',
    ledText: 'nl_dash_led_text',
    chart: 'nl_dash_chart',
  };
  const ledSeries = `LED (on = ${LED_SCALE})`;

  const { base, theme } = dashboardBase();
  const nodes = [
    base,
    theme,
    {
      id: ids.page,
      type: 'ui-page',
      name: 'Nightlight',
      ui: ids.base,
      path: '/nightlight',
      icon: 'lightbulb',
      layout: 'grid',
      theme: ids.theme,
      breakpoints: PAGE_BREAKPOINTS,
      order: 1,
      className: '',
      visible: 'true',
      disabled: 'false',
    },
    {
      id: ids.group,
      type: 'ui-group',
      name: 'Nightlight demo',
      page: ids.page,
      width: '6',
      height: '1',
      order: 1,
      showTitle: true,
      className: '',
      visible: 'true',
      disabled: 'false',
      groupType: 'default',
    },
    {
      id: ids.comment,
      type: 'comment',
      z,
      x: 190,
      y: top,
      name: 'Dashboard (npm start only): /dashboard',
      info: `Added by the \`npm start\` demo, not part of the example. ${sentence} The chart draws the light level and the LED state at every reading.`,
    },
    {
      id: ids.help,
      type: 'ui-markdown',
      z,
      x: 640,
      y: top + 40,
      group: ids.group,
      name: 'how the slider works',
      order: 1,
      width: 0,
      height: 0,
      content: sentence,
      className: '',
      wires: [[]],
    },
    // Every reading also reaches the slider (passthru off: it shows the value without sending it on).
    {
      id: ids.slider,
      type: 'ui-slider',
      z,
      x: 140,
      y: top + 60,
      group: ids.group,
      name: 'light slider',
      label: 'Light level (simulated sensor)',
      tooltip: '',
      order: 2,
      width: 0,
      height: 0,
      passthru: false,
      outs: 'end',
      topic: 'slider',
      topicType: 'str',
      thumbLabel: 'true',
      showTicks: 'false',
      min: 0,
      max: 1000,
      step: 10,
      className: '',
      iconPrepend: '',
      iconAppend: '',
      color: '',
      colorTrack: '',
      colorThumb: '',
      showTextField: false,
      wires: [[preset.id]],
    },
    {
      id: ids.light,
      type: 'function',
      z,
      x: 400,
      y: top + 120,
      name: 'chart points per reading',
      func: `// One point for the light level and one for the LED's last known state, at every reading,\n// so the LED line keeps going between changes.\nconst points = [{ topic: 'light level', payload: msg.payload }];\nconst on = flow.get('${LED_KEY}');\nif (on !== undefined) points.push({ topic: '${ledSeries}', payload: on ? ${LED_SCALE} : 0 });\nreturn [points];`,
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      wires: [[ids.chart]],
    },
    {
      id: ids.ledFn,
      type: 'function',
      z,
      x: 400,
      y: top + 180,
      name: 'LED state and series',
      func: `// LED command sends true/false, 1/0 or "on"/"off" depending on its Output option.\nconst on = msg.payload === true || msg.payload === 1 || msg.payload === 'on';\nflow.set('${LED_KEY}', on);\nreturn [{ payload: on ? 'on' : 'off' }, { topic: '${ledSeries}', payload: on ? ${LED_SCALE} : 0 }];`,
      outputs: 2,
      timeout: 0,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      wires: [[ids.ledText], [ids.chart]],
    },
    {
      id: ids.ledText,
      type: 'ui-text',
      z,
      x: 640,
      y: top + 180,
      group: ids.group,
      order: 3,
      width: 0,
      height: 0,
      name: 'LED state',
      label: 'LED',
      format: '{{msg.payload}}',
      layout: 'row-spread',
      style: false,
      font: '',
      fontSize: 16,
      color: '#717171',
      wrapText: false,
      className: '',
      value: 'payload',
      valueType: 'msg',
      wires: [],
    },
    {
      id: ids.chart,
      type: 'ui-chart',
      z,
      x: 640,
      y: top + 120,
      group: ids.group,
      name: 'light and LED chart',
      label: 'Light level and LED at every reading',
      order: 4,
      chartType: 'line',
      category: 'topic',
      categoryType: 'msg',
      xAxisLabel: '',
      xAxisProperty: '',
      xAxisPropertyType: 'timestamp',
      xAxisType: 'time',
      xAxisFormat: '',
      xAxisFormatType: 'auto',
      xmin: '',
      xmax: '',
      yAxisLabel: '',
      yAxisProperty: 'payload',
      yAxisPropertyType: 'msg',
      ymin: '0',
      ymax: '1000',
      bins: 10,
      action: 'append',
      stackSeries: false,
      pointShape: 'false',
      pointRadius: 4,
      showLegend: true,
      removeOlder: '10',
      removeOlderUnit: '60',
      removeOlderPoints: '',
      colors: ['#0095FF', '#E5A50A', '#FF7F0E', '#2CA02C', '#A347E1', '#D62728', '#FF9896', '#9467BD', '#C5B0D5'],
      textColor: ['#666666'],
      textColorDefault: true,
      gridColor: ['#e5e5e5'],
      gridColorDefault: true,
      width: 6,
      height: 8,
      className: '',
      interpolation: 'step',
      wires: [[]],
    },
  ];
  for (const sensor of sensors) {
    wireTo(sensor, 0, ids.light);
    wireTo(sensor, 0, ids.slider);
  }
  wireTo(led, 0, ids.ledFn);
  flows.push(...nodes);
  return nodes;
}

/**
 * Links the dashboard module into `modules` (a Node-RED user directory's node_modules), or
 * re-links it when the link is missing or points elsewhere (the project moved, an older demo).
 */
function linkDashboard({ modules, root }) {
  const from = path.join(root, 'node_modules', ...DASHBOARD.split('/'));
  if (!fs.existsSync(from)) throw new Error(`${DASHBOARD} is not installed (npm install)`);
  const to = path.join(modules, ...DASHBOARD.split('/'));
  let current;
  try {
    current = fs.lstatSync(to);
  } catch {
    current = undefined;
  }
  if (current && !current.isSymbolicLink())
    throw new Error(`${to} is not a link to the project's ${DASHBOARD}; remove it or start with --fresh`);
  if (current && fs.readlinkSync(to) === from) return to;
  if (current) fs.unlinkSync(to);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.symlinkSync(from, to, 'dir');
  return to;
}

module.exports = { addDashboard, dashboardBase, linkDashboard, DASHBOARD, LED_KEY, PAGE_BREAKPOINTS };
