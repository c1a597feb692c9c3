'use strict';
// Message catalogs and help in every language: the same keys everywhere (after the build
// merges common.json into each node's catalog), a help page for every node in every
// language with the same structure as the English one, and every key the editor
// (.html) and the runtime (.ts) use present in en-US.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { i18n } = require('@node-red/util');
const { describeInBrowser, launch } = require('./support/browser');

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

// Plural keys as i18next (the version Node-RED 4 ships, JSON v4) reads them: `key_one`,
// `key_other`... with the forms of Intl.PluralRules for the language, picked by `count`.
const PLURAL = /_(zero|one|two|few|many|other)$/;

/** The plural forms a catalog in `lang` needs: en and bn one and other, th other only. */
function pluralForms(lang) {
  return new Intl.PluralRules(lang).resolvedOptions().pluralCategories.slice().sort();
}

/** The keys `lang` must have, from the en-US keys: every plural key with exactly the forms of `lang`. */
function expectedKeys(enKeys, lang) {
  const keys = new Set();
  for (const key of enKeys) {
    if (PLURAL.test(key)) for (const form of pluralForms(lang)) keys.add(key.replace(PLURAL, `_${form}`));
    else keys.add(key);
  }
  return keys;
}

/** A text of `catalog` under `key`, a plural key counting as there when its `_other` form is. */
function textOf(catalog, key) {
  const value = lookup(catalog, key);
  return typeof value === 'string' ? value : lookup(catalog, `${key}_other`);
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
          const enKeys = expectedKeys(flatten(en), lang);
          const otherKeys = new Set(flatten(other));
          assert.deepStrictEqual(
            [...otherKeys].filter((k) => !enKeys.has(k)),
            [],
            `keys in ${lang} but not in en-US (plural forms of ${lang}: ${pluralForms(lang)})`,
          );
          assert.deepStrictEqual(
            [...enKeys].filter((k) => !otherKeys.has(k)),
            [],
            `keys in en-US but not in ${lang} (plural forms of ${lang}: ${pluralForms(lang)})`,
          );
          for (const key of enKeys) {
            const value = lookup(other, key);
            assert.ok(typeof value === 'string' && value.trim() !== '', `${lang} ${key} is a text`);
            const enKey = PLURAL.test(key) ? key.replace(PLURAL, '_other') : key;
            assert.deepStrictEqual(
              placeholders(value),
              placeholders(lookup(en, enKey)),
              `${lang} ${key} keeps the placeholders`,
            );
          }
        });

        it(`${node}: the help covers the node, with the structure of the en-US help`, function () {
          const file = path.join(built, lang, `${node}.html`);
          assert.ok(
            fs.existsSync(file),
            `${lang}/${node}.html exists (without it, Node-RED shows no help for ${node} in ${lang})`,
          );
          const block = helpBlock(fs.readFileSync(file, 'utf8'), node);
          assert.ok(block, `${lang}/${node}.html has data-help-name="${node}"`);
          const en = helpBlock(fs.readFileSync(path.join(built, 'en-US', `${node}.html`), 'utf8'), node);
          assert.deepStrictEqual(helpStructure(block), helpStructure(en));
          assert.notStrictEqual(block.replace(/\s+/g, ' '), en.replace(/\s+/g, ' '), 'the help is translated');
        });
      }
    });
  }

  describe('the help says which language a status is in', function () {
    // Statuses with run-time values are rendered by the runtime, in its language; fixed ones by the editor.
    for (const lang of REQUIRED_LANGUAGES) {
      for (const node of ['light-telemetry', 'nightlight-decide']) {
        it(`${lang} ${node}: names the runtime's language setting`, function () {
          const block = helpBlock(fs.readFileSync(path.join(built, lang, `${node}.html`), 'utf8'), node);
          assert.match(block, /<code>lang<\/code>[\s\S]*<code>LANG<\/code>/);
        });
      }
    }
  });

  describe('en-US', function () {
    for (const node of NODES) {
      it(`${node}: the help follows Node-RED's style (tooltip paragraph, Inputs, Outputs, Details, References)`, function () {
        const block = helpBlock(fs.readFileSync(path.join(built, 'en-US', `${node}.html`), 'utf8'), node);
        assert.ok(block, `help for ${node}`);
        assert.ok(/^\s*<p>[^<]/.test(block), 'the first paragraph (the palette tooltip) comes first');
        const headings = [...block.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1].trim());
        for (const required of ['Inputs', 'Outputs', 'Details'])
          assert.ok(headings.includes(required), `has ${required}`);
        assert.ok(/<h3>References<\/h3>/.test(block), 'has References');
        assert.ok(
          headings.indexOf('Inputs') < headings.indexOf('Outputs') &&
            headings.indexOf('Outputs') < headings.indexOf('Details'),
          headings.join(', '),
        );
        assert.ok(/<dl class="message-properties">/.test(block), 'message-properties lists');
      });
    }
  });

  describe('keys used by the editor and the runtime exist in en-US', function () {
    const coreMessages = readJson(require.resolve('@node-red/nodes/locales/en-US/messages.json'));

    function exists(node, key) {
      if (key.startsWith('node-red:')) return lookup(coreMessages, key.slice('node-red:'.length)) !== undefined;
      const m = key.match(new RegExp(`^${MODULE}/([\\w-]+):(.*)$`));
      if (m) return typeof textOf(catalog('en-US', m[1]), m[2]) === 'string';
      return typeof textOf(catalog('en-US', node), key) === 'string';
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
        assert.deepStrictEqual(
          bare,
          [],
          'RED._() keys name their catalog (@nightlight-iot/node-red-nightlight/<node>:...)',
        );
      });
    }

    it('every error code of nodes/lib/errors.ts has a message in every language', function () {
      const codes = [
        ...fs
          .readFileSync(path.join(src, 'lib', 'errors.ts'), 'utf8')
          .match(/export type ErrorCode =([^;]+);/)[1]
          .matchAll(/'([^']+)'/g),
      ].map((m) => m[1]);
      assert.ok(codes.length > 10);
      for (const lang of languages) {
        for (const node of NODES) {
          const missing = codes.filter(
            (code) => typeof lookup(catalog(lang, node), `nightlight.errors.${code}`) !== 'string',
          );
          assert.deepStrictEqual(missing, [], `${lang}/${node}.json lacks these error messages`);
        }
      }
    });

    it('status, warning and error keys in the TypeScript nodes exist', function () {
      // The adapters and the library's controllers (which name their node's keys): every pair of file and node.
      const tsIn = (dir) =>
        fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.ts'))
          .map((f) => path.join(dir, f));
      const files = [...tsIn(src), ...tsIn(path.join(src, 'lib'))];
      let checked = 0;
      for (const [file, node] of files.flatMap((f) => NODES.map((n) => [f, n]))) {
        const text = fs.readFileSync(file, 'utf8');
        const keys = [...text.matchAll(new RegExp(`['"\`](${node}\\.[\\w.-]+)['"\`]`, 'g'))].map((m) => m[1]);
        // Template keys such as `node.status.${cond ? 'on' : 'off'}`: every quoted alternative.
        for (const m of text.matchAll(new RegExp(`\`(${node}\\.[\\w.-]*\\.)\\$\\{([^}]*)\\}\``, 'g'))) {
          for (const alt of m[2].matchAll(/'([\w-]+)'/g)) keys.push(m[1] + alt[1]);
        }
        // A key ending in "." is a prefix the code completes at run time ('x.status.' + who): it must name a group of texts.
        const missing = keys.filter((k) => {
          if (k.endsWith('.')) {
            const found = lookup(catalog('en-US', node), k.slice(0, -1));
            return !found || typeof found !== 'object';
          }
          return typeof textOf(catalog('en-US', node), k) !== 'string';
        });
        assert.deepStrictEqual(missing, [], `${path.basename(file)} uses keys that en-US lacks`);
        checked += keys.length;
      }
      assert.ok(checked > 3, `found ${checked} keys`);
    });
  });
});

