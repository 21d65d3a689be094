/**
 * The driver SPI, for adapter authors: `import type { Driver } from '@polyqueue/core/driver'`.
 * Application code never needs this entry point.
 */
export type { Clock, TimerHandle } from '../clock/clock.js';
export { systemClock } from '../clock/system-clock.js';
export { ErrorCode } from '../errors/error-code.js';
export { asNative, isNative, type NativeType, NativeTypeError } from '../runtime/native-type.js';
export { platformOf } from '../runtime/platform.js';
export * from '../wire/index.js';
export type { AdapterModule, DriverContext } from './adapter-module.js';
export type { BackgroundError, BackgroundErrorSink } from './background-error.js';
export type { Capabilities, LeaseCapability, TimingCapability } from './capabilities.js';
export type { DeadLetterStore, RedriveRequest, StoredDeadLetter } from './dead-letter-store.js';
export type { Delivery } from './delivery.js';
export type { Driver, SendCallOptions } from './driver.js';
/** The driver kit (docs/writing-an-adapter.md): the one sleep, forwarder, batcher, redrive loop... */
export * from './kit/index.js';
export type { OutgoingMessage, SendOutcome } from './outgoing-message.js';
export type { QueuePlatform } from './platform.js';
export { type QueueStats, STATS_FIELDS, type StatsField, UNKNOWN_STATS } from './queue-stats.js';
export type { QueueTopology } from './queue-topology.js';
export type { ReceiveBatching, Receiver, ReceiverOptions } from './receiver.js';
