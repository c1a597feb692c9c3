'use strict';
// Headless Chromium (Debian's `chromium`) driven by playwright-core, for tests of the
// Node-RED editor as a user sees it. Every request to a host other than 127.0.0.1 is
// blocked and remembered, so a test can assert that none was attempted.
const fs = require('fs');
const path = require('path');

const CHROMIUM = process.env.NIGHTLIGHT_CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
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
    let host;
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

// Node-RED's editor asks the public palette catalogue and offers update notifications;
// these settings (which any offline installation would use) keep it on this machine.
const SETTINGS = {
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { tours: false, palette: { catalogues: [] }, projects: { enabled: false } },
  externalModules: { palette: { allowInstall: false } },
};

/** Loads the editor at `url` until our palette is there and the deployed nodes `ids` are loaded. */
async function openEditor(page, url, ids = []) {
  await page.goto(`${url}/`);
  await page.locator('.red-ui-palette-node[data-palette-type="light-telemetry"]').waitFor({ timeout: 60000 });
  await page.waitForFunction((wanted) => wanted.every((id) => RED.nodes.node(id)), ids, { timeout: 30000 });
}

/** Shows the node's tab and double-clicks the node, as a user opens its dialog; resolves once the dialog is built. */
async function openDialog(page, id) {
  await page.evaluate((nodeId) => RED.workspaces.show(RED.nodes.node(nodeId).z), id);
  await page.locator(`[id="${id}"]`).dblclick();
  await page.locator('#node-dialog-ok').waitFor({ state: 'visible' });
  await page.locator('#node-input-name').waitFor({ state: 'visible' });
  // The dialog is built (and validated) once the tray has finished opening.
  await page.waitForFunction(() => !!document.querySelector('.red-ui-tray .red-ui-tray-body .form-row'));
}

/** Presses Done and waits until the dialog has gone. */
async function pressDone(page) {
  await page.click('#node-dialog-ok');
  await page.locator('#node-dialog-ok').waitFor({ state: 'detached' });
}

/**
 * What is wrong with the open dialog: every visible field marked red (Node-RED's
 * `input-error`), and every row in `rows` (selector: should it show?) that shows the
 * other way. An empty list when the dialog is as it should be.
 */
async function dialogProblems(page, rows = {}) {
  return page.evaluate((expected) => {
    const problems = [];
    $('.red-ui-tray .input-error:visible').each(function () {
      const field = this.id || $(this).prev('input').attr('id') || $(this).find('input').attr('id') || this.className;
      problems.push(`${field} is marked red (value ${JSON.stringify($(this).val() || $(this).find('input').val())})`);
    });
    for (const [selector, shown] of Object.entries(expected)) {
      const found = $(selector);
      if (found.length === 0) problems.push(`${selector} is not in the dialog`);
      found.each(function () {
        if ($(this).is(':visible') !== shown)
          problems.push(`${selector} ${shown ? 'is hidden but should show' : 'shows but its mode hides it'}`);
      });
    }
    return problems;
  }, rows);
}

/** Chooses `type` (str, env...) in the typed input whose hidden value field is `#<inputId>`, through its type menu. */
async function chooseType(page, inputId, type) {
  await page.locator(`#${inputId} + .red-ui-typedInput-container .red-ui-typedInput-type-select`).click();
  await page.locator(`.red-ui-typedInput-options:visible a[value="${type}"]`).click();
  await page.waitForFunction(([id, t]) => $(`#${id}`).typedInput('type') === t, [inputId, type]);
}

/**
 * Inside a describe: a Node-RED process with the packed package (in a temporary user
 * directory named after `prefix`) and one Chromium for the whole block, a fresh page per
 * `session.page(locale)`, closed after each test, and everything stopped at the end.
 * `session.red` and `session.browser` are set once the block's `before` has run.
 */
function useEditorSession(prefix) {
  const os = require('os');
  const { startNodeRed } = require('./node-red-process');
  const { userDirWithPackage } = require('./packed');
  const pages = [];
  const session = {
    work: '',
    red: /** @type {any} */ (undefined),
    browser: /** @type {any} */ (undefined),
    /** A new page in `locale`, closed after the test. */
    async page(locale = 'en-US') {
      const opened = await openPage(session.browser, { locale });
      pages.push(opened);
      return opened;
    },
  };
  before(async function () {
    session.work = fs.mkdtempSync(path.join(os.tmpdir(), `nightlight-${prefix}-`));
    session.red = await startNodeRed({ userDir: userDirWithPackage(session.work), settings: SETTINGS });
    session.browser = await launch();
  });
  afterEach(async function () {
    while (pages.length) await pages.pop().context.close();
  });
  after(async function () {
    if (session.browser) await session.browser.close();
    if (session.red) await session.red.stop();
    if (session.work) fs.rmSync(session.work, { recursive: true, force: true });
  });
  return session;
}

module.exports = {
  CHROMIUM,
  useEditorSession,
  chromiumAvailable,
  describeInBrowser,
  launch,
  openPage,
  screenshot,
  screenshotsDir,
  SETTINGS,
  openEditor,
  openDialog,
  pressDone,
  dialogProblems,
  chooseType,
};
