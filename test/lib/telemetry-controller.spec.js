'use strict';
// Light telemetry's controller and option reader, with time as an argument: the input
// routing, the combined wake time, the missing-Complete warning, the start-up link and the
// stored buffer, without Node-RED.
const assert = require('assert');
const {
  TelemetryController,
  CONTEXT_KEY,
  PROBE_MS,
  telemetryStatus,
} = require('../../dist/nodes/lib/telemetry-controller');
const { readTelemetryConfig, WINDOW } = require('../../dist/nodes/lib/telemetry-config');
const { linkFromWiredNodes } = require('../../dist/nodes/lib/link');

const T0 = 1_700_000_000_000;
const UP = {
  status: { fill: 'green', shape: 'dot', text: 'node-red:common.status.connected', source: { id: 'mout' } },
};
const DOWN = {
  status: { fill: 'red', shape: 'ring', text: 'node-red:common.status.disconnected', source: { id: 'mout' } },
};

function controller(config = {}) {
  return new TelemetryController(readTelemetryConfig({ deviceId: 'kitchen', ...config }), 'lt', 'kitchen');
}
const completion = (msg) => ({ payload: 'x', nightlight: msg.nightlight });
const lights = (reaction) => reaction.send.map((m) => [m.payload.light, m.payload.historical === true]);

describe('light telemetry options (lib/telemetry-config)', function () {
  it('reads the editor fields: seconds become ms, a missing or invalid field takes its default', function () {
    assert.deepStrictEqual(readTelemetryConfig({}), {
      topic: '{id}/telemetry',
      qos: 0,
      retain: false,
      maxBytes: 4096,
      report: { minIntervalMs: 0, deadband: 0, heartbeatMs: 0 },
      outbox: { policy: 'drop', capacity: 1000, window: WINDOW, gapMs: 50, ackTimeoutMs: 10000, replay: 'live-first' },
      store: undefined,
    });
    const options = readTelemetryConfig({
      qos: '1',
      retain: true,
      minInterval: '2',
      heartbeat: 3,
      offline: 'all',
      capacity: '50',
      rate: 10,
      ackTimeout: '0.5',
      store: 'disk',
      replay: 'chronological',
    });
    assert.deepStrictEqual(
      [options.qos, options.retain, options.report.minIntervalMs, options.report.heartbeatMs],
      [1, true, 2000, 3000],
    );
    assert.deepStrictEqual(options.outbox, {
      policy: 'all',
      capacity: 50,
      window: WINDOW,
      gapMs: 100,
      ackTimeoutMs: 1000,
      replay: 'chronological',
    });
    assert.strictEqual(options.store, 'disk');
    assert.deepStrictEqual(
      [
        readTelemetryConfig({ offline: 'sometimes', replay: 'random' }).outbox.policy,
        readTelemetryConfig({ replay: 'random' }).outbox.replay,
      ],
      ['drop', 'live-first'],
    );
    assert.strictEqual(
      readTelemetryConfig({ offline: 'drop', store: 'disk' }).store,
      undefined,
      'drop keeps nothing to store',
    );
    assert.strictEqual(
      readTelemetryConfig({ offline: 'all', capacity: 5000 }, { nodeMessageBufferMaxLength: 300 }).outbox.capacity,
      300,
      'nodeMessageBufferMaxLength caps it',
    );
  });
});

