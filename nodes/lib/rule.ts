/**
 * The lesson's rule and its hysteresis, in one place: a device, a sensor group (its
 * statistic, or each sensor under a quorum) and the LED's local fallback all ask it.
 */

/** The lesson's rule: the LED goes on below this light level. */
export const DEFAULT_THRESHOLD = 300;

/**
 * The light level below which a reading counts as dark, given whether the LED is on now.
 * Off (or undecided), it is `threshold`; on, it is `threshold + band`, so that a light
 * hovering around the threshold does not flicker the LED. A `band` of 0 is the plain rule.
 */
export function darkLimit(ledOn: boolean | undefined, threshold: number, band: number): number {
  return ledOn === true ? threshold + band : threshold;
}

/** Hysteresis: whether the LED should be on after `light`, given whether it is on now (see {@link darkLimit}). */
export function wantsOn(ledOn: boolean | undefined, light: number, threshold: number, band: number): boolean {
  return light < darkLimit(ledOn, threshold, band);
}
