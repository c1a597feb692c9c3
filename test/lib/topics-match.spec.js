'use strict';
// TopicTemplate.match compares strings instead of splitting the topic (it runs for every
// message). This checks it against the plain level-by-level rule over many templates
// and topics, including the awkward ones (empty levels, overlaps, wildcards, $).
const assert = require('assert');
const { TopicTemplate, checkDeviceId } = require('../../dist/nodes/lib/topics');

/** The rule as the contract states it: same number of levels, every other level equal. */
function reference(template, topic) {
  if (typeof topic !== 'string') return 'topic-mismatch';
  const want = template.split('/');
  const got = topic.split('/');
  const idIndex = want.indexOf('{id}');
  if (got.length !== want.length || got.some((level, i) => i !== idIndex && level !== want[i])) return 'topic-mismatch';
  try {
    return checkDeviceId(got[idIndex]);
  } catch (err) {
    return err.code;
  }
}

function actual(template, topic) {
  try {
    return new TopicTemplate(template).match(topic);
  } catch (err) {
    return err.code;
  }
}

const templates = [
  '{id}/telemetry',
  'stadium/{id}/telemetry',
  'a/{id}',
  '{id}',
  'a/{id}/a',
  'x/y/{id}/z/w',
  '/{id}/t',
  '{id}/',
];
const ids = [
  'kitchen',
  'a',
  'telemetry',
  '',
  'x'.repeat(64),
  'x'.repeat(65),
  '$SYS',
  'é'.repeat(64),
  '😀'.repeat(40),
  'a+b',
  'we#ird',
  'sp ace',
];
const shapes = [
  (id) => `${id}/telemetry`,
  (id) => `stadium/${id}/telemetry`,
  (id) => `a/${id}`,
  (id) => id,
  (id) => `a/${id}/a`,
  (id) => `x/y/${id}/z/w`,
  (id) => `/${id}/t`,
  (id) => `${id}/`,
];
const odd = [
  '',
  '/',
  '//',
  'a',
  'a/',
  '/a',
  'a/a',
  'a//a',
  'telemetry',
  '/telemetry',
  'k/telemetry/',
  'k/telemetry/x',
  'stadium//telemetry',
  'x/y/z/w',
  'a/b/c',
  undefined,
  42,
  null,
];

describe('TopicTemplate.match (fast path)', function () {
  it('agrees with the level-by-level rule on every template and topic tried', function () {
    let checked = 0;
    for (const template of templates) {
      const topics = [
        ...odd,
        ...ids.flatMap((id) => shapes.map((shape) => shape(id))),
        ...ids.map((id) => `${id}/extra/telemetry`),
      ];
      for (const topic of topics) {
        assert.strictEqual(
          actual(template, topic),
          reference(template, topic),
          `${template} vs ${JSON.stringify(topic)}`,
        );
        checked++;
      }
    }
    assert.ok(checked > 500, `checked ${checked} pairs`);
  });

  it('renders what it matches', function () {
    for (const template of templates) {
      const t = new TopicTemplate(template);
      assert.strictEqual(t.match(t.render('dev-1')), 'dev-1');
      assert.strictEqual(t.render('dev-1'), template.replace('{id}', 'dev-1'));
    }
  });
});