describe('light telemetry controller (lib/telemetry-controller)', function () {
  it('routes an input: a reading is sent, a completion confirms, a link status switches, anything else is refused', function () {
    const c = controller({ offline: 'all', qos: '1', rate: 1000 });
    const first = c.input({ _msgid: 'm1', payload: 412 }, T0);
    assert.deepStrictEqual(first.send, [
      {
        _msgid: 'm1',
        topic: 'kitchen/telemetry',
        payload: { light: 412, ts: T0, seq: 1 },
        qos: 1,
        retain: false,
        nightlight: { node: 'lt', key: 1, device: 'kitchen', seq: 1 },
      },
    ]);
    assert.strictEqual(c.outbox.pending, 1);
    assert.deepStrictEqual(c.input(completion(first.send[0]), T0 + 1).send, []);
    assert.strictEqual(c.outbox.pending, 0);
    c.input(DOWN, T0 + 2);
    assert.strictEqual(c.link, 'down');
    assert.deepStrictEqual(c.input({ payload: 5 }, T0 + 3).send, []);
    assert.deepStrictEqual(lights(c.input(UP, T0 + 4)), [[5, false]]);
    const refused = c.input({ payload: 'hello' }, T0 + 5);
    const refusal = /** @type {import('../../dist/nodes/lib/errors').NightlightError} */ (refused.refuse);
    assert.deepStrictEqual([refused.send, refusal.code], [[], 'not-json']);
    assert.strictEqual(c.input({ payload: 6 }, T0 + 6).send[0].payload.seq, 3, 'a refused input uses no seq');
  });

  it('ignores its own status and a status that says nothing about the link', function () {
    const c = controller({ offline: 'latest' });
    c.input({ status: { fill: 'red', text: 'disconnected', source: { id: 'lt' } } }, T0);
    c.input({ status: { fill: 'blue', text: 'busy', source: { id: 'other' } } }, T0);
    assert.strictEqual(c.link, 'unknown');
    assert.strictEqual(c.input({ payload: 5 }, T0).send.length, 1);
  });

  it('only the newest reading answers the input that brought it; replayed ones get no _msgid', function () {
    const c = controller({ offline: 'all', rate: 1000 });
    c.input(DOWN, T0);
    c.input({ _msgid: 'a', payload: 1 }, T0);
    c.input(UP, T0 + 1);
    const r = c.input({ _msgid: 'b', payload: 2 }, T0 + 10);
    // The link came back with reading 1 the newest: it went live; reading 2 now is newer still.
    assert.deepStrictEqual(
      r.send.map((m) => [m.payload.light, m._msgid]),
      [[2, 'b']],
    );
  });

  it('wakes at the earliest of what is due: a held-back reading, the next send of a replay, an overdue completion', function () {
    const c = controller({ offline: 'all', minInterval: 1, rate: 10, ackTimeout: 5 });
    const r1 = c.input({ payload: 1 }, T0);
    assert.strictEqual(r1.wakeAt, T0 + 5000, 'only the ack timeout of the reading in flight');
    const r2 = c.input({ payload: 2 }, T0 + 100);
    assert.deepStrictEqual([r2.send, r2.wakeAt], [[], T0 + 1000], 'the minimum interval ends first');
    const r3 = c.wake(T0 + 1000);
    assert.deepStrictEqual(lights(r3), [[2, false]]);
    assert.strictEqual(r3.wakeAt, T0 + 5000);
    c.input(DOWN, T0 + 1100);
    for (const light of [3, 4, 5]) c.input({ payload: light }, T0 + 1100 * light);
    const r4 = c.input(UP, T0 + 6000);
    assert.deepStrictEqual(lights(r4), [[5, false]], 'live first: the newest');
    assert.strictEqual(r4.wakeAt, T0 + 6000 + 100, 'the next send of the replay, 1/rate later');
    assert.deepStrictEqual(
      lights(c.wake(T0 + 6100)),
      [[1, true]],
      'reading 1, put back at the outage, oldest of the backlog',
    );
  });

  it('warns once when no completion ever came (the Complete node is probably not wired), not when completions come', function () {
    const c = controller({ offline: 'all', ackTimeout: 1 });
    c.input({ payload: 1 }, T0);
    assert.strictEqual(c.wake(T0 + 999).warn, undefined);
    const r = c.wake(T0 + 1000);
    assert.strictEqual(r.warn, 'no-complete');
    assert.strictEqual(r.send.length, 1, 'sent again');
    assert.strictEqual(c.wake(T0 + 2000).warn, undefined, 'once');
    const d = controller({ offline: 'all', ackTimeout: 1 });
    d.input(completion(d.input({ payload: 1 }, T0).send[0]), T0 + 1);
    d.input({ payload: 2 }, T0 + 2);
    assert.strictEqual(d.wake(T0 + 1002).warn, undefined, 'a completion came once: a lost one is not a wiring problem');
  });

  describe('before any status arrives (start-up): the wired mqtt out decides', function () {
    it('all: never connected yet is offline; readings wait, looked at again every PROBE_MS; connected sends them, the newest first', function () {
      const c = controller({ offline: 'all', rate: 1000 });
      const r1 = c.input({ payload: 1 }, T0, 'down');
      assert.deepStrictEqual([r1.send, c.link, r1.wakeAt], [[], 'down', T0 + PROBE_MS]);
      c.input({ payload: 2 }, T0 + 10, 'down');
      assert.deepStrictEqual(c.wake(T0 + PROBE_MS, 'down').send, []);
      assert.deepStrictEqual(lights(c.wake(T0 + 2 * PROBE_MS, 'up')), [[2, false]]);
    });

    it('drop: a reading taken before the first connection is dropped and counted, not sent late', function () {
      const c = controller({ offline: 'drop' });
      assert.deepStrictEqual(c.input({ payload: 1 }, T0, 'down').send, []);
      assert.strictEqual(c.outbox.dropped, 1);
      assert.deepStrictEqual(lights(c.input({ payload: 2 }, T0 + 1, 'up')), [[2, false]]);
    });

    it('once a Status node has spoken, it alone decides', function () {
      const c = controller({ offline: 'all' });
      c.input(UP, T0, 'down');
      assert.strictEqual(c.link, 'up');
      assert.strictEqual(c.input({ payload: 1 }, T0 + 1, 'down').send.length, 1);
    });

    it('without an mqtt out wired directly the link stays unknown and readings go out (the lesson fire and forget)', function () {
      const c = controller();
      assert.strictEqual(c.input({ payload: 1 }, T0, undefined).send.length, 1);
    });

    /** @type {[string, unknown[], 'up' | 'down' | undefined][]} */
    const wired = [
      ['nothing wired', [], undefined],
      ['another node', [{ type: 'function' }], undefined],
      ['an mqtt out not connected yet', [{ type: 'mqtt out', brokerConn: { connected: false } }], 'down'],
      ['an mqtt out connected', [{ type: 'mqtt out', brokerConn: { connected: true } }], 'up'],
      ['an mqtt out without a broker', [{ type: 'mqtt out' }], undefined],
      [
        'one connected, one not',
        [
          { type: 'mqtt out', brokerConn: { connected: true } },
          { type: 'mqtt out', brokerConn: {} },
        ],
        'down',
      ],
      ['a node that is gone', [null, { type: 'mqtt out', brokerConn: { connected: true } }], 'up'],
    ];
    for (const [name, nodes, expected] of wired) {
      it(`wired: ${name} -> ${expected}`, function () {
        assert.strictEqual(linkFromWiredNodes(nodes), expected);
      });
    }
  });

  describe('with a context store', function () {
    /** Applies writes to a Map, as a store would (undefined deletes). */
    const apply = (data, reaction) => {
      for (const { key, value } of reaction.save)
        value === undefined ? data.delete(key) : data.set(key, JSON.parse(JSON.stringify(value)));
      return reaction;
    };
    const restart = (data, config) => {
      const c = controller(config);
      const index = data.get(CONTEXT_KEY);
      const r = apply(
        data,
        c.restore(
          index,
          c.chunkKeys(index).map((k) => data.get(k)),
          T0 + 1_000_000,
        ),
      );
      return { c, r };
    };

    it('stores each change as it happens and restores the undelivered readings after a restart, as history', function () {
      const data = new Map();
      const config = { offline: 'all', store: 'keep', rate: 1000 };
      const { c, r } = restart(data, config);
      assert.deepStrictEqual([r.send, r.wakeAt], [[], undefined], 'nothing stored: nothing to send');
      apply(data, c.input(DOWN, T0));
      for (let light = 1; light <= 4; light++) apply(data, c.input({ payload: light }, T0 + light));
      assert.deepStrictEqual(data.get(CONTEXT_KEY), { seq: 4, chunks: [0, 0] });
      const { c: again, r: restored } = restart(data, config);
      assert.strictEqual(restored.wakeAt, T0 + 1_000_000, 'restored readings go out at the next turn');
      const sent = apply(data, again.wake(T0 + 1_000_000));
      assert.deepStrictEqual(lights(sent), [[1, true]]);
      apply(data, again.input(completion(sent.send[0]), T0 + 1_000_001));
      assert.strictEqual(
        again.input({ payload: 9 }, T0 + 1_000_010).send[0].payload.seq,
        5,
        'seq goes on from the stored counter',
      );
    });

    it('does not store with drop, and a controller without a store never writes', function () {
      for (const config of [{ offline: 'drop', store: 'keep' }, { offline: 'all' }]) {
        const c = controller(config);
        assert.strictEqual(c.stored, false);
        assert.deepStrictEqual(c.input({ payload: 1 }, T0).save, []);
      }
    });
  });
});

