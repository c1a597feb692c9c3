'use strict';
// The package as a user gets it: `npm pack` once per test process (the install test and the
// browser tests share the tarball), installed into a fresh Node-RED user directory with
// nothing else in it.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let packed;

function cleanUp() {
  if (packed) fs.rmSync(packed.dir, { recursive: true, force: true });
}

/** The path of the packed tarball (packed on first use, removed when the process exits). */
function packedTarball() {
  if (!packed) {
    // What `npm test` built (its pretest) is packed as it is: packing without the prepack build
    // leaves dist/ alone, so test files running at the same time (mocha --parallel) keep theirs.
    if (!fs.existsSync(path.join(root, 'dist', 'nodes', 'nightlight-decide.js')))
      throw new Error('dist/ is not built: run npm run build first');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-pack-'));
    const out = execFileSync(npm, ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], {
      cwd: root,
      encoding: 'utf8',
    });
    packed = { dir, tarball: path.join(dir, out.trim().split('\n').pop()) };
    process.once('exit', cleanUp);
  }
  return packed.tarball;
}

/** A new Node-RED user directory (under `parent`) with only the packed package installed. */
function userDirWithPackage(parent) {
  const tarball = packedTarball();
  const userDir = path.join(parent, 'userdir');
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--offline', tarball], { cwd: userDir, stdio: 'ignore' });
  return userDir;
}

module.exports = { packedTarball, userDirWithPackage };
