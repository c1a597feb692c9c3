import type { DecideOverrides } from './decide';
import type { Control, ControlMode } from './types';

/**
 * Run-time control of nightlight decide (docs/nodes.md, "Run-time control"): per device, or
 * for a group under its name, a mode (`auto`, or the LED held `on`/`off`, for a while or
 * until `auto` comes) and a threshold and band that replace the configured ones. Controls
 * arrive on `<id>/control`, whole or in part (`{"threshold": 250}`); the node merges them
 * and publishes the whole control retained on the same topic, so that a restarted server,
 * or a second one sharing the work, learns it. Ordered by `ts` like commands: an older
 * control never undoes a newer one. Pure: `now` is an argument, timers are the node's.
 */

/** What a device's (or group's) control stands at. */
export interface ControlState {
  mode: ControlMode;
  /** When an `on`/`off` ends (epoch ms); `undefined`: until `auto` comes. */
  until?: number;
  threshold?: number;
  band?: number;
  /** The control's position: its own `ts`, or the time it was taken here (after the previous one). */
  ts: number;
}

/** A whole control as it is published retained: what a receiver needs to stand where this one stands. */
export interface ControlPayload {
  mode: ControlMode;
  for?: number;
  threshold?: number;
  band?: number;
  ts: number;
}

/**
 * What a control did. `applied`: taken; `publish` the whole control (the one that came was
 * partial, or had no `ts`), and `effect`: what decides the LED changed (the hold or the
 * rule), so decide again. `same`: the control this node stands at, coming back. `stale`:
 * older than the one it stands at; `repair` is the whole control to publish again when it
 * differs (the broker holds an older control than it should). `cleared`: an empty retained
 * payload deleted the control: back to the configured rule.
 */
export type ControlOutcome =
  | { kind: 'applied'; state: ControlState; publish: boolean; effect: boolean }
  | { kind: 'same' }
  | { kind: 'stale'; repair?: ControlPayload }
  | { kind: 'cleared'; effect: boolean };

/** The whole control of `state`, with `for` counted from its `ts`. */
export function controlPayload(state: ControlState): ControlPayload {
  const payload = { mode: state.mode } as ControlPayload;
  if (state.until !== undefined) payload.for = (state.until - state.ts) / 1000;
  if (state.threshold !== undefined) payload.threshold = state.threshold;
  if (state.band !== undefined) payload.band = state.band;
  payload.ts = state.ts;
  return payload;
}

function samePayload(control: Control, payload: ControlPayload): boolean {
  return (
    control.mode === payload.mode &&
    control.for === payload.for &&
    control.threshold === payload.threshold &&
    control.band === payload.band &&
    control.ts === payload.ts
  );
}

/** Whether `state` holds the LED at `now`: `true`/`false` for on/off, `undefined` when the rule decides. */
export function heldAt(state: ControlState | undefined, now: number): boolean | undefined {
  if (!state || state.mode === 'auto' || (state.until !== undefined && state.until <= now)) return undefined;
  return state.mode === 'on';
}

/** The controls this node knows, by device id (or group name). */
export class ControlBook {
  private readonly states = new Map<string, ControlState>();
  /** Ids whose whole control this node published and has not yet seen come back. */
  private readonly inFlight = new Set<string>();
  /** When the next hold ends (`null`: to be worked out again, a hold was taken or ended). */
  private wakeAt: number | undefined | null = undefined;

  /** @param max most controls held: beyond it, the one changed longest ago is forgotten. */
  constructor(private readonly max: number) {}

  get size(): number {
    return this.states.size;
  }

  get(id: string): ControlState | undefined {
    return this.states.size === 0 ? undefined : this.states.get(id);
  }

  /** The rule overrides of `id`'s control at `now` (none when it has no control). */
  overrides(id: string, now: number): DecideOverrides | undefined {
    const state = this.get(id);
    if (!state) return undefined;
    return { threshold: state.threshold, band: state.band, hold: heldAt(state, now) };
  }

  /** Takes a control (`null`: the retained control was deleted) for `id` at `now`. */
  apply(id: string, control: Control | null, now: number): ControlOutcome {
    const old = this.states.get(id);
    if (control === null) {
      if (!old) return { kind: 'cleared', effect: false };
      this.forget(id);
      return { kind: 'cleared', effect: true };
    }
    if (old && control.ts !== undefined && control.ts <= old.ts) {
      if (control.ts === old.ts) {
        this.inFlight.delete(id);
        return { kind: 'same' };
      }
      const mine = controlPayload(old);
      const differs = !samePayload({ ...control, ts: mine.ts }, mine);
      if (!differs || this.inFlight.has(id)) return { kind: 'stale' };
      this.inFlight.add(id);
      return { kind: 'stale', repair: mine };
    }
    const ts = control.ts ?? (old && old.ts >= now ? old.ts + 1 : now);
    const state: ControlState = { mode: control.mode ?? old?.mode ?? 'auto', ts };
    const holds = state.mode !== 'auto';
    if (control.mode !== undefined) {
      if (holds && control.for !== undefined) state.until = ts + control.for * 1000;
    } else if (holds && old?.until !== undefined) state.until = old.until;
    const threshold = control.threshold === undefined ? old?.threshold : control.threshold;
    const band = control.band === undefined ? old?.band : control.band;
    if (threshold !== null && threshold !== undefined) state.threshold = threshold;
    if (band !== null && band !== undefined) state.band = band;
    if (state.until !== undefined && state.until <= now) this.end(state, now);
    const effect =
      heldAt(old, now) !== heldAt(state, now) ||
      old?.threshold !== state.threshold ||
      old?.band !== state.band ||
      old === undefined;
    this.store(id, state);
    const publish = !samePayload(control, controlPayload(state));
    if (publish) this.inFlight.add(id);
    else this.inFlight.delete(id);
    return { kind: 'applied', state, publish, effect };
  }

  /**
   * The ids whose hold ended by `now` (a `for` ran out). Each now stands at `auto`, at a
   * new position: publish its whole control and decide again.
   */
  expire(now: number): string[] {
    const ended: string[] = [];
    for (const [id, state] of this.states) {
      if (state.until !== undefined && state.until <= now) {
        this.end(state, now);
        this.inFlight.add(id);
        ended.push(id);
      }
    }
    return ended;
  }

  /** When the next hold ends, or `undefined`. */
  nextWake(): number | undefined {
    if (this.wakeAt !== null) return this.wakeAt;
    let next: number | undefined;
    for (const state of this.states.values())
      if (state.until !== undefined && (next === undefined || state.until < next)) next = state.until;
    return (this.wakeAt = next);
  }

  clear(): void {
    this.wakeAt = undefined;
    this.states.clear();
    this.inFlight.clear();
  }

  /** The hold is over: `auto`, at a position after the one it was taken at. */
  private end(state: ControlState, now: number): void {
    this.wakeAt = null;
    state.mode = 'auto';
    state.until = undefined;
    state.ts = state.ts >= now ? state.ts + 1 : now;
  }

  private store(id: string, state: ControlState): void {
    this.wakeAt = null;
    this.states.delete(id);
    this.states.set(id, state);
    if (this.states.size > this.max) this.forget(this.states.keys().next().value as string);
  }

  private forget(id: string): void {
    this.wakeAt = null;
    this.states.delete(id);
    this.inFlight.delete(id);
  }
}
