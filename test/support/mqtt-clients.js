'use strict';
// Plain mqtt.js clients that act exactly like the lesson's device and server code.
const mqtt = require('mqtt');

function connect(url, options = {}) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 200, connectTimeout: 5000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

function subscribe(client, topic, options = { qos: 0 }) {
  return new Promise((resolve, reject) => client.subscribe(topic, options, (err) => (err ? reject(err) : resolve())));
}

/**
 * The lesson's device: publishes only {"light": N} at QoS 0 to <id>/telemetry and reads
 * only `led_on` from <id>/commands.
 */
async function lessonDevice(url, id) {
  const client = await connect(url, { clientId: `${id}nightlight_client` });
  const commands = [];
  client.on('message', (topic, payload) => {
    if (topic === `${id}/commands`) commands.push(JSON.parse(payload.toString()).led_on);
  });
  await subscribe(client, `${id}/commands`);
  return {
    commands,
    send: (light) => client.publishAsync(`${id}/telemetry`, JSON.stringify({ light }), { qos: 0 }),
    close: () => new Promise((resolve) => client.end(true, {}, resolve)),
  };
}

/**
 * The lesson's server: answers every telemetry message of <id>/telemetry with
 * {"led_on": light < 300} at QoS 0 on <id>/commands, reading only `light`.
 */
async function lessonServer(url, id) {
  const client = await connect(url, { clientId: `${id}nightlight_server` });
  const readings = [];
  client.on('message', (topic, payload) => {
    const light = JSON.parse(payload.toString()).light;
    readings.push(light);
    client.publish(`${id}/commands`, JSON.stringify({ led_on: light < 300 }), { qos: 0 });
  });
  await subscribe(client, `${id}/telemetry`);
  return { readings, close: () => new Promise((resolve) => client.end(true, {}, resolve)) };
}

/** Removes the retained message of each topic (an empty retained publish). */
async function clearRetained(url, topics) {
  const client = await connect(url);
  await Promise.all(
    topics.map((topic) => new Promise((resolve) => client.publish(topic, '', { qos: 1, retain: true }, resolve))),
  );
  await new Promise((resolve) => client.end(false, {}, resolve));
}

module.exports = { connect, subscribe, lessonDevice, lessonServer, clearRetained };
