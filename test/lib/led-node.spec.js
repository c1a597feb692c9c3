'use strict';
// The LED command controller: outputs, fallback timing and status, with time as input.
const assert = require('assert');
const { codeOf } = require('../support/errors');
const { LedCommandController, readLedConfig } = require('../../dist/nodes/lib/led-node');

const S = 1000;

describe('LED command controller (lib/led-node)', function () {
  it('reads the editor fields with their defaults', function () {
    assert.deepStrictEqual(readLedConfig({}), {
      format: 'boolean',
      emit: 'change',
      maxBytes: 4096,
      silenceMs: 0,
      threshold: 300,
      maxSkewMs: 300 * S,
      stateTopic: undefined,
    });
    assert.deepStrictEqual(
      readLedConfig({ format: 'onoff', emit: 'every', fallback: '2', threshold: '50', maxSkew: '0', state: true }),
      {
        format: 'onoff',
        emit: 'every',
        maxBytes: 4096,
        silenceMs: 2 * S,
        threshold: 50,
        maxSkewMs: 0,
        stateTopic: '{id}/state',
      },
    );
    assert.strictEqual(readLedConfig({ format: 'gpio' }).format, 'boolean');
  });

  it('a command: output 1 in the format, output 2 the reported state with its position', function () {
    const c = new LedCommandController(
      readLedConfig({ format: 'number', state: true, stateTopic: 'home/{id}/state' }),
      'k',
      0,
    );
    assert.deepStrictEqual(c.input('{"led_on":true,"seq":1,"ts":5}', 10, 'm'), [
      { _msgid: 'm', payload: 1, led_on: true, source: 'server' },
      {
        _msgid: 'm',
        topic: 'home/k/state',
        payload: { led_on: true, source: 'server', seq: 1, ts: 5 },
        qos: 1,
        retain: true,
      },
    ]);
    assert.strictEqual(c.input({ led_on: false, seq: 0, ts: 1 }, 11), undefined, 'an older command: nothing');
    assert.deepStrictEqual(c.status(), { fill: 'yellow', shape: 'dot', key: 'led-command.status.server.on' });
  });

  it('the fallback: readings wait while the server is in charge; after the silence the device decides, and a newer command takes back', function () {
    const c = new LedCommandController(readLedConfig({ fallback: '1' }), '', 0);
    assert.strictEqual(c.nextWake(), 1 * S);
    assert.strictEqual(c.input(10, 500), undefined);
    assert.strictEqual(c.status().key, 'led-command.status.server.waiting');
    assert.deepStrictEqual(c.tick(1 * S), [{ _msgid: undefined, payload: true, led_on: true, source: 'local' }, null]);
    assert.strictEqual(c.inCharge, 'local');
    assert.strictEqual(c.nextWake(), undefined);
    assert.deepStrictEqual(
      c.input({ light: 900 }, 1500)[0].payload,
      false,
      'the same rule as the server: 900 is not dark',
    );
    assert.deepStrictEqual(c.status(), { fill: 'grey', shape: 'ring', key: 'led-command.status.local.off' });
    c.input({ led_on: true }, 2 * S);
    assert.deepStrictEqual([c.inCharge, c.nextWake()], ['server', 3 * S]);
  });

  it('a command whose ts is more than the skew ahead is refused and never moves the LED', function () {
    const now = 1_700_000_000_000;
    const c = new LedCommandController(readLedConfig({}), '', now);
    c.input({ led_on: false, ts: now - 5 }, now);
    assert.strictEqual(
      codeOf(() => c.input({ led_on: true, ts: now + 300 * S + 1 }, now)),
      'ts-ahead',
    );
    assert.strictEqual(c.led.led.on, false);
    assert.strictEqual(c.input({ led_on: true, ts: now }, now)[0].payload, true, 'the next genuine command applies');
    assert.strictEqual(
      codeOf(() => c.input({ light: 'x' }, now)),
      'light-not-number',
    );
  });

  it('a device id the state topic cannot take throws at construction', function () {
    assert.strictEqual(
      codeOf(() => new LedCommandController(readLedConfig({ state: true }), '+', 0)),
      'bad-device-id',
    );
    assert.strictEqual(
      codeOf(() => new LedCommandController(readLedConfig({ state: false }), '+', 0)),
      null,
      'no state topic: the id is not used',
    );
  });
});
