/** What a device publishes on `<id>/telemetry`. Only `light` is required (the lesson's format). */
export interface Telemetry {
  /** The light level as the sensor reports it (the lesson's sensor gives 0 to 1023). */
  light: number;
  /** Epoch milliseconds at which the reading was taken. */
  ts?: number;
  /** Per-device counter, increasing with every reading. */
  seq?: number;
  /** True when the reading is replayed from the device's offline buffer. */
  historical?: boolean;
}

/** What the server publishes on `<id>/commands`. Only `led_on` is required (the lesson's format). */
export interface Command {
  led_on: boolean;
  ts?: number;
  seq?: number;
  /**
   * Why, once the device (or group) has a run-time control: `auto` (the rule decided) or
   * `override` (held by a control). A lesson device reads only `led_on`.
   */
  mode?: CommandMode;
  /** The threshold a run-time control set (absent: the configured one). */
  threshold?: number;
  /** The band a run-time control set (absent: the configured one). */
  band?: number;
}

export type CommandMode = 'auto' | 'override';

/** The modes a run-time control sets: the rule decides (`auto`), or the LED is held `on` or `off`. */
export type ControlMode = 'auto' | 'on' | 'off';

/**
 * A run-time control as it arrives on `<id>/control`: every field optional, a message may
 * change only the threshold. `null` for `threshold` or `band` goes back to the configured value.
 */
export interface Control {
  mode?: ControlMode;
  /** Seconds an `on`/`off` holds; absent: until `auto` comes. */
  for?: number;
  threshold?: number | null;
  band?: number | null;
  ts?: number;
}

/** Where a message sits in a device's stream, for ordering and de-duplication. */
export interface StreamPosition {
  ts?: number;
  seq?: number;
}
