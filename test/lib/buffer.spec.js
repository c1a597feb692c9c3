'use strict';
const assert = require('assert');
const {
  Outbox,
  readSavedBuffer,
  outboxStatus,
  bufferBound,
  DEFAULT_CAPACITY,
  MAX_CAPACITY,
} = require('../../dist/nodes/lib/buffer');
const { linkFromStatus, deliveryOf } = require('../../dist/nodes/lib/link');

const reading = (seq) => ({ light: seq * 10, ts: 1000 + seq, seq });

/** Runs a script against an outbox; returns what was sent as [seq, historical]. */
function run(options, script) {
  const outbox = new Outbox({ gapMs: 0, ...options });
  const sent = [];
  const keyOf = new Map();
  let now = 0;
  for (const step of script) {
    const [op, arg] = step;
    now += 1;
    if (op === 'push') outbox.push(reading(arg));
    if (op === 'down') outbox.linkDown();
    if (op === 'up') outbox.linkUp();
    if (op === 'confirm') outbox.confirm(keyOf.get(arg));
    if (op === 'confirmAll') for (const key of keyOf.values()) outbox.confirm(key);
    if (op === 'tick') outbox.tick((now = arg));
    if (op === 'push' || op === 'up' || op === 'confirm' || op === 'confirmAll' || op === 'tick' || op === 'take') {
      for (;;) {
        const out = outbox.take(now);
        if (out.length === 0) break;
        for (const o of out) {
          sent.push([o.telemetry.seq, o.telemetry.historical === true]);
          keyOf.set(o.telemetry.seq, o.key);
        }
        if (op !== 'take' && options.policy !== 'drop') {
          for (const o of out) if (op !== 'push' || options.autoConfirm) outbox.confirm(o.key);
        }
      }
    }
  }
  return { outbox, sent };
}

