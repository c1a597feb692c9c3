/**
 * What a node's status should say, decided by its controller without Node-RED: a catalog
 * key and its values. The adapter turns it into text (see `renderStatus` in
 * shared/status.ts): a view without `params` is a fixed text, sent as the key so the editor
 * shows it in the browser's language; one with values is translated in the runtime.
 */
export interface StatusView {
  fill: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape: 'ring' | 'dot';
  /** The full catalog key (`<node>.status.<name>`). */
  key: string;
  /** Values of the text; absent for a fixed text. */
  params?: Record<string, string | number>;
  /** Values that are themselves catalog keys (a word such as "on"), translated before the text. */
  words?: Record<string, string>;
  /** The value (a device id, a group name) shortened so the text fits under the node. */
  fit?: string;
}
