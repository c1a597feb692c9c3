'use strict';
// Scale-out (issue 8): two Node-RED processes run the shipped scale-out example
// (examples/05-scale-out-server.json) against one Mosquitto over MQTT 5. The telemetry of
// 100 devices arrives through the shared subscription $share/nightlight/+/telemetry, so the
// broker gives each reading to one instance only; the retained commands, fed back into
// nightlight decide through +/commands, tell each instance what the other decided.
// Probe nodes report, per instance, every reading nightlight decide finished with, every
// command it took in from the broker and every command it sent.
//
// Readings go out in rounds: one reading per device, in a shuffled order (so a device's
// readings land now on one instance, now on the other), and the next round starts once
// the round is decided and both instances have taken in every command. That is the
// condition under which one server's exact commands are promised. Without that pause (the
// free-running case: two instances deciding one device at the same moment) commands may be
// sent twice and the retained command repaired, but every device converges to the decision
// for its newest reading and no LED ever goes back to an older reading's command.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { mosquittoPath, startMosquitto } = require('../support/brokers');
const { until } = require('../support/runtime');
const { isAfter } = require('../../dist/nodes/lib/order');
const { LedState } = require('../../dist/nodes/lib/led');
const S = require('../support/scale-out');

const DEVICES = 100;
const SHARED_ROUNDS = 24;
const KILL_ROUND = SHARED_ROUNDS;
const AFTER_ROUNDS = 5;
const READINGS = SHARED_ROUNDS + 1 + AFTER_ROUNDS;
const CONTROL_ROUNDS = 8;
const FREE_READINGS = 12;
/**
 * Most extra commands (beyond one server's) per free-running reading the test accepts.
 * Measured here: 0.15 to 0.17 (double sends, and a few repairs), with nearly every reading
 * racing; the bound leaves three times that (docs/scaling-out.md).
 */
const FREE_EXTRA_BOUND = 0.5;
const SEED = 8;
const NAMES = ['A', 'B'];

const decideNode = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'examples', '05-scale-out-server.json'), 'utf8'),
).find((n) => n.id === S.DECIDE);
const RULE = { threshold: Number(decideNode.threshold), band: Number(decideNode.band) };