describe('store and forward (lib/buffer)', function () {
  // The tests of this block that list an order use strictly chronological replay; live first is tested below.
  const outage = [['push', 1], ['confirm', 1], ['down'], ['push', 2], ['push', 3], ['push', 4], ['up'], ['push', 5]];
  /** @type {[string, import('../../dist/nodes/lib/buffer').OfflinePolicy, [number, boolean][], number][]} */
  const cases = [
    [
      'drop: readings taken while offline are discarded and counted',
      'drop',
      [
        [1, false],
        [5, false],
      ],
      3,
    ],
    [
      'latest: only the newest outage reading is sent, live',
      'latest',
      [
        [1, false],
        [4, false],
        [5, false],
      ],
      2,
    ],
    [
      'all: every outage reading is sent oldest first, marked historical except the newest',
      'all',
      [
        [1, false],
        [2, true],
        [3, true],
        [4, false],
        [5, false],
      ],
      0,
    ],
  ];
  for (const [name, policy, expected, dropped] of cases) {
    it(name, function () {
      const { outbox, sent } = run({ policy, autoConfirm: true, replay: 'chronological' }, outage);
      assert.deepStrictEqual(sent, expected);
      assert.strictEqual(outbox.dropped, dropped);
    });
  }

  it('all: readings in flight when the link went down are sent again, in order, as history', function () {
    const { outbox, sent } = run({ policy: 'all', replay: 'chronological' }, [
      ['push', 1],
      ['push', 2],
      ['down'],
      ['push', 3],
      ['up'],
    ]);
    // 1 and 2 were sent live and never confirmed; after the outage 1, 2 go first, marked, then 3.
    assert.deepStrictEqual(sent, [
      [1, false],
      [2, false],
      [1, true],
      [2, true],
      [3, false],
    ]);
    assert.strictEqual(outbox.resent, 2);
  });

  it('all: past the bound the oldest is dropped and counted; memory stays bounded', function () {
    const outbox = new Outbox({ policy: 'all', capacity: 10, gapMs: 0, replay: 'chronological' });
    outbox.linkDown();
    for (let seq = 1; seq <= 1000; seq++) outbox.push(reading(seq));
    assert.strictEqual(outbox.waiting, 10);
    assert.strictEqual(outbox.dropped, 990);
    outbox.linkUp();
    const seqs = [];
    for (let i = 0; i < 20; i++) for (const o of outbox.take(i)) (seqs.push(o.telemetry.seq), outbox.confirm(o.key));
    assert.deepStrictEqual(seqs, [991, 992, 993, 994, 995, 996, 997, 998, 999, 1000]);
  });

  it('keeps at most `window` readings in flight and one send per gap', function () {
    const outbox = new Outbox({ policy: 'all', window: 3, gapMs: 100, replay: 'chronological' });
    for (let seq = 1; seq <= 10; seq++) outbox.push(reading(seq));
    const times = [];
    for (let t = 0; t <= 1000; t += 10) for (const o of outbox.take(t)) times.push([t, o.telemetry.seq]);
    assert.deepStrictEqual(times, [
      [0, 1],
      [100, 2],
      [200, 3],
    ]);
    assert.strictEqual(outbox.pending, 3);
    assert.strictEqual(outbox.nextWake(), 0 + 10000, 'only the ack timeout of the oldest is due');
  });

  it('sends again what was not confirmed within the ack timeout, and forgets it once confirmed', function () {
    const outbox = new Outbox({ policy: 'all', gapMs: 0, ackTimeoutMs: 1000 });
    outbox.push(reading(1));
    const [first] = outbox.take(0);
    assert.strictEqual(outbox.nextWake(), 1000);
    assert.strictEqual(outbox.tick(999), 0);
    assert.strictEqual(outbox.tick(1000), 1);
    const [again] = outbox.take(1000);
    assert.strictEqual(again.key, first.key);
    assert.strictEqual(again.telemetry.historical, undefined, 'still the newest reading: live');
    assert.ok(outbox.confirm(first.key));
    assert.ok(!outbox.confirm(first.key), 'a second completion is ignored');
    assert.strictEqual(outbox.pending + outbox.waiting, 0);
  });

  it('a completion that arrives after its reading was put back removes it from the queue', function () {
    const outbox = new Outbox({ policy: 'all', gapMs: 0 });
    outbox.push(reading(1));
    const [sent] = outbox.take(0);
    outbox.linkDown();
    assert.strictEqual(outbox.waiting, 1);
    assert.ok(outbox.confirm(sent.key));
    outbox.linkUp();
    assert.deepStrictEqual(outbox.take(1), []);
  });

  it('restores a saved buffer ahead of new readings, always as history, and a snapshot lists it oldest first', function () {
    const outbox = new Outbox({ policy: 'all', gapMs: 0, replay: 'chronological' });
    outbox.push(reading(9));
    outbox.restore([reading(1), reading(2)]);
    assert.deepStrictEqual(
      outbox.snapshot().map((t) => t.seq),
      [1, 2, 9],
    );
    const sent = [];
    for (let t = 0; t < 5; t++)
      for (const o of outbox.take(t))
        (sent.push([o.telemetry.seq, o.telemetry.historical === true]), outbox.confirm(o.key));
    assert.deepStrictEqual(sent, [
      [1, true],
      [2, true],
      [9, false],
    ]);
    assert.deepStrictEqual(outbox.snapshot(), []);
  });

  /** @type {[string, unknown, import('../../dist/nodes/lib/buffer').SavedBuffer][]} */
  const saved = [
    ['nothing saved', undefined, { seq: 0, readings: [] }],
    ['a valid buffer', { seq: 7, readings: [reading(6), reading(7)] }, { seq: 7, readings: [reading(6), reading(7)] }],
    [
      'damaged entries are left out',
      { seq: 3, readings: [{ light: 'x' }, null, { light: 5, seq: 3, __proto__: { a: 1 } }, reading(3)] },
      { seq: 3, readings: [{ light: 5, seq: 3 }, reading(3)] },
    ],
    ['a bad counter is ignored', { seq: -4, readings: 'no' }, { seq: 0, readings: [] }],
    [
      'only the newest up to the capacity',
      { seq: 5, readings: [1, 2, 3, 4, 5].map(reading) },
      { seq: 5, readings: [4, 5].map(reading) },
    ],
  ];
  for (const [name, value, expected] of saved) {
    it(`reads a saved buffer back: ${name}`, function () {
      assert.deepStrictEqual(readSavedBuffer(value, 2 + (name.startsWith('only') ? 0 : 10)), expected);
    });
  }

  it('status: offline, last value, buffered and dropped counts', function () {
    const outbox = new Outbox({ policy: 'all', capacity: 2, gapMs: 0 });
    assert.deepStrictEqual(outboxStatus(outbox, undefined), { down: false, parts: [] });
    outbox.linkUp();
    assert.deepStrictEqual(outboxStatus(outbox, undefined).parts, [{ key: 'online' }]);
    outbox.linkDown();
    for (let seq = 1; seq <= 3; seq++) outbox.push(reading(seq));
    assert.deepStrictEqual(outboxStatus(outbox, 10), {
      down: true,
      parts: [{ key: 'offline' }, { key: 'buffered', params: { count: 2 } }, { key: 'dropped', params: { count: 1 } }],
    });
  });

  it('sends nothing while the link is down', function () {
    /** @type {import('../../dist/nodes/lib/buffer').OfflinePolicy[]} */
    const policies = ['drop', 'latest', 'all'];
    for (const policy of policies) {
      const outbox = new Outbox({ policy, gapMs: 0 });
      outbox.linkDown();
      outbox.push(reading(1));
      assert.deepStrictEqual(outbox.take(0), [], policy);
    }
  });
});

