'use strict';
// Home Assistant discovery as nightlight decide's controller does it (lib/decide-node.ts over
// lib/discovery.ts), with time as input; every message checked by the independent rules.
const assert = require('assert');
const { DecideController } = require('../../dist/nodes/lib/decide-node');
const { readDecideConfig } = require('../../dist/nodes/lib/decide-config');
const { DiscoveryCollector } = require('../support/ha-rules');

const S = 1000;
const T0 = 1_700_000_000_000;
const ORIGIN = { name: '@nightlight-iot/node-red-nightlight', sw: '0.0.0-test' };
const make = (config = {}, name = '') =>
  new DecideController(readDecideConfig({ discovery: true, offlineAfter: 60, ...config }), name, T0, ORIGIN);

/** Feeds `c` one input and files what it sent: discovery configs (checked), availability, the rest. */
function run(c, collector, topic, payload, now) {
  const sent = [];
  c.input({ topic, payload }, now, (m) => sent.push(m));
  return file(sent, collector);
}
function file(sent, collector) {
  const out = { configs: [], availability: [], other: [] };
  for (const m of sent) {
    if (m.topic.startsWith('homeassistant/')) {
      assert.deepStrictEqual([m.retain, typeof m.payload], [true, 'string'], m.topic);
      assert.deepStrictEqual(collector.add(m.topic, m.payload), [], m.topic);
      out.configs.push(m.topic);
    } else if (m.topic.endsWith('/availability')) out.availability.push(`${m.topic} ${m.payload}`);
    else out.other.push(m.topic);
  }
  return out;
}

describe('Home Assistant discovery in nightlight decide (lib/decide-node)', function () {
  it('is off by default: a reading sends its command and nothing else', function () {
    const c = new DecideController(readDecideConfig({}), '', T0);
    const sent = [];
    c.input({ topic: 'k/telemetry', payload: { light: 5 } }, T0, (m) => sent.push(m));
    assert.deepStrictEqual(
      sent.map((m) => m.topic),
      ['k/commands'],
    );
    assert.strictEqual(c.nextWake(), undefined);
  });

  it('announces each device once, online; offline after the silence; again on the birth message', function () {
    const c = make();
    const ha = new DiscoveryCollector();
    const first = run(c, ha, 'porch/telemetry', { light: 5 }, T0);
    assert.deepStrictEqual(first, {
      configs: ['homeassistant/device/porch/config'],
      availability: ['porch/availability online'],
      other: ['porch/commands'],
    });
    assert.deepStrictEqual(run(c, ha, 'porch/telemetry', { light: 6 }, T0 + S).configs, []);
    run(c, ha, 'attic.2/telemetry', { light: 900 }, T0 + 10 * S);
    assert.strictEqual(ha.size, 2);
    assert.ok(ha.message('homeassistant/device/attic_2e_2/config'), 'the object id escapes the dot');
    assert.strictEqual(c.nextWake(), T0 + 61 * S);
    const sent = [];
    c.wake(T0 + 61 * S, (m) => sent.push(m));
    assert.deepStrictEqual(file(sent, ha).availability, ['porch/availability offline']);
    assert.deepStrictEqual(run(c, ha, 'porch/telemetry', { light: 7 }, T0 + 62 * S).availability, [
      'porch/availability online',
    ]);
    const birth = run(c, ha, 'homeassistant/status', 'online', T0 + 63 * S);
    assert.deepStrictEqual(birth.configs.sort(), [
      'homeassistant/device/attic_2e_2/config',
      'homeassistant/device/porch/config',
    ]);
    assert.deepStrictEqual(run(c, ha, 'homeassistant/status', 'offline', T0 + 64 * S).configs, []);
    assert.deepStrictEqual(ha.problems(), []);
  });

  it('the threshold shown follows the configured one; lux readings make an illuminance sensor', function () {
    const c = make({ threshold: 120, lux: true });
    const ha = new DiscoveryCollector();
    run(c, ha, 'porch/telemetry', { light: 5 }, T0);
    const config = ha.message('homeassistant/device/porch/config');
    assert.strictEqual(config.components.light.device_class, 'illuminance');
    assert.match(config.components.threshold.value_template, /default\(120\)/);
    const plain = make();
    const ha2 = new DiscoveryCollector();
    run(plain, ha2, 'porch/telemetry', { light: 5 }, T0);
    assert.strictEqual(ha2.message('homeassistant/device/porch/config').components.light.device_class, undefined);
  });

  it('a forgotten device is removed from Home Assistant when chosen so, and only then', function () {
    for (const removeForgotten of [true, false]) {
      const c = make({ expiry: 100, removeForgotten });
      const ha = new DiscoveryCollector();
      run(c, ha, 'porch/telemetry', { light: 5 }, T0);
      run(c, ha, 'attic/telemetry', { light: 5 }, T0 + 50 * S);
      assert.strictEqual(c.nextWake(), T0 + 60 * S, 'offline first');
      const sent = [];
      c.wake(T0 + 100 * S, (m) => sent.push(m));
      const removal = sent.filter((m) => m.topic === 'homeassistant/device/porch/config');
      assert.deepStrictEqual(
        removal.map((m) => m.payload),
        removeForgotten ? [''] : [],
      );
      file(sent, ha);
      assert.strictEqual(ha.size, removeForgotten ? 1 : 2);
    }
  });

  it('a restarted server watches the devices the broker still says are online, and says offline for the silent ones', function () {
    const c = make();
    const ha = new DiscoveryCollector();
    // What the broker hands out on subscribing to +/availability: a previous run's retained words.
    assert.deepStrictEqual(run(c, ha, 'porch/availability', 'online', T0), {
      configs: [],
      availability: [],
      other: [],
    });
    run(c, ha, 'attic/availability', 'offline', T0);
    run(c, ha, 'garden/telemetry', { light: 5 }, T0 + 10 * S);
    // The node's own word coming back changes nothing.
    run(c, ha, 'garden/availability', 'online', T0 + 10 * S);
    assert.strictEqual(c.nextWake(), T0 + 60 * S, 'porch is watched from the start');
    const sent = [];
    c.wake(T0 + 60 * S, (m) => sent.push(m));
    assert.deepStrictEqual(file(sent, ha).availability, ['porch/availability offline']);
    const birth = run(c, ha, 'homeassistant/status', 'online', T0 + 61 * S);
    assert.deepStrictEqual(birth.configs.sort(), [
      'homeassistant/device/garden/config',
      'homeassistant/device/porch/config',
    ]);
    assert.deepStrictEqual(ha.problems(), []);
  });

  it('a group is one device with its sensors reached through it', function () {
    const c = make({ mode: 'group', minFresh: 1 }, 'hall');
    const ha = new DiscoveryCollector();
    const first = run(c, ha, 's1/telemetry', { light: 5 }, T0);
    assert.deepStrictEqual(first.configs, ['homeassistant/device/hall/config', 'homeassistant/device/s1/config']);
    run(c, ha, 's2/telemetry', { light: 5 }, T0 + S);
    assert.strictEqual(ha.size, 3);
    assert.deepStrictEqual(ha.problems(), []);
    assert.deepStrictEqual(Object.keys(ha.message('homeassistant/device/hall/config').components).sort(), [
      'led',
      'mode',
      'threshold',
    ]);
  });
});
