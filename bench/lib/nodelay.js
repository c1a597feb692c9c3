'use strict';
// Preloaded (node --require) into a server under test when the benchmark runs with
// TCP_NODELAY: every TCP socket the process opens, including the ones mqtt.js opens
// for Node-RED's mqtt-broker node, sends small packets at once instead of waiting for
// Nagle's algorithm. Applied to every variant alike; see bench/RESULTS.md for why.
const net = require('net');

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  this.setNoDelay(true);
  return connect.apply(this, args);
};
