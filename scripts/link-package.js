'use strict';
// Links this package into a Node-RED user directory's node_modules under its own (scoped) name,
// as a palette install would place it. Used by the demo, the benchmarks and the tests.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const { name } = require('../package.json');

/** Links the package into `<userDir>/node_modules/<name>` and returns that path. */
function linkPackage(userDir) {
  const target = path.join(userDir, 'node_modules', ...name.split('/'));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.symlinkSync(root, target, 'dir');
  return target;
}

module.exports = { linkPackage, name };
