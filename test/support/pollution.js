'use strict';
// What a prototype-pollution attack would change: the own keys of the built-in
// prototypes, and what a fresh object or array shows to `in`, `for...in` and property reads.

const PROTOTYPES = {
  Object: Object.prototype,
  Array: Array.prototype,
  Function: Function.prototype,
  String: String.prototype,
  Number: Number.prototype,
};
const PROBES = ['polluted', 'light', 'led_on', 'isAdmin', 'x', 'seq', 'ts', 'historical', 'threshold'];

function prototypeSnapshot() {
  const keys = {};
  for (const [name, proto] of Object.entries(PROTOTYPES)) keys[name] = Reflect.ownKeys(proto).map(String).sort();
  const fresh = {};
  const forIn = [];
  for (const k in fresh) forIn.push(k);
  for (const k in []) forIn.push(k);
  return { keys, forIn, probes: PROBES.filter((p) => p in fresh || fresh[p] !== undefined || [][p] !== undefined) };
}

module.exports = { prototypeSnapshot };
