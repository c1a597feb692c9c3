'use strict';
// GroupEngine keeps its fresh readings up to date reading by reading (sorted values, an
// exact sum, a freshness heap). These tests compare every outcome with the obvious way:
// gather the fresh sensors on every reading and aggregate them, with time as input.
const assert = require('assert');
const { GroupEngine: Engine, DEFAULT_GROUP_OPTIONS, memberMatcher, lowerBound } = require('../../dist/nodes/lib/group');
/** @type {import('../support/typed').Seen<typeof Engine>} */
const GroupEngine = Engine;
const { aggregate } = require('../support/oracles');
const { DecisionState, isHistorical, nextCommand, ruleWith, step, wantsOn } = require('../../dist/nodes/lib/decide');
const { isAfter } = require('../../dist/nodes/lib/order');
const { seededRandom } = require('../support/scale-out');

/** The group rule written the obvious way: a Map in last-heard order, everything recomputed per reading. */
class NaiveGroup {
  constructor(options) {
    this.options = { ...DEFAULT_GROUP_OPTIONS, ...options };
    this.isMember = memberMatcher(this.options.members);
    this.sensors = new Map();
    this.decision = new DecisionState(0);
    this.tooFew = false;
  }
  expire(now) {
    if (this.options.expiryMs <= 0) return;
    for (const [id, s] of this.sensors) {
      if (s.lastSeen + this.options.expiryMs > now) break;
      this.sensors.delete(id);
    }
  }
  fresh(now) {
    const since = now - this.options.freshnessMs;
    return [...this.sensors].filter(([, s]) => this.options.freshnessMs <= 0 || s.takenAt >= since);
  }
  judge(fresh) {
    const needed = Math.max(1, this.options.minFresh);
    const tooFew = fresh < needed;
    const tooFewChanged = tooFew !== this.tooFew;
    this.tooFew = tooFew;
    return { fresh, known: this.sensors.size, needed, tooFew, tooFewChanged };
  }
  health(now) {
    this.expire(now);
    return this.judge(this.fresh(now).length);
  }
  observe(id, telemetry, now, overrides = {}) {
    const ledOn = this.decision.ledOn;
    if (!this.isMember(id)) return { kind: 'ignored', reason: 'not-member', ledOn, value: NaN, health: undefined };
    this.expire(now);
    const sensor = this.sensors.get(id);
    if (sensor && !isAfter(telemetry, sensor))
      return { kind: 'ignored', reason: 'stale', ledOn, value: NaN, health: undefined };
    const historical = isHistorical(telemetry, now, this.options.maxAgeMs);
    const takenAt = historical ? Math.min(now, telemetry.ts ?? -Infinity) : now;
    if (!sensor && this.sensors.size >= Math.max(1, this.options.maxDevices))
      this.sensors.delete(this.sensors.keys().next().value);
    this.sensors.delete(id);
    this.sensors.set(id, { light: telemetry.light, ts: telemetry.ts, seq: telemetry.seq, takenAt, lastSeen: now });
    if (historical) return { kind: 'ignored', reason: 'historical', ledOn, value: NaN, health: undefined };
    const rule = ruleWith(this.options, overrides);
    const fresh = this.fresh(now);
    const ids = fresh.map(([i]) => i);
    const lights = fresh.map(([, s]) => s.light);
    const health = this.judge(ids.length);
    const state = this.decision;
    if (health.tooFew) return { kind: 'ignored', reason: 'too-few', ledOn: state.ledOn, value: NaN, health };
    let want, value, dark;
    if (this.options.aggregation === 'quorum') {
      dark = ids.filter((_, i) => wantsOn(state.ledOn, lights[i], rule.threshold, rule.band));
      value = dark.length;
      want = value >= Math.max(1, this.options.quorum);
    } else {
      value = aggregate(this.options.aggregation, lights);
      want = wantsOn(state.ledOn, value, rule.threshold, rule.band);
    }
    const result = step(state, want, now, rule);
    if (!result.send)
      return { kind: 'ignored', reason: result.reason ?? 'unchanged', ledOn: state.ledOn, value, health };
    /** @type {import('../../dist/nodes/lib/group').GroupCommand} */
    const command = { ...nextCommand(state, now), sensors: ids.sort() };
    if (dark) command.dark = dark.sort();
    return { kind: 'command', command, value, changed: result.changed, health };
  }
}

