'use strict';
// Home Assistant discovery (library): object ids, the discovery payload of each kind held to
// Home Assistant's documented rules (test/support/ha-rules.js, written from the docs, not from
// the module), Home Assistant's view of our topics through those payloads' templates, and the
// Announcer over time, checked against an obvious model that scans every id.
const assert = require('assert');
const {
  DEFAULT_DISCOVERY_PREFIX,
  objectId,
  discoveryTopic,
  discoveryConfig,
  Announcer,
} = require('../../dist/nodes/lib/discovery');
const ha = require('../support/ha-rules');
const { seededRandom } = require('../support/scale-out');

const topicsOf = (id) => ({
  telemetry: `${id}/telemetry`,
  commands: `${id}/commands`,
  state: `${id}/state`,
  control: `${id}/control`,
  availability: `${id}/availability`,
});
const origin = { name: 'node-red-nightlight', sw: '0.1.0', url: 'https://example.com/nightlight' };
const rule = { threshold: 275 };
/**
 * Discovery settings: the defaults of these tests, with `over` on top.
 * @param {Partial<import('../../dist/nodes/lib/discovery').DiscoverySettings>} [over]
 * @returns {import('../../dist/nodes/lib/discovery').DiscoverySettings}
 */
const settings = (over = {}) => ({
  prefix: DEFAULT_DISCOVERY_PREFIX,
  lux: false,
  offlineAfterMs: 60_000,
  removeForgotten: false,
  ledFrom: 'commands',
  qos: 1,
  ...over,
});
const OBJECT_ID = /^[a-zA-Z0-9_-]+$/;

/** The documented encoding read backwards: literal [A-Za-z0-9-], and `_<hex>_` for any other code point. */
function decodeObjectId(oid) {
  let out = '';
  for (let i = 0; i < oid.length;) {
    if (oid[i] !== '_') {
      assert.match(oid[i], /[A-Za-z0-9-]/);
      out += oid[i++];
      continue;
    }
    const end = oid.indexOf('_', i + 1);
    assert.ok(end > i + 1, `an escape in ${oid} at ${i} is not closed`);
    const hex = oid.slice(i + 1, end);
    assert.match(hex, /^[0-9a-f]+$/);
    out += String.fromCodePoint(parseInt(hex, 16));
    i = end + 1;
  }
  return out;
}

/** A payload's message as Home Assistant reads it, asserting it breaks none of the rules. */
function read(topic, payload, prefix = DEFAULT_DISCOVERY_PREFIX) {
  const result = ha.readDiscoveryMessage(topic, payload, prefix);
  assert.deepStrictEqual(result.problems, [], `${topic}: ${payload}`);
  return result.message;
}

const configOf = (kind, id, over = {}, via) =>
  JSON.stringify(discoveryConfig(kind, id, topicsOf(id), settings(over), rule, origin, via));

