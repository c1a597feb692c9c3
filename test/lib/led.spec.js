'use strict';
const assert = require('assert');
const { LedController, LedState } = require('../../dist/nodes/lib/led');

describe('LED state and offline fallback (lib/led)', function () {
  it('ignores commands that are not after the last one applied', function () {
    const led = new LedState();
    const kinds = [
      { led_on: true, seq: 2, ts: 20 },
      { led_on: false, seq: 1, ts: 10 },
      { led_on: false, seq: 2, ts: 20 },
      { led_on: false, seq: 3, ts: 30 },
      { led_on: true },
    ].map((c) => led.apply(c).kind);
    assert.deepStrictEqual(kinds, ['apply', 'ignored', 'ignored', 'apply', 'apply']);
  });

  // Each step: [time, event] where event is {cmd}, {light} or 'tick'; expect [time, by, on] for every LED change.
  /**
   * @typedef {{ cmd?: import('../../dist/nodes/lib/types').Command, light?: number }} LedInput
   * @type {{ name: string, fallback: Partial<import('../../dist/nodes/lib/led').FallbackOptions>, steps: [number, LedInput | 'tick'][], expect: [number, import('../../dist/nodes/lib/led').InCharge, boolean][], charge: import('../../dist/nodes/lib/led').InCharge }[]}
   */
  const cases = [
    {
      name: 'no fallback configured: readings never switch the LED',
      fallback: { silenceMs: 0 },
      steps: [
        [0, { cmd: { led_on: false } }],
        [10_000, { light: 1 }],
        [99_000, 'tick'],
      ],
      expect: [[0, 'server', false]],
      charge: 'server',
    },
    {
      name: 'after the silence the device decides with the same rule, and the server takes over again',
      fallback: { silenceMs: 1000, threshold: 300 },
      steps: [
        [0, { cmd: { led_on: false, seq: 1 } }],
        [500, { light: 100 }],
        [999, 'tick'],
        [1000, 'tick'],
        [1500, { light: 800 }],
        [1600, { cmd: { led_on: false, seq: 1 } }],
        [1700, { light: 10 }],
        [2000, { cmd: { led_on: false, seq: 2 } }],
        [2100, { light: 10 }],
      ],
      expect: [
        [0, 'server', false],
        [1000, 'local', true],
        [1500, 'local', false],
        [1700, 'local', true],
        [2000, 'server', false],
      ],
      charge: 'server',
    },
    {
      name: 'a device that never heard the server falls back from deploy time',
      fallback: { silenceMs: 1000, threshold: 300 },
      steps: [
        [100, { light: 50 }],
        [1000, 'tick'],
      ],
      expect: [[1000, 'local', true]],
      charge: 'local',
    },
  ];
  for (const c of cases) {
    it(c.name, function () {
      const controller = new LedController({}, c.fallback, 0);
      const changes = [];
      for (const [t, e] of c.steps) {
        const event =
          e === 'tick' ? controller.tick(t) : e.cmd ? controller.command(e.cmd, t) : controller.reading(e.light, t);
        if (event && event.outcome.kind === 'apply' && event.outcome.changed)
          changes.push([t, event.by, event.outcome.on]);
      }
      assert.deepStrictEqual(changes, c.expect);
      assert.strictEqual(controller.inCharge, c.charge);
    });
  }

  it('nextWake is the end of the silence while the server is in charge', function () {
    const controller = new LedController({}, { silenceMs: 5000 }, 100);
    assert.strictEqual(controller.nextWake(), 5100);
    controller.command({ led_on: true }, 2000);
    assert.strictEqual(controller.nextWake(), 7000);
    controller.tick(7000);
    assert.strictEqual(controller.nextWake(), undefined);
  });
});
