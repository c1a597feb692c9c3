'use strict';
// The README is the front door (short, for a beginner) and the depth lives in docs/*.md: this
// keeps the README short, every relative link and anchor in both alive, the set-up and CI
// commands in it, and the troubleshooting cases a new user looks for.
const assert = require('assert');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const readmePath = path.join(root, 'README.md');
const docsDir = path.join(root, 'docs');

const read = (file) => fs.readFileSync(file, 'utf8');

/** The text without fenced code blocks and inline code, where brackets are not links. */
function prose(markdown) {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The targets of inline links and images: `[text](target)` and `![alt](target "title")`. */
function linkTargets(markdown) {
  const targets = [];
  const re = /!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^\s)>]+)>?(?:\s+"[^"]*")?\s*\)/g;
  for (const m of prose(markdown).matchAll(re)) targets.push(m[1]);
  return targets;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(markdown) {
  const anchors = new Set();
  const seen = new Map();
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const m of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const text = m[1].replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) || 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

/** Every relative link of `file` that points nowhere: a missing file, or a missing heading. */
function brokenLinks(file, markdown) {
  const broken = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...
    const [rawPath, anchor] = target.split('#');
    const linkPath = decodeURIComponent(rawPath);
    const resolved = linkPath ? path.resolve(path.dirname(file), linkPath) : file;
    if (linkPath && !fs.existsSync(resolved)) {
      broken.push(`${target}: no file ${path.relative(root, resolved)}`);
      continue;
    }
    const headings = () => headingAnchors(linkPath ? read(resolved) : markdown);
    if (anchor !== undefined && /\.md$/i.test(resolved) && !headings().has(decodeURIComponent(anchor))) {
      broken.push(`${target}: no heading #${anchor} in ${path.relative(root, resolved)}`);
    }
  }
  return broken;
}

