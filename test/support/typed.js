'use strict';
// Types for the specs, which tsc checks (npm run typecheck): flow fixtures typed by each node's
// config interface, so a misspelled key is a type error instead of a silent default, and a
// loose view of the engines' outcome unions for tests that assert the kind at run time.

/**
 * Fields Node-RED itself gives every node in a flow (`outputs`: the count of a node whose outputs vary).
 * @typedef {{ id: string, name?: string, z?: string, x?: number, y?: number, wires?: string[][], outputs?: number }} NodeFields
 */

/** nightlight decide: its config interface plus the group name the adapter reads. */
/** @typedef {import('../../dist/nodes/lib/decide-config').DecideConfig & { groupName?: string, groupNameType?: string }} DecideFields */
/** light telemetry: its config interface. */
/** @typedef {import('../../dist/nodes/lib/telemetry-config').LightTelemetryConfig} TelemetryFields */
/** LED command: its config interface plus the device id the adapter reads. */
/** @typedef {import('../../dist/nodes/lib/led-node').LedCommandConfig & { deviceId?: string, deviceIdType?: string }} LedFields */

/** @typedef {NodeFields & DecideFields & { type: 'nightlight-decide' }} DecideNode */
/** @typedef {NodeFields & TelemetryFields & { type: 'light-telemetry' }} TelemetryNode */
/** @typedef {NodeFields & LedFields & { type: 'led-command' }} LedNode */
/** What a spec's `flow(props)` takes for one node: any of its fields, none required. */
/** @typedef {Partial<NodeFields> & DecideFields} DecideProps */
/** @typedef {Partial<NodeFields> & TelemetryFields} TelemetryProps */
/** @typedef {Partial<NodeFields> & LedFields} LedProps */
/** Any one of our nodes, chosen by `type`, with any of its fields. */
/** @typedef {(DecideProps & { type: 'nightlight-decide' }) | (TelemetryProps & { type: 'light-telemetry' }) | (LedProps & { type: 'led-command' })} OurProps */
/** One of our nodes in a flow. */
/** @typedef {DecideNode | TelemetryNode | LedNode} OurNode */

/**
 * A nightlight decide node for a flow.
 * @param {NodeFields & DecideFields} props
 * @returns {DecideNode}
 */
function decideNode(props) {
  return { type: 'nightlight-decide', ...props };
}

/**
 * A light telemetry node for a flow.
 * @param {NodeFields & TelemetryFields} props
 * @returns {TelemetryNode}
 */
function telemetryNode(props) {
  return { type: 'light-telemetry', ...props };
}

/**
 * An LED command node for a flow.
 * @param {NodeFields & LedFields} props
 * @returns {LedNode}
 */
function ledNode(props) {
  return { type: 'led-command', ...props };
}

/**
 * Every field of every member of the union `T`, each optional: how a test reads an outcome
 * whose kind it asserts at run time (`outcome.command` is `undefined` on an ignored one).
 * @template T
 * @typedef {{ [K in T extends unknown ? keyof T : never]?: T extends unknown ? (K extends keyof T ? T[K] : never) : never }} Loose
 */

/**
 * An engine class whose `observe` answers with a {@link Loose} outcome; the real class is assignable to it.
 * @template {abstract new (...args: any) => { observe: (...args: any) => any }} C
 * @typedef {new (...args: ConstructorParameters<C>) => Omit<InstanceType<C>, 'observe'> & {
 *   observe(...args: Parameters<InstanceType<C>['observe']>): Loose<ReturnType<InstanceType<C>['observe']>>
 * }} Seen
 */

/**
 * @node-red/util as the specs use it: its published types leave out the runtime's event bus,
 * and i18n's `init` and i18next instance (`i`).
 * @typedef {import('@node-red/util').UtilModule & {
 *   events: import('events').EventEmitter,
 *   i18n: import('@node-red/util').I18n & { i: import('i18next').i18n, init(settings: object): Promise<void> }
 * }} NodeRedUtil
 */

module.exports = { decideNode, telemetryNode, ledNode };
