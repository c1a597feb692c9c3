import type { Node, NodeAPI, NodeMessage } from 'node-red';
import { guardForCatch, showError, toNodeError } from './runtime';
import type { StatusThrottle } from './status';

type Done = (err?: Error) => void;

/**
 * The one way a node of this package refuses an input: a red status with the (clipped)
 * message, held against ordinary status updates for the throttle's interval; the message
 * made safe for the Catch node's deep copy; `done(err)`, so a Catch node sees the
 * translated error (with its `code`). The node keeps serving the next input.
 */
export function refuse(
  RED: NodeAPI,
  node: Node,
  msg: NodeMessage,
  done: Done,
  err: unknown,
  status?: StatusThrottle,
): void {
  const error = toNodeError(RED, err);
  showError(node, error);
  status?.shown();
  guardForCatch(RED, msg);
  done(error);
}

/**
 * The one way a node of this package fails at deploy (a configuration it cannot work with:
 * an invalid device id, topic, group, ...): the error is logged once, the status turns red
 * and stays red, and every input is answered with `done(error)`, so a Catch node sees that
 * the node is not working instead of messages vanishing. Nothing is sent and no timer runs.
 *
 *     const setup = new NodeSetup(RED, node);
 *     const topic = setup.attempt(() => new TopicTemplate(config.topic).render(id));
 *     node.on('input', (msg, send, done) => {
 *       if (setup.refused(msg, done)) return;
 *       ...
 *     });
 */
export class NodeSetup {
  /** The setup error, once a step failed; the first one counts. */
  error: Error | undefined;

  constructor(
    private readonly RED: NodeAPI,
    private readonly node: Node,
  ) {}

  /** Whether setup failed. */
  get failed(): boolean {
    return this.error !== undefined;
  }

  /** Runs one setup step and returns its value; when it throws (or an earlier step failed): `undefined`, and the node fails. */
  attempt<T>(step: () => T): T | undefined {
    if (this.error) return undefined;
    try {
      return step();
    } catch (err) {
      this.fail(err);
      return undefined;
    }
  }

  /** Fails the node with `err`: logged once, a red status. Later failures are not logged again. */
  fail(err: unknown): void {
    if (this.error) return;
    this.error = toNodeError(this.RED, err);
    this.node.error(this.error);
    showError(this.node, this.error);
  }

  /** When setup failed, answers the input with the setup error and returns true; otherwise false. */
  refused(msg: NodeMessage, done: Done): boolean {
    if (!this.error) return false;
    guardForCatch(this.RED, msg);
    done(this.error);
    return true;
  }
}
