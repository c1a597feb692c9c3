'use strict';
// What a user installs from the palette manager: `npm pack`, installed into a fresh
// Node-RED user directory with nothing else, must register the three node types, serve
// their editor files and help, and list the examples.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startNodeRed } = require('./support/node-red-process');
const { userDirWithPackage } = require('./support/packed');

const root = path.join(__dirname, '..');
const TYPES = ['light-telemetry', 'nightlight-decide', 'led-command'];

describe('packed package installed into a fresh Node-RED', function () {
  this.timeout(180000);
  let work;
  let red;

  before(async function () {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-install-'));
    red = await startNodeRed({ userDir: userDirWithPackage(work) });
  });

  after(async function () {
    if (red) await red.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('runs on the Node-RED under test (NIGHTLIGHT_NODE_RED_DIR in the compatibility matrix)', async function () {
    const dir = process.env.NIGHTLIGHT_NODE_RED_DIR || path.dirname(require.resolve('node-red/package.json'));
    const expected = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
    const res = await red.request('GET', '/settings');
    // Node-RED adds "-git" to its version when it runs from inside a git checkout.
    assert.strictEqual(res.json.version.replace(/-git$/, ''), expected);
  });

  it('ships only what a user needs', function () {
    const pkgDir = path.join(work, 'userdir', 'node_modules', '@nightlight-iot/node-red-nightlight');
    for (const type of TYPES) {
      for (const file of [
        `${type}.js`,
        `${type}.html`,
        `locales/en-US/${type}.json`,
        `locales/en-US/${type}.html`,
        `icons/${type}.svg`,
      ]) {
        assert.ok(fs.existsSync(path.join(pkgDir, 'dist', 'nodes', file)), `${file} is in the package`);
      }
    }
    assert.ok(!fs.existsSync(path.join(pkgDir, 'test')), 'tests are not shipped');
    assert.ok(!fs.existsSync(path.join(pkgDir, 'nodes')), 'TypeScript sources are not shipped');
  });

  it('registers the three node types, enabled and without errors', async function () {
    const res = await red.request('GET', '/nodes');
    assert.strictEqual(res.status, 200);
    const ours = res.json.filter((set) => set.module === '@nightlight-iot/node-red-nightlight');
    assert.deepStrictEqual(ours.flatMap((set) => set.types).sort(), [...TYPES].sort());
    for (const set of ours) {
      assert.strictEqual(set.enabled, true, set.id);
      assert.ok(!set.err, set.err);
    }
  });

  it('serves the editor definitions and help of each node', async function () {
    const res = await red.request('GET', '/nodes', undefined, { Accept: 'text/html' });
    for (const type of TYPES) {
      assert.ok(res.text.includes(`registerType("${type}"`), `${type} editor script`);
      assert.ok(res.text.includes(`data-help-name="${type}"`), `${type} help`);
    }
    const catalog = await red.request(
      'GET',
      '/locales/@nightlight-iot/node-red-nightlight/nightlight-decide?lng=en-US',
    );
    assert.strictEqual(catalog.json['nightlight-decide'].paletteLabel, 'nightlight decide');
    assert.ok(catalog.json.nightlight.errors['no-light'], 'shared error messages are in every catalog');
  });

  it('lists every example under Import > Examples', async function () {
    const res = await red.request('GET', '/library/examples/flows/@nightlight-iot/node-red-nightlight');
    assert.strictEqual(res.status, 200, res.text);
    const shipped = fs
      .readdirSync(path.join(root, 'examples'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5));
    const listed = (Array.isArray(res.json) ? res.json : res.json.f || [])
      .map((f) => (typeof f === 'string' ? f : f.fn))
      .sort();
    assert.ok(listed.length > 0, JSON.stringify(res.json));
    assert.deepStrictEqual(listed, shipped.sort());
  });
});
