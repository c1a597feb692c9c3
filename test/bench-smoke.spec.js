'use strict';
// Keeps the benchmark code from rotting: runs the in-process benchmark in its quickest
// mode and checks that it produces a well-formed result. It asserts nothing about speed
// (the machine is shared); `npm run bench` is where speed is measured.
const assert = require('assert');
const path = require('path');
const { execFile } = require('child_process');

const script = path.join(__dirname, '..', 'bench', 'inprocess.js');

function runBench(args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, ...args], { timeout: 18000, maxBuffer: 16 * 2 ** 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(stdout);
    });
  });
}

describe('benchmark smoke test (bench/inprocess.js --quick)', function () {
  this.timeout(20000);

  it('runs every node and its built-in equivalents and reports messages per second', async function () {
    const stdout = await runBench(['--quick', '--ms', '100', '--json']);
    const { versions, inprocess } = JSON.parse(stdout.trim().split('\n').pop());
    assert.match(versions['node-red'], /^\d+\.\d+\.\d+/);
    assert.deepStrictEqual(
      inprocess.groups.map((g) => g.group),
      ['nightlight decide', 'nightlight decide, devices tracked (ratio: to 10 tracked)', 'light telemetry', 'LED command'],
    );
    for (const g of inprocess.groups) {
      assert.strictEqual(g.cases.filter((c) => c.baseline).length, 1, `${g.group}: one built-in baseline`);
      assert.ok(g.cases.some((c) => c.ours), `${g.group}: one of ours`);
      for (const c of g.cases) {
        assert.ok(Number.isFinite(c.perSecond) && c.perSecond > 0, `${c.key}: ${c.perSecond} msg/s`);
        assert.ok(Number.isFinite(c.vsBuiltIn) && c.vsBuiltIn > 0, `${c.key}: ratio ${c.vsBuiltIn}`);
        assert.strictEqual(c.samples.length, inprocess.settings.rounds);
      }
      assert.strictEqual(g.cases.find((c) => c.baseline).vsBuiltIn, 1);
    }
  });
});

describe('benchmark smoke test (bench/mqtt.js, a tiny run through a private Mosquitto)', function () {
  this.timeout(60000);
  const { runMqttBench } = require('../bench/mqtt');
  const { mosquittoPath } = require('../bench/lib/common');

  it('answers through the echo client, Node-RED\'s floor and our flow, and reports ratios to each', async function () {
    if (!mosquittoPath()) this.skip();
    const result = await runMqttBench({ rounds: 1, window: 100, warmMs: 200, saturationMs: 400, rate: 300, rateMs: 400, serverNoDelay: true, variants: ['echo', 'floor', 'ours-every'] });
    assert.deepStrictEqual(result.rows.map((r) => r.key), ['echo', 'ours-every', 'floor']);
    for (const r of result.rows) {
      for (const k of ['qos0', 'qos1', 'p50', 'p99', 'qos0VsEcho', 'qos0VsFloor', 'cpu0VsFloor']) {
        assert.ok(Number.isFinite(r[k]) && r[k] > 0, `${r.key}.${k} = ${r[k]}`);
      }
      assert.ok(r.p99 >= r.p50, `${r.key}: p99 ${r.p99} below p50 ${r.p50}`);
    }
    const floor = result.rows.find((r) => r.key === 'floor');
    assert.strictEqual(floor.qos0VsFloor, 1);
  });
});
