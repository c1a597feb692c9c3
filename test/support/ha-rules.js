'use strict';
// Home Assistant's rules for MQTT discovery messages, written down from its documentation
// (not from our discovery module, which nothing here imports), so that a test can hold our
// messages to them. Facts taken from:
//   https://www.home-assistant.io/integrations/mqtt/  (discovery topic, device discovery
//     payload, the abbreviation tables, availability, the birth message)
//   https://www.home-assistant.io/integrations/sensor.mqtt/, .../binary_sensor.mqtt/,
//   .../select.mqtt/ and .../number.mqtt/  (each platform's options, required and defaults)
// Stricter than Home Assistant in one way on purpose: it ignores keys it does not know (so a
// misspelt option silently does nothing), and this checker reports them.
//
// Also a small interpreter of the few template forms our messages use, so that a whole-flow
// test can act as Home Assistant would: what state an entity shows for a payload, and what a
// select or number publishes. Any other template form throws: we only vouch for these.

const OBJECT_ID = /^[a-zA-Z0-9_-]+$/;

// Abbreviation -> option, for the options of the platforms this checker knows (the full table
// is longer; an abbreviation of some other platform's option is reported as unknown here).
const ABBREVIATIONS = {
  '~': '~',
  avty: 'availability',
  avty_mode: 'availability_mode',
  avty_t: 'availability_topic',
  avty_tpl: 'availability_template',
  cmd_t: 'command_topic',
  cmd_tpl: 'command_template',
  cmps: 'components',
  dev: 'device',
  dev_cla: 'device_class',
  e: 'encoding',
  en: 'enabled_by_default',
  ent_cat: 'entity_category',
  ent_pic: 'entity_picture',
  exp_aft: 'expire_after',
  frc_upd: 'force_update',
  ic: 'icon',
  json_attr_t: 'json_attributes_topic',
  json_attr_tpl: 'json_attributes_template',
  lrst_val_tpl: 'last_reset_value_template',
  max: 'max',
  min: 'min',
  mode: 'mode',
  name: 'name',
  o: 'origin',
  obj_id: 'object_id',
  off_dly: 'off_delay',
  ops: 'options',
  opt: 'optimistic',
  p: 'platform',
  pl_avail: 'payload_available',
  pl_not_avail: 'payload_not_available',
  pl_off: 'payload_off',
  pl_on: 'payload_on',
  pl_rst: 'payload_reset',
  ret: 'retain',
  stat_cla: 'state_class',
  stat_t: 'state_topic',
  step: 'step',
  sug_dsp_prc: 'suggested_display_precision',
  t: 'topic',
  uniq_id: 'unique_id',
  unit_of_meas: 'unit_of_measurement',
  val_tpl: 'value_template',
};
const DEVICE_ABBREVIATIONS = {
  cns: 'connections',
  cu: 'configuration_url',
  hw: 'hw_version',
  ids: 'identifiers',
  mdl: 'model',
  mdl_id: 'model_id',
  mf: 'manufacturer',
  name: 'name',
  sa: 'suggested_area',
  sn: 'serial_number',
  sw: 'sw_version',
};
const ORIGIN_ABBREVIATIONS = { name: 'name', sw: 'sw_version', url: 'support_url' };

const AVAILABILITY_OPTIONS = [
  'availability',
  'availability_mode',
  'availability_template',
  'availability_topic',
  'payload_available',
  'payload_not_available',
];
/** What a device discovery message may hold at its root: device, origin, components and the shared options. */
const SHARED_OPTIONS = [...AVAILABILITY_OPTIONS, 'state_topic', 'command_topic', 'qos', 'encoding'];
const ROOT_OPTIONS = ['~', 'device', 'origin', 'components', ...SHARED_OPTIONS];
const DEVICE_OPTIONS = [...Object.values(DEVICE_ABBREVIATIONS), 'via_device'];
const ORIGIN_OPTIONS = Object.values(ORIGIN_ABBREVIATIONS);
const AVAILABILITY_ENTRY = ['topic', 'payload_available', 'payload_not_available', 'value_template'];
const ENTITY_OPTIONS = [
  ...['availability', 'availability_mode', 'availability_template', 'availability_topic', 'device'],
  ...['enabled_by_default', 'encoding', 'entity_category', 'entity_picture', 'icon', 'json_attributes_template'],
  ...['json_attributes_topic', 'name', 'object_id', 'platform', 'qos', 'unique_id', 'value_template'],
];

