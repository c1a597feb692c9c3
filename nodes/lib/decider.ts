import type { DecideOverrides, IgnoreReason } from './decide';
import { GroupEngine, type Aggregation, type GroupHealth, type GroupOptions } from './group';
import { SharedDecisionEngine } from './scale-out';
import type { Command, Telemetry } from './types';

/** A command to publish for device (or group) `id`; `light` is what it was decided from, `sensors` a group's contributors. */
export interface Publication {
  id: string;
  command: Command;
  light?: number;
  sensors?: string[];
}

/**
 * What one reading did, for a device or a group alike: a command to publish under
 * `Decider.commandId`, or why nothing. `health` is a group's count of fresh sensors,
 * `sensors` the ones a group's command was decided from. (A device's outcome is the
 * engine's own object: nothing is copied for the commonest case.)
 */
export type Decision =
  | { kind: 'command'; command: Command; light: number; changed: boolean; sensors?: string[]; health?: GroupHealth }
  | {
      kind: 'ignored';
      reason: IgnoreReason | 'not-member' | 'too-few';
      light: number;
      ledOn: boolean | undefined;
      health?: GroupHealth;
    };

/**
 * What a command seen on the broker did: taken as the state (`learned`), not taken
 * (`ignored`: not newer, or not for this group), or found older than a decision taken here
 * (`repair`: publish this again; several Node-REDs sharing the work, see scale-out.ts).
 */
export type Learning =
  | { kind: 'learned'; ledOn: boolean }
  | { kind: 'ignored'; reason: 'stale' | 'not-this-group'; ledOn: boolean | undefined }
  | { kind: 'repair'; publish: Publication };

/** What the status shows of a decider. */
export interface DeciderSnapshot {
  /** Devices (or a group's sensors) tracked. */
  size: number;
  /** Devices forgotten so far (bound reached, or silent past the expiry). */
  forgotten: number;
  /** Set for a group. */
  group?: { name: string; aggregation: Aggregation; ledOn: boolean | undefined; health: GroupHealth | undefined };
}

/**
 * What nightlight decide asks of a decision, whether per device or one for a group of
 * sensors. Pure: no timers, no clock, `now` is an argument.
 */
export interface Decider {
  /** One reading of device (or sensor) `id`. */
  observe(id: string, telemetry: Telemetry, now: number, overrides: DecideOverrides): Decision;
  /** Under which id a command decided from a reading of `id` is published: the device's own, or the group's name. */
  commandId(id: string): string;
  /** A command for `id` seen on the broker (this or another Node-RED published it). */
  learn(id: string, command: Command, now: number): Learning;
  /** Every current command, for a periodic re-send. */
  refresh(now: number): Publication[];
  /** A group's fresh-sensor count at `now` (for the warning while no reading arrives); `undefined` for devices. */
  health(now: number): GroupHealth | undefined;
  /** How often (ms) `health` should be looked at without readings; 0: never. */
  readonly healthEveryMs: number;
  snapshot(): DeciderSnapshot;
  clear(): void;
  /** Whether readings of `id` count here: any device's; for a group, its members'. */
  member(id: string): boolean;
  /** Whether a run-time control for `id` concerns this decider: any device's; for a group, its name only. */
  controls(id: string): boolean;
  /** A control holds `id`'s LED at `on`: the command to publish. */
  force(id: string, on: boolean, now: number): Publication;
  /** Decides `id` again at once (a control released the LED or changed the rule); `undefined` when it cannot. */
  redecide(id: string, now: number, overrides: DecideOverrides): Publication | undefined;
  /** Forgets what is silent past the expiry (each id forgotten goes to the constructor's `onForget`). */
  expire(now: number): void;
  /** When the next device (or sensor) is due to be forgotten by the expiry, or `undefined`. */
  nextExpiry(): number | undefined;
}

/** One decision per device: the lesson's server. */
export class DeviceDecider implements Decider {
  /** Every device decision also learns from the broker: a single server hears only its own echoes. */
  readonly engine: SharedDecisionEngine;
  readonly healthEveryMs = 0;

  constructor(options: Partial<GroupOptions>, onForget?: (id: string) => void) {
    this.engine = new SharedDecisionEngine(options, onForget);
  }

  controls(): boolean {
    return true;
  }

  member(): boolean {
    return true;
  }

