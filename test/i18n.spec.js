'use strict';
// Message catalogs and help in every language: the same keys everywhere (after the build
// merges common.json into each node's catalog), a help page for every node in every
// language with the same structure as the English one, and every key the editor
// (.html) and the runtime (.ts) use present in en-US.
const assert = require('assert');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const src = path.join(root, 'nodes');
const built = path.join(root, 'dist', 'nodes', 'locales');
const MODULE = '@nightlight-iot/node-red-nightlight';
const NODES = Object.keys(require(path.join(root, 'package.json'))['node-red'].nodes).sort();
const REQUIRED_LANGUAGES = ['en-US', 'bn', 'th'];
const languages = fs.readdirSync(path.join(src, 'locales')).sort();

/** 'a.b.c' for every leaf of a nested catalog. */
function flatten(object, prefix = '') {
  return Object.entries(object).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' ? flatten(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function catalog(lang, node) {
  return readJson(path.join(built, lang, `${node}.json`));
}

function lookup(object, key) {
  return key.split('.').reduce((o, k) => (o !== null && typeof o === 'object' ? o[k] : undefined), object);
}

/** The help block of `node` in a help file, or undefined. */
function helpBlock(html, node) {
  const re = new RegExp(`<script type="text/(?:html|markdown)" data-help-name="${node}">([\\s\\S]*?)</script>`);
  const m = html.match(re);
  return m ? m[1] : undefined;
}

function helpStructure(block) {
  return {
    firstIsParagraph: /^\s*<p>/.test(block),
    sections: (block.match(/<h3>/g) || []).length,
    messageProperties: (block.match(/class="message-properties"/g) || []).length,
    properties: (block.match(/<dt[\s>]/g) || []).length,
  };
}

function placeholders(text) {
  return [...String(text).matchAll(/__(\w+)__/g)].map((m) => m[1]).sort();
}

