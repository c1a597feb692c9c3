'use strict';
// Node-RED saves a dialog field `node-input-<name>` into the node property `<name>` only when
// `<name>` is in the node's `defaults`. A typed input's type field that is named otherwise is
// never saved (an id set to env MY_VAR was saved as the string "MY_VAR"). This reads each edit
// dialog as shipped and checks every typed input's type field against its node's defaults.
const assert = require('assert');
const fs = require('fs');
const path = require('path');

const NODES = path.join(__dirname, '..', 'nodes');
const TYPES = ['light-telemetry', 'nightlight-decide', 'led-command'];

/** The keys of `defaults: { ... }` in an editor file, read by brace depth. */
function defaultKeys(html) {
  const start = html.indexOf('defaults:');
  assert.ok(start >= 0, 'the editor registers defaults');
  let i = html.indexOf('{', start);
  let depth = 0;
  const keys = [];
  for (let j = i; j < html.length; j++) {
    const c = html[j];
    if (c === '{') depth++;
    else if (c === '}') { depth--; if (depth === 0) break; }
    else if (depth === 1) {
      const m = /^\s*([A-Za-z_$][\w$]*)\s*:/.exec(html.slice(j));
      if (m && /[{,\s]/.test(html[j - 1] || '')) { keys.push(m[1]); j += m[0].length - 1; }
    }
  }
  return keys;
}

describe('edit dialogs: typed input type fields are saved', function () {
  for (const type of TYPES) {
    it(`${type}: every typeField is node-input-<property in defaults>, with its hidden input`, function () {
      const html = fs.readFileSync(path.join(NODES, `${type}.html`), 'utf8');
      const keys = defaultKeys(html);
      const fields = [...html.matchAll(/typeField:\s*["']#node-input-([^"']+)["']/g)].map((m) => m[1]);
      for (const field of fields) {
        assert.ok(keys.includes(field), `${type}: type field node-input-${field} names no property in defaults (${keys.join(', ')})`);
        assert.ok(html.includes(`id="node-input-${field}"`), `${type}: the dialog has an input with id node-input-${field}`);
      }
      if (type !== 'nightlight-decide') assert.ok(fields.includes('deviceIdType'), `${type}: the device id keeps its type`);
    });
  }
});