  force(id: string, on: boolean, now: number): Publication {
    return { id, command: this.engine.force(id, on, now) };
  }

  redecide(id: string, now: number, overrides: DecideOverrides): Publication | undefined {
    const outcome = this.engine.redecide(id, now, overrides);
    return outcome?.kind === 'command' ? { id, command: outcome.command, light: outcome.light } : undefined;
  }

  expire(now: number): void {
    this.engine.expire(now);
  }

  nextExpiry(): number | undefined {
    return this.engine.nextExpiry();
  }

  observe(id: string, telemetry: Telemetry, now: number, overrides: DecideOverrides): Decision {
    return this.engine.observe(id, telemetry, now, overrides);
  }

  commandId(id: string): string {
    return id;
  }

  learn(id: string, command: Command, now: number): Learning {
    const outcome = this.engine.learn(id, command, now);
    return outcome.kind === 'repair' ? { kind: 'repair', publish: { id, command: outcome.command } } : outcome;
  }

  refresh(now: number): Publication[] {
    const all: Publication[] = [];
    this.engine.forEachCommand(now, (id, command) => all.push({ id, command }));
    return all;
  }

  health(): undefined {
    return undefined;
  }

  snapshot(): DeciderSnapshot {
    return { size: this.engine.size, forgotten: this.engine.evictions + this.engine.expirations };
  }

  clear(): void {
    this.engine.clear();
  }
}

/** One decision for a group of sensors (the stadium), published under the group's name. */
export class GroupDecider implements Decider {
  readonly engine: GroupEngine;
  readonly healthEveryMs: number;
  private lastHealth: GroupHealth | undefined;

  constructor(options: Partial<GroupOptions>, onForget?: (id: string) => void) {
    this.engine = new GroupEngine(options, onForget);
    const freshnessMs = this.engine.options.freshnessMs;
    this.healthEveryMs = freshnessMs > 0 ? Math.min(5000, Math.max(250, freshnessMs / 4)) : 0;
  }

  observe(id: string, telemetry: Telemetry, now: number, overrides: DecideOverrides): Decision {
    const outcome = this.engine.observe(id, telemetry, now, overrides);
    if (outcome.health) this.lastHealth = outcome.health;
    const { health, value: light } = outcome;
    if (outcome.kind === 'ignored')
      return { kind: 'ignored', reason: outcome.reason, light, ledOn: this.engine.ledOn, health };
    const { command, changed } = outcome;
    return { kind: 'command', command, light, changed, sensors: command.sensors, health };
  }

  commandId(): string {
    return this.engine.name;
  }

  learn(id: string, command: Command): Learning {
    if (id !== this.engine.name) return { kind: 'ignored', reason: 'not-this-group', ledOn: this.engine.ledOn };
    if (this.engine.learn(command)) return { kind: 'learned', ledOn: command.led_on };
    return { kind: 'ignored', reason: 'stale', ledOn: this.engine.ledOn };
  }

  refresh(): Publication[] {
    const command = this.engine.current();
    return command ? [{ id: this.engine.name, command }] : [];
  }

  health(now: number): GroupHealth {
    return (this.lastHealth = this.engine.health(now));
  }

  controls(id: string): boolean {
    return id === this.engine.name;
  }

  member(id: string): boolean {
    return this.engine.isMember(id);
  }

  force(id: string, on: boolean, now: number): Publication {
    const { command, health } = this.engine.force(on, now);
    this.lastHealth = health;
    return { id, command, sensors: command.sensors };
  }

  redecide(id: string, now: number, overrides: DecideOverrides): Publication | undefined {
    const outcome = this.engine.redecide(now, overrides);
    if (outcome.health) this.lastHealth = outcome.health;
    if (outcome.kind !== 'command') return undefined;
    return { id, command: outcome.command, light: outcome.value, sensors: outcome.command.sensors };
  }

  expire(now: number): void {
    this.engine.expire(now);
  }

  nextExpiry(): number | undefined {
    return this.engine.nextExpiry();
  }

  snapshot(): DeciderSnapshot {
    const { name, options, ledOn, size, evictions, expirations } = this.engine;
    return {
      size,
      forgotten: evictions + expirations,
      group: { name, aggregation: options.aggregation, ledOn, health: this.lastHealth },
    };
  }

  clear(): void {
    this.engine.clear();
  }
}
