import { DEFAULT_DECIDE_OPTIONS } from './decide';
import { DEFAULT_MAX_SKEW_MS } from './clock';
import { numberOption as num, qosOption, wholeOption as whole, type Qos } from './options';
import { DEFAULT_DISCOVERY_PREFIX, type DiscoverySettings } from './discovery';
import { DEFAULT_MAX_BYTES } from './payload';
import { AGGREGATIONS, DEFAULT_GROUP_OPTIONS, type Aggregation, type GroupOptions } from './group';

/** The editor fields of a nightlight decide node, as Node-RED hands them over (numbers may be strings). */
export interface DecideConfig {
  telemetryTopic?: string;
  commandTopic?: string;
  /** Where run-time controls arrive and are published retained; empty: `{id}/control`. */
  controlTopic?: string;
  /** QoS of the commands: `0`, `1` (default) or `2`. */
  qos?: unknown;
  /** Commands are retained unless this is `false`. */
  retain?: boolean;
  maxBytes?: unknown;
  /** Seconds a `ts` may be ahead of this node's clock; empty: 300; 0: no check. */
  maxSkew?: unknown;
  mode?: string;
  threshold?: unknown;
  band?: unknown;
  /** `none`, `readings` (debounceCount in a row) or `time` (held for debounceTime seconds). */
  debounce?: string;
  debounceCount?: unknown;
  debounceTime?: unknown;
  emit?: string;
  /** Seconds between periodic re-sends of every current command; 0 or empty: none. */
  refresh?: unknown;
  maxDevices?: unknown;
  /** Seconds of silence after which a device (or sensor) is forgotten; 0 or empty: never. */
  expiry?: unknown;
  /** Seconds: a reading whose ts is older is historical; 0 or empty: no age check. */
  maxAge?: unknown;
  members?: string;
  aggregation?: string;
  quorum?: unknown;
  /** Seconds. */
  freshness?: unknown;
  minFresh?: unknown;
  /** Home Assistant MQTT discovery; off unless `true`. */
  discovery?: boolean;
  discoveryPrefix?: string;
  availabilityTopic?: string;
  /** Seconds of silence after which a device is announced offline; 0: never. */
  offlineAfter?: unknown;
  /** Home Assistant shows the LED from the `commands` this node sends or from the `state` devices report. */
  ledFrom?: string;
  stateTopic?: string;
  /** The readings are lux: Home Assistant gets an illuminance sensor. */
  lux?: boolean;
  /** A forgotten device is removed from Home Assistant. */
  removeForgotten?: boolean;
}

export interface DecideSettings {
  mode: 'device' | 'group';
  /** Group options; in device mode only the decision fields are used. `name` is filled by the node. */
  options: GroupOptions;
  /** Milliseconds between periodic refreshes; 0: none. */
  refreshMs: number;
  telemetryTopic: string;
  commandTopic: string;
  controlTopic: string;
  qos: Qos;
  retain: boolean;
  maxBytes: number;
  /** A reading or command whose `ts` is further ahead of the clock than this (ms) is refused; 0: no check. */
  maxSkewMs: number;
  /** Home Assistant discovery, when on. */
  discovery: DiscoverySettings | undefined;
  availabilityTopic: string;
  stateTopic: string;
}

/**
 * Turns the editor's fields into engine options. Seconds become milliseconds; a missing
 * or invalid field takes its default, so flows saved by older versions keep working.
 */
export function readDecideConfig(config: DecideConfig): DecideSettings {
  const debounce = config.debounce === 'readings' || config.debounce === 'time' ? config.debounce : 'none';
  const aggregation = (AGGREGATIONS as readonly string[]).includes(config.aggregation ?? '')
    ? (config.aggregation as Aggregation)
    : DEFAULT_GROUP_OPTIONS.aggregation;
  const options: GroupOptions = {
    ...DEFAULT_GROUP_OPTIONS,
    threshold: num(config.threshold, DEFAULT_DECIDE_OPTIONS.threshold),
    band: num(config.band, 0),
    debounceReadings: debounce === 'readings' ? whole(config.debounceCount, 3, 1) : 1,
    debounceMs: debounce === 'time' ? num(config.debounceTime, 10) * 1000 : 0,
    emit: config.emit === 'every' ? 'every' : 'change',
    maxDevices: whole(config.maxDevices, DEFAULT_DECIDE_OPTIONS.maxDevices, 1),
    expiryMs: num(config.expiry, 0) * 1000,
    maxAgeMs: num(config.maxAge, 0) * 1000,
    members: typeof config.members === 'string' ? config.members : '',
    aggregation,
    quorum: whole(config.quorum, DEFAULT_GROUP_OPTIONS.quorum, 1),
    freshnessMs: num(config.freshness, DEFAULT_GROUP_OPTIONS.freshnessMs / 1000) * 1000,
    minFresh: whole(config.minFresh, DEFAULT_GROUP_OPTIONS.minFresh, 1),
  };
  return {
    mode: config.mode === 'group' ? 'group' : 'device',
    options,
    refreshMs: num(config.refresh, 0) * 1000,
    telemetryTopic: config.telemetryTopic || '{id}/telemetry',
    commandTopic: config.commandTopic || '{id}/commands',
    controlTopic: config.controlTopic || '{id}/control',
    qos: qosOption(config.qos, 1),
    retain: config.retain !== false,
    maxBytes: num(config.maxBytes, DEFAULT_MAX_BYTES),
    maxSkewMs: num(config.maxSkew, DEFAULT_MAX_SKEW_MS / 1000) * 1000,
    discovery: config.discovery === true ? discoverySettings(config) : undefined,
    availabilityTopic: config.availabilityTopic || '{id}/availability',
    stateTopic: config.stateTopic || '{id}/state',
  };
}

/** The discovery options of the editor's fields; commands' QoS applies to discovery too. */
function discoverySettings(config: DecideConfig): DiscoverySettings {
  return {
    prefix: config.discoveryPrefix || DEFAULT_DISCOVERY_PREFIX,
    lux: config.lux === true,
    offlineAfterMs: num(config.offlineAfter, 300) * 1000,
    removeForgotten: config.removeForgotten === true,
    ledFrom: config.ledFrom === 'state' ? 'state' : 'commands',
    qos: qosOption(config.qos, 1),
  };
}
