'use strict';

/** The `code` of the error `fn` throws (a NightlightError's rule), or `null` when it throws nothing. */
function codeOf(fn) {
  try {
    fn();
  } catch (err) {
    return err.code;
  }
  return null;
}

module.exports = { codeOf };
