'use strict';
// The edit dialogs check device ids and topic templates in the browser with their own copy
// of the rules (an editor script cannot import the library), in resources/editor.js, which
// every node's .html loads. This runs that copy against the library on the same table, so
// they cannot drift, and checks that each dialog uses it instead of a copy of its own. Its
// stand-in for jQuery knows only the dialogs' real field ids; the browser tests drive the
// real editor.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { deviceIdProblem, templateProblem } = require('../dist/nodes/lib/topics');
const { OUR_TYPES, editorDefinition } = require('./support/examples');

const root = path.join(__dirname, '..');
const nodesDir = path.join(root, 'nodes');
const SCRIPT = 'resources/@nightlight-iot/node-red-nightlight/editor.js';

/** resources/editor.js run as the editor runs it, with a window of its own. */
function loadEditorScript() {
  const window = {};
  new Function('window', fs.readFileSync(path.join(root, 'resources', 'editor.js'), 'utf8'))(window);
  return window.nightlightEditor;
}

const ids = [
  'kitchen',
  'a',
  'x'.repeat(64),
  'x'.repeat(65),
  'ঘর-বাতি',
  'ไฟกลางคืน',
  '😀'.repeat(64),
  '😀'.repeat(65),
  '',
  'a+b',
  '#',
  'a/b',
  'a\u0000b',
  '$SYS',
  'a$',
  'kitchen\n',
  'tab\tid',
  'del\u007f',
  'c1\u0085',
  'lone\ud800',
  '\udc00x',
  '\ud83d\ude00ok',
  'with space',
  '／＋',
  42,
  undefined,
];
const templates = [
  '{id}/telemetry',
  'stadium/{id}/telemetry',
  '{id}',
  '',
  'telemetry',
  '{id}/{id}',
  'dev-{id}/x',
  '+/telemetry',
  '{id}/#',
  '$share/g/{id}/telemetry',
  'a\n/{id}',
  '{id}/\ud800',
  'x'.repeat(250) + '/{id}',
  'x'.repeat(260) + '/{id}',
];

describe('editor validation rules match the library', function () {
  const editor = loadEditorScript();

  it('device ids', function () {
    for (const id of ids) {
      const lib = deviceIdProblem(id);
      const problem = editor.idProblem(id);
      assert.strictEqual(problem === null, lib === null, `${JSON.stringify(id)}: editor ${problem}, library ${lib}`);
    }
  });

  it('topic templates', function () {
    for (const template of templates) {
      const lib = templateProblem(template);
      assert.strictEqual(
        editor.templateProblem(template) === null,
        lib === null,
        `${JSON.stringify(template)}: library ${lib}`,
      );
    }
  });

  for (const file of ['light-telemetry.html', 'led-command.html', 'nightlight-decide.html']) {
    it(`${file} loads the shared rules before its own script and keeps no copy of them`, function () {
      const html = fs.readFileSync(path.join(nodesDir, file), 'utf8');
      const tag = html.indexOf(`<script src="${SCRIPT}"></script>`);
      assert.ok(tag >= 0, `${file} loads ${SCRIPT}`);
      assert.ok(tag < html.indexOf('<script type="text/javascript">'), 'before its own script');
      assert.doesNotMatch(html, /function (idProblem|templateProblem)\(/);
      assert.doesNotMatch(html, /\\u001f/, 'no copy of the character rules');
    });
  }

  it('the validators name messages that exist, and show them only when asked', function () {
    const calls = [];
    // The dialog as jQuery shows it: `open` holds the values of the fields of an open dialog.
    // A look-up of a field no dialog has fails, so this stand-in cannot hide a misnamed field.
    const known = new Set(OUR_TYPES.flatMap((t) => editorDefinition(t).templateIds));
    let open = {};
    const $ = (selector) => {
      const id = /^#([A-Za-z0-9_-]+)$/.exec(selector);
      if (!id || !known.has(id[1])) throw new Error(`the editor script looks up ${selector}, which no dialog has`);
      return id[1] in open ? { length: 1, val: () => open[id[1]] } : { length: 0, val: () => undefined };
    };
    const window = { RED: { _: (key, args) => (calls.push([key, args]), `text of ${key}`) }, $ };
    new Function('window', fs.readFileSync(path.join(root, 'resources', 'editor.js'), 'utf8'))(window);
    const check = window.nightlightEditor.forNode('nightlight-decide');
    const whole = check.range(1, 10, { key: 'count', whole: true, empty: false });
    assert.deepStrictEqual(
      [whole(5), whole(5.5), whole(''), whole(undefined), whole(11)],
      [true, false, false, true, false],
    );
    assert.strictEqual(
      whole(0, {}),
      'text of @nightlight-iot/node-red-nightlight/nightlight-decide:nightlight-decide.errors.count',
    );
    assert.deepStrictEqual(calls.pop()[1], { min: 1, max: 10 });
    const loose = check.range(0, 1);
    assert.deepStrictEqual([loose(''), loose('0.5'), loose('x'), loose(2)], [true, true, false, false]);
    assert.deepStrictEqual(
      [check.choice(['a', 'b'])('a'), check.choice(['a', 'b'])('c'), check.choice(['a'])(undefined)],
      [true, false, true],
    );
    assert.deepStrictEqual([check.topic('{id}/x'), check.topic('+/x')], [true, false]);
    const id = check.deviceId();
    assert.deepStrictEqual(
      [
        id.call({ deviceIdType: 'str' }, 'desk'),
        id.call({ deviceIdType: 'str' }, 'a/b'),
        id.call({ deviceIdType: 'env' }, 'DEVICE'),
        id.call({ deviceIdType: 'str' }, '${DEVICE}'),
      ],
      [true, false, true, true],
    );
    assert.strictEqual(check.deviceId(() => false).call({}, 'a/b'), true, 'a field not in use is not checked');
    // With the dialog open, the type chosen in it counts, not the one saved on the node.
    open = { 'node-input-deviceIdType': 'env' };
    assert.deepStrictEqual(
      [id.call({ deviceIdType: 'str' }, 'MY_VAR'), id.call({ deviceIdType: 'str' }, '')],
      [true, false],
    );
    open = { 'node-input-deviceIdType': 'str' };
    assert.strictEqual(id.call({ deviceIdType: 'env' }, 'a/b'), false);
    open = {};
    // every message key the dialogs can show exists in every language
    for (const lang of fs.readdirSync(path.join(nodesDir, 'locales'))) {
      for (const [type, keys] of Object.entries({
        'light-telemetry': ['range', 'choice', 'topic', 'device-id', 'offline', 'store'],
        'led-command': ['range', 'choice', 'topic', 'device-id', 'maxBytes'],
        'nightlight-decide': [
          'choice',
          'topic',
          'count',
          'seconds',
          'threshold',
          'band',
          'maxDevices',
          'maxBytes',
          'groupName',
          'members',
        ],
      })) {
        const catalog = JSON.parse(fs.readFileSync(path.join(nodesDir, 'locales', lang, `${type}.json`), 'utf8'));
        for (const key of keys) assert.ok(catalog[type].errors[key], `${lang}/${type}.json: errors.${key}`);
      }
    }
  });
});
