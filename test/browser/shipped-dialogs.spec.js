'use strict';
// Every shipped flow (examples/, docs/) as a new user opens it: deployed as shipped into a real Node-RED
// process (the packed package installed), the editor loaded in headless Chromium in en-US
// and in Thai. Each of our nodes' dialogs must open with no red field and no row that its
// mode hides, and Done without edits must leave the node and the flow unmodified.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startNodeRed } = require('../support/node-red-process');
const { userDirWithPackage } = require('../support/packed');
const { until } = require('../support/runtime');
const { OUR_TYPES, readExample, editorDefinition, shippedFlows } = require('../support/examples');
const {
  describeInBrowser,
  launch,
  openPage,
  screenshot,
  SETTINGS,
  openEditor,
  openDialog,
  pressDone,
  dialogProblems,
} = require('../support/browser');

/**
 * The rows of a node's dialog that its settings show (true) and hide (false), by selector,
 * as the dialog's own script decides from the node's settings. A row listed here that shows the other way is a fault.
 */
function expectedRows(shipped) {
  // An option missing from the flow shows its editor default.
  const { defaults } = editorDefinition(shipped.type).definition;
  const node = Object.fromEntries(
    Object.entries(defaults).map(([k, rule]) => [k, shipped[k] === undefined ? rule.value : shipped[k]]),
  );
  node.type = shipped.type;
  if (node.type === 'light-telemetry') {
    return {
      '.light-telemetry-buffer-row': node.offline !== 'drop',
      '.light-telemetry-capacity-row': node.offline === 'all',
    };
  }
  if (node.type === 'led-command') return { '.led-command-state-row': node.state === true };
  const group = node.mode === 'group';
  return {
    '.nightlight-decide-group': group,
    '.nightlight-decide-quorum': group && node.aggregation === 'quorum',
    '#nightlight-decide-debounceCount': node.debounce === 'readings',
    '#nightlight-decide-debounceTime': node.debounce === 'time',
  };
}

describeInBrowser(
  'shipped flows: every dialog opens clean and Done changes nothing (real Node-RED, Chromium)',
  function () {
    this.timeout(240000);
    let work;
    let red;
    let browser;
    const pages = [];

    before(async function () {
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-dialogs-'));
      red = await startNodeRed({ userDir: userDirWithPackage(work), settings: SETTINGS });
      browser = await launch();
    });

    afterEach(async function () {
      while (pages.length) await pages.pop().context.close();
    });

    after(async function () {
      if (browser) await browser.close();
      if (red) await red.stop();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    async function deployAsShipped(flow) {
      const res = await red.request('POST', '/flows', flow, { 'Node-RED-Deployment-Type': 'full' });
      assert.strictEqual(res.status, 204, res.text);
    }

    for (const locale of ['en-US', 'th']) {
      // The examples and the secure flow in docs/ (its broker nodes fail to connect without certificates; its dialogs do not care).
      // Thai (the longest labels) on example 1 only, which has all three nodes: what a dialog shows
      // does not depend on the language, and i18n.spec.js checks every catalog key in every language.
      for (const { file, nodes: shipped } of shippedFlows()) {
        const ours = shipped.filter((n) => OUR_TYPES.includes(n.type));
        if (ours.length === 0 || (locale !== 'en-US' && !file.endsWith('01-whole-system.json'))) continue;
        it(`${file} (${locale}): ${ours.map((n) => n.type).join(', ')} open with no red field and no hidden row shown; Done leaves them unmodified`, async function () {
          await deployAsShipped(shipped);
          const opened = await openPage(browser, { locale });
          pages.push(opened);
          const { page } = opened;
          await openEditor(
            page,
            red.url,
            ours.map((n) => n.id),
          );
          assert.strictEqual(await page.evaluate(() => RED.nodes.dirty()), false, 'the deployed flow loads unmodified');
          for (const node of ours) {
            await openDialog(page, node.id);
            const problems = await dialogProblems(page, expectedRows(node));
            if (problems.length) await screenshot(page, `dialog-${path.basename(file, '.json')}-${node.id}-${locale}`);
            assert.deepStrictEqual(problems, [], `${file} ${node.id} (${node.type}) in ${locale}`);
            await pressDone(page);
            const after = await page.evaluate((id) => {
              const n = RED.nodes.node(id);
              return { changed: !!n.changed, valid: n.valid, dirty: RED.nodes.dirty() };
            }, node.id);
            assert.deepStrictEqual(
              after,
              { changed: false, valid: true, dirty: false },
              `${file} ${node.id} after Done without edits`,
            );
          }
          assert.deepStrictEqual(opened.consoleErrors, []);
        });
      }
    }

    it('LED command: ticking "Send the reported state" shows the default state topic, not an empty red field', async function () {
      const flow = readExample('01-whole-system.json');
      await deployAsShipped(flow);
      const opened = await openPage(browser, { locale: 'en-US' });
      pages.push(opened);
      const { page } = opened;
      const led = flow.find((n) => n.type === 'led-command');
      assert.strictEqual(led.state, false, 'the example starts without the reported state');
      await openEditor(page, red.url, [led.id]);
      await openDialog(page, led.id);
      await page.locator('#node-input-state').check();
      const topic = page.locator('#node-input-stateTopic');
      await topic.waitFor({ state: 'visible' });
      assert.strictEqual(await topic.inputValue(), '{id}/state');
      assert.doesNotMatch((await topic.getAttribute('class')) || '', /input-error/);
      // Emptied, it still means the default topic (as at run time): not an error either.
      await topic.fill('');
      await topic.press('Tab');
      assert.doesNotMatch((await topic.getAttribute('class')) || '', /input-error/);
      await topic.fill('a/+/state');
      await topic.press('Tab');
      await until(
        async () => /input-error/.test((await topic.getAttribute('class')) || ''),
        'a wildcard topic to be marked',
      );
      await page.click('#node-dialog-cancel');
    });
  },
);
