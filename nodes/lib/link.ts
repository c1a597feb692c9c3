/**
 * Reading what the built-in MQTT nodes tell a flow through Status and Complete nodes, so
 * light telemetry learns link state and delivery without changing those nodes.
 */

/** The marker light telemetry puts on every message it sends, and finds again on its completion. */
export interface DeliveryMarker {
  /** The id of the light telemetry node that sent the message. */
  node: string;
  /** Which reading this is, inside that node. */
  key: number;
  device: string;
  seq?: number;
}

/**
 * The link state a Status node reports for `mqtt out` (or its broker): `up` when
 * connected, `down` when disconnected or still connecting (`mqtt out` drops messages in
 * both), `undefined` when the status says nothing about the link. The built-in node sets
 * catalog keys such as `node-red:common.status.connected` with a green, red or yellow
 * fill; the fill decides when the text is not one of those.
 */
export function linkFromStatus(status: unknown): 'up' | 'down' | undefined {
  if (status === null || typeof status !== 'object') return undefined;
  const { text, fill } = status as { text?: unknown; fill?: unknown };
  if (typeof text === 'string') {
    if (/(^|[.:\s])(disconnected|connecting)$/.test(text)) return 'down';
    if (/(^|[.:\s])connected$/.test(text)) return 'up';
  }
  if (fill === 'green') return 'up';
  if (fill === 'red' || fill === 'yellow') return 'down';
  return undefined;
}

/** The delivery marker of `msg` when it is a completion of a message that node `nodeId` sent. */
export function deliveryOf(msg: unknown, nodeId: string): DeliveryMarker | undefined {
  if (msg === null || typeof msg !== 'object') return undefined;
  const marker = (msg as { nightlight?: unknown }).nightlight;
  if (marker === null || typeof marker !== 'object') return undefined;
  const m = marker as Partial<DeliveryMarker>;
  return m.node === nodeId && typeof m.key === 'number' ? (m as DeliveryMarker) : undefined;
}

/**
 * The link as the nodes light telemetry is wired to see it, for the time before any status
 * arrives: `down` when one of them is an `mqtt out` whose broker connection is not up (it
 * has not connected yet: what it is sent now it drops), `up` when every such `mqtt out` is
 * connected, `undefined` when none is wired directly (the Status node is then the only source).
 * Reads the broker node's `connected` flag through the `mqtt out` node's `brokerConn`.
 */
export function linkFromWiredNodes(nodes: unknown[]): 'up' | 'down' | undefined {
  let seen = false;
  for (const n of nodes) {
    if (n === null || typeof n !== 'object' || (n as { type?: unknown }).type !== 'mqtt out') continue;
    const broker = (n as { brokerConn?: unknown }).brokerConn;
    if (broker === null || typeof broker !== 'object') continue;
    if ((broker as { connected?: unknown }).connected !== true) return 'down';
    seen = true;
  }
  return seen ? 'up' : undefined;
}
