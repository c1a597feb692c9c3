'use strict';
const assert = require('assert');
const { deviceIdProblem, templateProblem, TopicTemplate } = require('../../dist/nodes/lib/topics');

describe('device ids and topic templates (library)', function () {
  const ids = [
    ['kitchen', null],
    ['a', null],
    ['nightlight-7f3e2a', null],
    ['x'.repeat(64), null],
    ['ঘর-বাতি', null],
    ['ไฟกลางคืน', null],
    ['with space', null],
    ['', 'empty'],
    ['x'.repeat(65), 'too-long'],
    ['a+b', 'forbidden-char'],
    ['+', 'forbidden-char'],
    ['#', 'forbidden-char'],
    ['a/b', 'forbidden-char'],
    ['a\u0000b', 'forbidden-char'],
    ['$SYS', 'leading-dollar'],
    [42, 'not-string'],
    [undefined, 'not-string'],
  ];
  for (const [id, problem] of ids) {
    it(`device id ${JSON.stringify(id)} → ${problem || 'valid'}`, function () {
      assert.strictEqual(deviceIdProblem(id), problem);
    });
  }

  const templates = [
    ['{id}/telemetry', null],
    ['stadium/{id}/telemetry', null],
    ['{id}', null],
    ['', 'empty'],
    ['telemetry', 'placeholder'],
    ['{id}/{id}', 'placeholder'],
    ['dev-{id}/telemetry', 'placeholder'],
    ['+/telemetry', 'wildcard'],
    ['{id}/#', 'wildcard'],
    ['$share/g/{id}/telemetry', 'leading-dollar'],
  ];
  for (const [template, problem] of templates) {
    it(`template ${JSON.stringify(template)} → ${problem || 'valid'}`, function () {
      assert.strictEqual(templateProblem(template), problem);
    });
  }

  it('renders, subscribes and matches with the id in its own level', function () {
    const t = new TopicTemplate('stadium/{id}/telemetry');
    assert.strictEqual(t.render('north'), 'stadium/north/telemetry');
    assert.strictEqual(t.subscription, 'stadium/+/telemetry');
    assert.strictEqual(t.match('stadium/north/telemetry'), 'north');
    for (const topic of [
      'stadium/north/commands',
      'arena/north/telemetry',
      'stadium/a/b/telemetry',
      'stadium//telemetry',
      'stadium/$x/telemetry',
      undefined,
      7,
    ]) {
      assert.throws(() => t.match(topic), /topic-mismatch|bad-device-id/, String(topic));
    }
  });

  it('never renders a topic outside the device level', function () {
    const t = new TopicTemplate('{id}/commands');
    for (const id of ['+', '#', 'a/b', '../x', '$SYS', '', 'a\u0000']) {
      assert.throws(() => t.render(id), /bad-device-id/, JSON.stringify(id));
    }
  });
});
