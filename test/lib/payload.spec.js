'use strict';
const assert = require('assert');
const {
  parseTelemetry,
  parseReading,
  parseCommand,
  decodePayload,
  readOverride,
  MAX_LIGHT,
} = require('../../dist/nodes/lib/payload');
const { NightlightError } = require('../../dist/nodes/lib/errors');

function codeOf(fn) {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof NightlightError, `expected a NightlightError, got ${err}`);
    return err.code;
  }
  return 'accepted';
}

describe('payload parsing (library)', function () {
  describe('parseTelemetry', function () {
    const accepted = [
      ['lesson object', { light: 412 }, { light: 412 }],
      ['JSON text', '{"light": 0}', { light: 0 }],
      ['Buffer', Buffer.from('{"light":1023}'), { light: 1023 }],
      ['Uint8Array', new Uint8Array(Buffer.from('{"light":5}')), { light: 5 }],
      ['padded text', '  {"light": 12.5}\n', { light: 12.5 }],
      ['with ts and seq', { light: 3, ts: 1700000000000, seq: 7 }, { light: 3, ts: 1700000000000, seq: 7 }],
      ['historical', { light: 3, historical: true }, { light: 3, historical: true }],
      ['historical false is dropped', { light: 3, historical: false }, { light: 3 }],
      ['extra fields ignored', { light: 3, humidity: 40, device: 'x' }, { light: 3 }],
      ['upper bound', { light: MAX_LIGHT }, { light: MAX_LIGHT }],
    ];
    for (const [name, input, expected] of accepted) {
      it(`accepts ${name}`, function () {
        assert.deepStrictEqual(parseTelemetry(input), expected);
      });
    }
    const refused = [
      ['undefined', undefined, 'not-object'],
      ['null', null, 'not-object'],
      ['true', true, 'not-object'],
      ['a number', 412, 'not-object'],
      ['numeric text', '412', 'not-object'],
      ['array', [{ light: 1 }], 'not-object'],
      ['JSON array', '[1,2]', 'not-object'],
      ['JSON null', 'null', 'not-object'],
      ['JSON string', '"dark"', 'not-object'],
      ['empty string', '', 'empty'],
      ['whitespace', '  \n', 'empty'],
      ['empty Buffer', Buffer.alloc(0), 'empty'],
      ['truncated JSON', '{"light": 4', 'not-json'],
      ['not JSON', 'light=4', 'not-json'],
      ['NaN text', 'NaN', 'not-json'],
      ['invalid UTF-8', Buffer.from([0xc3, 0x28]), 'not-utf8'],
      ['garbage bytes', Buffer.from([0, 1, 2, 255, 254]), 'not-utf8'],
      ['too large text', `{"light":1,"x":"${'a'.repeat(5000)}"}`, 'too-large'],
      ['too large Buffer', Buffer.alloc(5000, 0x20), 'too-large'],
      ['too large multi-byte text', `{"light":1,"x":"${'é'.repeat(2100)}"}`, 'too-large'],
      ['no light', { lux: 1 }, 'no-light'],
      ['light undefined', { light: undefined }, 'light-not-number'],
      ['light null', { light: null }, 'light-not-number'],
      ['light string', { light: '412' }, 'light-not-number'],
      ['light NaN string', '{"light":"NaN"}', 'light-not-number'],
      ['light Infinity string', '{"light":"Infinity"}', 'light-not-number'],
      ['light boolean', { light: true }, 'light-not-number'],
      ['light object', { light: { v: 1 } }, 'light-not-number'],
      ['light array', { light: [1] }, 'light-not-number'],
      ['light NaN', { light: NaN }, 'light-not-finite'],
      ['light Infinity', { light: Infinity }, 'light-not-finite'],
      ['light -Infinity', { light: -Infinity }, 'light-not-finite'],
      ['huge light', '{"light":1e308}', 'light-out-of-range'],
      ['overflowing light', '{"light":1e400}', 'light-not-finite'],
      ['negative light', { light: -0.5 }, 'light-out-of-range'],
      ['__proto__ key', '{"__proto__":{"polluted":1},"light":1}', 'forbidden-key'],
      ['constructor key', '{"constructor":{"prototype":{}},"light":1}', 'forbidden-key'],
      ['prototype key', { prototype: 1, light: 1 }, 'forbidden-key'],
      ['seq negative', { light: 1, seq: -1 }, 'bad-seq'],
      ['seq fraction', { light: 1, seq: 1.5 }, 'bad-seq'],
      ['seq string', { light: 1, seq: '3' }, 'bad-seq'],
      ['seq unsafe', { light: 1, seq: 2 ** 60 }, 'bad-seq'],
      ['ts string', { light: 1, ts: '2026-01-01' }, 'bad-ts'],
      ['ts negative', { light: 1, ts: -5 }, 'bad-ts'],
      ['ts beyond time', { light: 1, ts: 9e15 }, 'bad-ts'],
      ['historical string', { light: 1, historical: 'true' }, 'bad-historical'],
    ];
    for (const [name, input, code] of refused) {
      it(`refuses ${name} with ${code}`, function () {
        assert.strictEqual(
          codeOf(() => parseTelemetry(input)),
          code,
        );
      });
    }
    it('never lets a payload reach Object.prototype', function () {
      codeOf(() => parseTelemetry('{"__proto__":{"polluted":true},"light":1}'));
      codeOf(() => parseTelemetry({ light: 1, constructor: { prototype: { polluted: true } } }));
      assert.strictEqual({}.polluted, undefined);
    });
    it('refuses an oversized payload before parsing it', function () {
      assert.strictEqual(
        codeOf(() => parseTelemetry('{' + 'x'.repeat(100))),
        'not-json',
      );
      assert.strictEqual(
        codeOf(() => parseTelemetry('{' + 'x'.repeat(100), 50)),
        'too-large',
      );
    });
  });

  describe('parseReading (device input)', function () {
    const table = [
      [412, 412],
      ['412', 412],
      [' 12.5 ', 12.5],
      ['1e3', 1000],
      [Buffer.from('300'), 300],
      [{ light: 7 }, 7],
      ['{"light": 8}', 8],
      [0, 0],
    ];
    for (const [input, expected] of table) {
      it(`reads ${JSON.stringify(input)} as ${expected}`, function () {
        assert.strictEqual(parseReading(input), expected);
      });
    }
    const refused = [
      [true, 'not-number'],
      [undefined, 'not-number'],
      ['dark', 'not-json'],
      ['"412"', 'not-number'],
      [NaN, 'light-not-finite'],
      [-1, 'light-out-of-range'],
      [[412], 'not-object'],
      [{ lux: 4 }, 'no-light'],
    ];
    for (const [input, code] of refused) {
      it(`refuses ${String(input)} with ${code}`, function () {
        assert.strictEqual(
          codeOf(() => parseReading(input)),
          code,
        );
      });
    }
  });

  describe('parseCommand', function () {
    it('reads the lesson command and ours', function () {
      assert.deepStrictEqual(parseCommand('{"led_on": true}'), { led_on: true });
      assert.deepStrictEqual(parseCommand({ led_on: false, seq: 3, ts: 10 }), { led_on: false, seq: 3, ts: 10 });
    });
    const refused = [
      ['{}', 'no-led-on'],
      ['{"led_on": "true"}', 'led-on-not-boolean'],
      ['{"led_on": 1}', 'led-on-not-boolean'],
      ['{"led_on": null}', 'led-on-not-boolean'],
      ['true', 'not-object'],
      ['{"led_on": true, "seq": "x"}', 'bad-seq'],
      ['{"__proto__": {}, "led_on": true}', 'forbidden-key'],
    ];
    for (const [input, code] of refused) {
      it(`refuses ${input} with ${code}`, function () {
        assert.strictEqual(
          codeOf(() => parseCommand(input)),
          code,
        );
      });
    }
  });

  describe('decodePayload and readOverride', function () {
    it('passes parsed values through untouched', function () {
      const obj = { light: 1 };
      assert.strictEqual(decodePayload(obj), obj);
      assert.strictEqual(decodePayload(5), 5);
    });
    it('reads numeric overrides and refuses others', function () {
      assert.strictEqual(readOverride('threshold', undefined), undefined);
      assert.strictEqual(readOverride('threshold', 200), 200);
      assert.strictEqual(readOverride('threshold', '250'), 250);
      assert.strictEqual(
        codeOf(() => readOverride('threshold', 'dark')),
        'bad-override',
      );
      assert.strictEqual(
        codeOf(() => readOverride('threshold', NaN)),
        'bad-override',
      );
      assert.strictEqual(
        codeOf(() => readOverride('threshold', {})),
        'bad-override',
      );
    });
  });
});
