/*
 * What the edit dialogs of the three nightlight nodes share. Each node's .html loads this
 * file (Node-RED serves a module's resources/ folder at resources/<module>/) before its own
 * script; the rules are those of nodes/lib/topics.ts, and test/editor-rules.spec.js holds
 * them to the library.
 */
(function (root) {
  'use strict';
  if (root.nightlightEditor) {
    return;
  }
  // Control characters and lone UTF-16 surrogates, refused in ids and topics alike.
  var UNSAFE =
    '[\\u0001-\\u001f\\u007f-\\u009f]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
  var ID_CHARS = new RegExp('[+#/\\u0000]|' + UNSAFE);
  var TOPIC_CHARS = new RegExp('[+#\\u0000]|' + UNSAFE);

  /** Why `v` cannot be a device id, or null: it must never widen a subscription or reach another device. */
  function idProblem(v) {
    if (typeof v !== 'string' || v.length === 0) {
      return 'empty';
    }
    if (Array.from(v).length > 64) {
      return 'too-long';
    }
    if (ID_CHARS.test(v)) {
      return 'forbidden-char';
    }
    if (v.charAt(0) === '$') {
      return 'leading-dollar';
    }
    return null;
  }

  /** Why `v` cannot be a topic template, or null: a publishable topic with exactly one whole level "{id}". */
  function templateProblem(v) {
    if (typeof v !== 'string' || v.length === 0) {
      return 'empty';
    }
    if (v.length > 256) {
      return 'too-long';
    }
    if (TOPIC_CHARS.test(v)) {
      return 'wildcard';
    }
    if (v.charAt(0) === '$') {
      return 'leading-dollar';
    }
    var levels = v.split('/').filter(function (l) {
      return l.indexOf('{id}') !== -1;
    });
    return levels.length === 1 && levels[0] === '{id}' ? null : 'placeholder';
  }

  /**
   * The validators of one node type. Validators run outside the node's catalog scope, so
   * their messages name the catalog in full.
   */
  function forNode(type) {
    function text(key, args) {
      return root.RED._('@nightlight-iot/node-red-nightlight/' + type + ':' + type + '.' + key, args);
    }
    /** A validator: `ok(v)` (called with the node as `this`), or the message `errors.<key>` when asked for one. */
    function check(key, ok, args) {
      return function (v, opt) {
        return ok.call(this, v) || (opt ? text('errors.' + key, args) : false);
      };
    }
    return {
      text: text,
      check: check,
      /** A select field: one of its options (undefined: missing from an older flow, the default applies). */
      choice: function (values) {
        return check('choice', function (v) {
          return v === undefined || values.indexOf(String(v)) !== -1;
        });
      },
      /**
       * A number field from min to max. undefined (missing from an older flow) is the
       * default; so is an empty field unless `options.empty` is false. `options.whole`
       * asks for a whole number, `options.key` names the message (default "range").
       */
      range: function (min, max, options) {
        var o = options || {};
        return check(
          o.key || 'range',
          function (v) {
            var n = Number(v);
            if (v === undefined || (v === '' && o.empty !== false)) {
              return true;
            }
            return v !== '' && isFinite(n) && n >= min && n <= max && (!o.whole || Math.floor(n) === n);
          },
          { min: min, max: max },
        );
      },
      /** A topic template field. */
      topic: check('topic', function (v) {
        return !templateProblem(v);
      }),
      /**
       * The device id field (a str or env typed input): a valid id, or any non-empty
       * environment variable name or ${VAR}. `applies(node)`, when given, says whether
       * the field is in use at all.
       */
      deviceId: function (applies) {
        return check('device-id', function (v) {
          if (applies && !applies(this)) {
            return true;
          }
          var type = root.$('#node-input-deviceIdType').val() || this.deviceIdType;
          if (type === 'env' || /^\$\{[^}]+\}$/.test(v)) {
            return !!v;
          }
          return !idProblem(v);
        });
      },
    };
  }

  /**
   * Called first in oneditprepare: a field whose option is missing from the node (a flow
   * saved by an older version) shows the option's default instead of an empty, red field.
   * Options the flow has are left as Node-RED filled them in.
   */
  function showDefaults(node) {
    var defaults = node._def.defaults;
    Object.keys(defaults).forEach(function (d) {
      if (node[d] !== undefined) {
        return;
      }
      var input = root.$('#node-input-' + d);
      if (!input.length) {
        return;
      }
      if (input.attr('type') === 'checkbox') {
        input.prop('checked', !!defaults[d].value);
      } else {
        input.val(defaults[d].value);
      }
    });
  }

  /** Whether a valid device id would still fail on some brokers: NATS refuses `.` and spaces, RabbitMQ splits levels at `.`. */
  function notPortable(v) {
    return typeof v === 'string' && /[.\s]/.test(v);
  }

  /**
   * Called in oneditprepare after the device id's typed input is made: a tip under the
   * field while a plain id holds a `.` or a space. A warning only: the id is valid and
   * works on Mosquitto and aedes, so the field is not marked red.
   */
  function warnNotPortable(type) {
    var input = root.$('#node-input-deviceId');
    // Inside the id's row, so a mode that hides the row hides its tip too.
    var tip = root
      .$('<div class="form-tips nightlight-not-portable" style="margin-top: 6px;"></div>')
      .text(root.RED._('@nightlight-iot/node-red-nightlight/' + type + ':nightlight.editor.notPortable'))
      .appendTo(input.closest('.form-row'));
    function update() {
      tip.toggle(input.typedInput('type') === 'str' && notPortable(input.typedInput('value')));
    }
    // Typing happens in the typed input's own field (it bubbles to its container); a type change fires change on the input.
    input.on('change', update);
    input.next('.red-ui-typedInput-container').on('input keyup', update);
    update();
  }

  root.nightlightEditor = {
    idProblem: idProblem,
    templateProblem: templateProblem,
    notPortable: notPortable,
    forNode: forNode,
    showDefaults: showDefaults,
    warnNotPortable: warnNotPortable,
  };
})(typeof window !== 'undefined' ? window : globalThis);
