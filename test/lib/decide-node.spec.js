'use strict';
// The nightlight decide controller: what the adapter used to route and render, with time as input.
const assert = require('assert');
const { codeOf } = require('../support/errors');
const { DecideController } = require('../../dist/nodes/lib/decide-node');
const { readDecideConfig } = require('../../dist/nodes/lib/decide-config');

const S = 1000;
const T0 = 1_700_000_000_000;
const device = (config = {}) => new DecideController(readDecideConfig(config), '', T0);
const group = (config = {}, name = 'stadium') =>
  new DecideController(
    readDecideConfig({
      mode: 'group',
      telemetryTopic: 'stadium/{id}/telemetry',
      commandTopic: 'stadium/{id}/commands',
      ...config,
    }),
    name,
    T0,
  );
/** One input; what it sends is collected in `send` beside the reaction. */
const input = (c, msg, now) => {
  const send = [];
  const reaction = c.input(msg, now, (m) => send.push(m));
  return { send, ...reaction };
};

describe('nightlight decide controller (lib/decide-node)', function () {
  it('reads the editor fields: topics, QoS 1 and retained by default, a 300 s skew', function () {
    const s = readDecideConfig({});
    assert.deepStrictEqual(
      [s.mode, s.telemetryTopic, s.commandTopic, s.qos, s.retain, s.maxSkewMs, s.options.threshold],
      ['device', '{id}/telemetry', '{id}/commands', 1, true, 300 * S, 300],
    );
    const t = readDecideConfig({ qos: '0', retain: false, maxSkew: '0', threshold: '120', mode: 'group' });
    assert.deepStrictEqual([t.mode, t.qos, t.retain, t.maxSkewMs, t.options.threshold], ['group', 0, false, 0, 120]);
    for (const [qos, expected] of [
      ['2', 2],
      [2, 2],
      ['', 1],
      ['x', 1],
      [undefined, 1],
      ['3', 1],
    ])
      assert.strictEqual(readDecideConfig({ qos }).qos, expected, String(qos));
  });

  it('telemetry: a command message on the device command topic, with the input id; the status updates', function () {
    const c = device();
    const r = input(c, { _msgid: 'm1', topic: 'kitchen/telemetry', payload: '{"light":120,"ts":1,"seq":1}' }, T0);
    assert.deepStrictEqual(r, {
      send: [
        {
          _msgid: 'm1',
          topic: 'kitchen/commands',
          payload: { led_on: true, ts: 1, seq: 1 },
          qos: 1,
          retain: true,
          deviceId: 'kitchen',
          light: 120,
        },
      ],
      status: 'update',
    });
    const same = input(c, { topic: 'kitchen/telemetry', payload: { light: 130, ts: 2, seq: 2 } }, T0 + 1);
    assert.deepStrictEqual(
      same,
      { send: [], status: 'update' },
      'unchanged: nothing sent, the status still shows the reading',
    );
  });

  it('an echoed command is learned quietly; an older contradicting one is repaired; anything else is refused', function () {
    const c = device();
    input(c, { topic: 'a/telemetry', payload: { light: 100, ts: 10, seq: 2 } }, T0);
    assert.deepStrictEqual(
      input(c, { topic: 'a/commands', payload: { led_on: true, ts: 10, seq: 2 } }, T0),
      { send: [], status: 'none' },
      'its own echo',
    );
    const repair = input(c, { _msgid: 'm2', topic: 'a/commands', payload: { led_on: false, ts: 5, seq: 1 } }, T0);
    assert.deepStrictEqual(repair.send, [
      {
        _msgid: 'm2',
        topic: 'a/commands',
        payload: { led_on: true, ts: 10, seq: 2 },
        qos: 1,
        retain: true,
        deviceId: 'a',
      },
    ]);
    assert.strictEqual(
      codeOf(() => input(c, { topic: 'a/state', payload: { light: 1 } }, T0)),
      'topic-mismatch',
    );
    assert.strictEqual(
      codeOf(() => input(c, { topic: 'a/telemetry', payload: { light: 1 }, band: -1 }, T0)),
      'bad-override',
    );
  });

  it('a ts more than the skew ahead is refused (reading or command) and never moves the device', function () {
    const c = device({ emit: 'every' });
    assert.strictEqual(
      codeOf(() => input(c, { topic: 'a/telemetry', payload: { light: 100, ts: T0 + 301 * S } }, T0)),
      'ts-ahead',
    );
    assert.strictEqual(
      codeOf(() => input(c, { topic: 'a/commands', payload: { led_on: true, ts: 8.6e15 } }, T0)),
      'ts-ahead',
    );
    assert.strictEqual(
      input(c, { topic: 'a/telemetry', payload: { light: 900, ts: T0 + 300 * S } }, T0).send[0].payload.led_on,
      false,
      'at the limit: taken',
    );
    assert.strictEqual(
      input(c, { topic: 'a/telemetry', payload: { light: 100, ts: T0 + 300 * S + 1 } }, T0 + 1).send[0].payload.led_on,
      true,
      'the clock moved on: taken',
    );
    assert.strictEqual(
      input(c, { topic: 'b/telemetry', payload: { light: 100, ts: 5 } }, T0).send.length,
      1,
      'a clock far behind is fine',
    );
    assert.strictEqual(input(c, { topic: 'b/telemetry', payload: { light: 900 } }, T0).send.length, 1, 'no ts is fine');
  });

  it('status: per device the last id (shortened to fit), or the forgotten count', function () {
    const c = device({ maxDevices: 1 });
    assert.deepStrictEqual(c.status(T0).key, 'nightlight-decide.status.decided');
    input(c, { topic: 'kitchen/telemetry', payload: { light: 120 } }, T0);
    assert.deepStrictEqual(c.status(T0), {
      fill: 'yellow',
      shape: 'dot',
      key: 'nightlight-decide.status.decided',
      params: { id: 'kitchen', light: 120, count: 1 },
      words: { led: 'nightlight-decide.status.on' },
      fit: 'id',
    });
    input(c, { topic: 'hall/telemetry', payload: { light: 900 } }, T0);
    assert.deepStrictEqual(c.status(T0), {
      fill: 'grey',
      shape: 'dot',
      key: 'nightlight-decide.status.decidedForgotten',
      params: { count: 1, forgotten: 1 },
      words: { led: 'nightlight-decide.status.off' },
    });
  });

  it('group: members only, one command with its sensors, the group learns only its own command', function () {
    const c = group({ members: 's*', minFresh: '2', emit: 'change' });
    assert.deepStrictEqual(
      input(c, { topic: 'stadium/x1/telemetry', payload: { light: 10 } }, T0),
      { send: [], status: 'none' },
      'not a member',
    );
    assert.deepStrictEqual(input(c, { topic: 'stadium/s1/telemetry', payload: { light: 10 } }, T0).send, []);
    const r = input(c, { _msgid: 'm', topic: 'stadium/s2/telemetry', payload: { light: 30 } }, T0 + 1);
    assert.deepStrictEqual(r.send, [
      {
        _msgid: 'm',
        topic: 'stadium/stadium/commands',
        payload: { led_on: true, seq: 1, ts: T0 + 1, sensors: ['s1', 's2'] },
        qos: 1,
        retain: true,
        deviceId: 'stadium',
        light: 20,
        sensors: ['s1', 's2'],
      },
    ]);
    assert.strictEqual(r.status, 'release', 'enough sensors again: shown at once');
    assert.deepStrictEqual(
      input(c, { topic: 'stadium/other/commands', payload: { led_on: false, ts: T0 + 5 } }, T0 + 2),
      { send: [], status: 'none' },
    );
    assert.deepStrictEqual(
      c.refresh(T0 + 3).map((m) => m.payload.led_on),
      [true],
      'the other group command was not taken',
    );
    input(c, { topic: 'stadium/stadium/commands', payload: { led_on: false, ts: T0 + 5, seq: 9 } }, T0 + 2);
    assert.deepStrictEqual(
      c.refresh(T0 + 3).map((m) => [m.topic, m.payload.led_on, m.light]),
      [['stadium/stadium/commands', false, undefined]],
    );
    // The status shows the LED of the last reading's decision: a learned command shows with the next reading.
    assert.deepStrictEqual(c.status(T0 + 3), {
      fill: 'yellow',
      shape: 'dot',
      key: 'nightlight-decide.status.group',
      params: { light: 20, fresh: 2, count: 2, name: 'stadium' },
      words: { led: 'nightlight-decide.status.on' },
      fit: 'name',
    });
    input(c, { topic: 'stadium/s1/telemetry', payload: { light: 900 } }, T0 + 4);
    assert.deepStrictEqual(
      [c.status(T0 + 4).fill, c.status(T0 + 4).words.led],
      ['grey', 'nightlight-decide.status.off'],
    );
  });

  it('group health: waiting in the first freshness window, then one warning per spell of too few, the status at once', function () {
    const c = group({ minFresh: '2', freshness: '10' });
    assert.strictEqual(c.healthEveryMs, 2500);
    input(c, { topic: 'stadium/a/telemetry', payload: { light: 10 } }, T0);
    assert.strictEqual(c.status(T0 + 1).key, 'nightlight-decide.status.waiting');
    assert.strictEqual(c.status(T0 + 1).params, undefined, 'a fixed text');
    const later = c.checkHealth(T0 + 11 * S);
    assert.deepStrictEqual(later.warn, {
      key: 'nightlight-decide.warn.tooFew',
      params: { fresh: 0, count: 1, needed: 2, name: 'stadium' },
    });
    assert.strictEqual(later.status, 'release');
    assert.deepStrictEqual(c.checkHealth(T0 + 12 * S), { status: 'none' }, 'once per spell');
    assert.deepStrictEqual(c.status(T0 + 12 * S), {
      fill: 'yellow',
      shape: 'ring',
      key: 'nightlight-decide.status.tooFew',
      params: { fresh: 0, needed: 2, name: 'stadium' },
      fit: 'name',
    });
    assert.strictEqual(device().healthEveryMs, 0, 'devices have no health timer');
  });

  it('quorum: the count is of fresh sensors', function () {
    const c = group({ aggregation: 'quorum', quorum: '1' });
    input(c, { topic: 'stadium/a/telemetry', payload: { light: 10 } }, T0);
    assert.deepStrictEqual([c.status(T0).key, c.status(T0).params.count], ['nightlight-decide.status.groupQuorum', 1]);
  });

  it('a configuration it cannot work with throws at construction', function () {
    assert.strictEqual(
      codeOf(() => device({ telemetryTopic: 'a/+/telemetry' })),
      'bad-topic',
    );
    assert.strictEqual(
      codeOf(() => group({ members: 'a/b' })),
      'bad-members',
    );
    assert.strictEqual(
      codeOf(() => group({}, '$bad')),
      'bad-device-id',
    );
  });
});
