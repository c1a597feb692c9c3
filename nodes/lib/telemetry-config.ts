import { bufferBound, type OfflinePolicy, type ReplayOrder } from './buffer';
import { choiceOption, numberOption, qosOption } from './options';
import { DEFAULT_MAX_BYTES } from './payload';
import type { LightTelemetryOptions } from './telemetry-controller';

/** The editor fields of a light telemetry node, as Node-RED hands them over (numbers may be strings). */
export interface LightTelemetryConfig {
  deviceId?: string;
  deviceIdType?: string;
  topic?: string;
  qos?: unknown;
  retain?: unknown;
  maxBytes?: unknown;
  /** Seconds. */
  minInterval?: unknown;
  deadband?: unknown;
  /** Seconds. */
  heartbeat?: unknown;
  offline?: unknown;
  capacity?: unknown;
  /** Most sends per second while a backlog drains. */
  rate?: unknown;
  /** Seconds. */
  ackTimeout?: unknown;
  store?: unknown;
  /** `live-first` (default) or `chronological`. */
  replay?: unknown;
}

const POLICIES: readonly OfflinePolicy[] = ['drop', 'latest', 'all'];
const REPLAYS: readonly ReplayOrder[] = ['live-first', 'chronological'];
/** Most readings sent and not yet confirmed at once. */
export const WINDOW = 5;

/**
 * Turns the editor's fields into options: seconds become ms, a missing or invalid field
 * takes its default. `settings`: Node-RED's (`RED.settings`); the buffer bound defaults to
 * its `nodeMessageBufferMaxLength` and never exceeds it when that is set.
 */
export function readTelemetryConfig(
  config: LightTelemetryConfig,
  settings: { nodeMessageBufferMaxLength?: unknown } = {},
): LightTelemetryOptions {
  const policy = choiceOption(config.offline, POLICIES, 'drop');
  const capacity = numberOption(config.capacity, NaN);
  return {
    topic: typeof config.topic === 'string' && config.topic ? config.topic : '{id}/telemetry',
    qos: qosOption(config.qos, 0),
    retain: config.retain === true,
    maxBytes: numberOption(config.maxBytes, DEFAULT_MAX_BYTES),
    report: {
      minIntervalMs: numberOption(config.minInterval, 0) * 1000,
      deadband: numberOption(config.deadband, 0),
      heartbeatMs: numberOption(config.heartbeat, 0) * 1000,
    },
    outbox: {
      policy,
      capacity: bufferBound(Number.isNaN(capacity) ? undefined : capacity, settings.nodeMessageBufferMaxLength),
      window: WINDOW,
      gapMs: 1000 / Math.max(0.1, numberOption(config.rate, 20)),
      ackTimeoutMs: Math.max(1, numberOption(config.ackTimeout, 10)) * 1000,
      replay: choiceOption(config.replay, REPLAYS, 'live-first'),
    },
    store: policy !== 'drop' && config.store ? String(config.store) : undefined,
  };
}
