'use strict';
// Node-RED fills a dialog field `node-input-<name>` from the node property `<name>` and saves
// it back only when `<name>` is in the node's `defaults`. A field named otherwise is shown but
// never saved (a typed input's type field named `node-input-deviceId-type` lost the env type:
// an id set to env MY_VAR was saved as the string "MY_VAR"), and a property without a field is
// never shown. This reads each edit dialog as the editor registers it (its scripts run against
// a stand-in for RED, so `defaults` is the object Node-RED gets) and holds the template's
// fields, the typed inputs' type fields and every field id the scripts name to those defaults.
// test/browser/env-device-id.spec.js drives the typed id fields in a real editor.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { OUR_TYPES, editorDefinition } = require('./support/examples');

const root = path.join(__dirname, '..');
const SHARED_SCRIPT = fs.readFileSync(path.join(root, 'resources', 'editor.js'), 'utf8');

/** The `node-input-<name>` names in `text`. */
const fieldNames = (text, pattern) => [...text.matchAll(pattern)].map((m) => m[1]);

describe('the shared editor script', function () {
  it('looks up only fields some dialog has', function () {
    const all = new Set(OUR_TYPES.flatMap((t) => editorDefinition(t).templateIds));
    const named = [...new Set(fieldNames(SHARED_SCRIPT, /#node-input-([A-Za-z0-9_-]+)/g))];
    assert.ok(named.length > 0);
    assert.deepStrictEqual(
      named.filter((name) => !all.has(`node-input-${name}`)),
      [],
    );
  });
});

describe('edit dialogs: every field is a property in defaults, and every property has a field', function () {
  for (const type of OUR_TYPES) {
    const { definition, html, templateIds } = editorDefinition(type);
    const keys = Object.keys(definition.defaults);
    const fields = templateIds.filter((id) => id.startsWith('node-input-')).map((id) => id.slice('node-input-'.length));
    const script = html.split('data-template-name=')[0];

    it(`${type}: each node-input-<name> in the dialog names a property in defaults`, function () {
      assert.ok(fields.length >= 8, `${type} has a dialog with its fields`);
      assert.deepStrictEqual(
        fields.filter((f) => !keys.includes(f)),
        [],
        `fields never saved (defaults: ${keys.join(', ')})`,
      );
      assert.strictEqual(new Set(fields).size, fields.length, 'no field id twice');
    });

    it(`${type}: each property in defaults has its field in the dialog`, function () {
      assert.deepStrictEqual(
        keys.filter((k) => !fields.includes(k)),
        [],
        'properties never shown',
      );
    });

    it(`${type}: every typed input keeps its type in a property of defaults, with its hidden field`, function () {
      const typeFields = fieldNames(script, /typeField:\s*["']#node-input-([^"']+)["']/g);
      for (const field of typeFields) {
        assert.ok(keys.includes(field), `type field node-input-${field} names no property in defaults`);
        assert.ok(templateIds.includes(`node-input-${field}`), `the dialog has the hidden input node-input-${field}`);
      }
      const typed = fieldNames(script, /\$\(["']#node-input-([^"']+)["']\)\.typedInput\(/g);
      assert.strictEqual(typed.length, typeFields.length, 'every typed input names its type field');
      if (type !== 'nightlight-decide') assert.ok(typeFields.includes('deviceIdType'), 'the device id keeps its type');
    });

    it(`${type}: every field id its script looks up is in its dialog`, function () {
      const named = [...new Set(fieldNames(script, /#node-input-([A-Za-z0-9_-]+)/g))];
      assert.ok(named.length > 0);
      assert.deepStrictEqual(
        named.filter((name) => !fields.includes(name)),
        [],
        'looked up, but no field has that id',
      );
    });
  }
});