describe('plural forms', function () {
  for (const node of NODES) {
    it(`${node}: every plural key of en-US has exactly the forms en-US needs (${pluralForms('en-US')})`, function () {
      const keys = flatten(catalog('en-US', node));
      const groups = new Map();
      for (const key of keys.filter((k) => PLURAL.test(k))) {
        const base = key.replace(PLURAL, '');
        groups.set(base, [...(groups.get(base) || []), key.match(PLURAL)[1]]);
      }
      for (const [base, forms] of groups) {
        assert.deepStrictEqual(forms.sort(), pluralForms('en-US'), base);
        assert.ok(!keys.includes(base), `${base} is not also a plain text`);
      }
    });
  }

  // Texts the runtime renders with a count of things: a plural key in every language.
  const COUNTED = {
    'nightlight-decide': [
      'status.decided',
      'status.decidedForgotten',
      'status.group',
      'status.groupQuorum',
      'warn.tooFew',
    ],
  };

  describe("rendered by Node-RED's own i18n (i18next) from the built catalogs", function () {
    const t = {};
    before(async function () {
      i18n.init({ lang: 'en-US' });
      for (const node of Object.keys(COUNTED))
        await i18n.registerMessageCatalog(`${MODULE}/${node}`, built, `${node}.json`);
      await i18n.i.loadLanguages(REQUIRED_LANGUAGES);
      for (const lang of REQUIRED_LANGUAGES) {
        t[lang] = {};
        for (const node of Object.keys(COUNTED)) t[lang][node] = i18n.i.getFixedT(lang, `${MODULE}/${node}`);
      }
    });

    const params = (count) => ({
      count,
      id: 'kitchen',
      name: 'stadium',
      light: 420,
      led: 'LED',
      fresh: 3,
      needed: 4,
      forgotten: 2,
    });

    for (const [node, keys] of Object.entries(COUNTED)) {
      for (const lang of REQUIRED_LANGUAGES) {
        it(`${lang} ${node}: ${keys.join(', ')} are plural keys and render for 0, 1, 2 and 5`, function () {
          for (const key of keys) {
            assert.strictEqual(
              typeof lookup(catalog(lang, node), `${node}.${key}_other`),
              'string',
              `${lang} has ${key}_other`,
            );
            for (const count of [0, 1, 2, 5]) {
              const text = t[lang][node](`${node}.${key}`, params(count));
              assert.ok(
                text && !text.includes(`${node}.`) && !/__\w+__/.test(text),
                `${lang} ${key} count ${count}: ${text}`,
              );
              assert.ok(text.includes(String(count)), `${lang} ${key} shows the count ${count}: ${text}`);
            }
          }
        });
      }
    }

    it('en-US: one device, two devices; one sensor, two sensors', function () {
      const en = t['en-US']['nightlight-decide'];
      const decided = (count) => en('nightlight-decide.status.decided', params(count));
      assert.strictEqual(decided(1), 'kitchen: 420 → LED · 1 device');
      assert.strictEqual(decided(2), 'kitchen: 420 → LED · 2 devices');
      assert.strictEqual(decided(0), 'kitchen: 420 → LED · 0 devices');
      assert.match(en('nightlight-decide.status.group', params(1)), /\(3\/1 sensor\)/);
      assert.match(en('nightlight-decide.status.group', params(6)), /\(3\/6 sensors\)/);
      assert.match(en('nightlight-decide.status.groupQuorum', params(1)), /420\/1 sensor dark/);
      assert.match(en('nightlight-decide.warn.tooFew', params(1)), /of 1 sensor is fresh/);
      assert.match(en('nightlight-decide.warn.tooFew', params(6)), /of 6 sensors are fresh/);
    });

    it('the plural suffix i18next picks per language: the forms the catalogs have', function () {
      const suffix = (lang, count) => i18n.i.services.pluralResolver.getSuffix(lang, count);
      assert.deepStrictEqual(
        [0, 1, 2, 5].map((n) => suffix('en-US', n)),
        ['_other', '_one', '_other', '_other'],
      );
      assert.deepStrictEqual(
        [0, 1, 2, 5].map((n) => suffix('bn', n)),
        ['_one', '_one', '_other', '_other'],
      );
      assert.deepStrictEqual(
        [0, 1, 2, 5].map((n) => suffix('th', n)),
        ['_other', '_other', '_other', '_other'],
      );
    });

    it('bn: the "one" form for 0 and 1 (Bengali plural rule), "other" from 2', function () {
      const bn = catalog('bn', 'nightlight-decide')['nightlight-decide'].status;
      const render = (count) => t.bn['nightlight-decide']('nightlight-decide.status.decided', params(count));
      const fill = (text, count) =>
        text
          .replace('__id__', 'kitchen')
          .replace('__light__', '420')
          .replace('__led__', 'LED')
          .replace('__count__', count);
      assert.strictEqual(render(0), fill(bn.decided_one, 0));
      assert.strictEqual(render(1), fill(bn.decided_one, 1));
      assert.strictEqual(render(2), fill(bn.decided_other, 2));
    });

    it('th: one form for every count (Thai has no plural)', function () {
      const th = catalog('th', 'nightlight-decide')['nightlight-decide'];
      assert.deepStrictEqual(
        Object.keys(th.status).filter((k) => k.startsWith('decided_')),
        ['decided_other'],
      );
      const render = (count) => t.th['nightlight-decide']('nightlight-decide.status.decided', params(count));
      const fill = (count) =>
        th.status.decided_other
          .replace('__id__', 'kitchen')
          .replace('__light__', '420')
          .replace('__led__', 'LED')
          .replace('__count__', count);
      for (const count of [0, 1, 2, 5]) assert.strictEqual(render(count), fill(count));
    });
  });
});

