import { currentCommand, DecisionEngine, DecisionState } from './decide';
import { isCommandAfter, samePosition } from './order';
import type { Command } from './types';

/*
 * What only several Node-REDs sharing one broker need (docs/scaling-out.md): every server
 * also hears the commands the others (and it itself) publish on the command topic, learns
 * the newer ones, and repairs an older contradicting command the broker ended up holding.
 * A single server hears only its own echoes; the single-server path (decide.ts) never
 * reads anything here.
 */

/**
 * A decision that may be shared: two flags on top of {@link DecisionState}. Two plain
 * fields cost a tracked device 16 bytes; the memory benchmark (bench/RESULTS.md) shows a
 * device with its id within 256 bytes without packing them into bits.
 */
export class SharedDecisionState extends DecisionState {
  /** The decision was taken here, not learned: this node is the one to repair an older command on the broker. */
  mine = false;
  /** This node published the last command (`commandTs`/`commandSeq`) and has not yet seen it come back from the broker. */
  inFlight = false;
}

/** How a command learned from the broker compares with what a decision knows: `newer` is taken, `same` or `older` is not. */
export type Learned = 'newer' | 'same' | 'older';

/**
 * Takes a command learned from the broker (one this or another Node-RED published) as the
 * decision's state when it supersedes the newest position the decision knows
 * (`isCommandAfter`: by position, ties to `led_on: true`): `newer`. Taking it resets the
 * debounce: the decision was taken elsewhere. `same` is the last command published or
 * learned coming back (for the publisher, its echo); anything else is `older`.
 */
export function learnCommand(state: SharedDecisionState, command: Command): Learned {
  if (!isCommandAfter(command, { ts: state.ts, seq: state.seq, led_on: state.ledOn })) {
    if (command.led_on !== state.ledOn || !samePosition(command, { ts: state.commandTs, seq: state.commandSeq }))
      return 'older';
    state.inFlight = false;
    return 'same';
  }
  state.ledOn = command.led_on;
  if (command.seq !== undefined || command.ts !== undefined) {
    state.ts = state.commandTs = command.ts;
    state.seq = state.commandSeq = command.seq;
  }
  state.pendingCount = 0;
  state.mine = false;
  state.inFlight = false;
  return 'newer';
}

export type LearnOutcome =
  | { kind: 'learned'; ledOn: boolean }
  | { kind: 'ignored'; reason: 'stale'; ledOn: boolean | undefined }
  | { kind: 'repair'; command: Command };

/** The per-device decision of a Node-RED that may share the work with others: it also learns from the broker. */
export class SharedDecisionEngine extends DecisionEngine<SharedDecisionState> {
  protected override createState(now: number): SharedDecisionState {
    return new SharedDecisionState(now);
  }

  /**
   * The state now stands for this reading, even when nothing is sent: if an older,
   * contradicting command shows up on the broker, this node knows better and repairs it.
   */
  protected override decided(state: SharedDecisionState, sent: boolean): void {
    state.mine = true;
    if (sent) state.inFlight = true;
  }

  /**
   * Takes a command seen on the broker for `deviceId` (published by this or another
   * Node-RED): counts no reading and, when it supersedes what the node knows, takes its
   * LED state and position (`learned`). One that does not is ignored (`stale`), unless it
   * contradicts a decision taken here for a newer reading and this node's own command is
   * not still on its way: then the broker holds an older command than it should, and the
   * outcome is a `repair`, the node's current command to publish again.
   */
  learn(deviceId: string, command: Command, now: number): LearnOutcome {
    this.devices.expire(now);
    let state = this.devices.get(deviceId);
    if (!state) this.devices.add(deviceId, (state = this.createState(now)));
    const learned = learnCommand(state, command);
    if (learned === 'newer') return { kind: 'learned', ledOn: command.led_on };
    if (learned === 'older' && command.led_on !== state.ledOn && state.mine && !state.inFlight) {
      // The decision for the newest reading seen here, at that reading's position.
      if (state.ts !== undefined || state.seq !== undefined) {
        state.commandTs = state.ts;
        state.commandSeq = state.seq;
      }
      state.inFlight = true;
      return { kind: 'repair', command: currentCommand(state) as Command };
    }
    return { kind: 'ignored', reason: 'stale', ledOn: state.ledOn };
  }
}
