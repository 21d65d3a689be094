/**
 * The driver kit: the mechanisms every adapter needs, written once and tested on the virtual
 * clock, so that an adapter keeps only what is its broker's own. docs/writing-an-adapter.md
 * walks through it.
 */
export { BackgroundErrors } from './background-errors.js';
export { BackgroundLoop, type BackgroundLoopOptions } from './background-loop.js';
export { Batcher, type BatcherOptions } from './batcher.js';
export {
  DriverLifecycle,
  type DriverLifecycleOptions,
  type LifecycleConnection,
} from './driver-lifecycle.js';
export { ErrorBackoff } from './error-backoff.js';
export { Forwarder, type ForwarderOptions, type ForwarderSource, type HandBackReason } from './forwarder.js';
export { completeMeta, redrivenMeta } from './job-meta.js';
export { type Linked, LinkedSet } from './linked-set.js';
export { networkErrorCode } from './network-errors.js';
export { PendingWork } from './pending-work.js';
export { type QueueService, QueueServices } from './queue-services.js';
export { type RedriveHold, type RedriveOptions, type RedriveSource, redrive } from './redrive.js';
export { SettleOnce } from './settle-once.js';
export { pause, sleep } from './sleep.js';
export { untilAborted } from './until-aborted.js';
export { formatDuration, UrlParams } from './url-params.js';
export { Wakeup } from './wakeup.js';
