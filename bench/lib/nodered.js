'use strict';
// A real Node-RED runtime in this process (no editor, no HTTP listener), with this
// package installed the way a user's installation has it: linked into the user
// directory's node_modules and found through package.json's "node-red" section.
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { linkPackage } = require('../../scripts/link-package');

async function startRuntime({ flows = [], withSink = false, logLevel = 'error' } = {}) {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-bench-nodered-'));
  linkPackage(userDir);
  const flowFile = path.join(userDir, 'flows.json');
  fs.writeFileSync(flowFile, JSON.stringify(flows));
  const RED = require('node-red');
  RED.init(http.createServer(), {
    userDir,
    flowFile,
    nodesDir: withSink ? [path.join(__dirname, '..', 'nodes')] : [],
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    credentialSecret: false,
    logging: { console: { level: logLevel, metrics: false, audit: false } },
    editorTheme: { projects: { enabled: false } },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
  });
  await RED.start();
  const cleanup = () => fs.rmSync(userDir, { recursive: true, force: true });
  process.once('exit', cleanup);
  return {
    RED,
    /**
     * Replaces every flow (a full deploy) and resolves once the nodes named in `waitFor`
     * exist (setFlows resolves when the old flows stopped, before the new ones start).
     */
    async deploy(newFlows, waitFor = []) {
      await RED.nodes.setFlows(newFlows, null, 'full');
      const deadline = Date.now() + 10000;
      while (!waitFor.every((id) => RED.nodes.getNode(id))) {
        if (Date.now() > deadline)
          throw new Error(`the deployed flow did not start ${waitFor.join(', ')} (is the package built?)`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      await RED.stop();
      cleanup();
    },
  };
}

module.exports = { startRuntime };
