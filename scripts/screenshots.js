#!/usr/bin/env node
'use strict';
// Retakes the README's pictures (docs/images/) from the real demo: runs `npm start`'s script in
// a temporary demo directory, presses the example's "dark (100)" button, waits until the LED
// command shows the LED on, and photographs the editor and the dashboard in headless Chromium.
//
//   npm run build && node scripts/screenshots.js
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { launch, openPage } = require('../test/support/browser');
const { until } = require('../test/support/runtime');
const { freePort } = require('../test/support/brokers');

const root = path.join(__dirname, '..');
const images = path.join(root, 'docs', 'images');

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-shots-'));
  const port = await freePort();
  const demo = spawn(process.execPath, [path.join(__dirname, 'start.js')], {
    env: { ...process.env, PORT: String(port), MQTT_URL: '', NIGHTLIGHT_DEMO_DIR: path.join(dir, 'demo') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  demo.stdout.on('data', (d) => (out += d));
  demo.stderr.on('data', (d) => (out += d));
  const browser = await launch();
  try {
    await until(() => out.includes('Press Ctrl-C to stop.') || demo.exitCode !== null, 'the demo banner', 60000);
    if (demo.exitCode !== null) throw new Error(`the demo stopped:\n${out}`);
    const url = `http://127.0.0.1:${port}`;
    const { page } = await openPage(browser, { viewport: { width: 1400, height: 1000 } });
    await page.goto(`${url}/`);
    await page.locator('.red-ui-palette-node[data-palette-type="light-telemetry"]').waitFor({ timeout: 60000 });
    await page.waitForFunction(() => RED.nodes.filterNodes({ type: 'led-command' }).length > 0, null, {
      timeout: 30000,
    });
    const led = await page.evaluate(() => RED.nodes.filterNodes({ type: 'led-command' })[0].id);
    await page.evaluate((id) => RED.workspaces.show(RED.nodes.node(id).z), led);
    const dark = await page.evaluate(
      () => RED.nodes.filterNodes({ type: 'inject' }).find((n) => n.name === 'dark (100)').id,
    );
    await page.locator(`[id="${dark}"] .red-ui-flow-node-button`).click();
    const ledOn = await page.evaluate(() =>
      RED._('@nightlight-iot/node-red-nightlight/led-command:led-command.status.server.on'),
    );
    const label = page.locator(`[id="${led}"] .red-ui-flow-node-status-label`);
    await until(async () => (await label.textContent()) === ledOn, `"${ledOn}" under LED command`, 20000);
    await until(
      async () => (await page.locator('.red-ui-notification:visible').count()) === 0,
      'no notification',
      15000,
    );
    // The canvas only: the sidebar closed, as a user makes room.
    await page.evaluate(() => RED.menu.setSelected('menu-item-sidebar', false));
    fs.mkdirSync(images, { recursive: true });
    await page.screenshot({ path: path.join(images, 'editor-flow.png') });

    const board = await openPage(browser, { viewport: { width: 1100, height: 1000 } });
    await board.page.goto(`${url}/dashboard`);
    await board.page.locator('canvas').first().waitFor({ timeout: 60000 });
    // A few readings on the chart.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    await board.page.screenshot({
      path: path.join(images, 'dashboard.png'),
      clip: { x: 0, y: 0, width: 560, height: 860 },
    });
    // The Fleet page with every device in it, the garden held on from the page as a user would.
    await board.page.goto(`${url}/dashboard/fleet`);
    const rows = board.page.locator('.nl-fleet-table tr[data-device]');
    await until(async () => (await rows.count()) >= 4, 'four devices on the Fleet page', 60000);
    const garden = board.page.locator('.nl-fleet-table tr[data-device="garden"]');
    await garden.getByRole('button', { name: 'Mode on for garden' }).click();
    await until(
      async () => ((await garden.locator('.nl-mode').textContent()) || '').trim() === 'on',
      'the garden held on',
      20000,
    );
    await board.page.screenshot({
      path: path.join(images, 'fleet.png'),
      clip: { x: 0, y: 0, width: 1100, height: 420 },
    });
    console.log(
      `written: ${['editor-flow.png', 'dashboard.png', 'fleet.png'].map((f) => path.join('docs', 'images', f)).join(', ')}`,
    );
  } finally {
    await browser.close();
    demo.kill('SIGINT');
    await new Promise((resolve) => (demo.exitCode !== null ? resolve() : demo.once('exit', resolve)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err.stack || err);
  process.exit(1);
});
