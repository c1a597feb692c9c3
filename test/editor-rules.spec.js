'use strict';
// The edit dialogs check device ids and topic templates in the browser with their own copy
// of the rules (an editor script cannot import the library). This runs those copies, as
// written in each node's .html, against the library on the same table, so they cannot drift.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { deviceIdProblem, templateProblem } = require('../dist/nodes/lib/topics');

const nodesDir = path.join(__dirname, '..', 'nodes');

/** The named function from a node's editor script, as a callable. */
function editorFunction(file, name) {
  const html = fs.readFileSync(path.join(nodesDir, file), 'utf8');
  const start = html.indexOf(`function ${name}(`);
  assert.ok(start >= 0, `${file} defines ${name}`);
  const end = html.indexOf('\n    }\n', start);
  return new Function(`${html.slice(start, end + 6)}; return ${name};`)();
}

const ids = [
  'kitchen', 'a', 'x'.repeat(64), 'x'.repeat(65), 'ঘর-বাতি', 'ไฟกลางคืน', '😀'.repeat(64), '😀'.repeat(65), '',
  'a+b', '#', 'a/b', 'a\u0000b', '$SYS', 'a$', 'kitchen\n', 'tab\tid', 'del\u007f', 'c1\u0085', 'lone\ud800', '\udc00x',
  '\ud83d\ude00ok', 'with space', '／＋', 42, undefined,
];
const templates = [
  '{id}/telemetry', 'stadium/{id}/telemetry', '{id}', '', 'telemetry', '{id}/{id}', 'dev-{id}/x', '+/telemetry', '{id}/#',
  '$share/g/{id}/telemetry', 'a\n/{id}', '{id}/\ud800', 'x'.repeat(250) + '/{id}', 'x'.repeat(260) + '/{id}',
];

describe('editor validation rules match the library', function () {
  for (const file of ['light-telemetry.html', 'led-command.html']) {
    it(`${file}: device ids`, function () {
      const idProblem = editorFunction(file, 'idProblem');
      for (const id of ids) {
        const lib = deviceIdProblem(id);
        const editor = idProblem(id);
        assert.strictEqual(editor === null, lib === null, `${JSON.stringify(id)}: editor ${editor}, library ${lib}`);
      }
    });
  }
  it('nightlight-decide.html: group names are device ids', function () {
    const isDeviceId = editorFunction('nightlight-decide.html', 'isDeviceId');
    for (const id of ids) assert.strictEqual(isDeviceId(id), deviceIdProblem(id) === null, JSON.stringify(id));
  });
  for (const file of ['light-telemetry.html', 'led-command.html', 'nightlight-decide.html']) {
    it(`${file}: topic templates`, function () {
      const editorTemplateProblem = editorFunction(file, 'templateProblem');
      for (const template of templates) {
        const lib = templateProblem(template);
        assert.strictEqual(editorTemplateProblem(template) === null, lib === null, `${JSON.stringify(template)}: library ${lib}`);
      }
    });
  }
});
