'use strict';
// The status-text helpers of nodes/shared/status.ts: shortening a device id or group name
// with an ellipsis so a status fits under its node, and the catalog key form the editor
// translates.
const assert = require('assert');
const {
  shorten,
  clip,
  fitStatus,
  statusKey,
  statusLength,
  STATUS_MAX,
  MODULE,
} = require('../../dist/nodes/shared/status');

describe('status texts', function () {
  describe('shorten', function () {
    it('leaves a text that fits as it is', function () {
      assert.strictEqual(shorten('kitchen', 7), 'kitchen');
      assert.strictEqual(shorten('kitchen', 30), 'kitchen');
      assert.strictEqual(shorten('', 3), '');
    });

    it('cuts the middle, keeping the start and the end, to exactly the length asked', function () {
      const cut = shorten('nightlight-kitchen-01', 11);
      assert.strictEqual(cut, 'night…en-01');
      assert.strictEqual(statusLength(cut), 11);
      assert.strictEqual(shorten('abcdefgh', 4), 'ab…h');
      assert.strictEqual(shorten('abcdefgh', 2), 'a…');
    });

    it('gives only the ellipsis below 2 characters', function () {
      assert.strictEqual(shorten('abcdef', 1), '…');
      assert.strictEqual(shorten('abcdef', 0), '…');
    });

    it('never splits a Bengali or Thai letter from its marks, nor a surrogate pair', function () {
      // কি = ক + ি (one character as read); ที่ = ท + ี + ่.
      const bn = 'কিকিকিকিকিকি';
      const cut = shorten(bn, 5);
      assert.strictEqual(cut, 'কিকি…কিকি');
      assert.strictEqual(statusLength(cut), 5);
      assert.ok(!/…[\u09be-\u09cc]/.test(cut), `no mark after the ellipsis: ${cut}`);
      assert.strictEqual(shorten('ที่ที่ที่ที่ที่', 3), 'ที่…ที่');
      assert.strictEqual(shorten('😀😀😀😀😀', 3), '😀…😀');
    });
  });

  describe('fitStatus', function () {
    const render = (id) => `${id}: 800 → off · 1 device`;

    it('renders a short id as it is', function () {
      assert.strictEqual(fitStatus(render, 'hall'), 'hall: 800 → off · 1 device');
    });

    it(`shortens a long id so the whole text is ${STATUS_MAX} characters`, function () {
      const text = fitStatus(render, 'nightlight-demo');
      assert.strictEqual(statusLength(text), STATUS_MAX);
      assert.strictEqual(text, 'night…demo: 800 → off · 1 device');
      const long = fitStatus(render, 'x'.repeat(64));
      assert.strictEqual(statusLength(long), STATUS_MAX);
      assert.ok(long.includes('…'));
    });

    it('keeps at least minValue characters of the id, and never cuts the rest of the text', function () {
      const wordy = (id) => `${id}: a text that is far too long to fit anyway`;
      const text = fitStatus(wordy, 'nightlight-demo', 32, 5);
      assert.strictEqual(text, 'ni…mo: a text that is far too long to fit anyway');
    });

    it('takes the maximum as an argument', function () {
      assert.strictEqual(
        fitStatus((id) => `${id}!`, 'abcdefghij', 6),
        'ab…ij!',
      );
    });
  });

  describe('clip', function () {
    it(`cuts a long text at the end to ${STATUS_MAX} characters, the last an ellipsis`, function () {
      const message = 'Refused: expected a number, a numeric string or an object with light, got boolean';
      const text = clip(message);
      assert.strictEqual(statusLength(text), STATUS_MAX);
      assert.strictEqual(text, message.slice(0, STATUS_MAX - 1) + '…');
      assert.strictEqual(clip('short'), 'short');
    });

    it('drops a space before the ellipsis, and keeps Thai letters whole', function () {
      assert.strictEqual(clip('abc def', 5), 'abc…');
      assert.strictEqual(clip('ที่ที่ที่', 2), 'ที่…');
      assert.strictEqual(clip('abc', 0), '');
    });
  });

  describe('statusKey', function () {
    it('names the catalog of the node the key starts with, as Node-RED registers it', function () {
      assert.strictEqual(statusKey('led-command.status.local.on'), `${MODULE}/led-command:led-command.status.local.on`);
      assert.strictEqual(
        statusKey('light-telemetry.status.offline'),
        `${MODULE}/light-telemetry:light-telemetry.status.offline`,
      );
    });

    it('uses the module name of package.json', function () {
      assert.strictEqual(MODULE, require('../../package.json').name);
    });
  });
});
