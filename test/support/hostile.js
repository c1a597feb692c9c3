'use strict';
// A seeded generator of hostile and valid messages for the fuzz tests. Everything is
// data: a node is described by the payload schema it reads (fields, what each field
// accepts) and by its other inputs (msg.topic, per-message overrides), so a new field or
// option is one more table entry. Expected refusal codes come from the field rules here,
// written from the product contract, not from the library under test.

const MEGABYTE = 1 << 20;
const FRESH = Symbol('fresh');
const OPTIONAL = new Set(['ts', 'seq', 'historical']);

/** xorshift32: small, fast, reproducible. Returns floats in [0, 1). */
function prng(seed) {
  let s = seed >>> 0 || 0x2545f491;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** The seed for this run: FUZZ_SEED when set, else a fresh one. Printed so a failure can be replayed. */
function fuzzSeed(label) {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  console.log(`      ${label}: fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);
  return seed;
}

class Gen {
  constructor(seed) {
    this.random = prng(seed);
  }
  int(lo, hi) {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }
  chance(p) {
    return this.random() < p;
  }
  pick(list) {
    return list[Math.floor(this.random() * list.length)];
  }
  bytes(n) {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.random() * 256);
    return b;
  }
  /** A string of `n` code units from `alphabet` (an array of strings). */
  text(n, alphabet) {
    let s = '';
    while (s.length < n) s += this.pick(alphabet);
    return s;
  }
}

// ---- what each field accepts (the contract), as expected-code functions ----------------

const isNum = (v) => typeof v === 'number';
const RULES = {
  light: (v) =>
    !isNum(v)
      ? 'light-not-number'
      : !Number.isFinite(v)
        ? 'light-not-finite'
        : v < 0 || v > 1e6
          ? 'light-out-of-range'
          : null,
  ts: (v) => (isNum(v) && Number.isFinite(v) && v >= 0 && v <= 8.64e15 ? null : 'bad-ts'),
  seq: (v) => (Number.isSafeInteger(v) && v >= 0 ? null : 'bad-seq'),
  historical: (v) => (typeof v === 'boolean' ? null : 'bad-historical'),
  led_on: (v) => (typeof v === 'boolean' ? null : 'led-on-not-boolean'),
  threshold: (v) => {
    if (v === undefined || v === null || v === '') return null;
    const n = typeof v === 'string' && /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(v.trim()) ? Number(v) : v;
    return isNum(n) && Number.isFinite(n) && Math.abs(n) <= 1e6 ? null : 'bad-override';
  },
  // The hysteresis band: a threshold-like number that must also not be negative.
  band: (v) =>
    RULES.threshold(v) || (v === undefined || v === null || v === '' || Number(v) >= 0 ? null : 'bad-override'),
};

/** Values of every wrong type; each field keeps those its rule refuses. Functions get a fresh value each time. */
const WRONG_VALUES = [
  '412',
  'true',
  'NaN',
  'Infinity',
  '-Infinity',
  '',
  ' ',
  '1e999',
  '0x1F',
  'null',
  null,
  true,
  false,
  [],
  [1],
  {},
  { light: 1 },
  { led_on: true },
  -1,
  -0.5,
  1.5,
  1e300,
  -1e300,
  8.64e15 + 1,
  2 ** 53,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -0,
  NaN,
  Infinity,
  -Infinity,
  10n,
  Symbol('x'),
  () => 1,
  undefined,
  fresh(() => Object.create(null)),
  fresh(() => ({
    toString() {
      throw new Error('hostile toString');
    },
  })),
  fresh(() => 'x'.repeat(MEGABYTE)),
  fresh(() => nested(3000)),
];

/** Marks a WRONG_VALUES entry that is made anew each time it is picked. */
function fresh(make) {
  return { [FRESH]: make };
}

function nested(depth) {
  let v = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function wrongValue(g, field) {
  for (;;) {
    let v = g.pick(WRONG_VALUES);
    if (v && typeof v === 'object' && FRESH in v) v = v[FRESH]();
    if (expected(field, v) !== null) return v;
  }
}

/** The code a field's value must be refused with, or null when it is accepted (an optional field may be absent). */
function expected(field, value) {
  if (value === undefined && OPTIONAL.has(field)) return null;
  return RULES[field](value);
}

/** Whether `value` survives JSON text unchanged (so its text form has the same expected code). */
function jsonSafe(value) {
  return !hasNonJson(value);
}
function hasNonJson(v, depth = 0) {
  if (depth > 50) return false;
  if (v === null) return false;
  if (v === undefined) return true;
  if (typeof v === 'number') return !Number.isFinite(v) || Object.is(v, -0);
  if (typeof v !== 'object') return typeof v !== 'string' && typeof v !== 'boolean';
  if (Object.getPrototypeOf(v) === null) return true;
  return Object.values(v).some((x) => hasNonJson(x, depth + 1));
}

// ---- payload schemas -----------------------------------------------------------------

const SCHEMAS = {
  telemetry: {
    order: ['light', 'ts', 'seq', 'historical'],
    required: 'light',
    missing: 'no-light',
  },
  command: {
    order: ['led_on', 'ts', 'seq'],
    required: 'led_on',
    missing: 'no-led-on',
  },
};

/** One of the three shapes `mqtt in` can deliver: the object, its JSON text, or a Buffer of that text. */
function encode(g, obj, forms = ['object', 'string', 'buffer']) {
  const form = g.pick(forms);
  if (form === 'object') return obj;
  const text = JSON.stringify(obj);
  return form === 'string' ? text : Buffer.from(text);
}

/**
 * The nodes under fuzz. `payload` names the schema of msg.payload; `scalar(value)` is the
 * code for a payload that is not an object (light telemetry takes bare numbers);
 * `valid(g, state)` makes a valid message; `topics` and `overrides` add hostile msg.topic
 * and per-message option values.
 */
const NODES = {
  'light-telemetry': {
    config: { deviceId: 'fuzz-device', topic: '{id}/telemetry' },
    payload: 'telemetry',
    scalar: (v) => (isNum(v) ? RULES.light(v) : typeof v === 'string' && v.trim() === '' ? 'empty' : 'not-number'),
    /** A bare reading of `NaN` or `Infinity` text is a number that is not finite; for an object schema it is just not JSON. */
    nonFiniteText: 'light-not-finite',
    valid(g, state) {
      const light = g.chance(0.5) ? g.int(0, 1023) : Math.round(g.random() * 100000) / 100;
      const payload = g.pick([
        light,
        String(light),
        Buffer.from(String(light)),
        { light },
        JSON.stringify({ light }),
        Buffer.from(JSON.stringify({ light })),
      ]);
      state.n = (state.n || 0) + 1;
      return { payload };
    },
    /** What of an output must be equal between runs (`ts` is the wall clock, so it is left out). */
    comparable: (m) => [m.topic, m.payload.light, m.payload.seq, m.qos, m.retain],
  },
  'nightlight-decide': {
    config: {},
    payload: 'telemetry',
    scalar: (v) => (typeof v === 'string' && v.trim() === '' ? 'empty' : 'not-object'),
    valid(g, state) {
      const id = g.pick(['kitchen', 'hall', 'porch', 'über-küche', 'ดาดฟ้า', 'x'.repeat(64), 'a b', 'dev-7']);
      state.seq = state.seq || {};
      const seq = (state.seq[id] = (state.seq[id] || 0) + 1);
      const body = { light: g.int(0, 700) };
      if (g.chance(0.5)) body.seq = seq;
      const msg = { topic: `${id}/telemetry`, payload: encode(g, body) };
      if (g.chance(0.1)) msg.threshold = g.pick([250, '350', 100.5]);
      return msg;
    },
    topics: [
      ['+/telemetry', 'bad-device-id'],
      ['#', 'topic-mismatch'],
      ['a/#', 'topic-mismatch'],
      ['#/telemetry', 'bad-device-id'],
      ['$SYS/telemetry', 'bad-device-id'],
      ['$share/telemetry', 'bad-device-id'],
      ['a\u0000b/telemetry', 'bad-device-id'],
      ['a\nb/telemetry', 'bad-device-id'],
      ['a\u007fb/telemetry', 'bad-device-id'],
      ['a\ud800/telemetry', 'bad-device-id'],
      ['/telemetry', 'bad-device-id'],
      ['x'.repeat(65) + '/telemetry', 'bad-device-id'],
      ['x'.repeat(MEGABYTE) + '/telemetry', 'bad-device-id'],
      ['x'.repeat(MEGABYTE), 'topic-mismatch'],
      ['kitchen/state', 'topic-mismatch'], // not <id>/commands: a decide node may take those as its own commands echoed back
      ['kitchen/telemetry/extra', 'topic-mismatch'],
      ['a/b/telemetry', 'topic-mismatch'],
      ['kitchen/telemetry ', 'topic-mismatch'],
      ['', 'topic-mismatch'],
      [undefined, 'topic-mismatch'],
      [null, 'topic-mismatch'],
      [42, 'topic-mismatch'],
      [['kitchen', 'telemetry'], 'topic-mismatch'],
      [{ toString: () => 'kitchen/telemetry' }, 'topic-mismatch'],
    ],
    overrides: ['threshold', 'band'],
    comparable: (m) => [m.topic, m.payload.led_on, m.payload.seq, m.qos, m.retain, m.deviceId, m.light],
  },
  'led-command': {
    config: {},
    payload: 'command',
    // A bare number is a local light reading (the offline fallback's input), so only bad numbers are refused.
    scalar: (v) =>
      typeof v === 'string' && v.trim() === '' ? 'empty' : typeof v === 'number' ? RULES.light(v) : 'not-object',
    valid(g, state) {
      state.seq = (state.seq || 0) + 1;
      const body = { led_on: g.chance(0.5) };
      if (g.chance(0.7)) body.seq = state.seq;
      return { topic: 'fuzz-device/commands', payload: encode(g, body) };
    },
    comparable: (m) => [m.payload, m.led_on],
  },
};

/** A valid object for `schema`, to corrupt one part of. */
function validBody(g, schema) {
  return schema === 'telemetry'
    ? { light: g.int(0, 1000), seq: g.int(0, 1e6) }
    : { led_on: g.chance(0.5), seq: g.int(0, 1e6) };
}

/**
 * Hostile payload kinds. Each returns `{ payload, code }` for `node` (an entry of NODES)
 * with `maxBytes` in force, or null when the kind does not apply.
 */
const PAYLOAD_KINDS = {
  randomBytes(g, node, maxBytes) {
    const b = g.bytes(g.int(1, Math.min(maxBytes, 512)));
    b[g.int(0, b.length - 1)] = g.pick([0xff, 0xfe, 0xc0, 0xc1, 0xf5]); // never valid in UTF-8
    return { payload: b, code: 'not-utf8' };
  },
  oversizedBytes(g, node, maxBytes) {
    return { payload: g.bytes(maxBytes + g.int(1, maxBytes)), code: 'too-large' };
  },
  oversizedText(g, node, maxBytes) {
    // Valid-looking JSON that would parse fine, if it were not too large.
    const pad = 'x'.repeat(maxBytes);
    return {
      payload: g.pick([(t) => t, (t) => Buffer.from(t)])(JSON.stringify({ ...validBody(g, node.payload), pad })),
      code: 'too-large',
    };
  },
  multibyteJustOver(g, node, maxBytes) {
    // Fewer characters than maxBytes, more UTF-8 bytes: the limit counts bytes.
    return { payload: 'é'.repeat(Math.floor(maxBytes / 2) + 1), code: 'too-large' };
  },
  megabyteString(g) {
    return {
      payload: g.text(4096, ['{"light":', '1', ',', '"a"', ']', 'é']).repeat(MEGABYTE / 4096),
      code: 'too-large',
    };
  },
  truncatedJson(g, node) {
    const text = JSON.stringify(validBody(g, node.payload));
    const cut = text.slice(0, g.int(1, text.length - 1));
    return { payload: g.chance(0.5) ? cut : Buffer.from(cut), code: 'not-json' };
  },
  garbageText(g) {
    const text = g.pick([
      '{',
      '}',
      '[',
      'undefined',
      "{'light':1}",
      '{"light":1,}',
      'light=1',
      '0x10',
      'nan',
      '--1',
      '1..2',
      '{"light":1}{"light":2}',
      '\u0000',
      '"unterminated',
    ]);
    return { payload: text, code: 'not-json' };
  },
  deepText(g, node, maxBytes) {
    const depth = g.int(10, Math.floor((maxBytes - 20) / 2));
    const arr = '['.repeat(depth) + ']'.repeat(depth);
    return g.chance(0.5)
      ? {
          payload: `{"${SCHEMAS[node.payload].required}":${arr}}`.slice(0, maxBytes),
          code: SCHEMAS[node.payload].required === 'light' ? 'light-not-number' : 'led-on-not-boolean',
        }
      : { payload: arr, code: 'not-object' };
  },
  deepObject(g, node) {
    const key = SCHEMAS[node.payload].required;
    return { payload: { [key]: nested(g.int(100, 3000)) }, code: RULES[key]([]) };
  },
  hugeNumberText(g, node) {
    const key = SCHEMAS[node.payload].required;
    const n = g.pick(['1e400', '-1e400', '9'.repeat(400), '1e300', '-1']);
    const value = Number(n);
    return { payload: `{"${key}":${n}}`, code: RULES[key](value) };
  },
  nonFiniteText(g, node) {
    const word = g.pick(['NaN', 'Infinity', '-Infinity', '+Infinity', ' NaN ']);
    return { payload: g.chance(0.5) ? word : Buffer.from(word), code: node.nonFiniteText || 'not-json' };
  },
  scalar(g, node) {
    const v = g.pick([
      true,
      false,
      null,
      undefined,
      0,
      1,
      -5,
      2e6,
      '',
      '   ',
      '42',
      '-42',
      '1e7',
      10n,
      Symbol('s'),
      () => 1,
    ]);
    const decoded = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    const code = node.scalar(decoded);
    return code ? { payload: v, code } : null;
  },
  array(g, node) {
    const body = validBody(g, node.payload);
    const arr = g.pick([[body], [], [1, 2, 3], [[body]]]);
    return { payload: encode(g, arr), code: 'not-object' };
  },
  forbiddenKey(g, node) {
    const key = g.pick(['__proto__', 'constructor', 'prototype']);
    const body = validBody(g, node.payload);
    const text = `{"${key}":${g.pick(['{"polluted":true}', '1', 'null', '{"light":1,"led_on":true}'])},${JSON.stringify(body).slice(1)}`;
    // A JSON text (where __proto__ becomes an own key) or an object made from it.
    const payload = g.pick([text, Buffer.from(text), JSON.parse(text)]);
    return { payload, code: 'forbidden-key' };
  },
  missingField(g, node) {
    const schema = SCHEMAS[node.payload];
    const body = validBody(g, node.payload);
    delete body[schema.required];
    body.other = g.pick([1, 'x', true]);
    return { payload: encode(g, body), code: schema.missing };
  },
  wrongField(g, node, maxBytes) {
    const schema = SCHEMAS[node.payload];
    const field = g.pick(schema.order);
    const body = validBody(g, node.payload);
    const value = wrongValue(g, field);
    body[field] = value;
    // The first field (in the order the contract checks them) that is wrong decides the code.
    const code = schema.order.map((f) => (f in body ? expected(f, body[f]) : null)).find(Boolean);
    const asText = jsonSafe(value) && JSON.stringify(body).length < maxBytes && g.chance(0.5);
    const payload = asText ? encode(g, body, ['string', 'buffer']) : body;
    return { payload, code };
  },
};

/**
 * The mixed stream for one node: `hostile` refused messages interleaved with valid ones
 * (about one valid per `ratio` hostile). Each entry is `{ msg, code }`, `code` null for a
 * valid message. The same seed gives the same stream.
 */
function stream(type, seed, { hostile = 10000, ratio = 2, maxBytes = 4096 } = {}) {
  const node = NODES[type];
  const g = new Gen(seed);
  const state = {};
  const entries = [];
  const kinds = Object.keys(PAYLOAD_KINDS);
  let made = 0;
  while (made < hostile) {
    if (g.chance(1 / (ratio + 1))) {
      entries.push({ msg: node.valid(g, state), code: null });
      continue;
    }
    const roll = g.random();
    let entry = null;
    if (node.topics && roll < 0.12) {
      const [topic, code] = g.pick(node.topics);
      const msg = node.valid(g, state);
      msg.topic = topic;
      entry = { msg, code, kind: 'topic' };
    } else if (node.overrides && roll < 0.18) {
      const name = g.pick(node.overrides);
      const msg = node.valid(g, state);
      msg[name] = wrongValue(g, name);
      entry = { msg, code: 'bad-override', kind: 'override' };
    } else {
      let kind = g.pick(kinds);
      // Megabyte payloads are costly to clone for the Catch node: keep them rare.
      if ((kind === 'megabyteString' || kind === 'deepObject') && !g.chance(0.05)) kind = 'truncatedJson';
      const hostilePayload = PAYLOAD_KINDS[kind](g, node, maxBytes);
      if (hostilePayload) {
        const msg = node.valid(g, state);
        msg.payload = hostilePayload.payload;
        entry = { msg, code: hostilePayload.code, kind };
      }
    }
    if (entry) {
      entries.push(entry);
      made++;
    }
  }
  return entries;
}

module.exports = {
  prng,
  Gen,
  fuzzSeed,
  NODES,
  SCHEMAS,
  RULES,
  PAYLOAD_KINDS,
  WRONG_VALUES,
  expected,
  stream,
  nested,
  MEGABYTE,
};