/** Each platform's own options and the ones it cannot do without. */
const PLATFORMS = {
  sensor: {
    options: [
      ...['device_class', 'expire_after', 'force_update', 'last_reset_value_template', 'options'],
      ...['payload_available', 'payload_not_available', 'state_class', 'state_topic'],
      ...['suggested_display_precision', 'unit_of_measurement'],
    ],
    required: ['state_topic'],
  },
  binary_sensor: {
    options: [
      ...['device_class', 'expire_after', 'force_update', 'off_delay', 'payload_available'],
      ...['payload_not_available', 'payload_off', 'payload_on', 'state_topic'],
    ],
    required: ['state_topic'],
  },
  select: {
    options: ['command_template', 'command_topic', 'optimistic', 'options', 'retain', 'state_topic'],
    required: ['command_topic', 'options'],
  },
  number: {
    options: [
      ...['command_template', 'command_topic', 'device_class', 'max', 'min', 'mode', 'optimistic'],
      ...['payload_reset', 'retain', 'state_topic', 'step', 'unit_of_measurement'],
    ],
    required: ['command_topic'],
  },
};
const STATE_CLASSES = ['measurement', 'measurement_angle', 'total', 'total_increasing'];
const NUMBER_MODES = ['auto', 'box', 'slider'];
const AVAILABILITY_MODES = ['all', 'any', 'latest'];
/** Number defaults when a message leaves them out. */
const NUMBER_DEFAULTS = { min: 1, max: 100, step: 1 };

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isText = (v) => typeof v === 'string' && v.length > 0;

/**
 * Expands the keys of `obj` by `table` into a new object; what is unknown (not an option
 * of `allowed`, abbreviated or not) or given twice goes to `problems` under `where`.
 */
function expand(obj, table, allowed, where, problems) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const [key, value] of Object.entries(obj)) {
    const full = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : key;
    if (!allowed.includes(full)) {
      if (full === key) problems.push(`${where}: unknown key or abbreviation "${key}"`);
      else problems.push(`${where}: "${key}" stands for ${full}, which is not an option here`);
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(out, full)) problems.push(`${where}: "${full}" given twice`);
    out[full] = value;
  }
  return out;
}

/** Replaces `~` at the start or end of each `*_topic` option by the base topic, as Home Assistant does. */
function applyBase(config, base) {
  if (typeof base !== 'string') return;
  for (const key of Object.keys(config)) {
    const value = config[key];
    if (!(key.endsWith('_topic') || key === 'topic') || typeof value !== 'string') continue;
    if (value.startsWith('~')) config[key] = base + value.slice(1);
    else if (value.endsWith('~')) config[key] = value.slice(0, -1) + base;
  }
}

/** The availability options of `config` (a root or a component), checked. */
function checkAvailability(config, where, problems, base) {
  if (config.availability !== undefined && config.availability_topic !== undefined)
    problems.push(`${where}: availability and availability_topic must not be used together`);
  if (config.availability !== undefined) {
    if (!Array.isArray(config.availability) || config.availability.length === 0) {
      problems.push(`${where}: availability must be a non-empty list`);
    } else {
      config.availability = config.availability.map((entry, i) => {
        if (!isObject(entry)) {
          problems.push(`${where}.availability[${i}]: not an object`);
          return {};
        }
        const e = expand(entry, ABBREVIATIONS, AVAILABILITY_ENTRY, `${where}.availability[${i}]`, problems);
        applyBase(e, base);
        if (!isText(e.topic)) problems.push(`${where}.availability[${i}]: needs a topic`);
        checkPayloads(e, `${where}.availability[${i}]`, problems);
        return e;
      });
    }
  }
  if (config.availability_mode !== undefined && !AVAILABILITY_MODES.includes(config.availability_mode))
    problems.push(`${where}: availability_mode must be one of ${AVAILABILITY_MODES.join(', ')}`);
  checkPayloads(config, where, problems);
}