describe('live first: the newest reading leads the replay (lib/buffer)', function () {
  const outage = [['push', 1], ['confirm', 1], ['down'], ['push', 2], ['push', 3], ['push', 4], ['up'], ['push', 5]];

  it('is the default', function () {
    assert.strictEqual(new Outbox({ policy: 'all' }).replay, 'live-first');
  });

  it('all: the newest outage reading goes first and live, then the backlog oldest first as history', function () {
    const { outbox, sent } = run({ policy: 'all', autoConfirm: true }, outage);
    assert.deepStrictEqual(sent, [
      [1, false],
      [4, false],
      [2, true],
      [3, true],
      [5, false],
    ]);
    assert.strictEqual(outbox.dropped, 0);
  });

  it('latest: unchanged, only the newest outage reading, live', function () {
    const { sent } = run({ policy: 'latest', autoConfirm: true }, outage);
    assert.deepStrictEqual(sent, [
      [1, false],
      [4, false],
      [5, false],
    ]);
  });

  it('readings that were in flight when the link went down follow the newest one', function () {
    const { sent } = run({ policy: 'all' }, [['push', 1], ['push', 2], ['down'], ['push', 3], ['up']]);
    assert.deepStrictEqual(sent, [
      [1, false],
      [2, false],
      [3, false],
      [1, true],
      [2, true],
    ]);
  });

  it('a backlog of 1,000: the newest first and live, then every other reading exactly once, oldest first, as history', function () {
    const outbox = new Outbox({ policy: 'all', capacity: 1000, gapMs: 0 });
    outbox.linkDown();
    for (let seq = 1; seq <= 1000; seq++) outbox.push(reading(seq));
    outbox.linkUp();
    const sent = [];
    for (let t = 0; outbox.waiting + outbox.pending > 0; t++) {
      for (const o of outbox.take(t))
        (sent.push([o.telemetry.seq, o.telemetry.historical === true]), outbox.confirm(o.key));
    }
    assert.deepStrictEqual(sent[0], [1000, false]);
    assert.deepStrictEqual(
      sent.slice(1).map(([seq]) => seq),
      Array.from({ length: 999 }, (_, i) => i + 1),
    );
    assert.ok(sent.slice(1).every(([, historical]) => historical));
    assert.strictEqual(outbox.resent, 0);
  });

  it('a reading taken while the backlog drains goes ahead of the rest of it, live', function () {
    const outbox = new Outbox({ policy: 'all', gapMs: 0, window: 1 });
    outbox.linkDown();
    for (let seq = 1; seq <= 5; seq++) outbox.push(reading(seq));
    outbox.linkUp();
    const sent = [];
    const drain = (t) => {
      for (const o of outbox.take(t))
        (sent.push([o.telemetry.seq, o.telemetry.historical === true]), outbox.confirm(o.key));
    };
    drain(0);
    drain(1);
    outbox.push(reading(6));
    for (let t = 2; t < 10; t++) drain(t);
    assert.deepStrictEqual(sent, [
      [5, false],
      [1, true],
      [6, false],
      [2, true],
      [3, true],
      [4, true],
    ]);
  });

  it('a reading sent live and put back (ack timeout) is sent again first while it is still the newest', function () {
    const outbox = new Outbox({ policy: 'all', gapMs: 0, ackTimeoutMs: 100 });
    outbox.linkDown();
    for (let seq = 1; seq <= 3; seq++) outbox.push(reading(seq));
    outbox.linkUp();
    const [first] = outbox.take(0);
    assert.strictEqual(first.telemetry.seq, 3);
    outbox.linkDown();
    outbox.linkUp();
    const [again] = outbox.take(1);
    assert.deepStrictEqual([again.key, again.telemetry.historical], [first.key, undefined]);
    assert.strictEqual(outbox.resent, 1);
  });

  it('restored readings are never live: new readings lead them', function () {
    const outbox = new Outbox({ policy: 'all', gapMs: 0 });
    outbox.restore([reading(1), reading(2)]);
    outbox.push(reading(9));
    const sent = [];
    for (let t = 0; t < 5; t++)
      for (const o of outbox.take(t))
        (sent.push([o.telemetry.seq, o.telemetry.historical === true]), outbox.confirm(o.key));
    assert.deepStrictEqual(sent, [
      [9, false],
      [1, true],
      [2, true],
    ]);
  });

  it('past the bound the oldest is dropped, with live first as with chronological replay', function () {
    const outbox = new Outbox({ policy: 'all', capacity: 10, gapMs: 0 });
    outbox.linkDown();
    for (let seq = 1; seq <= 1000; seq++) outbox.push(reading(seq));
    assert.deepStrictEqual([outbox.waiting, outbox.dropped], [10, 990]);
    outbox.linkUp();
    const seqs = [];
    for (let i = 0; i < 20; i++) for (const o of outbox.take(i)) (seqs.push(o.telemetry.seq), outbox.confirm(o.key));
    assert.deepStrictEqual(seqs, [1000, 991, 992, 993, 994, 995, 996, 997, 998, 999]);
  });
});

