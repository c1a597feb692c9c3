#!/usr/bin/env node
// Compiles the TypeScript nodes into an empty dist/nodes and puts beside them what Node-RED
// looks for next to each node's .js file: its .html, locales/ and icons/.
// Each language's common.json (messages shared by all nodes) is merged into every
// node's catalog, because Node-RED gives each node file a catalog of its own.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const src = path.join(root, 'nodes');
// NIGHTLIGHT_BUILD_DIR builds elsewhere than dist/ (the build test does, so that tests running
// beside it keep their dist/).
const dist = process.env.NIGHTLIGHT_BUILD_DIR || path.join(root, 'dist');
const out = path.join(dist, 'nodes');

// From an empty dist/: a renamed or deleted source must not live on as a stale .js that tests still load.
fs.rmSync(dist, { recursive: true, force: true });
const tsc = require.resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', root, '--outDir', out], { stdio: 'inherit' });

for (const file of fs.readdirSync(src)) {
  if (file.endsWith('.html')) fs.copyFileSync(path.join(src, file), path.join(out, file));
}
fs.cpSync(path.join(root, 'icons'), path.join(out, 'icons'), { recursive: true });

const nodeNames = fs
  .readdirSync(src)
  .filter((f) => f.endsWith('.html'))
  .map((f) => f.slice(0, -5));
const localesDir = path.join(src, 'locales');
for (const lang of fs.readdirSync(localesDir)) {
  const from = path.join(localesDir, lang);
  const to = path.join(out, 'locales', lang);
  fs.mkdirSync(to, { recursive: true });
  const commonFile = path.join(from, 'common.json');
  const common = fs.existsSync(commonFile) ? JSON.parse(fs.readFileSync(commonFile, 'utf8')) : {};
  for (const name of nodeNames) {
    const catalogFile = path.join(from, name + '.json');
    if (fs.existsSync(catalogFile)) {
      const catalog = { ...common, ...JSON.parse(fs.readFileSync(catalogFile, 'utf8')) };
      fs.writeFileSync(path.join(to, name + '.json'), JSON.stringify(catalog, null, 2) + '\n');
    }
    const helpFile = path.join(from, name + '.html');
    if (fs.existsSync(helpFile)) fs.copyFileSync(helpFile, path.join(to, name + '.html'));
  }
}