describe('Home Assistant discovery (library)', function () {
  describe('objectId', function () {
    const ids = [
      'kitchen',
      'Lamp-7',
      'lamp_1',
      '_',
      '__',
      '_5f_',
      'room.2',
      'living room',
      'ঘর-বাতি',
      'কলকাতা',
      'ไฟกลางคืน',
      '😀 lamp',
      'x'.repeat(64),
      'ক'.repeat(64),
      '😀'.repeat(64),
      '_'.repeat(64),
    ];
    for (const id of ids) {
      it(`${JSON.stringify(id.length > 20 ? id.slice(0, 8) + '…' : id)} fits [a-zA-Z0-9_-] and reads back`, function () {
        const oid = objectId(id);
        assert.match(oid, OBJECT_ID);
        assert.strictEqual(decodeObjectId(oid), id);
      });
    }

    it('leaves ids of letters, digits and - as they are, and escapes _ itself', function () {
      for (const id of ['kitchen', 'Lamp-7', 'abc123', '-']) assert.strictEqual(objectId(id), id);
      for (const id of ['lamp_1', '_', 'a_b']) assert.notStrictEqual(objectId(id), id);
    });

    it('gives ids that differ only in _, ., space, - or an escape-looking text different object ids', function () {
      const look = ['a.b', 'a_b', 'a b', 'a-b', 'ab', 'a_2e_b', 'a_5f_b', 'a__b', 'A.b'];
      assert.strictEqual(new Set(look.map(objectId)).size, look.length);
    });

    it('never maps two ids to one: every short id over a tricky alphabet, and random ids of every script', function () {
      const seen = new Map();
      const add = (id) => {
        const oid = objectId(id);
        const other = seen.get(oid);
        assert.ok(other === undefined || other === id, `${JSON.stringify(other)} and ${JSON.stringify(id)} → ${oid}`);
        seen.set(oid, id);
      };
      const tricky = ['_', '5', 'f', '2', 'e', '.', 'a', '-', ' ', 'E'];
      let level = [''];
      for (let length = 1; length <= 4; length += 1) {
        level = level.flatMap((prefix) => tricky.map((c) => prefix + c));
        level.forEach(add);
      }
      const alphabet = [...'aZ09-_. ', ...'কখগ', ...'กขค', '😀', '🌙', 'é', '\u00a0', '_2', '5f'];
      const random = seededRandom(0xd15c0);
      for (let n = 0; n < 20_000; n += 1) {
        let id = '';
        const length = 1 + Math.floor(random() * 12);
        for (let i = 0; i < length; i += 1) id += alphabet[Math.floor(random() * alphabet.length)];
        if (id.startsWith('$')) continue;
        add(id);
      }
      assert.ok(seen.size > 10_000, `only ${seen.size} distinct ids tried`);
    });

    it('refuses what is no device id', function () {
      for (const id of ['', 'a/b', 'a+b', '#', 'x'.repeat(65)])
        assert.throws(() => objectId(id), { code: 'bad-device-id' }, JSON.stringify(id));
    });

    it('makes the discovery topic <prefix>/device/<object id>/config', function () {
      for (const id of ['kitchen', 'room.2', 'ไฟ']) {
        assert.strictEqual(discoveryTopic('homeassistant', id), `homeassistant/device/${objectId(id)}/config`);
        assert.deepStrictEqual(ha.checkDiscoveryMessage(discoveryTopic('ha-test', id), '', 'ha-test'), []);
      }
    });
  });

  describe('the payload of each kind, by the documented rules', function () {
    const kinds = [
      { kind: 'device', components: ['led', 'light', 'mode', 'threshold'] },
      { kind: 'group', components: ['led', 'mode', 'threshold'] },
      { kind: 'sensor', components: ['light'], via: 'stadium north' },
    ];
    const platforms = { light: 'sensor', led: 'binary_sensor', mode: 'select', threshold: 'number' };
    for (const { kind, components, via } of kinds) {
      for (const lux of [false, true]) {
        for (const ledFrom of ['commands', 'state']) {
          it(`${kind}, lux ${lux}, LED from ${ledFrom}: valid, with its components`, function () {
            const id = 'hall.1 ঘর';
            const message = read(discoveryTopic('homeassistant', id), configOf(kind, id, { lux, ledFrom }, via));
            assert.deepStrictEqual(Object.keys(message.components).sort(), components);
            for (const [key, component] of Object.entries(message.components)) {
              assert.strictEqual(component.platform, platforms[key]);
              assert.strictEqual(component.qos, 1);
              assert.ok(component.unique_id.includes(objectId(id)), component.unique_id);
            }
            assert.strictEqual(message.device.name, id);
            assert.deepStrictEqual(message.origin, {
              name: origin.name,
              sw_version: origin.sw,
              support_url: origin.url,
            });
          });
        }
      }
    }

    it('gives the light sensor the illuminance class and lx only for lux readings', function () {
      const plain = read(discoveryTopic('homeassistant', 'a'), configOf('device', 'a', { lux: false })).components;
      assert.strictEqual(plain.light.device_class, undefined);
      assert.strictEqual(plain.light.unit_of_measurement, undefined);
      assert.strictEqual(plain.light.state_class, 'measurement');
      const lux = read(discoveryTopic('homeassistant', 'a'), configOf('device', 'a', { lux: true })).components;
      assert.strictEqual(lux.light.device_class, 'illuminance');
      assert.strictEqual(lux.light.unit_of_measurement, 'lx');
      assert.strictEqual(lux.light.state_class, 'measurement');
    });

    it('reads the LED from the commands or from what the device reports', function () {
      for (const [ledFrom, topic] of [
        ['commands', 'a/commands'],
        ['state', 'a/state'],
      ]) {
        const { led } = read(discoveryTopic('homeassistant', 'a'), configOf('device', 'a', { ledFrom })).components;
        assert.strictEqual(led.state_topic, topic);
        assert.strictEqual(ha.stateFor(led, '{"led_on": true, "ts": 5}'), 'on');
        assert.strictEqual(ha.stateFor(led, '{"led_on": false}'), 'off');
      }
    });

    it('shows in Home Assistant what our topics carry, as its templates render them', function () {
      const { components: c } = read(discoveryTopic('homeassistant', 'k'), configOf('device', 'k', { lux: true }));
      assert.strictEqual(c.light.state_topic, 'k/telemetry');
      assert.strictEqual(ha.stateFor(c.light, '{"light": 412.5, "seq": 3}'), 412.5);
      assert.strictEqual(ha.stateFor(c.light, Buffer.from('{"light": 0}')), 0);
      for (const component of [c.mode, c.threshold]) assert.strictEqual(component.state_topic, 'k/commands');
      const modes = [
        ['{"led_on": true, "mode": "override"}', 'on'],
        ['{"led_on": false, "mode": "override"}', 'off'],
        ['{"led_on": true, "mode": "auto"}', 'auto'],
        ['{"led_on": false}', 'auto'],
      ];
      for (const [payload, shown] of modes) assert.strictEqual(ha.stateFor(c.mode, payload), shown, payload);
      assert.strictEqual(ha.stateFor(c.threshold, '{"led_on": true}'), rule.threshold);
      assert.strictEqual(ha.stateFor(c.threshold, '{"led_on": true, "mode": "override", "threshold": 120}'), 120);
      assert.strictEqual(c.threshold.unit_of_measurement, 'lx');
    });

    it('makes the select and the number publish control messages the design reads', function () {
      const { components: c } = read(discoveryTopic('homeassistant', 'k'), configOf('device', 'k'));
      for (const mode of ['auto', 'on', 'off']) {
        const sent = ha.commandFor(c.mode, mode);
        assert.strictEqual(sent.topic, 'k/control');
        assert.deepStrictEqual(JSON.parse(sent.payload), { mode });
        assert.strictEqual(sent.qos, 1);
        assert.strictEqual(sent.retain, true);
      }
      for (const threshold of [0, 42, 999_999, 1_000_000]) {
        const sent = ha.commandFor(c.threshold, threshold);
        assert.strictEqual(sent.topic, 'k/control');
        assert.deepStrictEqual(JSON.parse(sent.payload), { threshold });
      }
      assert.throws(() => ha.commandFor(c.threshold, 1_000_001));
      assert.throws(() => ha.commandFor(c.mode, 'override'));
    });

    it('makes every component available or not by the availability topic', function () {
      for (const kind of ['device', 'group']) {
        const { components } = read(discoveryTopic('homeassistant', 'k'), configOf(kind, 'k'));
        for (const component of Object.values(components)) {
          assert.strictEqual(ha.availabilityFor(component, 'k/availability', 'online'), true);
          assert.strictEqual(ha.availabilityFor(component, 'k/availability', 'offline'), false);
          assert.strictEqual(ha.availabilityFor(component, 'k/telemetry', 'offline'), undefined);
        }
      }
    });

    it("names the group's device as the one a sensor is reached through, and leaves it out without a group", function () {
      const collector = new ha.DiscoveryCollector();
      collector.add(discoveryTopic('homeassistant', 'stadium'), configOf('group', 'stadium'));
      for (const s of ['s.1', 's_1', 's 1'])
        collector.add(discoveryTopic('homeassistant', s), configOf('sensor', s, {}, 'stadium'));
      assert.deepStrictEqual(collector.problems(), []);
      const group = collector.message(discoveryTopic('homeassistant', 'stadium')).device;
      const sensor = collector.message(discoveryTopic('homeassistant', 's.1')).device;
      assert.strictEqual(sensor.via_device, group.identifiers[0]);
      const alone = read(discoveryTopic('homeassistant', 'x'), configOf('sensor', 'x'));
      assert.strictEqual(alone.device.via_device, undefined);
      const orphan = new ha.DiscoveryCollector();
      orphan.add(discoveryTopic('homeassistant', 's'), configOf('sensor', 's', {}, 'nowhere'));
      assert.match(orphan.problems().join('\n'), /via_device .* names no device/);
    });

    it('keeps unique ids and device identifiers apart across ids that look alike and across kinds', function () {
      const collector = new ha.DiscoveryCollector();
      const ids = ['a.b', 'a_b', 'a b', 'a-b', 'a_2e_b', 'ab'];
      for (const id of ids) collector.add(discoveryTopic('homeassistant', id), configOf('device', id));
      for (const id of ids) collector.add(discoveryTopic('homeassistant', id + 'g'), configOf('group', id + 'g'));
      assert.deepStrictEqual(collector.problems(), []);
      const identifiers = [...collector.byTopic.values()].map((r) => r.message.device.identifiers[0]);
      assert.strictEqual(new Set(identifiers).size, identifiers.length);
    });

    it('leaves the support address out when the origin has none', function () {
      const payload = JSON.stringify(
        discoveryConfig('device', 'a', topicsOf('a'), settings(), rule, { name: 'n', sw: '1' }),
      );
      assert.deepStrictEqual(read(discoveryTopic('homeassistant', 'a'), payload).origin, {
        name: 'n',
        sw_version: '1',
      });
    });
  });

  describe('Announcer', function () {
    const make = (over = {}) => new Announcer(settings(over), topicsOf, rule, origin);
    const topicOf = (id) => discoveryTopic('homeassistant', id);

    it('announces an id the first time it is heard: its retained config, then online', function () {
      const announcer = make();
      const sent = announcer.heard('kitchen', 'device', 1000);
      assert.deepStrictEqual(
        sent.map((p) => [p.topic, p.retain, p.qos]),
        [
          [topicOf('kitchen'), true, 1],
          ['kitchen/availability', true, 1],
        ],
      );
      read(sent[0].topic, sent[0].payload);
      assert.strictEqual(sent[0].payload, configOf('device', 'kitchen'));
      assert.strictEqual(sent[1].payload, 'online');
      assert.strictEqual(announcer.size, 1);
    });

    it('publishes nothing when an announced, online id is heard again', function () {
      const announcer = make();
      announcer.heard('kitchen', 'device', 1000);
      for (const at of [1001, 30_000, 60_999]) assert.deepStrictEqual(announcer.heard('kitchen', 'device', at), []);
      assert.strictEqual(announcer.size, 1);
    });

    it('says offline once after the silence, and online again when heard', function () {
      const announcer = make();
      announcer.heard('a', 'device', 0);
      announcer.heard('b', 'device', 10_000);
      assert.strictEqual(announcer.nextWake(), 60_000);
      assert.deepStrictEqual(announcer.tick(59_999), []);
      assert.deepStrictEqual(
        announcer.tick(60_000).map((p) => [p.topic, p.payload, p.retain]),
        [['a/availability', 'offline', true]],
      );
      assert.strictEqual(announcer.nextWake(), 70_000);
      assert.deepStrictEqual(announcer.tick(65_000), []);
      assert.deepStrictEqual(
        announcer.tick(200_000).map((p) => p.topic),
        ['b/availability'],
      );
      assert.deepStrictEqual(announcer.tick(300_000), []);
      assert.strictEqual(announcer.nextWake(), undefined);
      const back = announcer.heard('a', 'device', 300_001);
      assert.deepStrictEqual(
        back.map((p) => [p.topic, p.payload]),
        [['a/availability', 'online']],
      );
      assert.strictEqual(announcer.nextWake(), 360_001);
      assert.strictEqual(announcer.size, 2);
    });

    it('never says offline when offlineAfterMs is 0', function () {
      const announcer = make({ offlineAfterMs: 0 });
      announcer.heard('a', 'device', 0);
      assert.strictEqual(announcer.nextWake(), undefined);
      assert.deepStrictEqual(announcer.tick(1e12), []);
    });

    it("sends every config and each id's availability again on Home Assistant's birth message only", function () {
      const announcer = make();
      announcer.heard('a', 'device', 0);
      announcer.heard('b', 'device', 50_000);
      announcer.tick(60_000); // a goes offline
      for (const [topic, payload] of [
        ['homeassistant/status', 'offline'],
        ['other/status', 'online'],
        ['homeassistant/status/x', 'online'],
      ])
        assert.deepStrictEqual(announcer.birth(topic, payload), [], `${topic} ${payload}`);
      for (const payload of ['online', Buffer.from('online')]) {
        assert.ok(ha.isBirth('homeassistant/status', payload));
        const sent = announcer.birth('homeassistant/status', payload);
        const byTopic = Object.fromEntries(sent.map((p) => [p.topic, p.payload]));
        assert.strictEqual(sent.length, 4);
        assert.strictEqual(byTopic[topicOf('a')], configOf('device', 'a'));
        assert.strictEqual(byTopic[topicOf('b')], configOf('device', 'b'));
        assert.strictEqual(byTopic['a/availability'], 'offline');
        assert.strictEqual(byTopic['b/availability'], 'online');
        assert.ok(sent.every((p) => p.retain === true && p.qos === 1));
      }
      const custom = new Announcer(settings({ prefix: 'ha' }), topicsOf, rule, origin);
      custom.heard('a', 'device', 0);
      assert.deepStrictEqual(custom.birth('homeassistant/status', 'online'), []);
      assert.strictEqual(custom.birth('ha/status', 'online').length, 2);
    });

    it('removes a forgotten id from Home Assistant when asked to, and stops tracking it either way', function () {
      for (const removeForgotten of [true, false]) {
        const announcer = make({ removeForgotten });
        const collector = new ha.DiscoveryCollector();
        for (const p of [...announcer.heard('a', 'device', 0), ...announcer.heard('b', 'device', 0)])
          if (p.topic.startsWith('homeassistant/')) assert.deepStrictEqual(collector.add(p.topic, p.payload), []);
        assert.strictEqual(collector.size, 2);
        const gone = announcer.forget('a');
        for (const p of gone)
          if (p.topic.startsWith('homeassistant/')) assert.deepStrictEqual(collector.add(p.topic, p.payload), []);
        assert.deepStrictEqual(
          gone.map((p) => [p.topic, p.payload, p.retain]),
          removeForgotten
            ? [
                [topicOf('a'), '', true],
                ['a/availability', '', true],
              ]
            : [],
        );
        assert.strictEqual(collector.size, removeForgotten ? 1 : 2);
        assert.strictEqual(announcer.size, 1);
        assert.deepStrictEqual(announcer.forget('a'), []);
        assert.deepStrictEqual(
          announcer.tick(1e9).map((p) => p.topic),
          ['b/availability'],
        );
        assert.strictEqual(announcer.heard('a', 'device', 1e9)[0].topic, topicOf('a'));
      }
    });

    it('forgets an offline id as well as an online one', function () {
      const announcer = make({ removeForgotten: true });
      announcer.heard('a', 'device', 0);
      announcer.tick(60_000);
      assert.strictEqual(announcer.forget('a').length, 2);
      assert.strictEqual(announcer.size, 0);
      assert.deepStrictEqual(announcer.birth('homeassistant/status', 'online'), []);
    });

    it('clear stops tracking everything and publishes nothing', function () {
      const announcer = make({ removeForgotten: true });
      announcer.heard('a', 'device', 0);
      announcer.heard('b', 'group', 0);
      announcer.clear();
      assert.strictEqual(announcer.size, 0);
      assert.strictEqual(announcer.nextWake(), undefined);
      assert.deepStrictEqual(announcer.tick(1e9), []);
      assert.deepStrictEqual(announcer.birth('homeassistant/status', 'online'), []);
      assert.strictEqual(announcer.heard('a', 'device', 1e9).length, 2);
    });

    it('announces a sensor again when it turns up in another group', function () {
      const announcer = make();
      announcer.heard('s1', 'sensor', 0, 'north');
      assert.deepStrictEqual(announcer.heard('s1', 'sensor', 1, 'north'), []);
      const moved = announcer.heard('s1', 'sensor', 2, 'south');
      assert.strictEqual(moved.length, 1);
      assert.strictEqual(moved[0].payload, configOf('sensor', 's1', {}, 'south'));
    });

    it('refuses a discovery prefix that is no topic to publish under', function () {
      for (const prefix of ['', 'home/+', '#', '$SYS', 'a\u0001'])
        assert.throws(() => make({ prefix }), { code: 'bad-topic' }, JSON.stringify(prefix));
    });

    it('publishes what an obvious model that scans every id would, over random heard, tick, forget and birth', function () {
      for (const seed of [1, 2, 3, 4, 5]) {
        const random = seededRandom(seed);
        const offlineAfterMs = 100;
        const announcer = make({ offlineAfterMs, removeForgotten: seed % 2 === 0 });
        const model = new Map(); // id -> { lastSeen, online }
        const sorted = (ps) => ps.map((p) => `${p.topic} ${p.payload}`).sort();
        let now = 0;
        for (let step = 0; step < 2000; step += 1) {
          now += Math.floor(random() * 30);
          const id = `d${Math.floor(random() * 12)}`;
          const r = random();
          if (r < 0.6) {
            const known = model.get(id);
            const expected = known
              ? known.online
                ? []
                : [`${id}/availability online`]
              : [`${topicOf(id)} ${configOf('device', id, { offlineAfterMs })}`, `${id}/availability online`];
            model.set(id, { lastSeen: now, online: true });
            assert.deepStrictEqual(
              announcer.heard(id, 'device', now).map((p) => `${p.topic} ${p.payload}`),
              expected,
            );
          } else if (r < 0.85) {
            const expected = [];
            for (const [key, entry] of model) {
              if (entry.online && entry.lastSeen + offlineAfterMs <= now) {
                entry.online = false;
                expected.push(`${key}/availability offline`);
              }
            }
            assert.deepStrictEqual(sorted(announcer.tick(now)), expected.sort());
          } else if (r < 0.95) {
            const expected = model.has(id) && seed % 2 === 0 ? [`${topicOf(id)} `, `${id}/availability `].sort() : [];
            model.delete(id);
            assert.deepStrictEqual(sorted(announcer.forget(id)), expected);
          } else {
            const expected = [...model].flatMap(([key, e]) => [
              `${topicOf(key)} ${configOf('device', key, { offlineAfterMs })}`,
              `${key}/availability ${e.online ? 'online' : 'offline'}`,
            ]);
            assert.deepStrictEqual(sorted(announcer.birth('homeassistant/status', 'online')), expected.sort());
          }
          assert.strictEqual(announcer.size, model.size);
          const online = [...model.values()].filter((e) => e.online).map((e) => e.lastSeen + offlineAfterMs);
          assert.strictEqual(announcer.nextWake(), online.length ? Math.min(...online) : undefined);
        }
      }
    });
  });

  describe('the rules checker itself', function () {
    const topic = discoveryTopic('homeassistant', 'k');
    const valid = () => JSON.parse(configOf('device', 'k', { lux: true }));
    const problemsOf = (mutate, at = topic) => {
      const payload = valid();
      mutate(payload);
      return ha.checkDiscoveryMessage(at, JSON.stringify(payload));
    };

    it('finds nothing wrong with the unbroken payload, abbreviated or spelt out', function () {
      assert.deepStrictEqual(ha.checkDiscoveryMessage(topic, JSON.stringify(valid())), []);
      const spelt = valid();
      spelt.device = spelt.dev;
      delete spelt.dev;
      spelt.components = spelt.cmps;
      delete spelt.cmps;
      spelt.components.mode.command_topic = spelt.components.mode.cmd_t;
      delete spelt.components.mode.cmd_t;
      assert.deepStrictEqual(ha.checkDiscoveryMessage(topic, JSON.stringify(spelt)), []);
    });

    /** @type {Array<[string, (p: any) => unknown, RegExp]>} */
    const broken = [
      ['a select without its command topic', (p) => delete p.cmps.mode.cmd_t, /select needs command_topic/],
      ['a number without its command topic', (p) => delete p.cmps.threshold.cmd_t, /number needs command_topic/],
      ['a select without options', (p) => delete p.cmps.mode.ops, /select needs options/],
      ['a sensor without a state topic', (p) => delete p.cmps.light.stat_t, /sensor needs state_topic/],
      ['a binary sensor without a state topic', (p) => delete p.cmps.led.stat_t, /binary_sensor needs state_topic/],
      ['a component without a unique id', (p) => delete p.cmps.led.uniq_id, /needs a unique_id/],
      ['a component without a platform', (p) => delete p.cmps.led.p, /platform undefined/],
      ['an unknown platform', (p) => (p.cmps.led.p = 'lamp'), /platform "lamp"/],
      ['an unknown abbreviation', (p) => (p.cmps.light.stat_tt = 'x'), /unknown key or abbreviation "stat_tt"/],
      [
        'an option of another platform',
        (p) => (p.cmps.led.ops = ['a']),
        /"ops" stands for options, which is not an option/,
      ],
      ['an unknown root key', (p) => (p.colour = 'red'), /root: unknown key/],
      ['an option given twice', (p) => (p.cmps.led.state_topic = 'x'), /"state_topic" given twice/],
      ['a unique id twice in one message', (p) => (p.cmps.mode.uniq_id = p.cmps.led.uniq_id), /repeats/],
      ['no device', (p) => delete p.dev, /device: required/],
      ['a device without identifiers', (p) => delete p.dev.ids, /device: needs identifiers/],
      ['an unknown device key', (p) => (p.dev.firmware = '1'), /device: unknown key/],
      ['no origin', (p) => delete p.o, /origin: required/],
      ['an origin without a name', (p) => delete p.o.name, /origin: needs a name/],
      ['no components', (p) => (p.cmps = {}), /components: required/],
      ['equal availability payloads', (p) => (p.avty[0].pl_not_avail = 'online'), /both "online"/],
      ['an availability entry without a topic', (p) => delete p.avty[0].t, /needs a topic/],
      ['availability and availability_topic together', (p) => (p.avty_t = 'x'), /must not be used together/],
      ['a number whose max is not above min', (p) => (p.cmps.threshold.max = 0), /max must be greater than min/],
      ['a number step below 0.001', (p) => (p.cmps.threshold.step = 0.0001), /step must be at least/],
      ['a bad number display mode', (p) => (p.cmps.threshold.mode = 'dial'), /mode must be one of/],
      ['an illuminance sensor not in lx', (p) => (p.cmps.light.unit_of_meas = 'lux'), /measured in lx/],
      ['a bad state class', (p) => (p.cmps.light.stat_cla = 'average'), /state_class must be one of/],
      ['a qos of 3', (p) => (p.qos = 3), /qos must be 0, 1 or 2/],
      ['a command topic with a wildcard', (p) => (p.cmps.mode.cmd_t = 'k/+'), /wildcard/],
      [
        'a filter the interpreter does not know',
        (p) => (p.cmps.light.val_tpl = '{{ value_json.light | round(1) }}'),
        /value_template/,
      ],
      ['a template statement', (p) => (p.cmps.led.val_tpl = '{% if value_json.led_on %}ON{% endif %}'), /statements/],
    ];
    for (const [what, mutate, expected] of broken) {
      it(`rejects ${what}`, function () {
        const problems = problemsOf(mutate);
        assert.ok(problems.length > 0, 'no problem found');
        assert.match(problems.join('\n'), expected);
      });
    }

    it('rejects bad topics and payloads that are no JSON object', function () {
      const payload = JSON.stringify(valid());
      /** @type {Array<[string, RegExp]>} */
      const topics = [
        ['homeassistant/device/k.1/config', /object id "k.1"/],
        ['homeassistant/device/k/state', /is not homeassistant\/device/],
        ['homeassistant/sensor/k/config', /is not homeassistant\/device/],
        ['ha/device/k/config', /is not homeassistant\/device/],
        ['homeassistant/device/config', /is not homeassistant\/device/],
      ];
      for (const [at, expected] of topics) assert.match(ha.checkDiscoveryMessage(at, payload).join('\n'), expected, at);
      assert.deepStrictEqual(ha.checkDiscoveryMessage('ha/device/k/config', payload, 'ha'), []);
      assert.match(ha.checkDiscoveryMessage(topic, '{"dev":').join(), /not JSON/);
      assert.match(ha.checkDiscoveryMessage(topic, '[1]').join(), /not a JSON object/);
      assert.deepStrictEqual(ha.checkDiscoveryMessage(topic, ''), [], 'an empty payload removes the device');
    });

    it('rejects one unique id in two messages, and forgets a removed message', function () {
      const collector = new ha.DiscoveryCollector();
      collector.add(discoveryTopic('homeassistant', 'a'), configOf('device', 'a'));
      const copy = JSON.parse(configOf('device', 'b'));
      copy.cmps.light.uniq_id = JSON.parse(configOf('device', 'a')).cmps.light.uniq_id;
      assert.deepStrictEqual(collector.add(discoveryTopic('homeassistant', 'b'), JSON.stringify(copy)), []);
      assert.match(collector.problems().join('\n'), /is also .*'s/);
      collector.add(discoveryTopic('homeassistant', 'a'), '');
      assert.deepStrictEqual(collector.problems(), []);
      // A later message on the same topic replaces the earlier one: an update is no duplicate.
      collector.add(discoveryTopic('homeassistant', 'b'), configOf('device', 'b'));
      assert.deepStrictEqual(collector.problems(), []);
    });

    it('renders exactly the template forms it knows, and throws on any other', function () {
      const json = { led_on: true, mode: 'override', n: 0, s: 'x' };
      const cases = [
        ['{{ value_json.s }}', 'x'],
        ['{{ value_json.missing }}', ''],
        ['{{ value_json.missing | default(7) }}', '7'],
        ['{{ value_json.n | default(7) }}', '0'],
        ["{{ 'ON' if value_json.led_on else 'OFF' }}", 'ON'],
        ["{{ 'ON' if value_json.n else 'OFF' }}", 'OFF'],
        ["{{ ('a' if value_json.led_on else 'b') if value_json.mode == 'override' else 'c' }}", 'a'],
        ["{{ 'yes' if value_json.mode != 'auto' else 'no' }}", 'yes'],
        ['{"v": "{{ value }}"}', '{"v": "raw"}'],
        ['{{ value_json.led_on }}', 'True'],
      ];
      for (const [template, expected] of cases)
        assert.strictEqual(ha.renderTemplate(template, { value: 'raw', value_json: json }), expected, template);
      const unsupported = [
        '{{ value_json.light | round(1) }}',
        '{{ states("sensor.x") }}',
        '{% if value %}x{% endif %}',
        '{{ value_json["light"] }}',
        '{{ value + 1 }}',
        '{{ value_json.light ',
        '{{ value_json }}',
      ];
      for (const template of unsupported)
        assert.throws(
          () => ha.renderTemplate(template, { value: '1', value_json: { light: 1 } }),
          ha.UnsupportedTemplate,
          template,
        );
    });

    it("keeps Home Assistant's last state when a payload cannot be read", function () {
      const { components: c } = read(topic, configOf('device', 'k'));
      assert.strictEqual(ha.stateFor(c.light, 'not json'), undefined);
      assert.strictEqual(ha.stateFor(c.light, '{"other": 1}'), undefined);
      assert.strictEqual(ha.stateFor(c.threshold, '{"threshold": 2000000}'), undefined);
    });
  });
});