describe('the buffer bound and nodeMessageBufferMaxLength (lib/buffer)', function () {
  /** @type {[number | undefined, unknown, number][]} */
  const table = [
    // [configured capacity, nodeMessageBufferMaxLength, bound]
    [undefined, undefined, DEFAULT_CAPACITY],
    [500, undefined, 500],
    [500, 0, 500],
    [undefined, 200, 200],
    [500, 200, 200],
    [100, 200, 100],
    [undefined, 10 ** 7, MAX_CAPACITY],
    [10 ** 7, undefined, MAX_CAPACITY],
    [500, 'x', 500],
    [500, -3, 500],
    [500, 250.7, 250],
    [0, undefined, DEFAULT_CAPACITY],
    [0, 40, 40],
  ];
  for (const [configured, setting, bound] of table) {
    it(`capacity ${configured}, nodeMessageBufferMaxLength ${setting}: at most ${bound}`, function () {
      assert.strictEqual(bufferBound(configured, setting), bound);
    });
  }
});

describe('link state and delivery from the built-in MQTT nodes (lib/link)', function () {
  const statuses = [
    [{ fill: 'green', shape: 'dot', text: 'node-red:common.status.connected' }, 'up'],
    [{ fill: 'red', shape: 'ring', text: 'node-red:common.status.disconnected' }, 'down'],
    [{ fill: 'yellow', shape: 'ring', text: 'node-red:common.status.connecting' }, 'down'],
    [{ fill: 'green', shape: 'dot', text: 'connected' }, 'up'],
    [{ text: 'disconnected' }, 'down'],
    [{ fill: 'red', text: 'something else' }, 'down'],
    [{ fill: 'blue', text: 'sending' }, undefined],
    [{}, undefined],
    [null, undefined],
    ['connected', undefined],
  ];
  for (const [status, expected] of statuses) {
    it(`${JSON.stringify(status)} means ${expected}`, function () {
      assert.strictEqual(linkFromStatus(status), expected);
    });
  }

  it('recognises only completions of messages this node sent', function () {
    const marker = { node: 'n1', key: 3, device: 'd' };
    assert.deepStrictEqual(deliveryOf({ nightlight: marker }, 'n1'), marker);
    assert.strictEqual(deliveryOf({ nightlight: marker }, 'n2'), undefined);
    assert.strictEqual(deliveryOf({ nightlight: { node: 'n1', key: '3' } }, 'n1'), undefined);
    assert.strictEqual(deliveryOf({ payload: 1 }, 'n1'), undefined);
  });
});
