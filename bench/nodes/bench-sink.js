'use strict';
// A node for the in-process benchmark only: counts what reaches it, sends nothing on.
const sink = require('../lib/sink');

module.exports = function (RED) {
  function BenchSinkNode(config) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg, send, done) => {
      sink.arrive(msg);
      done();
    });
  }
  RED.nodes.registerType('bench-sink', BenchSinkNode);
};