describe('light telemetry status (lib/telemetry-controller)', function () {
  const render = (max) => ({
    fixed: (key) => `fixed:${key}`,
    text: (key, params) => `${key.split('.').pop()}${params ? ' ' + Object.values(params).join() : ''}`,
    fits: (text) => text.length <= max,
  });
  /** @type {[string, Parameters<typeof telemetryStatus>[0], number, ReturnType<typeof telemetryStatus>][]} */
  const table = [
    ['nothing to show', { down: false, parts: [] }, 99, {}],
    [
      'a fixed word alone goes as its catalog key',
      { down: true, parts: [{ key: 'offline' }] },
      99,
      { fill: 'red', shape: 'ring', text: 'fixed:light-telemetry.status.offline' },
    ],
    [
      'values are rendered, parts joined',
      {
        down: false,
        parts: [
          { key: 'sent', params: { light: 5 } },
          { key: 'buffered', params: { count: 3 } },
        ],
      },
      99,
      { fill: 'green', shape: 'dot', text: 'sent 5 · buffered 3' },
    ],
    [
      'the last value sent goes first when all would not fit',
      {
        down: false,
        parts: [
          { key: 'sent', params: { light: 5 } },
          { key: 'buffered', params: { count: 3 } },
        ],
      },
      12,
      { fill: 'green', shape: 'dot', text: 'buffered 3' },
    ],
    [
      'offline with counts keeps every part',
      { down: true, parts: [{ key: 'offline' }, { key: 'dropped', params: { count: 2 } }] },
      5,
      { fill: 'red', shape: 'ring', text: 'offline · dropped 2' },
    ],
  ];
  for (const [name, view, max, expected] of table) {
    it(name, function () {
      assert.deepStrictEqual(telemetryStatus(view, render(max)), expected);
    });
  }
});
