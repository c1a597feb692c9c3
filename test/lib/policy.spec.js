'use strict';
const assert = require('assert');
const { ReportPolicy } = require('../../dist/nodes/lib/policy');

/**
 * Each case is a script of events at given times: `[t, light]` offers a reading at t,
 * `[t]` is a timer tick at t. `expect` lists what was reported: [time of the report,
 * light, reason]. Ticks also check that a tick is never needed before `nextWake()`.
 */
const cases = [
  {
    name: 'every reading by default (the lesson)',
    options: {},
    events: [
      [0, 10],
      [100, 10],
      [150, 500],
      [151, 3],
    ],
    expect: [
      [0, 10, 'reading'],
      [100, 10, 'reading'],
      [150, 500, 'reading'],
      [151, 3, 'reading'],
    ],
  },
  {
    name: 'minimum interval: faster readings are coalesced and the newest wins',
    options: { minIntervalMs: 1000 },
    events: [[0, 1], [200, 2], [400, 3], [900, 4], [1000], [1500, 5], [2000], [2100, 6], [3100, 7]],
    expect: [
      [0, 1, 'reading'],
      [1000, 4, 'interval'],
      [2000, 5, 'interval'],
      [3100, 7, 'reading'],
    ],
  },
  {
    name: 'minimum interval: the last reading of a burst is never stuck',
    options: { minIntervalMs: 5000 },
    events: [[0, 1], [10, 2], [4999], [5000], [5001], [20000]],
    expect: [
      [0, 1, 'reading'],
      [5000, 2, 'interval'],
    ],
  },
  {
    name: 'deadband: only moves of at least N from the last reported value',
    options: { deadband: 50 },
    events: [
      [0, 100],
      [1, 149],
      [2, 51],
      [3, 150],
      [4, 199],
      [5, 100],
      [6, 101],
    ],
    expect: [
      [0, 100, 'reading'],
      [3, 150, 'reading'],
      [5, 100, 'reading'],
    ],
  },
  {
    name: 'deadband measures from the last reported value, so a slow drift is still reported',
    options: { deadband: 10 },
    events: [
      [0, 100],
      [1, 104],
      [2, 108],
      [3, 112],
      [4, 116],
      [5, 122],
    ],
    expect: [
      [0, 100, 'reading'],
      [3, 112, 'reading'],
      [5, 122, 'reading'],
    ],
  },
  {
    name: 'heartbeat: the latest reading again when nothing was reported for N',
    options: { deadband: 50, heartbeatMs: 10000 },
    events: [[0, 100], [3000, 110], [6000, 120], [10000], [15000, 125], [20000], [20001, 400], [30001]],
    expect: [
      [0, 100, 'reading'],
      [10000, 120, 'heartbeat'],
      [20000, 125, 'heartbeat'],
      [20001, 400, 'reading'],
      [30001, 400, 'heartbeat'],
    ],
  },
  {
    name: 'heartbeat with no readings at all sends nothing',
    options: { heartbeatMs: 1000 },
    events: [[0], [5000]],
    expect: [],
  },
  {
    name: 'minimum interval and deadband: a pending reading is cancelled by a newer one inside the band',
    options: { minIntervalMs: 1000, deadband: 50 },
    events: [[0, 100], [100, 300], [200, 120], [1000], [1100, 300], [2000]],
    expect: [
      [0, 100, 'reading'],
      [1100, 300, 'reading'],
    ],
  },
];

describe('reporting policy (lib/policy)', function () {
  for (const c of cases) {
    it(c.name, function () {
      const policy = new ReportPolicy(c.options);
      const reports = [];
      for (const [t, light] of c.events) {
        const wake = policy.nextWake();
        const r = light === undefined ? policy.tick(t) : policy.offer({ light, at: t }, t);
        if (light === undefined && r)
          assert.ok(wake !== undefined && wake <= t, `tick at ${t} reported before nextWake ${wake}`);
        if (r) reports.push([t, r.reading.light, r.reason]);
      }
      assert.deepStrictEqual(reports, c.expect);
    });
  }

  it('nextWake points at the end of the interval and at the heartbeat', function () {
    const policy = new ReportPolicy({ minIntervalMs: 1000, heartbeatMs: 5000 });
    assert.strictEqual(policy.nextWake(), undefined);
    policy.offer({ light: 1, at: 100 }, 100);
    assert.strictEqual(policy.nextWake(), 5100);
    policy.offer({ light: 2, at: 300 }, 300);
    assert.strictEqual(policy.nextWake(), 1100);
    assert.strictEqual(policy.tick(1099), undefined);
    assert.deepStrictEqual(policy.tick(1100), { reading: { light: 2, at: 300 }, reason: 'interval' });
    assert.strictEqual(policy.nextWake(), 6100);
  });
});
