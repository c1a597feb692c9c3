'use strict';
// The lesson's whole system as one flow for the fault tests (outage, live first, start-up):
// the device (light telemetry -> mqtt out, Status and Complete wired back; mqtt in -> LED
// command) on one broker connection and the server (mqtt in -> nightlight decide -> mqtt
// out) on another, with helper nodes where the tests look.
const { onTab } = require('./runtime');
const { HOST } = require('./brokers');

/**
 * An mqtt-broker config node. The server's connection has a persistent session (a fixed
 * client id, clean session off), so telemetry published while it reconnects is queued by
 * the broker instead of being lost: the set-up the README recommends for a server.
 */
function brokerConfig(id, port, clientid = '') {
  return {
    id,
    type: 'mqtt-broker',
    broker: HOST,
    port: String(port),
    clientid,
    autoConnect: true,
    usetls: false,
    protocolVersion: '4',
    keepalive: '15',
    cleansession: !clientid,
    autoUnsubscribe: true,
    birthTopic: '',
    closeTopic: '',
    willTopic: '',
    birthMsg: {},
    closeMsg: {},
    willMsg: {},
    userProps: '',
    sessionExpiry: '',
  };
}

/** An `mqtt in` on `topic` over broker config `broker`, QoS 1, JSON parsed when it is JSON, into `wires`. */
function mqttIn(id, broker, topic, wires) {
  return {
    id,
    type: 'mqtt in',
    broker,
    topic,
    qos: '1',
    datatype: 'auto-detect',
    nl: false,
    rap: true,
    rh: 0,
    inputs: 0,
    wires: [wires],
  };
}

/**
 * The whole system: device `id` on one connection, the server on another, both to `port`.
 * `telemetry` overrides light telemetry's options; `serverSession: false` gives the server a
 * clean session instead of the persistent one the docs recommend.
 */
function systemFlow(port, id, telemetry = {}, { serverSession = true } = {}) {
  return onTab([
    brokerConfig('bdev', port),
    brokerConfig('bsrv', port, serverSession ? `nightlight-server-${id}` : ''),
    // device
    {
      id: 'lt',
      type: 'light-telemetry',
      deviceId: id,
      topic: '{id}/telemetry',
      qos: '1',
      rate: 50,
      ackTimeout: 5,
      ...telemetry,
      wires: [['mout']],
    },
    { id: 'mout', type: 'mqtt out', broker: 'bdev', topic: '', qos: '', retain: '', wires: [] },
    { id: 'st', type: 'status', scope: ['mout'], wires: [['lt']] },
    { id: 'cp', type: 'complete', scope: ['mout'], uncaught: false, wires: [['lt']] },
    mqttIn('mcmdIn', 'bdev', `${id}/commands`, ['led']),
    { id: 'led', type: 'led-command', format: 'boolean', emit: 'change', wires: [['ledOut']] },
    { id: 'ledOut', type: 'helper' },
    { id: 'ctl', type: 'mqtt out', broker: 'bdev', topic: '', qos: '', retain: '', wires: [] },
    // server
    mqttIn('min', 'bsrv', '+/telemetry', ['dec', 'raw']),
    { id: 'raw', type: 'helper' },
    {
      id: 'dec',
      type: 'nightlight-decide',
      telemetryTopic: '{id}/telemetry',
      commandTopic: '{id}/commands',
      threshold: 300,
      emit: 'change',
      qos: '1',
      retain: true,
      wires: [['mcmd', 'cmds']],
    },
    { id: 'mcmd', type: 'mqtt out', broker: 'bsrv', topic: '', qos: '', retain: '', wires: [] },
    { id: 'cmds', type: 'helper' },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ]);
}

module.exports = { brokerConfig, mqttIn, systemFlow };