describe('message catalogs and help', function () {
  it(`exist for ${REQUIRED_LANGUAGES.join(', ')}`, function () {
    for (const lang of REQUIRED_LANGUAGES) assert.ok(languages.includes(lang), `nodes/locales/${lang} exists`);
  });

  for (const lang of languages.filter((l) => l !== 'en-US')) {
    describe(lang, function () {
      for (const node of NODES) {
        it(`${node}: the catalog has exactly the keys of en-US, with the same placeholders`, function () {
          const en = catalog('en-US', node);
          const other = catalog(lang, node);
          const enKeys = new Set(flatten(en));
          const otherKeys = new Set(flatten(other));
          assert.deepStrictEqual([...otherKeys].filter((k) => !enKeys.has(k)), [], `keys in ${lang} but not in en-US`);
          assert.deepStrictEqual([...enKeys].filter((k) => !otherKeys.has(k)), [], `keys in en-US but not in ${lang}`);
          for (const key of enKeys) {
            const value = lookup(other, key);
            assert.ok(typeof value === 'string' && value.trim() !== '', `${lang} ${key} is a text`);
            assert.deepStrictEqual(placeholders(value), placeholders(lookup(en, key)), `${lang} ${key} keeps the placeholders`);
          }
        });

        it(`${node}: the help covers the node, with the structure of the en-US help`, function () {
          const file = path.join(built, lang, `${node}.html`);
          assert.ok(fs.existsSync(file), `${lang}/${node}.html exists (without it, Node-RED shows no help for ${node} in ${lang})`);
          const block = helpBlock(fs.readFileSync(file, 'utf8'), node);
          assert.ok(block, `${lang}/${node}.html has data-help-name="${node}"`);
          const en = helpBlock(fs.readFileSync(path.join(built, 'en-US', `${node}.html`), 'utf8'), node);
          assert.deepStrictEqual(helpStructure(block), helpStructure(en));
          assert.notStrictEqual(block.replace(/\s+/g, ' '), en.replace(/\s+/g, ' '), 'the help is translated');
        });
      }
    });
  }

  describe('en-US', function () {
    for (const node of NODES) {
      it(`${node}: the help follows Node-RED's style (tooltip paragraph, Inputs, Outputs, Details, References)`, function () {
        const block = helpBlock(fs.readFileSync(path.join(built, 'en-US', `${node}.html`), 'utf8'), node);
        assert.ok(block, `help for ${node}`);
        assert.ok(/^\s*<p>[^<]/.test(block), 'the first paragraph (the palette tooltip) comes first');
        const headings = [...block.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1].trim());
        for (const required of ['Inputs', 'Outputs', 'Details']) assert.ok(headings.includes(required), `has ${required}`);
        assert.ok(/<h3>References<\/h3>/.test(block), 'has References');
        assert.ok(headings.indexOf('Inputs') < headings.indexOf('Outputs') && headings.indexOf('Outputs') < headings.indexOf('Details'), headings.join(', '));
        assert.ok(/<dl class="message-properties">/.test(block), 'message-properties lists');
      });
    }
  });

  describe('keys used by the editor and the runtime exist in en-US', function () {
    const coreMessages = readJson(require.resolve('@node-red/nodes/locales/en-US/messages.json'));

    function exists(node, key) {
      if (key.startsWith('node-red:')) return lookup(coreMessages, key.slice('node-red:'.length)) !== undefined;
      const m = key.match(new RegExp(`^${MODULE}/([\\w-]+):(.*)$`));
      if (m) return typeof lookup(catalog('en-US', m[1]), m[2]) === 'string';
      return typeof lookup(catalog('en-US', node), key) === 'string';
    }

    for (const node of NODES) {
      it(`${node}.html: data-i18n keys and the keys of its scripts`, function () {
        const html = fs.readFileSync(path.join(src, `${node}.html`), 'utf8');
        const keys = [];
        for (const m of html.matchAll(/data-i18n="([^"]+)"/g)) {
          for (const part of m[1].split(';')) keys.push(part.replace(/^\[[^\]]+\]/, ''));
        }
        for (const m of html.matchAll(/\bthis\._\("([^"]+)"/g)) keys.push(m[1]);
        for (const m of html.matchAll(/\bRED\._\("([^"]+)"\s*[,)]/g)) keys.push(m[1]);
        // A helper t("key") that prefixes keys with the node's full namespace.
        const helper = html.match(/function t\(key[^)]*\)\s*{\s*return RED\._\("([^"]+)"\s*\+\s*key/);
        if (helper) {
          for (const m of html.matchAll(/\bt\("([^"]+)"\s*[,)]/g)) keys.push(helper[1] + m[1]);
          for (const m of html.matchAll(/rangeValidator\([^)]*?"([\w-]+)"/g)) keys.push(`${helper[1]}errors.${m[1]}`);
        }
        assert.ok(keys.length > 0);
        const missing = keys.filter((k) => !exists(node, k));
        assert.deepStrictEqual(missing, [], `${node}.html uses keys that en-US lacks`);
        // RED._ outside the node's own label functions has no namespace: a bare key shows raw.
        const bare = [...html.matchAll(/\bRED\._\("([^"]+)"/g)].map((m) => m[1]).filter((k) => !k.includes(':'));
        assert.deepStrictEqual(bare, [], 'RED._() keys name their catalog (@nightlight-iot/node-red-nightlight/<node>:...)');
      });
    }

    it('every error code of nodes/lib/errors.ts has a message in every language', function () {
      const codes = [...fs.readFileSync(path.join(src, 'lib', 'errors.ts'), 'utf8').match(/export type ErrorCode =([^;]+);/)[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
      assert.ok(codes.length > 10);
      for (const lang of languages) {
        for (const node of NODES) {
          const missing = codes.filter((code) => typeof lookup(catalog(lang, node), `nightlight.errors.${code}`) !== 'string');
          assert.deepStrictEqual(missing, [], `${lang}/${node}.json lacks these error messages`);
        }
      }
    });

    it('status, warning and error keys in the TypeScript nodes exist', function () {
      const files = [...fs.readdirSync(src).filter((f) => f.endsWith('.ts')).map((f) => path.join(src, f))];
      let checked = 0;
      for (const file of files) {
        const node = path.basename(file, '.ts');
        const text = fs.readFileSync(file, 'utf8');
        const keys = [...text.matchAll(new RegExp(`['"\`](${node}\\.[\\w.-]+)['"\`]`, 'g'))].map((m) => m[1]);
        // Template keys such as `node.status.${cond ? 'on' : 'off'}`: every quoted alternative.
        for (const m of text.matchAll(new RegExp(`\`(${node}\\.[\\w.-]*\\.)\\$\\{([^}]*)\\}\``, 'g'))) {
          for (const alt of m[2].matchAll(/'([\w-]+)'/g)) keys.push(m[1] + alt[1]);
        }
        // A key ending in "." is a prefix the code completes at run time ('x.status.' + who): it must name a group of texts.
        const missing = keys.filter((k) => {
          const found = lookup(catalog('en-US', node), k.replace(/\.$/, ''));
          return k.endsWith('.') ? !found || typeof found !== 'object' : typeof found !== 'string';
        });
        assert.deepStrictEqual(missing, [], `${path.basename(file)} uses keys that en-US lacks`);
        checked += keys.length;
      }
      assert.ok(checked > 3, `found ${checked} keys`);
    });
  });
});
