'use strict';
// `npm run build` starts from an empty dist/: a file whose source is gone does not survive it.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const os = require('os');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');

describe('build', function () {
  this.timeout(120000);

  it('starts from an empty dist/, so a renamed or deleted source leaves no stale output behind', function () {
    // Into a directory of its own: the other test files, running at the same time, load dist/.
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-build-'));
    const stale = path.join(dist, 'nodes', 'lib', 'renamed-long-ago.js');
    fs.mkdirSync(path.dirname(stale), { recursive: true });
    fs.writeFileSync(stale, 'module.exports = {};\n');
    const env = { ...process.env, NIGHTLIGHT_BUILD_DIR: dist };
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { cwd: root, stdio: 'pipe', env });
    assert.ok(!fs.existsSync(stale), 'dist/ still holds a file no source compiles to');
    for (const name of ['light-telemetry', 'nightlight-decide', 'led-command']) {
      assert.ok(fs.existsSync(path.join(dist, 'nodes', `${name}.js`)), `${name}.js was not built`);
      assert.ok(fs.existsSync(path.join(dist, 'nodes', `${name}.html`)), `${name}.html was not copied`);
    }
    fs.rmSync(dist, { recursive: true, force: true });
  });
});
