'use strict';
// Headless Chromium (Debian's `chromium`) driven by playwright-core, for tests of the
// Node-RED editor as a user sees it. Every request to a host other than 127.0.0.1 is
// blocked and remembered, so a test can assert that none was attempted.
const fs = require('fs');
const path = require('path');

const CHROMIUM = process.env.NIGHTLIGHT_CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const screenshotsDir = path.join(__dirname, '..', '..', 'test-output', 'screenshots');

function chromiumAvailable() {
  return fs.existsSync(CHROMIUM);
}

/**
 * `describe(title, body)` when Chromium is installed. Without it the block says why it
 * skips, unless CI is set, where a missing Chromium fails the run.
 */
function describeInBrowser(title, body) {
  if (chromiumAvailable()) return describe(title, body);
  return describe(title, function () {
    if (process.env.CI) {
      it('has Chromium installed (required when CI is set)', function () {
        throw new Error(`${CHROMIUM} not found; CI requires it (Debian package "chromium")`);
      });
    } else {
      it(`is skipped: no Chromium at ${CHROMIUM} (install the Debian package "chromium" to run the browser tests)`, function () {
        this.skip();
      });
    }
  });
}

async function launch() {
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/**
 * A page in a new browser context with the given locale (Node-RED takes its language
 * from the browser's). `blocked` lists every URL whose host was not 127.0.0.1, `allowed`
 * the others (so a test can show that the filter saw the traffic).
 */
async function openPage(browser, { locale = 'en-US', viewport = { width: 1400, height: 900 } } = {}) {
  const context = await browser.newContext({ locale, viewport });
  const blocked = [];
  const allowed = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    let host = '';
    try {
      host = new URL(url).hostname;
    } catch {
      host = '';
    }
    if (host === '127.0.0.1' || url.startsWith('data:') || url.startsWith('blob:')) {
      allowed.push(url);
      return route.continue();
    }
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  return { context, page, blocked, allowed, consoleErrors };
}

/** Saves a PNG of the page (or of `locator`) under test-output/screenshots/. */
async function screenshot(target, name) {
  fs.mkdirSync(screenshotsDir, { recursive: true });
  const file = path.join(screenshotsDir, `${name}.png`);
  await target.screenshot({ path: file });
  return file;
}

module.exports = { CHROMIUM, chromiumAvailable, describeInBrowser, launch, openPage, screenshot, screenshotsDir };