const key = (id, seq) => `${id}#${seq}`;
const ids = (prefix) => Array.from({ length: DEVICES }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
const decisionAfter = (lights, initial) => S.expectedCommands(lights, { ...RULE, initial }).at(-1) ?? initial;

function describeScaleOut(body) {
  if (mosquittoPath())
    return describe('scale-out: two Node-RED instances, one Mosquitto, MQTT 5 shared subscription', body);
  describe('scale-out over MQTT 5', function () {
    if (process.env.CI) {
      it('needs mosquitto (required when CI is set)', function () {
        throw new Error('mosquitto binary not found; CI requires it (aedes has no MQTT 5 shared subscriptions)');
      });
    } else {
      it('is skipped: no mosquitto binary on this machine (aedes has no MQTT 5 shared subscriptions; install mosquitto to run it)', function () {
        this.skip();
      });
    }
  });
}

describeScaleOut(function () {
  this.timeout(120000);
  const random = S.seededRandom(SEED);
  const devices = ids('dev');
  const lights = new Map(devices.map((id) => [id, S.lightSeries(READINGS, random, RULE)]));
  // The first reading after the kill is outside the hysteresis band, so the right state
  // after it does not depend on which readings around the kill were lost.
  for (const series of lights.values()) {
    const v = series[KILL_ROUND + 1];
    if (v >= RULE.threshold && v < RULE.threshold + RULE.band)
      series[KILL_ROUND + 1] = RULE.threshold + RULE.band + 100;
  }
  let broker, observer, load;
  const instances = {};
  /** Commands observed and commands taken in per instance when the current phase began. */
  let mark;

  const decidedBy = (name) => observer.reports[name]?.decided ?? [];
  const sum = (names, kind) => names.reduce((n, name) => n + observer.count(name, kind), 0);
  const takeMark = () =>
    (mark = {
      commands: observer.commandCount,
      fed: Object.fromEntries(NAMES.map((n) => [n, observer.count(n, 'fed')])),
    });

  function round(group, r) {
    return S.shuffled(group, random).map((id) => ({ id, light: lights.get(id)[r], seq: r + 1, ts: Date.now() }));
  }

  /**
   * Waits until `names` have decided `decided` readings between them and (with the
   * feedback on) each has taken in every command published since the mark.
   */
  async function settle(names, decided, { feedback = true } = {}) {
    await until(() => sum(names, 'decided') >= decided, `${decided} readings decided`, 30000);
    if (!feedback) return;
    await until(
      () => names.every((n) => observer.count(n, 'fed') - mark.fed[n] === observer.commandCount - mark.commands),
      'every instance to take in every command',
      30000,
    );
  }

  async function waitForBirths(counts) {
    await until(
      () => NAMES.every((n) => observer.births(n) > (counts[n] ?? 0)),
      'both instances to connect and subscribe',
      60000,
    );
  }

  before(async function () {
    broker = await startMosquitto();
    observer = await S.startObserver(broker);
    load = await S.startLoad(broker);
    const started = await Promise.all(NAMES.map((name) => S.startInstance(name, broker)));
    for (const instance of started) instances[instance.name] = instance;
    await waitForBirths({});
    takeMark();
  });

  after(async function () {
    await Promise.all(Object.values(instances).map((i) => i.stop()));
    await load?.close();
    await observer?.close();
    await broker?.close();
  });

  it(`decides each of ${DEVICES * SHARED_ROUNDS} readings exactly once, sends each change once, and every device ends as its last reading says`, async function () {
    for (let r = 0; r < SHARED_ROUNDS; r += 1) {
      await load.publish(round(devices, r));
      await settle(NAMES, DEVICES * (r + 1));
    }

    // Every reading decided exactly once, by one instance or the other.
    const decided = new Map();
    const where = new Map();
    for (const name of NAMES) {
      for (const d of decidedBy(name)) {
        decided.set(key(d.id, d.seq), (decided.get(key(d.id, d.seq)) ?? 0) + 1);
        where.set(key(d.id, d.seq), name);
      }
    }
    assert.strictEqual(decided.size, DEVICES * SHARED_ROUNDS, 'readings decided');
    assert.deepStrictEqual(
      [...decided.values()].filter((n) => n !== 1),
      [],
      'a reading decided twice',
    );
    for (const name of NAMES)
      assert.ok(decidedBy(name).length > DEVICES * SHARED_ROUNDS * 0.2, `instance ${name} took a share`);
    // The test means something only if a device's readings really change hands.
    let handovers = 0;
    for (const id of devices) {
      for (let seq = 2; seq <= SHARED_ROUNDS; seq += 1)
        if (where.get(key(id, seq)) !== where.get(key(id, seq - 1))) handovers += 1;
    }
    assert.ok(handovers > DEVICES * (SHARED_ROUNDS - 1) * 0.2, `only ${handovers} handovers between instances`);

    // Emit on change across instances: exactly the commands one server would have sent
    // (the first reading and each change, none twice), each newer than the one before.
    const retained = await S.retainedCommands(broker);
    for (const id of devices) {
      const seen = observer.commands.get(id) ?? [];
      const want = S.expectedCommands(lights.get(id).slice(0, SHARED_ROUNDS), RULE);
      assert.deepStrictEqual(
        seen.map((c) => c.led_on),
        want,
        `commands of ${id}`,
      );
      for (let i = 1; i < seen.length; i += 1)
        assert.ok(isAfter(seen[i], seen[i - 1]), `command ${i} of ${id} is not newer than the one before`);
      assert.deepStrictEqual(retained.get(id), seen.at(-1), `retained command of ${id} is the newest`);
    }
    assert.strictEqual(sum(NAMES, 'sent'), observer.commandCount, 'every command observed came from an instance');
    console.log(
      `      ${handovers} handovers; decided by A ${decidedBy('A').length}, by B ${decidedBy('B').length}; ${observer.commandCount} commands`,
    );
  });

  it(`free-running (${FREE_READINGS} readings per device, none waiting for a command to come back): converges, and no LED ever goes back`, async function () {
    const free = ids('run');
    const start = Date.now();
    for (const id of free) {
      const series = S.lightSeries(FREE_READINGS, random, RULE);
      // The last reading is outside the band, so its decision does not depend on the state before it.
      series[FREE_READINGS - 1] = random() < 0.5 ? RULE.threshold - 100 : RULE.threshold + RULE.band + 100;
      lights.set(id, series);
    }
    const readings = [];
    for (let r = 0; r < FREE_READINGS; r += 1) {
      for (const id of S.shuffled(free, random))
        readings.push({ id, light: lights.get(id)[r], seq: r + 1, ts: start + r * 1000 });
    }
    const decidedBefore = sum(NAMES, 'decided');
    const sentBefore = sum(NAMES, 'sent');
    await load.publish(readings);
    await settle(NAMES, decidedBefore + readings.length);
    // Quiet: no new command (a repair, say) for a while, and each instance has taken in every command.
    let last = -1;
    while (last !== observer.commandCount) {
      last = observer.commandCount;
      await new Promise((r) => setTimeout(r, 1000));
      await settle(NAMES, 0);
    }

    const retained = await S.retainedCommands(broker);
    let extra = 0;
    let resent = 0;
    let differing = 0;
    for (const id of free) {
      const series = lights.get(id);
      const want = series.at(-1) < RULE.threshold;
      const seen = observer.commands.get(id) ?? [];
      // Converged: the retained command is the decision for the newest reading.
      assert.strictEqual(retained.get(id)?.led_on, want, `retained command of ${id}`);
      // What an LED command node applies (its ordering filter), in the order the broker delivers.
      const led = new LedState();
      let applied;
      for (const command of seen) {
        assert.ok(
          Number.isInteger(command.seq) && command.seq >= 1 && command.seq <= FREE_READINGS,
          `${id}: a command answers one of its readings`,
        );
        assert.strictEqual(command.ts, start + (command.seq - 1) * 1000, `${id}: a command carries its reading's ts`);
        if (led.apply(command).kind !== 'apply') continue;
        if (applied)
          assert.ok(
            command.seq > applied.seq || (command.seq === applied.seq && command.led_on),
            `${id}: the LED went back from reading ${applied.seq} to ${command.seq}`,
          );
        applied = command;
      }
      assert.strictEqual(led.on, want, `${id}: the LED ends as its newest reading says`);
      const oneServer = S.expectedCommands(series, RULE);
      extra += Math.max(0, seen.length - oneServer.length);
      resent += seen.filter((c, i) => seen.slice(0, i).some((p) => p.seq === c.seq && p.led_on === c.led_on)).length;
      if (JSON.stringify(seen.map((c) => c.led_on)) !== JSON.stringify(oneServer)) differing += 1;
    }
    assert.strictEqual(
      sum(NAMES, 'sent') - sentBefore,
      free.reduce((n, id) => n + (observer.commands.get(id) ?? []).length, 0),
      'every command came from an instance',
    );
    console.log(
      `      free-running: ${readings.length} readings, ${extra} commands more than one server (${resent} of them repairs re-sent at the same position), ${differing} of ${DEVICES} devices saw another sequence than one server sends; all converged`,
    );
    // Double sends and repairs are the price of not waiting; bounded (measured: see docs/scaling-out.md).
    assert.ok(extra <= readings.length * FREE_EXTRA_BOUND, `${extra} extra commands for ${readings.length} readings`);
    takeMark();
  });

  it('without the command feedback (the control), the same kind of load sends commands one server would not', async function () {
    const births = Object.fromEntries(NAMES.map((n) => [n, observer.births(n)]));
    await Promise.all(NAMES.map((n) => instances[n].deploy({ feedback: false })));
    await waitForBirths(births);
    const control = ids('ctl');
    for (const id of control) lights.set(id, S.lightSeries(CONTROL_ROUNDS, random, RULE));
    const decidedBefore = sum(NAMES, 'decided');
    for (let r = 0; r < CONTROL_ROUNDS; r += 1) {
      await load.publish(round(control, r));
      await settle(NAMES, decidedBefore + DEVICES * (r + 1), { feedback: false });
    }
    let wrong = 0;
    let extra = 0;
    for (const id of control) {
      const seen = (observer.commands.get(id) ?? []).map((c) => c.led_on);
      const want = S.expectedCommands(lights.get(id), RULE);
      if (JSON.stringify(seen) !== JSON.stringify(want)) wrong += 1;
      extra += Math.max(0, seen.length - want.length);
    }
    console.log(
      `      without feedback: ${wrong} of ${DEVICES} devices got other commands than one server sends (${extra} extra)`,
    );
    assert.ok(
      wrong > 0,
      'without feedback every device still got the commands of one server: the main test would prove nothing',
    );

    // Back to the example as shipped: each instance starts afresh and learns every device's
    // retained command from the broker.
    const before = Object.fromEntries(NAMES.map((n) => [n, observer.births(n)]));
    const fedBefore = Object.fromEntries(NAMES.map((n) => [n, observer.count(n, 'fed')]));
    await Promise.all(NAMES.map((n) => instances[n].deploy({ feedback: true })));
    await waitForBirths(before);
    const topics = observer.commands.size;
    await until(
      () => NAMES.every((n) => observer.count(n, 'fed') - fedBefore[n] >= topics),
      'both instances to learn every retained command',
      30000,
    );
    takeMark();
  });

  it('carries on when one instance is killed mid-stream: the survivor decides every later reading and every device ends right', async function () {
    const from = Object.fromEntries(NAMES.map((n) => [n, decidedBy(n).length]));
    const since = (name) =>
      decidedBy(name)
        .slice(from[name])
        .map((d) => key(d.id, d.seq));
    const readings = round(devices, KILL_ROUND);
    await load.publish(readings.slice(0, DEVICES / 2));
    await instances.B.kill();
    await load.publish(readings.slice(DEVICES / 2));
    await until(() => observer.gone('B'), 'the broker to send the will of the killed instance', 30000);

    // From here on, every reading is published after the broker knew B was gone.
    let commandsAtFirst;
    for (let r = KILL_ROUND + 1; r < READINGS; r += 1) {
      await load.publish(round(devices, r));
      await until(
        () => {
          const byA = new Set(since('A'));
          return devices.every((id) => byA.has(key(id, r + 1)));
        },
        `the survivor to decide round ${r + 1}`,
        30000,
      );
      await settle(['A'], 0);
      if (r === KILL_ROUND + 1) {
        // The first reading after the kill sets each device right, whoever decided before.
        for (const id of devices) {
          assert.strictEqual(
            observer.commands.get(id).at(-1).led_on,
            decisionAfter([lights.get(id)[r]]),
            `${id} after the first reading past the kill`,
          );
        }
        commandsAtFirst = new Map(devices.map((id) => [id, observer.commands.get(id).length]));
      }
    }

    // No reading decided twice; every one published after the kill decided by the survivor.
    const all = [...since('A'), ...since('B')];
    assert.strictEqual(new Set(all).size, all.length, 'a reading decided twice');
    const byA = new Set(since('A'));
    for (const id of devices) {
      for (let seq = KILL_ROUND + 2; seq <= READINGS; seq += 1)
        assert.ok(byA.has(key(id, seq)), `reading ${seq} of ${id} after the kill`);
    }
    // The readings around the kill that were in flight to the dead instance are gone:
    // with clean sessions that is what MQTT 5 shared subscriptions allow (see docs/scaling-out.md).
    const lost = readings.filter((r) => !all.includes(key(r.id, r.seq))).length;
    console.log(
      `      kill: ${lost} of ${DEVICES} readings published around the kill were reported decided by no instance`,
    );

    // After the first reading past the kill: exactly the changes one server would send,
    // each command newer than the one before, the newest retained, the last reading obeyed.
    const retained = await S.retainedCommands(broker);
    for (const id of devices) {
      const series = lights.get(id).slice(KILL_ROUND + 1);
      const seen = observer.commands.get(id);
      const later = seen.slice(commandsAtFirst.get(id)).map((c) => c.led_on);
      assert.deepStrictEqual(
        later,
        S.expectedCommands(series.slice(1), { ...RULE, initial: decisionAfter(series.slice(0, 1)) }),
        `commands of ${id} after the kill`,
      );
      for (let i = 1; i < seen.length; i += 1)
        assert.ok(isAfter(seen[i], seen[i - 1]), `command ${i} of ${id} is not newer than the one before`);
      assert.deepStrictEqual(retained.get(id), seen.at(-1), `retained command of ${id} is the newest`);
      assert.strictEqual(retained.get(id).led_on, decisionAfter(series), `${id} ends as its last reading says`);
    }
  });
});
