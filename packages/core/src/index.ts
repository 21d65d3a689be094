/**
 * @polyqueue/core: portable background jobs.
 *
 *   const broker = await connect(process.env.QUEUE_URL || 'memory://');
 *   const emails = broker.queue('emails', { maxAttempts: 5 });
 *   await emails.send({ to: 'a@b.c' }, { delay: 60_000 });
 *   emails.process(async (job, { signal }) => { ... }, { concurrency: 16 });
 */
export type { Clock } from './clock/clock.js';
export { systemClock } from './clock/system-clock.js';
export { VirtualClock } from './clock/virtual-clock.js';
export { redactCredentials, redactUrl } from './config/redact.js';
export type { AdapterSource } from './config/resolve-driver.js';
export type { BackgroundError, BackgroundErrorSink } from './driver/background-error.js';
export type { Capabilities } from './driver/capabilities.js';
export { sleep } from './driver/kit/sleep.js';
export { type QueueStats, STATS_FIELDS, type StatsField } from './driver/queue-stats.js';
export * from './errors/index.js';
export type {
  Instrumentation,
  ProcessScope,
  SendScope,
  Settlement,
} from './instrument/instrumentation.js';
export { MemoryBrokerError } from './memory/memory-broker-error.js';
export { MemoryNativeMessage } from './memory/memory-message.js';
export { MemoryServer, type MemoryServerOptions, type RawMessage } from './memory/memory-server.js';
export { type Backoff, type BackoffFunction, compileBackoff, DEFAULT_BACKOFF } from './policy/backoff.js';
export { Broker, DEFAULT_LEASE_MS, DEFAULT_MAX_ATTEMPTS } from './runtime/broker.js';
export type { BackgroundErrorInfo, BrokerErrorListener } from './runtime/broker-error-events.js';
export { type Closable, type CloseOnSignalsOptions, closeOnSignals } from './runtime/close-on-signals.js';
export { type ConnectOptions, connect } from './runtime/connect.js';
export type { DeadLetter, DeadLetters, RedriveOptions } from './runtime/dead-letters.js';
export type { DeliveryHandler } from './runtime/delivery-handler.js';
export type { WorkerEvents } from './runtime/events.js';
export type { Handler, Job, JobContext, Middleware } from './runtime/job.js';
export type { JobOutcome } from './runtime/job-runner.js';
export { consoleLogger, type Logger } from './runtime/logger.js';
export { moveJobs } from './runtime/move.js';
export type { MovedJob, MoveOptions, MoveResult } from './runtime/move-options.js';
export { asNative, isNative, type NativeType, NativeTypeError } from './runtime/native-type.js';
export type { CloseOptions, QueueOptions, SendOptions, WorkerOptions } from './runtime/options.js';
export {
  createOutboxRelay,
  OutboxRelay,
  type OutboxRelayOptions,
  type RelayBatch,
  type RelayBatchListener,
  type RelayErrorListener,
  type RelayQueueStats,
} from './runtime/outbox-relay.js';
export { processAll, WorkerGroup } from './runtime/process-all.js';
export { Queue } from './runtime/queue.js';
export type { BatchItem, SendResult } from './runtime/send-batch.js';
export { Worker } from './runtime/worker.js';
export type { InferPayload, StandardSchemaV1 } from './schema/validate.js';
export { jsonSerializer } from './serialization/json-serializer.js';
export type { Serializer } from './serialization/serializer.js';
export type { DeadLetterReason, DeadLetterRecord } from './wire/job-meta.js';
