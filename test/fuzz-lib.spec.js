'use strict';
// Issue 7.1, the fast half: the same seeded hostile streams straight into the pure
// library functions each node calls, with more cases than the runtime fuzz can afford.
const assert = require('assert');
const path = require('path');
const { dist } = require('./support/runtime');
const { fuzzSeed, NODES, stream, Gen } = require('./support/hostile');
const { prototypeSnapshot } = require('./support/pollution');

const { parseReading, parseTelemetry, parseCommand, parseLedInput, readOverride, decodePayload } = require(
  path.join(dist, 'lib', 'payload.js'),
);
const { TopicTemplate } = require(path.join(dist, 'lib', 'topics.js'));
const { NightlightError } = require(path.join(dist, 'lib', 'errors.js'));

const telemetryTopic = new TopicTemplate('{id}/telemetry');
/** What each node does with a message before it decides anything, as library calls. */
const PIPELINES = {
  'light-telemetry': (msg) => parseReading(msg.payload),
  'nightlight-decide': (msg) => {
    const id = telemetryTopic.match(msg.topic);
    return {
      id,
      telemetry: parseTelemetry(msg.payload),
      threshold: readOverride('threshold', msg.threshold),
      band: readOverride('band', msg.band, 0),
    };
  },
  'led-command': (msg) => parseLedInput(msg.payload),
};

function outcome(fn) {
  try {
    fn();
    return null;
  } catch (err) {
    if (!(err instanceof NightlightError)) return `unexpected ${err && err.name}: ${err && err.message}`;
    return err.code;
  }
}

describe('fuzz: the library', function () {
  this.timeout(60000);

  for (const type of Object.keys(PIPELINES)) {
    it(`${type}: 20000 hostile inputs each throw their specific NightlightError, valid ones parse`, function () {
      const seed = fuzzSeed(`${type} (library)`);
      const before = prototypeSnapshot();
      const entries = stream(type, seed, { hostile: 20000 });
      const wrong = [];
      for (const entry of entries) {
        const got = outcome(() => PIPELINES[type](entry.msg));
        if (got !== entry.code) wrong.push(`${entry.kind || 'valid'}: got ${got}, expected ${entry.code}`);
      }
      assert.deepStrictEqual(wrong.slice(0, 5), [], `seed ${seed}: ${wrong.length} wrong outcomes`);
      assert.deepStrictEqual(prototypeSnapshot(), before, 'no prototype was polluted');
    });
  }

  it('takes nested __proto__ / constructor keys as plain data: nothing polluted, only known fields returned', function () {
    const before = prototypeSnapshot();
    const texts = [
      '{"light":5,"extra":{"__proto__":{"polluted":true}}}',
      '{"light":5,"a":{"constructor":{"prototype":{"polluted":true}}}}',
      '{"light":5,"a":[{"__proto__":{"isAdmin":true}}]}',
    ];
    for (const text of texts) {
      const telemetry = parseTelemetry(text);
      assert.deepStrictEqual(Object.keys(telemetry), ['light']);
      assert.strictEqual(Object.getPrototypeOf(telemetry), Object.prototype);
      assert.strictEqual(parseCommand(text.replace('"light":5', '"led_on":true')).led_on, true);
    }
    assert.deepStrictEqual(prototypeSnapshot(), before);
    assert.strictEqual({}.polluted, undefined);
  });

  it('never reads a field from a prototype: an inherited light or led_on is missing', function () {
    const inherited = Object.create({ light: 10, led_on: true });
    assert.strictEqual(
      outcome(() => parseTelemetry(inherited)),
      'no-light',
    );
    assert.strictEqual(
      outcome(() => parseCommand(inherited)),
      'no-led-on',
    );
  });

  it('decodes random byte strings without ever throwing anything but a NightlightError', function () {
    const seed = fuzzSeed('random bytes (library)');
    const g = new Gen(seed);
    const seen = new Set();
    for (let i = 0; i < 5000; i++) {
      const b = g.bytes(g.int(0, 64));
      for (const value of [b, b.toString('latin1'), b.toString('utf8')]) {
        const got = outcome(() => decodePayload(value));
        assert.ok(got === null || !got.startsWith('unexpected'), `seed ${seed}: ${got}`);
        seen.add(got);
      }
    }
    assert.ok(seen.has('not-utf8') && seen.has('not-json') && seen.has('empty'), [...seen].join());
  });

  it('lists every node the runtime fuzz drives', function () {
    assert.deepStrictEqual(Object.keys(PIPELINES).sort(), Object.keys(NODES).sort());
  });
});
