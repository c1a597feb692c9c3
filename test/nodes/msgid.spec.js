'use strict';
// An output that answers an input carries the input's _msgid (Node-RED then makes no new
// id, and tracing ties the command to its reading); a timer's output gets an id of its own.
const assert = require('assert');
const { helper, ours, core, collect, until, useServer, onTab } = require('../support/runtime');

/** @param {import('../support/typed').OurProps} node */
const flow = (node) =>
  onTab([
    { ...node, id: 'n', wires: [['out'], ['out2']] },
    { id: 'out', type: 'helper' },
    { id: 'out2', type: 'helper' },
    { id: 'catch', type: 'catch', scope: ['n'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ]);

describe('message ids through our nodes', function () {
  useServer();

  it('nightlight decide: a command carries its reading id, a repair its command id, a refresh a new one', async function () {
    await helper.load([ours.decide, core.catch], flow({ type: 'nightlight-decide', emit: 'every', refresh: '0.2' }));
    const out = collect(helper.getNode('out'));
    const n = helper.getNode('n');
    n.receive({ _msgid: 'reading-1', topic: 'a/telemetry', payload: { light: 100, seq: 5 } });
    n.receive({ _msgid: 'reading-2', topic: 'b/telemetry', payload: { light: 900 } });
    await until(() => out.length === 2, 'two commands');
    assert.deepStrictEqual(
      out.map((m) => [m.topic, m._msgid]),
      [
        ['a/commands', 'reading-1'],
        ['b/commands', 'reading-2'],
      ],
    );
    // Our command comes back from the broker, then an older one that contradicts it: repaired.
    n.receive({ _msgid: 'echo-0', topic: 'a/commands', payload: { led_on: true, seq: 5 } });
    n.receive({ _msgid: 'echo-1', topic: 'a/commands', payload: { led_on: false, seq: 4 } });
    await until(() => out.some((m) => m._msgid === 'echo-1'), 'the repair');
    await until(() => out.length >= 5, 'a refresh');
    const refreshed = out.slice(2).filter((m) => m._msgid !== 'echo-1');
    assert.ok(refreshed.length >= 2);
    for (const m of refreshed)
      assert.ok(typeof m._msgid === 'string' && !/^(reading|echo)/.test(m._msgid), `refresh id ${m._msgid}`);
    assert.notStrictEqual(refreshed[0]._msgid, refreshed[1]._msgid);
  });

  it('light telemetry: the reading sent for an input carries its id', async function () {
    await helper.load(
      [ours.lightTelemetry, core.catch],
      flow({ type: 'light-telemetry', deviceId: 'kitchen', topic: '{id}/telemetry' }),
    );
    const out = collect(helper.getNode('out'));
    const n = helper.getNode('n');
    for (const light of [1, 2, 3]) n.receive({ _msgid: `in-${light}`, payload: light });
    await until(() => out.length === 3, 'three readings');
    assert.deepStrictEqual(
      out.map((m) => [m.payload.light, m._msgid]),
      [
        [1, 'in-1'],
        [2, 'in-2'],
        [3, 'in-3'],
      ],
    );
  });

  it('LED command: both outputs of a command carry its id', async function () {
    await helper.load(
      [ours.ledCommand, core.catch],
      flow({ type: 'led-command', format: 'boolean', emit: 'change', state: true, deviceId: 'kitchen' }),
    );
    const out = collect(helper.getNode('out'));
    const out2 = collect(helper.getNode('out2'));
    helper.getNode('n').receive({ _msgid: 'cmd-1', payload: { led_on: true, seq: 1 } });
    await until(() => out.length === 1 && out2.length === 1, 'the LED and its reported state');
    assert.deepStrictEqual([out[0]._msgid, out2[0]._msgid, out2[0].topic], ['cmd-1', 'cmd-1', 'kitchen/state']);
  });
});