describe('group aggregation kept up to date reading by reading', function () {
  it('lowerBound finds the first value not below x', function () {
    /** @type {[number[], number, number][]} */
    const table = [
      [[], 5, 0],
      [[1, 2, 2, 3], 2, 1],
      [[1, 2, 2, 3], 2.5, 3],
      [[1, 2, 2, 3], 0, 0],
      [[1, 2, 2, 3], 9, 4],
    ];
    for (const [values, x, expected] of table) assert.strictEqual(lowerBound(values, x), expected, `${x} in ${values}`);
  });

  /** @type {import('../../dist/nodes/lib/group').Aggregation[]} */
  const aggregations = ['median', 'mean', 'min', 'max', 'quorum'];
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    for (const aggregation of aggregations) {
      it(`seed ${seed}, ${aggregation}: every outcome as if recomputed from all sensors, over 3,000 random readings`, function () {
        const random = seededRandom(seed * 31 + aggregations.indexOf(aggregation));
        /** @type {<T>(list: T[]) => T} */
        const pick = (list) => list[Math.floor(random() * list.length)];
        const options = {
          name: 'g',
          aggregation,
          members: pick(['', 's*', 's1 s2 s3 s4 s5 s6 s7 s8 s9 s1*', 's1*, s2']),
          maxDevices: pick([3, 8, 1000]),
          expiryMs: pick([0, 400, 2000]),
          freshnessMs: pick([0, 100, 300, 1000]),
          minFresh: pick([1, 2, 4]),
          quorum: pick([1, 2, 3]),
          maxAgeMs: pick([0, 500]),
          emit: pick(/** @type {import('../../dist/nodes/lib/decide').EmitMode[]} */ (['change', 'every'])),
          debounceReadings: pick([1, 2]),
          band: pick([0, 50]),
        };
        options.minFresh = Math.min(options.minFresh, options.maxDevices); // more could never be fresh
        const group = new GroupEngine(options);
        const naive = new NaiveGroup(options);
        // Integers, a few fractions (the exact sum must step aside for them) and repeated values.
        const light = () =>
          random() < 0.15
            ? Math.round(random() * 6000) / 10
            : pick([100, 250, 299, 300, 301, 349, 350, 600, Math.floor(random() * 700)]);
        const seqs = new Map();
        let now = 10_000;
        let commands = 0;
        for (let i = 0; i < 3000; i += 1) {
          now += random() < 0.02 ? -Math.floor(random() * 500) : Math.floor(random() * 40);
          if (random() < 0.05) {
            assert.deepStrictEqual(group.health(now), naive.health(now), `health at step ${i}`);
            continue;
          }
          const id = 's' + Math.floor(random() * 14);
          const telemetry = { light: light() };
          const r = random();
          if (r < 0.5) {
            // seq mostly rising, sometimes repeated (stale)
            const seq = (seqs.get(id) ?? 0) + (random() < 0.9 ? 1 : 0);
            seqs.set(id, seq);
            telemetry.seq = seq;
          } else if (r < 0.65) {
            telemetry.ts = now - Math.floor(random() * 1500);
          } else if (r < 0.7) {
            telemetry.historical = true;
            telemetry.ts = now - Math.floor(random() * 1500);
          }
          const overrides = random() < 0.1 ? { threshold: pick([200, 300, 400]), band: pick([undefined, 0, 100]) } : {};
          const got = group.observe(id, telemetry, now, overrides);
          assert.deepStrictEqual(
            got,
            naive.observe(id, telemetry, now, overrides),
            `step ${i}: ${id} ${JSON.stringify(telemetry)} at ${now}`,
          );
          if (got.kind === 'command') commands += 1;
          assert.strictEqual(group.size, naive.sensors.size, `size at step ${i}`);
        }
        assert.ok(commands > 0, 'the run decided something: ' + JSON.stringify(options));
      });
    }
  }
});
