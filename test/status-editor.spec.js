'use strict';
// Fixed status texts reach Node-RED's editor as catalog keys, and the editor shows them in
// the browser's language, whatever language the runtime runs in: a real Node-RED process
// with this package linked in, headless Chromium in en-US, bn and th. Also the palette
// label as the palette lays it out: the Thai decide label breaks between its two words.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startNodeRed } = require('./support/node-red-process');
const { describeInBrowser, launch, openPage } = require('./support/browser');
const { linkPackage } = require('../scripts/link-package');

const localesDir = path.join(__dirname, '..', 'dist', 'nodes', 'locales');
const catalog = (lang, node) => JSON.parse(fs.readFileSync(path.join(localesDir, lang, `${node}.json`), 'utf8'))[node];

const SETTINGS = {
  lang: 'en-US',
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { tours: false, palette: { catalogues: [] }, projects: { enabled: false } },
  externalModules: { palette: { allowInstall: false } },
};

const FLOWS = [
  { id: 'tab1', type: 'tab', label: 'statuses' },
  { id: 'led', type: 'led-command', z: 'tab1', x: 200, y: 80, format: 'boolean', emit: 'change', wires: [[]] },
  {
    id: 'decide',
    type: 'nightlight-decide',
    z: 'tab1',
    x: 200,
    y: 180,
    mode: 'group',
    groupName: 'stadium',
    telemetryTopic: 'stadium/{id}/telemetry',
    commandTopic: 'stadium/{id}/commands',
    aggregation: 'median',
    freshness: 600,
    minFresh: 3,
    wires: [[]],
  },
  // One reading, again every second so a page opened later sees a status too: the group has just started.
  {
    id: 'reading',
    type: 'inject',
    z: 'tab1',
    x: 60,
    y: 180,
    topic: 'stadium/s1/telemetry',
    payload: '{"light":10}',
    payloadType: 'json',
    once: true,
    onceDelay: 0.1,
    repeat: '1',
    props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }],
    wires: [['decide']],
  },
];

describeInBrowser('status texts in the editor', function () {
  this.timeout(120000);
  let nodeRed;
  let browser;
  let parent;

  before(async function () {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-status-'));
    const userDir = path.join(parent, 'userdir');
    fs.mkdirSync(userDir);
    linkPackage(userDir);
    nodeRed = await startNodeRed({ userDir, flows: FLOWS, settings: SETTINGS });
    browser = await launch();
  });

  after(async function () {
    if (browser) await browser.close();
    if (nodeRed) await nodeRed.stop();
    if (parent) fs.rmSync(parent, { recursive: true, force: true });
  });

  for (const locale of ['en-US', 'bn', 'th']) {
    it(`${locale}: LED command's and a starting group's statuses are in the browser's language (the runtime runs in en-US)`, async function () {
      const { page, context } = await openPage(browser, { locale });
      try {
        await page.goto(nodeRed.url);
        const statusOf = (id) =>
          page.evaluate(
            (id) => document.querySelector(`[id="${id}"] .red-ui-flow-node-status-label`)?.textContent || '',
            id,
          );
        const expected = {
          led: catalog(locale, 'led-command').status.server.waiting,
          decide: catalog(locale, 'nightlight-decide').status.waiting,
        };
        await page.waitForFunction(
          (ids) =>
            ids.every((id) => document.querySelector(`[id="${id}"] .red-ui-flow-node-status-label`)?.textContent),
          Object.keys(expected),
          { timeout: 60000 },
        );
        assert.deepStrictEqual({ led: await statusOf('led'), decide: await statusOf('decide') }, expected);
      } finally {
        await context.close();
      }
    });
  }

  it('th: the palette shows the decide label on two lines, broken between its words', async function () {
    const { page, context } = await openPage(browser, { locale: 'th' });
    try {
      await page.goto(nodeRed.url);
      const label = page.locator('.red-ui-palette-node[data-palette-type="nightlight-decide"] .red-ui-palette-label');
      await label.waitFor({ timeout: 60000 });
      const lines = (await label.innerHTML()).split(/<br\s*\/?>/).map((l) => l.trim());
      assert.deepStrictEqual(lines, catalog('th', 'nightlight-decide').paletteLabel.split(' '));
    } finally {
      await context.close();
    }
  });
});