/** The body of the `## title` section (up to the next heading of level 2 or less). */
function section(markdown, title) {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${title}`);
  if (start === -1) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^#{1,2} /.test(l));
  return lines.slice(start + 1, end === -1 ? undefined : end).join('\n');
}

const docPages = () =>
  fs
    .readdirSync(docsDir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join(docsDir, f));

describe('README and docs', function () {
  const readme = read(readmePath);

  describe('the link checker itself', function () {
    it('finds a missing file and a missing heading, and passes good links', function () {
      const file = path.join(docsDir, 'fixture.md');
      const md = [
        '# A page',
        '## Groups (the stadium)',
        '[ok](../README.md) [ok](#groups-the-stadium) [ok](#a-page) [web](https://example.com/x.md)',
        '[gone](nowhere.md) [bad anchor](#groups) ![img](images/none.png)',
        '```',
        '[in code](also-nowhere.md)',
        '```',
        'and `[inline](code.md)`',
      ].join('\n');
      const broken = brokenLinks(file, md);
      assert.deepStrictEqual(
        broken.map((b) => b.split(':')[0]),
        ['nowhere.md', '#groups', 'images/none.png'],
      );
    });

    it('makes GitHub-style anchors, numbering repeated headings', function () {
      const anchors = headingAnchors('# The `historical` flag\n## Set-up, on every instance\n## Limits\n## Limits\n');
      assert.deepStrictEqual([...anchors], ['the-historical-flag', 'set-up-on-every-instance', 'limits', 'limits-1']);
    });
  });

  it('the README has at most 200 lines', function () {
    const lines = readme.split('\n').length - (readme.endsWith('\n') ? 1 : 0);
    assert.ok(lines <= 200, `README.md has ${lines} lines`);
  });

  it('every relative link and anchor in README.md and docs/*.md resolves', function () {
    const broken = [];
    for (const file of [readmePath, ...docPages()]) {
      for (const b of brokenLinks(file, read(file))) broken.push(`${path.relative(root, file)}: ${b}`);
    }
    assert.deepStrictEqual(broken, []);
  });

  it('the README links every docs page, and every docs page links back', function () {
    const linked = new Set(linkTargets(readme).map((t) => path.resolve(root, t.split('#')[0])));
    const pages = docPages();
    assert.ok(pages.length >= 7, `docs pages: ${pages.map((p) => path.basename(p))}`);
    for (const page of pages) {
      assert.ok(linked.has(page), `README.md does not link ${path.relative(root, page)}`);
      assert.ok(
        linkTargets(read(page)).includes('../README.md'),
        `${path.relative(root, page)} does not link the README`,
      );
    }
    for (const name of ['nodes', 'outages', 'scaling-out', 'security', 'brokers', 'performance', 'limits']) {
      assert.ok(pages.includes(path.join(docsDir, `${name}.md`)), `docs/${name}.md is missing`);
    }
  });

  it('the README has a Troubleshooting section with the five cases', function () {
    const body = section(readme, 'Troubleshooting');
    assert.ok(body, 'no "## Troubleshooting" section');
    const cases = [...body.matchAll(/^\*\*(.+?)\*\*/gm)].map((m) => m[1]);
    const expected = {
      'nothing happens / broker not reachable': /nothing happens/i,
      'LED never changes': /LED never changes/i,
      'an example shows "connecting"': /example.*connecting/i,
      'help in another language': /another language/i,
      'port taken': /port.*taken/i,
    };
    for (const [name, re] of Object.entries(expected)) {
      assert.ok(
        cases.some((c) => re.test(c)),
        `no troubleshooting case for ${name}; cases: ${JSON.stringify(cases)}`,
      );
    }
    assert.ok(
      cases.some((c) => /broker/i.test(c) && /nothing happens/i.test(c)),
      'the "nothing happens" case names the broker',
    );
  });

  it('the README says how npm start is configured: MQTT_URL, PORT and --fresh', function () {
    const start = read(path.join(root, 'scripts', 'start.js'));
    for (const word of ['MQTT_URL', 'PORT']) {
      assert.ok(start.includes(`process.env.${word}`), `scripts/start.js no longer reads ${word}`);
      assert.ok(new RegExp(`\\b${word}=\\S+ npm start`).test(readme), `README.md shows no "${word}=... npm start"`);
    }
    assert.ok(readme.includes('npm start -- --fresh'), 'README.md does not show npm start -- --fresh');
    assert.ok(/['"]--fresh['"]/.test(start), 'scripts/start.js no longer takes --fresh');
    assert.ok(
      readme.includes('.demo/') && /^\.demo\/$/m.test(read(path.join(root, '.gitignore'))),
      'README names .demo/ and git ignores it',
    );
  });

  it('the README has the set-up commands, the palette package and the broker install', function () {
    const pkg = JSON.parse(read(path.join(root, 'package.json')));
    assert.match(readme, /^npm (ci|install)\b/m);
    assert.match(readme, /^npm start\b/m);
    assert.ok(readme.includes(pkg.name), `README.md does not name the package ${pkg.name}`);
    assert.ok(readme.includes('sudo apt install mosquitto mosquitto-clients'), 'no Mosquitto install command');
    assert.ok(/docs\/images\/[\w-]+\.png/.test(readme), 'no screenshot');
  });

  it("the README's Development section holds the install and test commands CI runs", function () {
    const ci = read(path.join(root, '.ci', 'run'));
    const command = ci.split('\n').find((l) => /^npm ci\b.*npm test\b/.test(l.trim()));
    assert.ok(command, '.ci/run runs no "npm ci ... npm test" line');
    assert.strictEqual(command.trim(), 'npm ci && npm test');
    const dev = section(readme, 'Development');
    assert.ok(dev, 'no "## Development" section');
    const shell = [...dev.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]).join('\n');
    assert.ok(
      shell.split('\n').some((l) => l.replace(/#.*$/, '').trim() === command.trim()),
      `the Development section's commands do not include "${command.trim()}"`,
    );
  });
});