describeInBrowser('palette labels in a real browser', function () {
  this.timeout(60000);
  const editorDir = path.dirname(require.resolve('@node-red/editor-client/package.json'));
  const redJs = fs.readFileSync(path.join(editorDir, 'public', 'red', 'red.js'), 'utf8');
  // The palette breaks a label only at a space or '-', and cuts a word wider than the palette node mid-word.
  const paletteWidth = Number(
    redJs.match(/function setLabel\(type, ?el, ?label, ?info\) {\s*var nodeWidth = (\d+);/)[1],
  );
  const splitter = redJs.match(/var words = label\.split\((\/.*\/)\);/)[1];
  let browser;
  let page;
  before(async function () {
    browser = await launch();
    page = await browser.newPage();
    await page.setContent(
      '<div id="red-ui-editor"><span class="red-ui-palette-label" style="position:absolute;top:-1000px"></span></div>',
    );
    await page.addStyleTag({ path: path.join(editorDir, 'public', 'red', 'style.min.css') });
  });
  after(async function () {
    if (browser) await browser.close();
  });

  it("reads the palette's word rule and node width from Node-RED's editor", function () {
    assert.ok(paletteWidth > 40 && paletteWidth < 200, String(paletteWidth));
    assert.strictEqual(splitter, '/([ -]|\\\\n )/');
  });

  for (const lang of REQUIRED_LANGUAGES) {
    it(`${lang}: every word of every palette label fits the palette node, so a label breaks between words`, async function () {
      for (const node of NODES) {
        const label = catalog(lang, node)[node].paletteLabel;
        const words = label.split(/[ -]/).filter(Boolean);
        const widths = await page.evaluate((words) => {
          const span = document.querySelector('.red-ui-palette-label');
          return words.map((w) => ((span.textContent = w), span.offsetWidth));
        }, words);
        widths.forEach((width, i) =>
          assert.ok(
            width < paletteWidth,
            `${lang} ${node}: "${words[i]}" is ${width}px, the palette node ${paletteWidth}px: it would be cut mid-word`,
          ),
        );
      }
    });
  }
});
