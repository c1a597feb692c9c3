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
}

/** Where a message sits in a device's stream, for ordering and de-duplication. */
export interface StreamPosition {
  ts?: number;
  seq?: number;
}
