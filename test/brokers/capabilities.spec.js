'use strict';
// What each real broker does with the parts of MQTT where brokers differ, asserted with
// plain mqtt clients against aedes, Mosquitto, NATS and RabbitMQ: the facts behind the
// broker table of docs/brokers.md and behind CAPABILITIES in test/support/brokers.js, which
// the flow tests use to assert each broker's own behaviour instead of skipping.
const assert = require('assert');
const mqtt = require('mqtt');
const { helper, allNodes, until, useServer } = require('../support/runtime');
const { prepareExample } = require('../support/examples');
const { forEachBroker, ALL_BROKERS } = require('../support/brokers');

const settle = () => new Promise((r) => setTimeout(r, 500));

forEachBroker(
  (startBroker, kind, caps) => {
    describe(`what ${kind} does with MQTT`, function () {
      this.timeout(60000);
      let broker;
      let clients = [];
      before(async function () {
        broker = await startBroker();
      });
      afterEach(async function () {
        await Promise.all(clients.map((c) => c.endAsync(true)));
        clients = [];
      });
      after(async function () {
        if (broker) await broker.close();
      });

      /** A connected client that records what it receives and whether the broker closed it. */
      async function open(options = {}) {
        const client = mqtt.connect(broker.url, { reconnectPeriod: 0, connectTimeout: 10000, ...options });
        clients.push(client);
        client.received = [];
        client.on('message', (topic, payload, packet) =>
          client.received.push({ topic, payload: payload.toString(), retain: packet.retain, qos: packet.qos }),
        );
        client.on('error', () => {});
        client.closed = new Promise((resolve) => client.once('close', resolve));
        await new Promise((resolve, reject) => {
          client.once('connect', resolve);
          client.once('error', reject);
          client.once('close', () => reject(new Error('closed without a CONNACK')));
        });
        return client;
      }

      it(caps.mqtt5 ? 'accepts MQTT 5 and 3.1.1' : 'refuses MQTT 5 (it speaks 3.1.1 only)', async function () {
        const v311 = await open({ protocolVersion: 4 });
        assert.ok(v311.connected);
        if (caps.mqtt5) {
          const v5 = await open({ protocolVersion: 5 });
          assert.ok(v5.connected);
        } else {
          await assert.rejects(open({ protocolVersion: 5 }), /Unacceptable protocol version|closed without a CONNACK/);
        }
      });

      it(
        caps.sharedSubscriptions
          ? "splits a $share group's messages between its members"
          : 'takes $share/... for an ordinary topic: a group member receives nothing',
        async function () {
          const [a, b, witness, publisher] = await Promise.all([open(), open(), open(), open()]);
          await a.subscribeAsync('$share/grp/shared/telemetry', { qos: 1 });
          await b.subscribeAsync('$share/grp/shared/telemetry', { qos: 1 });
          await witness.subscribeAsync('shared/telemetry', { qos: 1 });
          const sent = Array.from({ length: 10 }, (_, i) => `m${i}`);
          for (const m of sent) await publisher.publishAsync('shared/telemetry', m, { qos: 1 });
          await until(() => witness.received.length === sent.length, 'every message at a plain subscriber');
          if (caps.sharedSubscriptions) {
            await until(() => a.received.length + b.received.length === sent.length, 'every message at the group');
            await settle();
            assert.deepStrictEqual(
              [...a.received, ...b.received].map((m) => m.payload).sort(),
              sent.sort(),
              'each message to exactly one member',
            );
            assert.ok(
              a.received.length > 0 && b.received.length > 0,
              `both members served: ${a.received.length} and ${b.received.length}`,
            );
          } else {
            await settle();
            assert.deepStrictEqual([a.received.length, b.received.length], [0, 0]);
          }
        },
      );

      it(
        caps.retainedToWildcards
          ? 'delivers a retained message to exact, + and # subscriptions'
          : 'delivers a retained message to an exact subscription only, never to + or #',
        async function () {
          const publisher = await open();
          await publisher.publishAsync('kept/dev1/commands', 'kept', { qos: 1, retain: true });
          try {
            const exact = await open();
            await exact.subscribeAsync('kept/dev1/commands', { qos: 1 });
            await until(
              () => exact.received.some((m) => m.retain && m.payload === 'kept'),
              'the retained message at an exact subscription',
            );
            const plus = await open();
            const hash = await open();
            await plus.subscribeAsync('kept/+/commands', { qos: 1 });
            await hash.subscribeAsync('kept/#', { qos: 1 });
            if (caps.retainedToWildcards) {
              await until(
                () => [plus, hash].every((c) => c.received.some((m) => m.retain && m.payload === 'kept')),
                'the retained message at + and #',
              );
            } else {
              // A live message after the subscriptions: both see it, and never the retained one.
              await publisher.publishAsync('kept/dev2/commands', 'live', { qos: 1 });
              await until(
                () => [plus, hash].every((c) => c.received.some((m) => m.payload === 'live')),
                'the live message at + and #',
              );
              await settle();
              assert.deepStrictEqual(
                [plus, hash].map((c) => c.received.filter((m) => m.retain).length),
                [0, 0],
              );
            }
          } finally {
            await publisher.publishAsync('kept/dev1/commands', '', { qos: 1, retain: true });
          }
        },
      );

      for (const [name, char, behaviour] of [
        ['a dot', '.', caps.dot],
        ['a space', ' ', caps.space],
      ]) {
        const title = {
          ok: `carries a topic with ${name} like any other`,
          refused: `refuses a topic with ${name}: the subscription fails and a publish closes the connection`,
          level: `takes ${name} in a topic for a level separator, as "/"`,
        }[behaviour];
        it(title, async function () {
          const topic = `a${char}b/telemetry`;
          const publisher = await open();
          const subscriber = await open();
          if (behaviour === 'ok') {
            await subscriber.subscribeAsync(topic, { qos: 1 });
            await publisher.publishAsync(topic, 'x', { qos: 1 });
            await until(() => subscriber.received.length === 1, 'the message');
            assert.strictEqual(subscriber.received[0].topic, topic);
          } else if (behaviour === 'level') {
            const oneLevel = await open();
            await subscriber.subscribeAsync('a/b/telemetry', { qos: 1 });
            await oneLevel.subscribeAsync('+/telemetry', { qos: 1 });
            await publisher.publishAsync(topic, 'x', { qos: 1 });
            await publisher.publishAsync('plain/telemetry', 'y', { qos: 1 });
            await until(() => subscriber.received.length === 1 && oneLevel.received.length === 1, 'the messages');
            assert.strictEqual(subscriber.received[0].topic, 'a/b/telemetry');
            assert.deepStrictEqual(
              oneLevel.received.map((m) => m.topic),
              ['plain/telemetry'],
              `"${topic}" is two levels before /telemetry`,
            );
          } else {
            await assert.rejects(subscriber.subscribeAsync(topic, { qos: 1 }), /Subscribe error/);
            publisher.publish(topic, 'x', { qos: 1 });
            await publisher.closed;
          }
        });
      }

      it(
        caps.starLevel === 'wildcard'
          ? 'takes a "*" level in a subscription for a one-level wildcard'
          : 'takes a "*" level in a subscription literally',
        async function () {
          const publisher = await open();
          const star = await open();
          await star.subscribeAsync('*/telemetry', { qos: 1 });
          await publisher.publishAsync('desk/telemetry', 'x', { qos: 1 });
          await publisher.publishAsync('*/telemetry', 'y', { qos: 1 });
          await until(() => star.received.some((m) => m.payload === 'y'), 'the message to "*/telemetry"');
          await settle();
          assert.strictEqual(
            star.received.some((m) => m.topic === 'desk/telemetry'),
            caps.starLevel === 'wildcard',
          );
        },
      );

      it(
        caps.hashSeesDollarTopics
          ? 'shows a # subscription topics that begin with $ (its own internal traffic)'
          : 'keeps topics that begin with $ from a # subscription',
        async function () {
          const hash = await open();
          await hash.subscribeAsync('#', { qos: 0 });
          // A new persistent session makes NATS's MQTT gateway store it (on $MQTT/... subjects).
          const session = await open({ clientId: `dollar-${kind}`, clean: false });
          await session.subscribeAsync('dollar/telemetry', { qos: 1 });
          await session.publishAsync('dollar/telemetry', 'marker', { qos: 1 });
          await until(() => hash.received.some((m) => m.topic === 'dollar/telemetry'), 'the marker at #');
          if (caps.hashSeesDollarTopics) {
            await until(() => hash.received.some((m) => m.topic.startsWith('$')), 'a $ topic at #');
          } else {
            await settle();
            assert.deepStrictEqual(
              hash.received.filter((m) => m.topic.startsWith('$')),
              [],
            );
          }
          await session.endAsync(true);
          // End the persistent session so it leaves nothing behind.
          await (await open({ clientId: `dollar-${kind}`, clean: true })).endAsync(true);
        },
      );

      const qos2Title = {
        ok: 'carries QoS 2 end to end',
        downgraded: 'grants a QoS 2 subscription QoS 1 and delivers a QoS 2 publish at QoS 1',
        refused: 'grants a QoS 2 subscription QoS 1 and closes the connection of a QoS 2 publish',
      }[caps.qos2];
      it(qos2Title, async function () {
        const subscriber = await open();
        const granted = await subscriber.subscribeAsync('q2/telemetry', { qos: 2 });
        assert.deepStrictEqual(
          granted.map((g) => g.qos),
          [caps.qos2 === 'ok' ? 2 : 1],
        );
        const publisher = await open();
        if (caps.qos2 === 'refused') {
          publisher.publish('q2/telemetry', 'x', { qos: 2 });
          await publisher.closed;
          await settle();
          assert.deepStrictEqual(subscriber.received, []);
        } else {
          await publisher.publishAsync('q2/telemetry', 'x', { qos: 2 });
          await until(() => subscriber.received.length === 1, 'the message');
          assert.strictEqual(subscriber.received[0].qos, caps.qos2 === 'ok' ? 2 : 1);
        }
      });

      describe('the package on it: example 5 (scale-out server: MQTT 5 for $share)', function () {
        useServer();
        it(
          caps.mqtt5 ? 'connects example 5' : 'cannot connect example 5: its MQTT 5 connection is refused',
          async function () {
            await helper.load(allNodes, prepareExample('05-scale-out-server.json', broker));
            const link = helper.getNode('nl5_broker');
            if (caps.mqtt5) {
              await until(() => link.connected, 'example 5 to connect');
            } else {
              const failed = [];
              link.on('call:log', (call) => failed.push(call.args[0]));
              await until(() => failed.includes('mqtt.state.connect-failed'), 'the refused connection');
              assert.strictEqual(link.connected, false);
            }
          },
        );
      });
    });
  },
  { brokers: ALL_BROKERS },
);