/** The available and not-available payloads (default `online` and `offline`) must be strings that differ. */
function checkPayloads(config, where, problems) {
  const on = config.payload_available ?? 'online';
  const off = config.payload_not_available ?? 'offline';
  if (typeof on !== 'string' || typeof off !== 'string')
    problems.push(`${where}: availability payloads must be strings`);
  else if (on === off) problems.push(`${where}: payload_available and payload_not_available are both "${on}"`);
}

/** One component, already expanded and with the shared options it inherits; problems to `problems`. */
function checkComponent(key, component, problems) {
  const where = `components.${key}`;
  const rules = PLATFORMS[component.platform];
  if (!rules) {
    problems.push(`${where}: platform ${JSON.stringify(component.platform)} is not one this checker knows`);
    return;
  }
  if (Object.keys(component).length < 2) problems.push(`${where}: needs an option besides platform`);
  if (!isText(component.unique_id)) problems.push(`${where}: needs a unique_id (required in device discovery)`);
  for (const option of rules.required) {
    if (component[option] === undefined) problems.push(`${where}: ${component.platform} needs ${option}`);
  }
  for (const [option, value] of Object.entries(component)) {
    if (option.endsWith('_topic') && !isText(value)) problems.push(`${where}: ${option} must be a non-empty string`);
    if (option === 'command_topic' && /[+#]/.test(String(value)))
      problems.push(`${where}: command_topic must not hold a wildcard`);
    if (option.endsWith('_template')) {
      try {
        parseTemplate(value);
      } catch (err) {
        problems.push(`${where}: ${option}: ${err.message}`);
      }
    }
  }
  if (component.qos !== undefined && ![0, 1, 2].includes(component.qos))
    problems.push(`${where}: qos must be 0, 1 or 2`);
  if (component.retain !== undefined && typeof component.retain !== 'boolean')
    problems.push(`${where}: retain must be true or false`);
  const check = PLATFORM_CHECKS[component.platform];
  if (check) check(component, where, problems);
}

const PLATFORM_CHECKS = {
  sensor(c, where, problems) {
    if (c.state_class !== undefined && !STATE_CLASSES.includes(c.state_class))
      problems.push(`${where}: state_class must be one of ${STATE_CLASSES.join(', ')}`);
    if (c.device_class === 'illuminance' && c.unit_of_measurement !== 'lx')
      problems.push(`${where}: an illuminance sensor is measured in lx`);
    if (c.options !== undefined) {
      if (!Array.isArray(c.options) || c.options.length === 0)
        problems.push(`${where}: options must be a non-empty list`);
      if (c.state_class !== undefined || c.unit_of_measurement !== undefined)
        problems.push(`${where}: options cannot go with state_class or unit_of_measurement`);
    }
  },
  select(c, where, problems) {
    if (!Array.isArray(c.options) || !c.options.every((o) => typeof o === 'string'))
      problems.push(`${where}: options must be a list of strings`);
    else if (new Set(c.options).size !== c.options.length) problems.push(`${where}: options repeat`);
  },
  number(c, where, problems) {
    const { min, max, step } = { ...NUMBER_DEFAULTS, ...c };
    if (![min, max, step].every((n) => typeof n === 'number' && Number.isFinite(n)))
      problems.push(`${where}: min, max and step must be numbers`);
    else if (!(max > min)) problems.push(`${where}: max must be greater than min`);
    else if (step < 0.001) problems.push(`${where}: step must be at least 0.001`);
    if (c.mode !== undefined && !NUMBER_MODES.includes(c.mode))
      problems.push(`${where}: mode must be one of ${NUMBER_MODES.join(', ')}`);
  },
};

/**
 * Reads a device discovery message as Home Assistant would: the topic and the payload, every
 * key expanded. Returns `{ problems, removal, message }`: `removal` for an empty payload
 * (which removes the device), `message` the expanded device, origin and components (each
 * with the shared options it inherits) when the payload is a JSON object.
 */
function readDiscoveryMessage(topic, payloadText, prefix = 'homeassistant') {
  const problems = [];
  const text = Buffer.isBuffer(payloadText) ? payloadText.toString('utf8') : payloadText;
  const levels =
    typeof topic === 'string' && topic.startsWith(prefix + '/') ? topic.slice(prefix.length + 1).split('/') : [];
  const ids = levels.slice(1, -1);
  if (levels[0] !== 'device' || levels[levels.length - 1] !== 'config' || ids.length < 1 || ids.length > 2)
    problems.push(`topic: ${JSON.stringify(topic)} is not ${prefix}/device/[<node_id>/]<object_id>/config`);
  else if (!ids.every((id) => OBJECT_ID.test(id)))
    problems.push(`topic: the object id ${JSON.stringify(ids.join('/'))} is not made of [a-zA-Z0-9_-]`);
  if (typeof text !== 'string') return { problems: [...problems, 'payload: not text'], removal: false };
  if (text === '') return { problems, removal: true };
  let raw;
  try {
    raw = JSON.parse(text);
  } catch {
    return { problems: [...problems, 'payload: not JSON'], removal: false };
  }
  if (!isObject(raw)) return { problems: [...problems, 'payload: not a JSON object'], removal: false };
  const root = expand(raw, ABBREVIATIONS, ROOT_OPTIONS, 'root', problems);
  const base = root['~'];
  applyBase(root, base);
  checkAvailability(root, 'root', problems, base);
  const device = isObject(root.device)
    ? expand(root.device, DEVICE_ABBREVIATIONS, DEVICE_OPTIONS, 'device', problems)
    : undefined;
  if (!device) problems.push('device: required, an object');
  else {
    const ids = device.identifiers;
    const idsOk = isText(ids) || (Array.isArray(ids) && ids.length > 0 && ids.every(isText));
    if (!idsOk && device.connections === undefined) problems.push('device: needs identifiers');
    if (device.via_device !== undefined && !isText(device.via_device))
      problems.push('device: via_device must be a string');
  }
  const origin = isObject(root.origin)
    ? expand(root.origin, ORIGIN_ABBREVIATIONS, ORIGIN_OPTIONS, 'origin', problems)
    : undefined;
  if (!origin) problems.push('origin: required, an object');
  else {
    if (!isText(origin.name)) problems.push('origin: needs a name');
    if (origin.support_url !== undefined && !/^https?:\/\//.test(String(origin.support_url)))
      problems.push('origin: support_url must be an http(s) address');
  }
  /** @type {Record<string, any>} */
  const components = {};
  if (!isObject(root.components) || Object.keys(root.components).length === 0)
    problems.push('components: required, a non-empty object');
  else {
    const shared = Object.fromEntries(SHARED_OPTIONS.filter((o) => root[o] !== undefined).map((o) => [o, root[o]]));
    const seen = new Set();
    for (const [key, value] of Object.entries(root.components)) {
      if (!isObject(value)) {
        problems.push(`components.${key}: not an object`);
        continue;
      }
      const platform = PLATFORMS['p' in value ? value.p : value.platform];
      const allowed = [...ENTITY_OPTIONS, ...(platform ? platform.options : [])];
      const own = expand(value, ABBREVIATIONS, allowed, `components.${key}`, problems);
      applyBase(own, base);
      if (own.availability !== undefined || own.availability_topic !== undefined)
        checkAvailability(own, `components.${key}`, problems, base);
      /** @type {Record<string, any>} */
      const component = { ...shared, ...own };
      if (own.availability !== undefined) delete component.availability_topic;
      if (own.availability_topic !== undefined) delete component.availability;
      checkComponent(key, component, problems);
      if (isText(component.unique_id)) {
        if (seen.has(component.unique_id))
          problems.push(`components.${key}: unique_id "${component.unique_id}" repeats`);
        seen.add(component.unique_id);
      }
      components[key] = component;
    }
  }
  return { problems, removal: false, message: { device, origin, components } };
}

/** The problems of one discovery message (none: Home Assistant would take it). */
function checkDiscoveryMessage(topic, payloadText, prefix = 'homeassistant') {
  return readDiscoveryMessage(topic, payloadText, prefix).problems;
}

/**
 * Every discovery message a test saw, in order, as the retained state Home Assistant would
 * find: a later message on a topic replaces the earlier one, an empty one removes it. Adds
 * the rules that span messages: a unique id belongs to one entity, and a `via_device` names a
 * device some message announced.
 */
class DiscoveryCollector {
  constructor(prefix = 'homeassistant') {
    this.prefix = prefix;
    /** @type {Map<string, { problems: string[], removal: boolean, message?: any }>} */
    this.byTopic = new Map();
  }

  /** One message; returns its own problems. */
  add(topic, payload) {
    const read = readDiscoveryMessage(topic, payload, this.prefix);
    if (read.removal) this.byTopic.delete(topic);
    else this.byTopic.set(topic, read);
    return read.problems;
  }

  /** The expanded message now retained on `topic`, or `undefined`. */
  message(topic) {
    return this.byTopic.get(topic)?.message;
  }

  /** How many devices are announced. */
  get size() {
    return this.byTopic.size;
  }

  problems() {
    const problems = [];
    const owners = new Map();
    const identifiers = new Set();
    for (const [topic, read] of this.byTopic) {
      problems.push(...read.problems.map((p) => `${topic}: ${p}`));
      const ids = read.message?.device?.identifiers;
      for (const id of Array.isArray(ids) ? ids : [ids]) identifiers.add(id);
      for (const [key, c] of Object.entries(read.message?.components ?? {})) {
        const owner = `${topic} ${key}`;
        const other = owners.get(c.unique_id);
        if (other) problems.push(`${owner}: unique_id "${c.unique_id}" is also ${other}'s`);
        else owners.set(c.unique_id, owner);
      }
    }
    for (const [topic, read] of this.byTopic) {
      const via = read.message?.device?.via_device;
      if (via !== undefined && !identifiers.has(via))
        problems.push(`${topic}: via_device "${via}" names no device announced`);
    }
    return problems;
  }
}

// ---- Templates ------------------------------------------------------------------------
// Exactly these forms, inside `{{ }}` in otherwise literal text: `value`, `value_json` and its
// attributes (`value_json.a.b`), quoted strings, numbers, `x | default(literal)`, `a == b`,
// `a != b`, `a if cond else b`, and parentheses. No `{% %}` statements, no other filters.

const UNDEFINED = Symbol('undefined');
const TOKEN = /\s*(?:(\d+(?:\.\d+)?)|'([^'\\]*)'|"([^"\\]*)"|([A-Za-z_][A-Za-z0-9_]*)|(==|!=|[().|]))/y;

/** A template this interpreter does not vouch for. */
class UnsupportedTemplate extends Error {}

function tokenize(source) {
  const tokens = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(source);
    if (!m) throw new UnsupportedTemplate(`cannot read ${JSON.stringify(source.slice(at))}`);
    if (m[1] !== undefined) tokens.push({ kind: 'literal', value: Number(m[1]) });
    else if (m[2] !== undefined || m[3] !== undefined) tokens.push({ kind: 'literal', value: m[2] ?? m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: 'name', value: m[4] });
    else tokens.push({ kind: 'op', value: m[5] });
  }
  return tokens;
}

/** Parses one `{{ }}` expression into a tree of plain objects. */
function parseExpression(source) {
  const tokens = tokenize(source);
  let i = 0;
  const peek = (value) => tokens[i] && tokens[i].value === value && tokens[i].kind !== 'literal';
  const expect = (value) => {
    if (!peek(value)) throw new UnsupportedTemplate(`expected ${value} in ${JSON.stringify(source)}`);
    i += 1;
  };
  const primary = () => {
    const t = tokens[i++];
    if (!t) throw new UnsupportedTemplate(`unexpected end of ${JSON.stringify(source)}`);
    if (t.kind === 'literal') return { kind: 'literal', value: t.value };
    if (t.value === '(') {
      const inner = conditional();
      expect(')');
      return inner;
    }
    if (t.kind === 'name' && (t.value === 'value' || t.value === 'value_json')) {
      /** @type {any} */
      let node = { kind: 'var', name: t.value };
      while (peek('.')) {
        i += 1;
        const attr = tokens[i++];
        if (!attr || attr.kind !== 'name') throw new UnsupportedTemplate(`bad attribute in ${JSON.stringify(source)}`);
        node = { kind: 'attr', of: node, name: attr.value };
      }
      return node;
    }
    throw new UnsupportedTemplate(`${JSON.stringify(t.value)} is not a form this interpreter knows`);
  };
  const filtered = () => {
    let node = primary();
    while (peek('|')) {
      i += 1;
      expect('default');
      expect('(');
      const fallback = tokens[i++];
      if (!fallback || fallback.kind !== 'literal') throw new UnsupportedTemplate('default() takes one literal');
      expect(')');
      node = { kind: 'default', of: node, fallback: fallback.value };
    }
    return node;
  };
  const comparison = () => {
    const left = filtered();
    if (peek('==') || peek('!=')) {
      const op = tokens[i++].value;
      return { kind: 'compare', op, left, right: filtered() };
    }
    return left;
  };
  const conditional = () => {
    const then = comparison();
    if (!peek('if')) return then;
    i += 1;
    const test = comparison();
    expect('else');
    return { kind: 'if', test, then, otherwise: conditional() };
  };
  const tree = conditional();
  if (i !== tokens.length)
    throw new UnsupportedTemplate(`unexpected ${JSON.stringify(tokens[i].value)} in ${JSON.stringify(source)}`);
  return tree;
}

/** Splits a template into literal text and parsed `{{ }}` expressions; throws UnsupportedTemplate. */
function parseTemplate(template) {
  if (typeof template !== 'string') throw new UnsupportedTemplate('a template must be a string');
  if (/\{%|\{#/.test(template)) throw new UnsupportedTemplate('statements and comments are not supported');
  const parts = [];
  let rest = template;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) break;
    const close = rest.indexOf('}}', open);
    if (close < 0) throw new UnsupportedTemplate('an unclosed {{');
    parts.push(rest.slice(0, open), parseExpression(rest.slice(open + 2, close)));
    rest = rest.slice(close + 2);
  }
  if (rest.includes('}}')) throw new UnsupportedTemplate('a }} without {{');
  parts.push(rest);
  return parts;
}

/** Jinja's truth: false, 0, '', None, undefined and empty containers are false. */
function truthy(v) {
  if (v === UNDEFINED || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

function evaluate(node, vars) {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'var':
      return Object.prototype.hasOwnProperty.call(vars, node.name) ? vars[node.name] : UNDEFINED;
    case 'attr': {
      const of = evaluate(node.of, vars);
      // An attribute of something undefined is an error in Jinja (Home Assistant then keeps the old state).
      if (of === UNDEFINED) throw new Error(`${node.name} of an undefined value`);
      return isObject(of) && Object.prototype.hasOwnProperty.call(of, node.name) ? of[node.name] : UNDEFINED;
    }
    case 'default': {
      const v = evaluate(node.of, vars);
      return v === UNDEFINED ? node.fallback : v;
    }
    case 'compare': {
      const a = evaluate(node.left, vars);
      const b = evaluate(node.right, vars);
      // Python compares True with 1; an undefined value equals nothing.
      const numeric = (x) => typeof x === 'number' || typeof x === 'boolean';
      const same = a !== UNDEFINED && b !== UNDEFINED && (numeric(a) && numeric(b) ? Number(a) === Number(b) : a === b);
      return node.op === '==' ? same : !same;
    }
    case 'if':
      return truthy(evaluate(node.test, vars)) ? evaluate(node.then, vars) : evaluate(node.otherwise, vars);
  }
  throw new UnsupportedTemplate(`unknown node ${node.kind}`);
}

/** Python's str() of a value, for the forms JSON can bring. */
function text(v) {
  if (v === UNDEFINED) return '';
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  throw new UnsupportedTemplate('rendering a list or an object is not supported');
}

/** Renders `template` with `vars` (`value`, `value_json`); throws UnsupportedTemplate for a form it does not know. */
function renderTemplate(template, vars) {
  return parseTemplate(template)
    .map((part) => (typeof part === 'string' ? part : text(evaluate(part, vars))))
    .join('');
}

/** What a value template renders from an incoming payload, or `undefined` when rendering fails. */
function renderIncoming(template, payload) {
  const value = Buffer.isBuffer(payload) ? payload.toString('utf8') : String(payload);
  if (template === undefined) return value;
  const vars = { value };
  try {
    vars.value_json = JSON.parse(value);
  } catch {
    // Not JSON: value_json stays undefined, as in Home Assistant.
  }
  const parts = parseTemplate(template); // unsupported forms throw, whatever the payload
  try {
    return parts.map((part) => (typeof part === 'string' ? part : text(evaluate(part, vars)))).join('');
  } catch (err) {
    if (err instanceof UnsupportedTemplate) throw err;
    return undefined;
  }
}

/**
 * The state Home Assistant shows for `component` (from {@link readDiscoveryMessage}) after
 * `payload` arrives on its state topic: a string (`on`/`off` for a binary sensor, the option
 * for a select), a number for a number or numeric sensor, `unknown`, or `undefined` when Home
 * Assistant would ignore the message and keep what it showed.
 */
function stateFor(component, payload) {
  const rendered = renderIncoming(component.value_template, payload);
  if (rendered === undefined || rendered === '') return undefined;
  switch (component.platform) {
    case 'sensor': {
      const numeric = ['device_class', 'state_class', 'unit_of_measurement', 'suggested_display_precision'].some(
        (o) => component[o] !== undefined && component[o] !== null,
      );
      if (!numeric) return rendered;
      if (rendered === 'None') return 'unknown';
      const n = Number(rendered);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'binary_sensor':
      if (rendered === (component.payload_on ?? 'ON')) return 'on';
      if (rendered === (component.payload_off ?? 'OFF')) return 'off';
      return rendered === 'None' ? 'unknown' : undefined;
    case 'select':
      if (component.options.includes(rendered)) return rendered;
      return rendered === 'None' ? 'unknown' : undefined;
    case 'number': {
      if (rendered === (component.payload_reset ?? 'None')) return 'unknown';
      const { min, max } = { ...NUMBER_DEFAULTS, ...component };
      const n = Number(rendered);
      return Number.isFinite(n) && n >= min && n <= max ? n : undefined;
    }
  }
  throw new Error(`no state rules for platform ${component.platform}`);
}

/**
 * What Home Assistant publishes when a user picks `value` on a select or a number:
 * `{ topic, payload, qos, retain }`. Throws for a value Home Assistant would refuse.
 */
function commandFor(component, value) {
  if (component.platform === 'select') {
    if (!component.options.includes(value)) throw new Error(`${JSON.stringify(value)} is not an option`);
  } else if (component.platform === 'number') {
    const { min, max } = { ...NUMBER_DEFAULTS, ...component };
    // Home Assistant sends a whole number without ".0", as String() writes it here.
    if (typeof value !== 'number' || !(value >= min && value <= max)) throw new Error(`${value} is out of range`);
  } else {
    throw new Error(`a ${component.platform} publishes nothing`);
  }
  const template = component.command_template;
  const payload = template === undefined ? String(value) : renderTemplate(template, { value });
  return { topic: component.command_topic, payload, qos: component.qos ?? 0, retain: component.retain ?? false };
}

/** Whether `payload` on `topic` makes `component` available (true), unavailable (false), or says nothing (undefined). */
function availabilityFor(component, topic, payload) {
  const text = Buffer.isBuffer(payload) ? payload.toString('utf8') : String(payload);
  const entries =
    component.availability ?? (component.availability_topic ? [{ topic: component.availability_topic }] : []);
  for (const entry of entries) {
    if (entry.topic !== topic) continue;
    if (text === (entry.payload_available ?? component.payload_available ?? 'online')) return true;
    if (text === (entry.payload_not_available ?? component.payload_not_available ?? 'offline')) return false;
  }
  return undefined;
}

/** Whether `topic` and `payload` are Home Assistant's default birth message for `prefix`. */
function isBirth(topic, payload, prefix = 'homeassistant') {
  return topic === `${prefix}/status` && String(payload) === 'online';
}

module.exports = {
  checkDiscoveryMessage,
  readDiscoveryMessage,
  DiscoveryCollector,
  parseTemplate,
  renderTemplate,
  UnsupportedTemplate,
  stateFor,
  commandFor,
  availabilityFor,
  isBirth,
};
