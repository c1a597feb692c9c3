'use strict';
// A device id with a `.` or a space is valid (Mosquitto and aedes take it) but not portable:
// NATS refuses such topics and RabbitMQ splits levels at `.` (docs/brokers.md, measured). The
// dialogs of light telemetry and LED command warn under the field, in the browser's language,
// without marking it red; a plain id or an env variable name shows no warning.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { prepareExample } = require('../support/examples');
const { until } = require('../support/runtime');
const {
  describeInBrowser,
  useEditorSession,
  openEditor,
  openDialog,
  pressDone,
  dialogProblems,
  chooseType,
} = require('../support/browser');

const root = path.join(__dirname, '..', '..');
const tipText = (locale) =>
  JSON.parse(fs.readFileSync(path.join(root, 'nodes', 'locales', locale, 'common.json'), 'utf8')).nightlight.editor
    .notPortable;

describeInBrowser('device ids that are not portable to every broker', function () {
  this.timeout(240000);
  const session = useEditorSession('portable');
  let ids;

  before(async function () {
    // Example 1, its LED command reporting state (so its id row shows); no broker needed to edit.
    const flow = prepareExample('01-whole-system.json', { port: 1 }).map((n) =>
      n.type === 'led-command' ? { ...n, state: true, outputs: 2, wires: [n.wires[0] || [], []] } : n,
    );
    ids = flow.filter((n) => n.type === 'light-telemetry' || n.type === 'led-command').map((n) => n.id);
    const res = await session.red.request('POST', '/flows', flow, { 'Node-RED-Deployment-Type': 'full' });
    assert.strictEqual(res.status, 204, res.text);
  });

  for (const locale of ['en-US', 'th']) {
    it(`warns, without refusing, for a dot or a space in a plain id (${locale})`, async function () {
      const opened = await session.page(locale);
      const { page } = opened;
      await openEditor(page, session.red.url, ids);
      const input = page.locator('#node-input-deviceId + .red-ui-typedInput-container input.red-ui-typedInput-input');
      const tip = page.locator('.red-ui-tray .nightlight-not-portable');
      for (const id of ids) {
        await openDialog(page, id);
        const cases = [
          ['hall.1', true],
          ['hall 1', true],
          ['hall-1_b', false],
        ];
        for (const [value, warned] of cases) {
          await input.fill(value);
          // The tip follows typing; Node-RED validates the field when it is left.
          await until(
            async () => (await tip.isVisible()) === warned,
            `${id}: "${value}" ${warned ? 'warned' : 'not warned'}`,
          );
          await input.press('Tab');
          assert.deepStrictEqual(await dialogProblems(page), [], `${id}: "${value}" is not marked red`);
        }
        await input.fill('hall.1');
        await until(() => tip.isVisible(), `${id}: warned again`);
        assert.strictEqual((await tip.textContent()).trim(), tipText(locale));
        // An environment variable's name is not the id: no warning for it.
        await chooseType(page, 'node-input-deviceId', 'env');
        await until(async () => !(await tip.isVisible()), `${id}: no warning for an env name`);
        await chooseType(page, 'node-input-deviceId', 'str');
        await input.fill('hall.1');
        await pressDone(page);
        const saved = await page.evaluate(
          (n) => ({ id: RED.nodes.node(n).deviceId, valid: RED.nodes.node(n).valid }),
          id,
        );
        assert.deepStrictEqual(saved, { id: 'hall.1', valid: true }, `${id}: the id is kept and valid`);
      }
      assert.deepStrictEqual(opened.consoleErrors, []);
    });
  }
});
